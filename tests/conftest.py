"""Shared fixtures: small real input files built in code, and a ready audit folder."""

from __future__ import annotations

import datetime as dt
import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests search afresh on every developer run, where a new counter-example is a find. In CI
# (which sets CI) they replay a fixed search, so a merge is judged on the code, not on the draw.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

TODAY = dt.date(2026, 11, 25)

AGENCIES_CSV = """\
agency,contact_name,email,quadrant
Police,Amira Khan,amira.khan@police.example,South
Children's Social Care,Ben Carter,ben.carter@council.example,West
Health Visiting,Grace Mensah,grace.mensah@nhs.example,Mid
"""

CASES_CSV = """\
case_ref,child_name,date_of_birth,agencies,last_involvement,gender,quadrant
A,Ellie Marsh,14/02/2019,Police;Children's Social Care,03/09/2026,Female,South
B,Jayden Cole,01/08/2024,Children's Social Care;Health Visiting,21/07/2026,Male,West
C,Amelia Novak,30/11/2012,Police;Health Visiting,12/06/2026,Female,Mid
D,Noah Adeyemi,05/05/2021,Police;Children's Social Care;Health Visiting,28/10/2026,Male,South
E,Oscar Bright,22/12/2007,Police,01/02/2026,Male,West
F,Theo Walsh,17/06/2014,Health Visiting,14/03/2025,Male,Mid
"""
CHILD_NAMES = ["Ellie Marsh", "Jayden Cole", "Amelia Novak", "Noah Adeyemi", "Oscar Bright", "Theo Walsh"]
CHILD_DOBS = ["14/02/2019", "2019-02-14", "2024-08-01", "2012-11-30", "2021-05-05", "2007-12-22", "2014-06-17"]


def run_maa(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run the installed 'maa' entry point (cli.main) in this process, as a scheduled script would:
    (exit code, stdout, stderr)."""
    import sys

    from maa_cli import cli

    monkeypatch.setattr(sys, "argv", ["maa", *args])
    with pytest.raises(SystemExit) as done:
        cli.main()
    out, err = capsys.readouterr()
    return done.value.code, out, err


def build_files(root: Path, files: dict[str, str | bytes]) -> dict[str, Path]:
    """Write ``{relative path: text}`` under ``root``; return the paths by name."""
    out = {}
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(textwrap.dedent(body), encoding="utf-8")
        out[name] = path
    return out


@pytest.fixture
def csvs(tmp_path) -> dict[str, Path]:
    return build_files(tmp_path / "inputs", {"agencies.csv": AGENCIES_CSV, "cases.csv": CASES_CSV})


@pytest.fixture
def settings_csv(tmp_path) -> Path:
    body = (
        "agency,contact_name,email,setting_type,quadrant\n"
        "Acorn Nursery,Priya Shah,dsl@acorn.example,Day nursery,South\n"
        "Church Lane Childminding,Mary Okafor,mary@cm.example,Childminder,Mid\n"
        "Bluebell Pre-school,Tom Evans,office@bluebell.example,Pre-school,West\n"
    )
    return build_files(tmp_path / "inputs", {"settings.csv": body})["settings.csv"]


@pytest.fixture
def questionnaire(tmp_path, settings_csv):
    """An opened early years questionnaire audit with its forms issued."""
    from maa_cli.forms.plan import issue_forms
    from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace

    root = tmp_path / "ey-audit"
    new_audit(root, NewAudit(return_to="audits@northshire-scp.example", title="EY checklist", partnership="Northshire SCP", type="questionnaire",
                             tool="early-years-safeguarding", agencies_csv=settings_csv,
                             deadline=dt.date(2027, 1, 31), today=TODAY))
    ws = open_workspace(root)
    issue_forms(ws)
    return ws
