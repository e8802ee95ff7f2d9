"""Findings form -> 7-minute briefing and partnership action plan, and how the outputs look."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from maa_cli.definitions.catalog import load_builtin
from maa_cli.intake.collect import collect
from maa_cli.intake.readers.word import read_word
from maa_cli.office.ooxml import answer_boxes, bookmark_names
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


class TestBriefingFiguresAreSuppressedAgain:
    def _returned(self, audit, tmp_path, extra: dict | None = None):
        """A copy of the audit whose findings form (prefilled without suppression) came back."""
        ws = _copy(audit, tmp_path)
        filled = tmp_path / "filled.docx"
        shutil.copy(ws.reports_dir / "findings-form.docx", filled)
        fill_findings_like_word(filled, {**FINDINGS, **(extra or {})}, FINDINGS_DUE, checked=False)
        for earlier in ws.returns_dir.glob("findings*.docx"):  # a findings form returned by an earlier test
            earlier.unlink()
        shutil.copy(filled, ws.returns_dir / "findings as agreed.docx")
        collect(ws, settle_seconds=0)
        return ws

    def test_figures_prefilled_before_suppression_are_suppressed_in_the_briefing(self, audit, tmp_path):
        """Box 2 left as prefilled ('Female (2), Male (2)'): with --suppress-below 5 the briefing prints it suppressed."""
        from maa_cli.intake.collect import load_responses
        from maa_cli.report.findings_form import findings_from_record

        ws = self._returned(audit, tmp_path)

        found = findings_from_record(next(r for r in load_responses(ws) if r["form_type"] == "findings"))
        assert "Female (2)" in found.overview  # the form carries the unsuppressed figures
        result = build_reports(ws, today=TODAY, suppress_below=5)
        joined = "\n".join(paragraphs(result.briefing))
        assert "Female (2)" not in joined and "South (2)" not in joined and "in 3 of 4 cases" not in joined
        assert "4 cases were audited." in joined and "Domestic abuse featured in a small number (fewer than 5) of 4 cases." in joined

    def test_prefilled_sentences_inside_edited_text_are_suppressed_and_other_small_numbers_pointed_out(self, audit, tmp_path):
        """The officer added a sentence to box 2: maa's sentences are suppressed where they stand, and the
        officer's own small number is named in a note."""
        from maa_cli.intake.readers.word import read_word

        prefilled = read_word(audit.ws.reports_dir / "findings-form.docx", load_builtin("findings-form")).answers["overview"].value
        ws = self._returned(audit, tmp_path, {"overview": prefilled + " Three of the children had 2 older siblings."})
        result = build_reports(ws, today=TODAY, suppress_below=5)
        joined = "\n".join(paragraphs(result.briefing))
        assert "Female (2)" not in joined and "Domestic abuse featured in a small number (fewer than 5) of 4 cases." in joined
        assert "Three of the children had 2 older siblings." in joined
        assert any("box 2" in n and "mentions 2:" in n for n in result.notes), result.notes


def _copy(fx, tmp_path):
    """An independent copy of the fixture audit."""
    from maa_cli.setup.workspace import open_workspace

    shutil.copytree(fx.ws.root, tmp_path / "copy")
    ws = open_workspace(tmp_path / "copy")
    enable_findings(ws)
    return ws


def _plan_rows(ws) -> dict[str, dict]:
    """The action plan's rows by Ref (and 'row N' for rows without one), by column heading."""
    from openpyxl import load_workbook

    sheet = load_workbook(ws.reports_dir / "action-plan.xlsx")["Action plan"]
    head_row = next(r for r in range(1, 12) if sheet.cell(row=r, column=1).value == "Ref")
    names = [c.value for c in sheet[head_row]]
    out = {}
    for r in range(head_row + 1, sheet.max_row + 1):
        values = {n: sheet.cell(row=r, column=i).value for i, n in enumerate(names, 1) if n}
        if any(v not in (None, "") for k, v in values.items() if k != "RAG"):
            out[values["Ref"] or f"row {r}"] = values
    return out


def _write_plan(ws, answers: dict):
    from maa_cli.report.action_plan import write_action_plan
    from maa_cli.report.findings_form import findings_from_record

    ctx = _ctx_for(ws)
    write_action_plan(ctx, findings_from_record({"form_id": "MAA-TEST", "answers": answers}))
    return ctx


def _ctx_for(ws):
    from maa_cli.report.context import build_context

    return build_context(ws, today=TODAY)


