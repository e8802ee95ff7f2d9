"""Findings form -> 7-minute briefing and partnership action plan, and how the outputs look."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from maa_cli.catalog import load_builtin
from maa_cli.ooxml import answer_boxes, bookmark_names
from maa_cli.readers.word import read_word
from maa_cli.report import build_reports
from maa_cli.report.action_plan import rag
from maa_cli.report.findings_form import findings_form_id
from tests.test_report_fixtures import (
    FINDINGS,
    FINDINGS_DUE,
    TODAY,
    enable_findings,
    fill_findings_like_word,
    make_case_audit,
    return_findings,
)

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "reports"
BOXES = ["The audit process", "The cases", "What worked well", "Areas for development",
         "Independent scrutineer's reflections", "Recommendations", "What this means for your practice"]


def paragraphs(path: Path) -> list[str]:
    import docx

    doc = docx.Document(str(path))
    out = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                out += [p.text for p in cell.paragraphs]
    return out


@pytest.fixture(scope="module")
def audit(tmp_path_factory):
    fx = make_case_audit(tmp_path_factory.mktemp("brief"))
    enable_findings(fx.ws)
    build_reports(fx.ws, today=TODAY)
    return fx


class TestFindingsForm:
    def test_it_is_an_ordinary_maa_form_prefilled_with_the_figures(self, audit):
        """The maa Word reader identifies the form and reads back the computed process and overview."""
        path = audit.ws.reports_dir / "findings-form.docx"
        raw = read_word(path, load_builtin("findings-form"))
        assert raw.identity.form_id == findings_form_id(_ctx(audit)) and raw.identity_source == "custom_properties"
        assert "11 forms sent, 10 returned (91%)" in raw.answers["audit_process"].value
        assert "Domestic abuse featured in 3 of 4 cases (75%)." in raw.answers["overview"].value
        assert "Suggested from the figures" in raw.answers["development"].value

    def test_an_edited_copy_in_reports_is_never_overwritten(self, audit, tmp_path):
        """If the officer typed into reports/findings-form.docx, the next run keeps it and says so."""
        path = audit.ws.reports_dir / "findings-form.docx"
        keep = path.read_bytes()
        fill_findings_like_word(path, {"worked_well": "Typed in place."}, {})
        edited = path.read_bytes()
        result = build_reports(audit.ws, today=TODAY)
        assert path.read_bytes() == edited and any("was kept" in n for n in result.notes)
        path.write_bytes(keep)


def _ctx(fx):
    from maa_cli.report.context import build_context

    return build_context(fx.ws, today=TODAY)


class TestBriefing:
    def test_a_returned_findings_form_becomes_a_seven_box_briefing_and_an_action_plan(self, audit, tmp_path):
        """Seven numbered boxes in order, the officer's words masked, and one action-plan row per recommendation."""
        filled = tmp_path / "filled.docx"
        shutil.copy(audit.ws.reports_dir / "findings-form.docx", filled)
        fill_findings_like_word(filled, FINDINGS, FINDINGS_DUE, checked=False)
        return_findings(audit.ws, filled)
        result = build_reports(audit.ws, today=TODAY)
        assert result.briefing and result.briefing.name == "7-minute-briefing.docx"
        text = paragraphs(result.briefing)
        headings = [t for t in text if t[:1].isdigit() and "  " in t]
        assert headings == [f"{i}  {name}" for i, name in enumerate(BOXES, 1)]
        joined = "\n".join(text)
        assert "Agencies met quickly. [name] said [name] felt safe." in joined
        assert "R2. Refresh training on the voice of the baby (lead: Health Visiting; by June 2027)" in joined
        assert "DRAFT" in joined  # question 8 not answered Yes

    def test_the_action_plan_has_status_drop_down_rag_as_words_and_a_summary_chart(self, audit):
        """Status is a list of three; RAG is a formula giving the word, coloured by conditional formatting too."""
        from openpyxl import load_workbook

        wb = load_workbook(audit.ws.reports_dir / "action-plan.xlsx")
        sheet = wb["Action plan"]
        rows = [r for r in sheet.iter_rows(values_only=True) if r[0] in ("R1", "R2")]
        assert [(r[0], r[3], r[4], r[5].date(), r[6]) for r in rows] == [
            ("R1", "Children's Social Care", "Head of Safeguarding", dt.date(2026, 10, 1), "Not started"),
            ("R2", "Health Visiting", "Named nurse", dt.date(2027, 6, 30), "Not started")]
        assert rows[0][7].startswith('=IF(G') and '"Red"' in rows[0][7]
        lists = [dv.formula1 for dv in sheet.data_validations.dataValidation]
        assert '"Not started,In progress,Complete"' in lists
        rules = [r for cf in sheet.conditional_formatting for r in cf.rules]
        assert {r.formula[0] for r in rules} == {'"Red"', '"Amber"', '"Green"'}
        assert wb["Summary"]._charts and wb["Summary"]["B5"].value.startswith("=COUNTIF(")

    def test_rag_is_red_when_overdue_and_not_complete(self):
        """The rule the formula applies: complete is Green whatever the date; overdue otherwise Red; else Amber."""
        day = dt.date(2026, 11, 25)
        assert rag("Complete", dt.date(2026, 1, 1), day) == "Green"
        assert rag("In progress", dt.date(2026, 11, 24), day) == "Red"
        assert rag("Not started", dt.date(2026, 11, 25), day) == "Amber"
        assert rag("In progress", None, day) == "Amber"

    def test_updates_typed_into_the_action_plan_survive_the_next_run(self, audit):
        """Status, progress and evidence typed by agencies are kept when maa report runs again."""
        from openpyxl import load_workbook

        path = audit.ws.reports_dir / "action-plan.xlsx"
        wb = load_workbook(path)
        sheet = wb["Action plan"]
        row = next(r for r in range(1, 20) if sheet.cell(row=r, column=1).value == "R1")
        sheet.cell(row=row, column=7, value="In progress")
        sheet.cell(row=row, column=9, value="Template for minutes agreed")
        wb.save(path)
        build_reports(audit.ws, today=TODAY)
        again = load_workbook(path)["Action plan"]
        assert (again.cell(row=row, column=7).value, again.cell(row=row, column=9).value) == ("In progress", "Template for minutes agreed")


