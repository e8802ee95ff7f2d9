"""The Excel reader reads workbooks from their zip, and gets every cell exactly as openpyxl does."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from maa_cli.forms.excel import FORM_SHEET
from maa_cli.intake.readers.excel import read_excel, read_excel_openpyxl
from maa_cli.intake.readers.xlsxzip import Book, NotPlain
from tests import hostile
from tests.office import client

ROWS, COLS = 30, 8


def _workbook(path: Path, epoch_1904: bool = False) -> Path:
    """A form-like workbook with every kind of cell a respondent's program may write."""
    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.utils.datetime import CALENDAR_MAC_1904
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    if epoch_1904:
        wb.epoch = CALENDAR_MAC_1904
    sheet = wb.active
    sheet.title = FORM_SHEET
    sheet["A1"] = "Safeguarding self-assessment"
    sheet["A2"] = "maa form ref: MAA-TEST-0001"
    sheet["A4"], sheet["B4"], sheet["C4"], sheet["D4"] = "Key", "No.", "Question", "Your answer"
    sheet["A5"], sheet["D5"] = "q1", "Yes"
    sheet["A6"], sheet["D6"] = "q2", 42
    sheet["A7"], sheet["D7"] = "q3", 3.25
    sheet["A8"], sheet["D8"] = "q4", dt.date(2027, 3, 14)
    sheet["A9"], sheet["D9"] = "q5", dt.datetime(2027, 3, 14, 9, 30)
    sheet["A10"], sheet["D10"] = "q6", True
    sheet["A11"], sheet["D11"] = "q7", "=D6*2"
    sheet["A12"], sheet["D12"] = "q8", CellRichText("Training ", TextBlock(InlineFont(b=True), "booked"), " for May")
    sheet["A13"], sheet["D13"] = "q9", "line one\nline two _x000D_ end"
    sheet["A14"], sheet["D14"] = "q10", ""
    sheet["D20"] = "past the gap"
    sheet["H25"] = "far right"
    sheet["D16"].number_format = "dd/mm/yyyy"  # a styled empty cell
    rule = DataValidation(type="list", formula1='"Yes,No,N/A"', allow_blank=True)
    sheet.add_data_validation(rule)
    rule.add("D5")
    wb.defined_names["Answer_q1"] = DefinedName("Answer_q1", attr_text=f"'{FORM_SHEET}'!$D$5")
    wb.create_sheet("Lists")["A1"] = "Yes"
    wb.save(path)
    return path


def _cells(book, title: str) -> list[list[tuple]]:
    return [[(c.value, getattr(c, "data_type", None)) for c in row]
            for row in book[title].iter_rows(min_row=1, max_row=ROWS, max_col=COLS)]


