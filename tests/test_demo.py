"""`maa demo` runs the whole cycle, each audit tells its own story, and what it leaves outside the restricted
store names no child."""

from __future__ import annotations

import zipfile

import pytest

from maa_cli.demo.run import run_demo
from maa_cli.setup.workspace import open_workspace


def _texts(folder):
    """Every file below ``folder`` as text (the XML parts of Word and Excel files included), with its name."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix in (".docx", ".xlsx"):
            with zipfile.ZipFile(path) as z:
                yield path, " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
        else:
            yield path, path.read_text(encoding="utf-8", errors="replace")
        yield path, path.name


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo") / "demo"
    return root, run_demo(root, log=lambda line: None)


def test_the_demo_runs_end_to_end_and_keeps_narrative_names_in_the_restricted_store(demo):
    """A child's first name typed into a narrative answer is in the restricted records and nowhere shareable."""
    root, result = demo
    ws = open_workspace(root / "case-audit")
    names = [p.name for _label, p in result.where_to_look]
    assert {"7-minute-briefing.docx", "action-plan.xlsx", "findings-report.docx"} <= set(names)
    restricted = " ".join(text for _p, text in _texts(ws.restricted_dir / "responses"))
    assert "Ellie" in restricted  # the demo's narrative names the child of case A: the test can fail
    shareable = [ws.state_dir, ws.reports_dir]
    for folder in shareable:
        for path, text in _texts(folder):
            if "restricted" in path.relative_to(ws.root).parts:
                continue
            assert "Ellie" not in text and "Marsh" not in text, f"{path} names the child of case A"


def _docx_text(path) -> str:
    import docx

    doc = docx.Document(str(path))
    return "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])


def _xlsx_text(path) -> str:
    from openpyxl import load_workbook

    return "\n".join(str(v) for s in load_workbook(path).worksheets for r in s.iter_rows(values_only=True) for v in r if v)


CASE_WORDS = ("strategy discussion", "core group", "MARAC", "child protection plan", "mental health")


class TestEachAuditTellsItsOwnStory:
    def test_the_early_years_briefing_and_report_talk_about_early_years_settings(self, demo):
        """DSLs, policies, the EYFS and safer recruitment; never a case audit's strategy discussions or core groups."""
        reports = demo[0] / "early-years" / "reports"
        briefing, report = _docx_text(reports / "7-minute-briefing.docx"), _docx_text(reports / "findings-report.docx")
        plans = " ".join(_xlsx_text(p) for p in (reports / "respondents").glob("*.xlsx")) + _xlsx_text(reports / "action-plan.xlsx")
        for text in (briefing, report, plans):
            for word in CASE_WORDS:
                assert word.casefold() not in text.casefold(), word
        for word in ("designated safeguarding lead (DSL)", "EYFS", "Safer recruitment", "policy", "childminder"):
            assert word.casefold() in briefing.casefold(), word
        assert "7-minute briefing: Safeguarding arrangements in early years settings" in briefing
        assert "EYFS" in plans and "DBS" in plans  # settings' own action points are about their own duties

    def test_the_case_audit_talks_about_its_theme(self, demo):
        """Domestic abuse and parental mental health run through the case audit's briefing, report and features."""
        reports = demo[0] / "case-audit" / "reports"
        briefing, report = _docx_text(reports / "7-minute-briefing.docx"), _docx_text(reports / "findings-report.docx")
        assert "7-minute briefing: Domestic abuse and parental mental health" in briefing
        for text in (briefing, report):
            assert "domestic abuse" in text.casefold() and "adult mental health" in text.casefold()
        assert "Domestic abuse featured in 5 of 5 cases (100%)." in report  # the audit's theme, in every case
