"""Collecting many returns on every core gives the same outcome as on one."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time

from maa_cli.forms.plan import plan_forms
from maa_cli.forms.pool import write_forms
from maa_cli.intake import ahead, examine
from maa_cli.intake.ahead import AHEAD_DIR
from maa_cli.intake.collect import collect
from maa_cli.intake.safety import inspect_file
from maa_cli.setup.workspace import open_workspace


def _returns(ws) -> None:
    """Each setting sends its form back filled in, twice over (Word and Excel), one of them broken and one answer missing."""
    jobs = []
    for fmt in ("docx", "xlsx"):
        for form in plan_forms(ws, fmt=fmt):
            tool = form.content.tool
            answers = {f.key: "Yes" for f in tool.fields() if f.role == "answer" and f.type == "yes_no"}
            answers.pop("q3", None)  # one return is incomplete
            content = dataclasses.replace(form.content, prefill=answers)
            jobs.append((content, fmt, ws.returns_dir / f"{form.content.for_whom} ({fmt}).{fmt}"))
    list(write_forms(jobs, workers=1))
    (ws.returns_dir / "scanned.pdf").write_bytes(b"%PDF-1.4 not a form")
    old = time.time() - 3600
    for path in ws.returns_dir.iterdir():
        os.utime(path, (old, old))


def _outcome(ws, workers: int) -> dict:
    result = collect(ws, settle_seconds=0, workers=workers)
    out = result.to_json()
    for f in out["files"]:
        f.pop("modified", None)
    return out


def test_returns_read_ahead_by_worker_processes_are_judged_exactly_as_in_one_process(questionnaire, tmp_path, monkeypatch):
    """Decisions, reasons, records and the run's figures agree; the workers leave no copies behind."""
    ws = questionnaire
    _returns(ws)
    twin = tmp_path / "twin"
    shutil.copytree(ws.root, twin)
    alone = _outcome(open_workspace(twin), workers=1)
    inspected_here = []
    monkeypatch.setattr(ahead, "TAKE_BACK", False)  # wait for the workers, however slowly they start
    monkeypatch.setattr(examine, "inspect_file", lambda path: inspected_here.append(path) or inspect_file(path))
    together = _outcome(ws, workers=2)
    assert inspected_here == []  # every file was inspected (and read) by a worker
    assert json.dumps(together, sort_keys=True, default=str) == json.dumps(alone, sort_keys=True, default=str)
    assert together["run"]["read"] == 7
    assert {f["status"] for f in together["files"]} >= {"rejected", "incomplete"}
    assert not (ws.restricted_dir / AHEAD_DIR).exists()
    records = sorted(p.relative_to(ws.root).as_posix() for p in ws.restricted_dir.rglob("*") if p.is_file())
    twins = sorted(p.relative_to(twin).as_posix() for p in (twin / ws.restricted_dir.relative_to(ws.root)).rglob("*") if p.is_file())
    assert records == twins