def _openpyxl_cells(path: Path, title: str) -> list[list[tuple]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    try:
        return _cells(wb, title)
    finally:
        wb.close()


def _zip_cells(path: Path, title: str) -> list[list[tuple]]:
    book = Book(path)
    try:
        return _cells(book, title)
    finally:
        book.close()


@pytest.mark.parametrize("epoch_1904", [False, True])
def test_every_cell_of_a_workbook_saved_by_openpyxl_is_read_as_openpyxl_reads_it(tmp_path, epoch_1904):
    """Shared and rich-text strings, numbers, dates in either date system, booleans, formulas and gaps all agree."""
    path = _workbook(tmp_path / "form.xlsx", epoch_1904)
    got = _zip_cells(path, FORM_SHEET)
    assert got == _openpyxl_cells(path, FORM_SHEET)
    assert got[7][3] == (dt.datetime(2027, 3, 14), "d")  # a real date, not its serial number
    assert got[11][3] == ("Training booked for May", "s")  # the runs of rich text, joined


def test_the_workbook_level_facts_match_openpyxl(tmp_path):
    """Sheet names, defined names and custom properties are what openpyxl finds."""
    from openpyxl import load_workbook

    path = _workbook(tmp_path / "form.xlsx")
    book = Book(path)
    wb = load_workbook(path, read_only=True)
    try:
        assert book.sheetnames == wb.sheetnames
        assert {k: v.attr_text for k, v in book.defined_names.items()} == {k: v.attr_text for k, v in wb.defined_names.items()}
        assert [(p.name, str(p.value)) for p in book.custom_doc_props] == [(p.name, str(p.value)) for p in wb.custom_doc_props]
    finally:
        book.close()
        wb.close()


def test_a_workbook_saved_by_libreoffice_calc_is_read_as_openpyxl_reads_it(tmp_path):
    """Calc rewrites every part (its own shared strings, styles, cached formula results): the cells still agree."""
    client.require_office()
    saved = tmp_path / "saved by calc.xlsx"
    result = client.fill_xlsx(_workbook(tmp_path / "form.xlsx"), saved,
                              [{"sheet": FORM_SHEET, "cell": "E5", "how": "api", "kind": "text", "value": "typed in Calc"}])
    assert result["ok"], result
    with zipfile.ZipFile(saved) as z:
        assert b"<v>84</v>" in z.read("xl/worksheets/sheet1.xml")  # the formula's cached result is there to be ignored
    got = _zip_cells(saved, FORM_SHEET)
    assert got == _openpyxl_cells(saved, FORM_SHEET)
    assert got[4][4] == ("typed in Calc", "s")
    assert got[10][3][1] == "f"


def test_a_shared_formula_is_left_to_openpyxl_and_read_the_same(tmp_path):
    """Excel shares one formula down a column; the zip reader does not rebuild it, so openpyxl reads that workbook."""
    path = _workbook(tmp_path / "form.xlsx")
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    shared = sheet.replace(b"<f>D6*2</f>", b'<f t="shared" ref="D11:D11" si="0">D6*2</f>')
    assert shared != sheet
    copy = hostile.rewrite_zip(path, tmp_path / "shared.xlsx", {"xl/worksheets/sheet1.xml": shared})
    book = Book(copy)
    try:
        with pytest.raises(NotPlain):
            _cells(book, FORM_SHEET)
    finally:
        book.close()
    assert read_excel(copy) == read_excel_openpyxl(copy)
    assert read_excel(copy).unreadable == []


@pytest.mark.parametrize("max_row", [3, 13, ROWS, 400])
def test_the_readers_table_holds_what_iter_rows_gives(tmp_path, max_row):
    """Sheet.table, which the reader uses, has the rows, values and types iter_rows gives, however far it reads."""
    from maa_cli.intake.readers.excel import _plain

    book = Book(_workbook(tmp_path / "form.xlsx"))
    try:
        sheet = book[FORM_SHEET]
        values, types = sheet.table(max_row, COLS, _plain)
        rows = list(sheet.iter_rows(min_row=1, max_row=max_row, max_col=COLS))
    finally:
        book.close()
    assert values == {i: [_plain(c.value) for c in row] for i, row in enumerate(rows, 1)}
    assert types == {i: [c.data_type for c in row] for i, row in enumerate(rows, 1)}
    assert len(values) == min(max_row, 25)  # the sheet ends at row 25 (H25)


def test_workbooks_read_one_after_another_keep_their_own_names_and_dates(tmp_path):
    """What the reader keeps from one workbook (its names, its date system) never answers for the next one."""
    from openpyxl import load_workbook
    from openpyxl.workbook.defined_name import DefinedName

    first = _workbook(tmp_path / "first.xlsx")
    second = _workbook(tmp_path / "second.xlsx", epoch_1904=True)
    wb = load_workbook(second)
    del wb.defined_names["Answer_q1"]
    wb.defined_names["Answer_q1"] = DefinedName("Answer_q1", attr_text=f"'{FORM_SHEET}'!$D$6")
    wb.save(second)
    for path, cell, date in [(first, "$D$5", (2027, 3, 14)), (second, "$D$6", (2027, 3, 14)), (first, "$D$5", (2027, 3, 14))]:
        book = Book(path)
        try:
            assert book.defined_names["Answer_q1"].attr_text == f"'{FORM_SHEET}'!{cell}"
            assert _cells(book, FORM_SHEET)[7][3] == (dt.datetime(*date), "d")
        finally:
            book.close()
