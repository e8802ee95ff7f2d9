"""The partnership sees every agency's self-assessment side by side: a heat map in colour and in words, for any tool."""

from __future__ import annotations

import io

from docx import Document
from openpyxl import Workbook, load_workbook

from maa_cli.definitions.tool import Tool
from maa_cli.report.matrix import (
    MatrixCell,
    add_matrix_tables,
    matrix_placement,
    respondent_matrix,
    write_matrix_sheet,
)

TOOL = Tool.model_validate({
    "id": "s11", "title": "Section 11 self-assessment", "version": "1.0", "kind": "questionnaire",
    "scales": {"plain": ["Often", "Rarely"]},
    "sections": [{"id": "s1", "title": "Standards", "questions": [
        {"id": "lead", "number": "1.1", "text": "A senior leader is accountable.", "type": "grade", "scale": "section11", "na": True},
        {"id": "policy", "number": "1.2", "text": "Do the procedures cover", "type": "yes_no", "parts": [
            {"id": "a", "label": "a", "text": "concerns?"}, {"id": "b", "label": "b", "text": "allegations?"}]},
        {"id": "often", "number": "1.3", "text": "How often is it reviewed?", "type": "grade", "scale": "plain"},
        {"id": "notes", "number": "1.4", "text": "Anything else?", "type": "long_text", "required": False},
        {"id": "urgent", "number": "1.5", "text": "Is a child at risk now?", "type": "yes_no", "urgent": True},
    ]}],
})


def record(agency: str, answers: dict, status: str = "accepted") -> dict:
    return {"form_id": f"MAA-{agency[:4].upper()}", "agency": agency, "status": status, "answers": answers}


RECORDS = [
    record("Police", {"lead": "Partly met", "policy.a": "Yes", "policy.b": "No", "often": "Rarely", "urgent": "No"}),
    record("Health", {"lead": "Fully met", "policy.a": "Yes", "policy.b": "Yes", "often": "Often", "urgent": "No"}),
    record("Council", {"lead": "N/A", "policy.a": "Yes"}),
    record("Probation", {"lead": "Not met"}, status="incomplete"),
]


def test_rows_are_respondents_and_columns_the_judged_questions():
    """Text and urgent questions are left out; respondents come in name order; only accepted returns count."""
    m = respondent_matrix(TOOL, RECORDS)
    assert [c.number for c in m.columns] == ["1.1", "1.2", "1.3"]
    assert [r.respondent for r in m.rows] == ["Council", "Health", "Police"]


def test_each_cell_has_its_answer_its_rag_word_and_whether_it_needs_action():
    """Partly met is amber and needs action; a No in a part shows which part; a scale without colours shows words only."""
    police = {r.respondent: r for r in respondent_matrix(TOOL, RECORDS).rows}["Police"]
    assert police.cells == [MatrixCell("Partly met", "amber", True), MatrixCell("No (b)", "red", True),
                            MatrixCell("Rarely", None, False)]
    assert [c.label for c in police.cells] == ["Partly met · Amber", "No (b) · Red", "Rarely"]
    council = {r.respondent: r for r in respondent_matrix(TOOL, RECORDS).rows}["Council"]
    assert [c.label for c in council.cells] == ["N/A", "", ""]


def test_respondents_who_did_not_return_get_a_row_saying_so():
    """With the list of respondents expected, Probation (incomplete) is shown as 'No return'."""
    m = respondent_matrix(TOOL, RECORDS, expected=["Police", "Health", "Council", "Probation"])
    assert [(r.respondent, r.returned) for r in m.rows][-1] == ("Probation", False)
    assert m.needing_action(0) == (1, 2)  # of Police and Health's ratings (N/A left out), one needs action


def test_the_sheet_shows_colour_and_word_in_every_cell():
    """In the workbook each answer keeps its word and gets Excel's good / neutral / bad colours; a last row counts actions."""
    wb = Workbook()
    sheet = write_matrix_sheet(wb, respondent_matrix(TOOL, RECORDS))
    buffer = io.BytesIO()
    wb.save(buffer)
    ws = load_workbook(buffer)[sheet.title]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=5) if r[0].value}
    assert rows["Police"][1].value == "Partly met · Amber" and rows["Police"][1].fill.start_color.rgb.endswith("FFEB9C")
    assert rows["Health"][1].value == "Fully met · Green" and rows["Health"][1].fill.start_color.rgb.endswith("C6EFCE")
    assert rows["Needing action"][1].value == "1 of 2"
    assert ws["B3"].value == "1.1" and ws["B4"].value == "A senior leader is accountable."


def test_the_word_tables_shade_cells_and_repeat_the_respondent_column():
    """Split into tables of at most two questions here, each with its header row, respondents and shaded cells."""
    doc = Document()
    tables = add_matrix_tables(doc, respondent_matrix(TOOL, RECORDS), max_columns=2)
    assert [len(t.columns) for t in tables] == [3, 2]
    first = tables[0]
    assert [c.text for c in first.rows[0].cells] == ["Respondent", "1.1", "1.2"]
    police = next(r for r in first.rows if r.cells[0].text == "Police")
    assert police.cells[1].text == "Partly met · Amber"
    assert 'w:fill="FFEB9C"' in police.cells[1]._tc.xml
    assert "tblCaption" in first._tbl.xml
    assert "1.1: A senior leader is accountable." in "\n".join(p.text for p in doc.paragraphs)


def test_a_handful_of_agencies_go_in_the_report_and_many_settings_in_the_workbook():
    """Agencies answering once each, up to 20 (as many as a shareable report names): the findings report;
    21 settings, or forms per case: the data workbook."""
    assert matrix_placement("agency", 20) == "report"
    assert matrix_placement("agency", 21) == "workbook"
    assert matrix_placement("agency_case", 5) == "workbook"