@pytest.mark.office
class TestInLibreOffice:
    def test_the_findings_form_round_trips_through_libreoffice_into_the_briefing(self, tmp_path_factory):
        """Filled in LibreOffice (typing, a drop-down and a date), saved into returns/, it becomes the briefing."""
        from tests.office import client

        client.require_office()
        fx = make_case_audit(tmp_path_factory.mktemp("lo"))
        enable_findings(fx.ws)
        build_reports(fx.ws, today=TODAY)
        names = bookmark_names(answer_boxes(load_builtin("findings-form").fields()))
        actions = [{"bookmark": names[k], "op": "text", "value": v} for k, v in FINDINGS.items() if not k.startswith("rec2")]
        actions.append({"bookmark": names["rec1.due"], "op": "date", "text": "01/10/2026", "iso": "2026-10-01"})
        actions.append({"bookmark": names["checked"], "op": "select", "value": "Yes"})
        saved = tmp_path_factory.mktemp("lo-saved") / "findings.docx"
        client.fill_docx(fx.ws.reports_dir / "findings-form.docx", saved, actions)
        return_findings(fx.ws, saved)
        result = build_reports(fx.ws, today=TODAY)
        assert result.briefing is not None, result.notes
        joined = "\n".join(paragraphs(result.briefing))
        assert "Record the child's own words." in joined and "DRAFT" not in joined
        assert "R1. =SUM(1) Review how minutes of core groups are shared (lead: Children's Social Care; by October 2026)" in joined
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for name in ("7-minute-briefing.docx", "findings-report.docx", "action-plan.xlsx"):
            pdf = ARTIFACTS / f"{Path(name).stem}.pdf"
            client.to_pdf(fx.ws.reports_dir / name, pdf)
            client.pdf_to_png(pdf, ARTIFACTS / f"{Path(name).stem}.png")
        pack = fx.ws.reports_dir / "restricted" / "Panel pack - Case A.docx"
        client.to_pdf(pack, ARTIFACTS / "panel-pack.pdf")
        client.pdf_to_png(ARTIFACTS / "panel-pack.pdf", ARTIFACTS / "panel-pack.png")
        import subprocess

        pages = subprocess.run(["pdfinfo", str(ARTIFACTS / "7-minute-briefing.pdf")], capture_output=True, text=True).stdout
        assert re.search(r"Pages:\s+1\n", pages)  # one A4 page
