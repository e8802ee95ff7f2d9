"""Excel forms: what the writer puts in a workbook, and what the reader gets back out of a return.

The real-client round trips (LibreOffice fills, saves, the file is renamed and edited)
are in test_forms_builtin.py; these stories build their workbooks in code.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest

from maa_cli.definitions.tool import NA, Tool
from maa_cli.forms.excel import FORM_SHEET, LISTS_SHEET, defined_name, excel_rows, write_excel_form
from maa_cli.intake.normalise import normalise
from maa_cli.intake.readers.excel import excel_identity, read_excel
from maa_cli.office.cells import put
from tests.forms_fixtures import PARTNERSHIP, case_tool, form_content


def write(tmp_path: Path, name: str = "form.xlsx", **overrides):
    content = form_content(**overrides)
    path = tmp_path / name
    write_excel_form(content, path)
    return content, path


def sheet_xml(path: Path) -> str:
    return zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()


def workbook(path: Path):
    from openpyxl import load_workbook

    return load_workbook(path)


def answer_cell(wb, key: str):
    sheet, coord = next(iter(wb.defined_names[defined_name(key)].destinations))
    return wb[sheet][coord.replace("$", "")]


def fill(path: Path, target: Path, answers: dict[str, object], edit=None) -> Path:
    """Type answers into a copy of the form, as Excel would store them (text stays text)."""
    wb = workbook(path)
    for key, value in answers.items():
        cell = answer_cell(wb, key)
        put(cell.parent, cell.row, cell.column, value)
    if edit:
        edit(wb)
    wb.save(target)
    return target


def validation_of(wb, cell):
    for dv in wb[FORM_SHEET].data_validations.dataValidation:
        if cell.coordinate in dv.sqref:
            return dv
    return None


def list_values(wb, dv) -> list[str]:
    match = re.fullmatch(rf"{LISTS_SHEET}!\$([A-Z]+)\$1:\$([A-Z]+)\$(\d+)", dv.formula1)
    assert match, dv.formula1
    return [wb[LISTS_SHEET][f"{match[1]}{r}"].value for r in range(1, int(match[3]) + 1)]


def long_list_tool() -> Tool:
    """A questionnaire whose one question offers 14 long choices (well over 255 characters together)."""
    choices = [f"Designated safeguarding lead training route number {i} (external provider)" for i in range(1, 15)]
    return Tool.model_validate({
        "id": "long-lists", "title": "Training routes", "version": "2", "kind": "questionnaire",
        "sections": [{"id": "s", "title": "Training", "questions": [
            {"id": "route", "number": "1", "text": "How was the lead trained?", "type": "single_choice", "choices": choices, "na": True},
            {"id": "count", "number": "2", "text": "How many staff are trained?", "type": "number", "min": 1, "max": 60},
        ]}],
    })


# -- the written workbook -----------------------------------------------------------------------


class TestWrittenWorkbook:
    def test_only_answer_cells_are_unlocked_on_a_sheet_protected_without_a_password(self, tmp_path):
        """People can type in the answer cells only; the protection has no password, so a co-ordinator can lift it."""
        content, path = write(tmp_path)
        wb = workbook(path)
        ws = wb[FORM_SHEET]
        answers = {answer_cell(wb, key).coordinate for key, _f, _o in excel_rows(content)}
        unlocked = {c.coordinate for row in ws.iter_rows() for c in row if c.protection.locked is False}
        assert unlocked == answers
        protection = re.search(r"<sheetProtection [^>]*>", sheet_xml(path))[0]
        assert 'sheet="1"' in protection and "password" not in protection.casefold() and "hashValue" not in protection

    def test_rows_can_still_be_made_taller_to_read_a_long_answer(self, tmp_path):
        """The saved protection allows formatting rows (formatRows="0"), unlike openpyxl's default."""
        _, path = write(tmp_path)
        protection = re.search(r"<sheetProtection [^>]*>", sheet_xml(path))[0]
        assert 'formatRows="0"' in protection and 'formatColumns="0"' in protection

    def test_drop_downs_offer_exactly_the_scale_or_choices(self, tmp_path):
        """A grade offers the Ofsted scale, yes/no offers Yes, No (and N/A only where allowed), a tick row offers Yes."""
        _, path = write(tmp_path)
        wb = workbook(path)

        def offered(key):
            return list_values(wb, validation_of(wb, answer_cell(wb, key)))

        assert offered("q7") == ["Outstanding", "Good", "Requires improvement", "Inadequate"]
        assert offered("q1") == ["Yes", "No", NA]
        assert offered("q6.a") == ["Yes", "No"]
        assert offered("q3#0") == ["Yes"]
        assert validation_of(wb, answer_cell(wb, "q5")) is None  # free text

    def test_a_list_longer_than_255_characters_comes_from_the_hidden_sheet(self, tmp_path):
        """Fourteen long choices (over 1,000 characters) are a range on the hidden Lists sheet, so Excel never offers a repair."""
        tool = long_list_tool()
        _, path = write(tmp_path, tool=tool, prefill={})
        wb = workbook(path)
        assert len(",".join(tool.field("route").choices)) > 255
        assert list_values(wb, validation_of(wb, answer_cell(wb, "route"))) == list(tool.field("route").choices)
        assert wb[LISTS_SHEET].sheet_state == "hidden"
        inline = re.findall(r"<formula1>\"([^<]*)\"</formula1>", sheet_xml(path))
        assert all(len(text) <= 255 for text in inline)

    def test_numbers_are_whole_numbers_within_the_questions_limits(self, tmp_path):
        """A number question with min 1 and max 60 accepts only whole numbers from 1 to 60."""
        _, path = write(tmp_path, tool=long_list_tool(), prefill={})
        wb = workbook(path)
        dv = validation_of(wb, answer_cell(wb, "count"))
        assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("whole", "between", "1", "60")

    def test_dates_are_real_date_cells_with_date_validation(self, tmp_path):
        """The date answer is formatted dd/mm/yyyy and accepts only dates, so en-US Excel cannot swap day and month."""
        _, path = write(tmp_path, prefill={"q2": dt.date(2024, 7, 3)})
        wb = workbook(path)
        cell = answer_cell(wb, "q2")
        assert cell.number_format == "dd/mm/yyyy"
        assert cell.value == dt.datetime(2024, 7, 3)
        serial = (dt.date(2024, 7, 3) - dt.date(1899, 12, 30)).days
        assert re.search(rf'<c r="{cell.coordinate}" s="\d+"( t="n")?><v>{serial}</v></c>', sheet_xml(path))  # a serial, not text
        dv = validation_of(wb, cell)
        assert (dv.type, dv.operator) == ("date", "between") and dv.showErrorMessage

    def test_printed_on_a4_one_page_wide_with_the_headings_on_every_page(self, tmp_path):
        """A4 landscape, fitted one page wide (fitToPage set, or Excel ignores fitToWidth), heading row repeated, page numbers."""
        content, path = write(tmp_path)
        ws = workbook(path)[FORM_SHEET]
        heading = next(c.row for c in ws["D"] if c.value == "Your answer")
        assert (ws.page_setup.paperSize, ws.page_setup.orientation) == (9, "landscape")
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert ws.print_title_rows.replace("$", "") == f"{heading}:{heading}"
        assert "&P" in ws.oddFooter.center.text
        assert content.identity.form_id in ws.oddHeader.right.text

    def test_the_headings_stay_on_screen_and_the_key_column_is_hidden(self, tmp_path):
        """The rows down to the column headings are frozen (a few short rows), and column A with the answer keys is hidden."""
        _, path = write(tmp_path)
        ws = workbook(path)[FORM_SHEET]
        heading = next(c.row for c in ws["D"] if c.value == "Your answer")
        assert ws.freeze_panes == f"B{heading + 1}"
        assert heading <= 6 and sum(ws.row_dimensions[r].height or 15 for r in range(1, heading + 1)) < 120
        assert ws.column_dimensions["A"].hidden
        assert [ws.column_dimensions[c].width for c in "BCDE"] == [6, 56, 42, 50]

    def test_text_wraps_and_rows_are_tall_enough_for_it(self, tmp_path):
        """Question, guidance and answer cells wrap at the top; long answers get room for five lines; long guidance makes its row taller."""
        _, path = write(tmp_path)
        wb = workbook(path)
        ws = wb[FORM_SHEET]
        for key in ("q1", "q6.a", "q9"):
            row = answer_cell(wb, key).row
            for col in "BCDE":
                assert ws[f"{col}{row}"].alignment.vertical == "top", (key, col)
            assert ws[f"C{row}"].alignment.wrap_text and ws[f"D{row}"].alignment.wrap_text
        height = {key: ws.row_dimensions[answer_cell(wb, key).row].height for key in ("q5", "q9", "q7.action", "q4")}
        assert height["q9"] >= 5 * 12.75 and height["q7.action"] >= 5 * 12.75
        assert height["q5"] < 40 and height["q4"] < 40
        q6 = next(c.row for c in ws["C"] if c.value == "Was the child's voice heard?")  # its row carries the guidance
        assert ws.row_dimensions[q6].height >= 3 * 11.5

    def test_identity_is_in_custom_properties_and_in_a_visible_reference_line(self, tmp_path):
        """The form id is a custom property and printed in a cell; the metadata names the partnership, never the library."""
        content, path = write(tmp_path)
        assert excel_identity(path) == (content.identity, "custom_properties")
        ws = workbook(path)[FORM_SHEET]
        assert any(c.value == content.identity.reference_line() for row in ws.iter_rows(max_row=10) for c in row)
        with zipfile.ZipFile(path) as z:
            core = z.read("docProps/core.xml").decode()
            assert not [n for n in z.namelist() if b"openpyxl" in z.read(n).lower()]
        assert re.search(rf"<dc:creator[^>]*>{PARTNERSHIP}</dc:creator>", core)

    def test_identifying_details_appear_only_on_forms_that_should_carry_them(self, tmp_path):
        """The child's name and date of birth are on the involved agency's form, and nowhere on a form without them."""
        _, with_details = write(tmp_path, "a.xlsx")
        _, without = write(tmp_path, "b.xlsx", identifying=())

        def text(path):
            return " ".join(str(c.value) for row in workbook(path)[FORM_SHEET].iter_rows() for c in row if c.value)

        assert "Amelia Test" in text(with_details) and "03/07/2019" in text(with_details)
        assert "Amelia Test" not in text(without) and "Case A" in text(without)

    def test_a_question_that_does_not_apply_says_so_and_is_answered_na(self, tmp_path):
        """An education setting sees question 8 (health and police only) marked as not applying, already N/A."""
        _, path = write(tmp_path)
        wb = workbook(path)
        cell = answer_cell(wb, "q8")
        assert cell.value == NA and "Does not apply to you" in wb[FORM_SHEET][f"C{cell.row}"].value

    def test_prefilled_values_read_back_as_given_like_the_word_forms(self, tmp_path):
        """A prefilled multiple choice ticks its options; text, dates and choices stand in their answer cells."""
        prefill = {"q5": "Health visitor", "q2": dt.date(2024, 3, 5), "q3": ["CAMHS"], "q1": "Yes"}
        content, path = write(tmp_path, prefill=prefill)
        got = {k: a.value for k, a in read_excel(path, content.tool).answers.items()}
        assert {k: got[k] for k in prefill} == prefill

    def test_writing_replaces_the_file_atomically(self, tmp_path):
        """Writing over an existing form leaves one complete workbook and no temporary file."""
        _, path = write(tmp_path)
        path.write_bytes(b"old")
        write_excel_form(form_content(), path)
        assert zipfile.is_zipfile(path) and sorted(p.name for p in tmp_path.iterdir()) == ["form.xlsx"]