class TestActionPlanKeepsEveryRow:
    def test_recommendation_refs_follow_the_form_slot_not_the_position(self):
        """rec2 and rec4 filled, rec1 and rec3 empty: the refs are R2 and R4, not R1 and R2."""
        from maa_cli.report.findings_form import findings_from_record

        found = findings_from_record({"form_id": "MAA-TEST", "answers": {"rec2.action": "Train staff", "rec4.action": "Audit again"}})
        assert [r.ref for r in found.recommendations] == ["R2", "R4"]

    def test_emptying_a_recommendation_keeps_every_row_and_its_progress_in_place(self, audit, tmp_path):
        """R1 removed from the form, a row R3 typed into the plan, a column added: nothing is lost or moved."""
        from openpyxl import load_workbook

        ws = _copy(audit, tmp_path)
        (ws.reports_dir / "action-plan.xlsx").unlink(missing_ok=True)
        _write_plan(ws, {"rec1.action": "Share core group minutes within five days", "rec1.lead": "Children's Social Care",
                         "rec2.action": "Refresh training on the voice of the baby", "rec2.lead": "Health Visiting"})
        path = ws.reports_dir / "action-plan.xlsx"
        wb = load_workbook(path)
        sheet = wb["Action plan"]
        head_row = next(r for r in range(1, 12) if sheet.cell(row=r, column=1).value == "Ref")
        rows = {sheet.cell(row=r, column=1).value: r for r in range(head_row + 1, sheet.max_row + 1)}
        sheet.cell(row=rows["R1"], column=9, value="Template agreed at the board")
        sheet.cell(row=rows["R2"], column=7, value="In progress")
        sheet.cell(row=rows["R2"], column=9, value="Half the health visitors trained")
        typed = max(rows.values()) + 1
        for col, value in ((1, "R3"), (2, "Officer's own action: review the LADO leaflet"), (4, "LADO"), (7, "In progress"),
                           (9, "Draft leaflet circulated")):
            sheet.cell(row=typed, column=col, value=value)
        sheet.cell(row=head_row, column=12, value="Board notes")
        sheet.cell(row=rows["R2"], column=12, value="Raised at the March board")
        wb.save(path)

        # The officer empties recommendation 1 on the findings form; recommendation 2 stays in its slot.
        _write_plan(ws, {"rec2.action": "Refresh training on the voice of the baby", "rec2.lead": "Health Visiting"})
        got = _plan_rows(ws)
        assert set(got) == {"R1", "R2", "R3"}
        r2 = got["R2"]
        assert (r2["Recommendation / action"], r2["Status"], r2["Progress update"], r2["Board notes"]) == (
            "Refresh training on the voice of the baby", "In progress", "Half the health visitors trained", "Raised at the March board")
        assert "not on the findings form" not in r2["Source"]
        r1, r3 = got["R1"], got["R3"]
        assert r1["Recommendation / action"] == "Share core group minutes within five days"
        assert r1["Progress update"] == "Template agreed at the board" and "not on the findings form" in r1["Source"]
        assert (r3["Recommendation / action"], r3["Lead agency"], r3["Status"], r3["Progress update"]) == (
            "Officer's own action: review the LADO leaflet", "LADO", "In progress", "Draft leaflet circulated")
        assert "not on the findings form" in r3["Source"]
        assert str(r3["RAG"]).startswith("=IF(")  # the typed row gets its RAG too

        # Run again: stable, nothing doubled.
        _write_plan(ws, {"rec2.action": "Refresh training on the voice of the baby", "rec2.lead": "Health Visiting"})
        again = _plan_rows(ws)
        assert again == got

    def test_text_typed_in_a_column_without_a_heading_is_kept(self, audit, tmp_path):
        """A note typed beside R1 in a column nobody headed survives the next report, under 'Column M'."""
        from openpyxl import load_workbook

        ws = _copy(audit, tmp_path)
        (ws.reports_dir / "action-plan.xlsx").unlink(missing_ok=True)
        answers = {"rec1.action": "Share core group minutes within five days", "rec1.lead": "Children's Social Care"}
        _write_plan(ws, answers)
        path = ws.reports_dir / "action-plan.xlsx"
        wb = load_workbook(path)
        sheet = wb["Action plan"]
        head_row = next(r for r in range(1, 12) if sheet.cell(row=r, column=1).value == "Ref")
        sheet.cell(row=head_row + 1, column=13, value="ask Jo about the template")
        wb.save(path)
        _write_plan(ws, answers)
        assert _plan_rows(ws)["R1"]["Column M"] == "ask Jo about the template"

    def test_a_typed_row_with_a_ref_the_form_later_uses_is_not_overwritten(self, audit, tmp_path):
        """The officer typed R3; later rec3 is filled on the form: both rows stay, and the officer is told."""
        from openpyxl import load_workbook

        ws = _copy(audit, tmp_path)
        (ws.reports_dir / "action-plan.xlsx").unlink(missing_ok=True)
        _write_plan(ws, {"rec1.action": "Share minutes"})
        path = ws.reports_dir / "action-plan.xlsx"
        wb = load_workbook(path)
        sheet = wb["Action plan"]
        row = sheet.max_row + 1
        sheet.cell(row=row, column=1, value="R3")
        sheet.cell(row=row, column=2, value="Typed by the officer")
        sheet.cell(row=row, column=9, value="Done half")
        wb.save(path)
        ctx = _write_plan(ws, {"rec1.action": "Share minutes", "rec3.action": "Audit neglect again in a year"})
        actions = sorted(v["Recommendation / action"] for v in load_workbook(path)["Action plan"].iter_rows(values_only=True)
                         for v in [dict(zip(["Ref", "Recommendation / action"], v[:2], strict=False))] if v["Ref"] == "R3")
        assert actions == ["Audit neglect again in a year", "Typed by the officer"]
        assert any("R3 is both a row typed into the plan" in n for n in ctx.notes)


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
