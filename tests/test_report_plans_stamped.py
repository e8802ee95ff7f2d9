"""Each setting's action plan, written into a base laid out once, is the plan openpyxl builds on its own.

``maa report`` writes a county's 1,500 plans by laying out one base per kind of plan and writing each
setting's heading and rows into it (:mod:`maa_cli.report.respondent_plans`). These tests collect returns
whose action points need escaping, wrap over several lines, or cannot be written into a base (text that
looks like a formula, a typed Excel escape), then write the plans both ways and compare every part's
XML (parsed; only the creation and modification times may differ).
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from maa_cli.forms.plan import issue_forms, plan_forms
from maa_cli.intake.collect import collect
from maa_cli.report import respondent_plans
from maa_cli.report.context import build_context
from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace
from tests.conftest import build_files
from tests.fill import all_yes, fill_excel

TODAY = dt.date(2026, 11, 25)
# The action points each setting typed beside its No to question 4 (None: it answered every question Yes).
ACTIONS = {
    "Acorn & Co <Nursery>": "Book “Level 2” training & check <DBS> records – by 3 March",
    "Bluebell Pre-school": "  Two spaces typed before the action",
    "Church Lane Childminding": "First line\nSecond line\nThird line of a longer action that wraps" + " again" * 30,
    "Dandelion Nursery": '=HYPERLINK("http://example.org")',
    "Elm Tree Pre-school": "_x005F_x0041_ typed in Excel, as Excel saves it",  # collected as "_x0041_ typed ..."
    "Fern Childminding": None,
}
SETTINGS = "agency,contact_name,email,setting_type\n" + "".join(
    f'"{name}",DSL,dsl{i}@setting.example,{"Childminder" if "Childminding" in name else "Day nursery"}\n'
    for i, name in enumerate(ACTIONS))
CORE_TIMES = ("{http://purl.org/dc/terms/}created", "{http://purl.org/dc/terms/}modified")


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """An early years questionnaire with one complete return from each setting, collected."""
    root = tmp_path_factory.mktemp("plans")
    inputs = build_files(root / "in", {"settings.csv": SETTINGS})
    new_audit(root / "ey", NewAudit(return_to="audits@northshire-scp.example", title="EY self-assessment",
                                    partnership="Northshire SCP", type="questionnaire", tool="early-years-safeguarding",
                                    agencies_csv=inputs["settings.csv"], deadline=dt.date(2026, 12, 31), today=TODAY))
    ws = open_workspace(root / "ey")
    issue_forms(ws)
    tool = next(iter(ws.tools.values()))
    for form in plan_forms(ws):
        answers = all_yes(tool, ws.audit.agency(form.agency).attributes)
        if ACTIONS[form.agency] is not None:
            answers.update({"q4": "No", "q4.action": ACTIONS[form.agency], "q4.when_who": "Manager & deputy"})
        fill_excel(ws.forms_dir / form.relpath, ws.returns_dir / f"{form.agency}.xlsx", answers)
    assert collect(ws, settle_seconds=0).summary["accepted"] == len(ACTIONS)
    return ws


def parts(path: Path) -> dict[str, bytes]:
    out = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            tree = etree.fromstring(z.read(name))
            for element in tree.iter(*CORE_TIMES):
                element.text = ""
            out[name] = etree.tostring(tree, method="c14n")
    return out


def test_every_plan_is_the_one_openpyxl_builds(collected, tmp_path, monkeypatch):
    """Plans written into a base equal openpyxl's own, part by part; the two that cannot be are built by openpyxl."""
    ctx = build_context(collected, today=TODAY, suppress_below=0)
    reference = respondent_plans.write_respondent_plans(ctx, stamp=False)
    shutil.copytree(collected.reports_dir / respondent_plans.FOLDER, tmp_path / "reference")
    built_alone = []
    slow = respondent_plans._write

    def counting(ctx, path, plan):
        built_alone.append(path.name)
        return slow(ctx, path, plan)

    monkeypatch.setattr(respondent_plans, "_write", counting)
    stamped = respondent_plans.write_respondent_plans(ctx)
    assert sorted(p.name for p in stamped) == sorted(p.name for p in reference) and len(stamped) == len(ACTIONS)
    assert sorted(built_alone) == ["Dandelion Nursery.xlsx", "Elm Tree Pre-school.xlsx"]
    for path in stamped:
        got, want = parts(path), parts(tmp_path / "reference" / path.name)
        assert sorted(got) == sorted(want)
        for name in want:
            assert got[name] == want[name], f"{path.name}: part {name} differs from openpyxl's"


def test_a_plan_reads_back_with_the_actions_as_typed(collected):
    """The escaped and wrapped action points come back from the workbook exactly as the setting typed them."""
    from openpyxl import load_workbook

    ctx = build_context(collected, today=TODAY, suppress_below=0)
    paths = {p.stem: p for p in respondent_plans.write_respondent_plans(ctx)}
    for name in ("Acorn & Co <Nursery>", "Church Lane Childminding"):
        sheet = load_workbook(paths[respondent_plans.NameAllocator().name(name, 80)])["Action plan"]
        values = [c.value for row in sheet.iter_rows() for c in row]
        assert f"{name}: safeguarding action plan" in values
        assert ACTIONS[name] in values and "Manager & deputy" in values
    nothing = load_workbook(paths["Fern Childminding"])["Action plan"]
    assert any("No actions" in str(c.value) for row in nothing.iter_rows() for c in row)