# -- reading returns ------------------------------------------------------------------------------


class TestReadingReturns:
    ANSWERS = {
        "q1": "yes", "q2": dt.date(2024, 3, 5), "q3#0": "Yes", "q3#2": "x", "q3.other": "Family nurse partnership",
        "q4": 14, "q5": "Health visitor", "q6.a": "No", "q6.b": "Yes", "q7": "Good",
        "q7.why": "Supervision was recorded\nmonthly.", "q9": "=Joint visits", "q7.action": "-", "q7.when_who": "June",
    }

    def test_every_value_typed_in_excel_comes_back_as_typed(self, tmp_path):
        """Text, a real date, a number, ticks and a formula-like answer are read as typed, each from its named cell."""
        content, path = write(tmp_path)
        returned = fill(path, tmp_path / "Health return (final).xlsx", self.ANSWERS)
        raw = read_excel(returned, content.tool)
        got = {k: a.value for k, a in raw.answers.items()}
        expected = {k: v for k, v in self.ANSWERS.items() if "#" not in k} | {"q3": ["Health visiting", "CAMHS"], "q8": NA}
        assert got == expected
        assert raw.answers["q7"].how == "name" and raw.answers["q7"].where.startswith(f"{FORM_SHEET}!D")
        assert raw.identity == content.identity and not raw.unreadable

    def test_a_date_typed_as_text_is_kept_as_typed_and_read_day_first(self, tmp_path):
        """'03/07/2024' typed into a text-formatted cell comes back as typed, and means 3 July, not 7 March."""
        content, path = write(tmp_path)

        def as_text(wb):
            answer_cell(wb, "q2").number_format = "@"

        returned = fill(path, tmp_path / "r.xlsx", {"q2": "03/07/2024"}, as_text)
        raw = read_excel(returned, content.tool)
        assert raw.answers["q2"].value == "03/07/2024"
        assert normalise(content.tool.field("q2"), raw.answers["q2"].value) == dt.date(2024, 7, 3)

    def test_a_workbook_in_the_1904_date_system_gives_the_right_dates(self, tmp_path):
        """A return saved by an old Mac Excel (dates counted from 1904) still gives 5 March 2024, not a date four years out."""
        from openpyxl.utils.datetime import CALENDAR_MAC_1904

        content, path = write(tmp_path)

        def mac(wb):
            wb.epoch = CALENDAR_MAC_1904

        returned = fill(path, tmp_path / "mac.xlsx", {"q2": dt.date(2024, 3, 5)}, mac)
        xml = sheet_xml(returned)
        serial_1904 = (dt.date(2024, 3, 5) - dt.date(1904, 1, 1)).days
        assert f"<v>{serial_1904}</v>" in xml and 'date1904="1"' in zipfile.ZipFile(returned).read("xl/workbook.xml").decode()
        assert read_excel(returned, content.tool).answers["q2"].value == dt.date(2024, 3, 5)

    def test_a_renamed_sheet_is_still_read(self, tmp_path):
        """Someone renames the sheet 'Police return': the names follow it and every answer is still found."""
        content, path = write(tmp_path)

        def rename(wb):
            wb[FORM_SHEET].title = "Police return"
            for dn in wb.defined_names.values():
                dn.attr_text = dn.attr_text.replace(f"'{FORM_SHEET}'!", "'Police return'!")

        raw = read_excel(fill(path, tmp_path / "r.xlsx", {"q7": "Inadequate"}, rename), content.tool)
        assert raw.answers["q7"].value == "Inadequate" and raw.answers["q7"].how == "name"
        assert any("renamed" in note for note in raw.notes)

    def test_a_stray_cell_far_down_the_sheet_does_not_make_reading_slow(self, tmp_path):
        """A value typed in row 1,048,576 is ignored; reading still finds every answer quickly."""
        import time

        content, path = write(tmp_path)

        def far(wb):
            wb[FORM_SHEET]["D1048576"] = "stray"

        returned = fill(path, tmp_path / "r.xlsx", {"q5": "Health visitor"}, far)
        start = time.monotonic()
        raw = read_excel(returned, content.tool)
        assert time.monotonic() - start < 5
        assert raw.answers["q5"].value == "Health visitor"

    def test_strange_files_are_reported_not_raised(self, tmp_path):
        """A text file named .xlsx and a zip that is not a workbook are each reported as unreadable."""
        (tmp_path / "notes.xlsx").write_bytes(b"just some text")
        with zipfile.ZipFile(tmp_path / "photos.xlsx", "w") as z:
            z.writestr("a.txt", "x")
        for name in ("notes.xlsx", "photos.xlsx"):
            raw = read_excel(tmp_path / name, case_tool())
            assert raw.unreadable and not raw.answers and raw.identity is None, name

    def test_a_workbook_that_is_not_a_maa_form_has_no_identity(self, tmp_path):
        """Someone's own spreadsheet, sent back instead of the form, has no identity and no answers found."""
        from openpyxl import Workbook

        wb = Workbook()
        wb.active["A1"] = "Our own audit notes"
        wb.save(tmp_path / "ours.xlsx")
        raw = read_excel(tmp_path / "ours.xlsx", case_tool())
        assert raw.identity is None and not raw.answers
        assert any("q7" in problem for problem in raw.unreadable)


@pytest.mark.parametrize("value", ["", "No", "n", "☐", "0"])
def test_an_option_row_left_empty_or_answered_no_is_not_ticked(tmp_path, value):
    """Only a positive answer ticks an option: '', 'No', 'n', '☐' and '0' leave it unticked."""
    content, path = write(tmp_path)
    returned = fill(path, tmp_path / "r.xlsx", {"q3#1": value, "q3#2": "Yes"})
    assert read_excel(returned, content.tool).answers["q3"].value == ["CAMHS"]
