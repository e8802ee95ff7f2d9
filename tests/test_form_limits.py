"""A tool as long as 'maa tools check' allows comes back whole; a longer one is refused before any form is issued.

The Excel reader reads a fixed number of rows, so the check and the reader share one limit
(maa_cli.definitions.tool.MAX_FORM_ROWS). The long tools are built in code (tests/hostile.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from maa_cli.cli import app
from maa_cli.definitions.catalog import builtin_ids, load_builtin, load_tool_file
from maa_cli.definitions.tool import MAX_FORM_ROWS
from maa_cli.definitions.yamlio import dump
from maa_cli.errors import DefinitionError, ErrorCode
from maa_cli.forms.excel import FORM_SHEET, defined_name, excel_rows_for_tool, write_excel_form
from maa_cli.forms.word import write_word_form
from maa_cli.intake.readers.excel import MAX_ROWS, read_excel
from maa_cli.intake.readers.word import read_word
from maa_cli.intake.safety import DEFAULT_LIMITS, Limits, inspect_file
from maa_cli.office.cells import put
from tests import hostile
from tests.forms_fixtures import case_tool, form_content


@pytest.fixture(scope="module")
def longest(tmp_path_factory):
    """The longest tool maa accepts, and its Excel and Word forms."""
    folder = tmp_path_factory.mktemp("longest")
    tool = hostile.long_tool(MAX_FORM_ROWS)
    content = form_content(tool)
    xlsx, docx = folder / "longest.xlsx", folder / "longest.docx"
    write_excel_form(content, xlsx)
    write_word_form(content, docx)
    return tool, xlsx, docx


def _typed(tool) -> dict[str, object]:
    """A different answer in every answer cell of the Excel form."""
    out: dict[str, object] = {}
    for key, f, option in excel_rows_for_tool(tool):
        if option is not None:
            out[key] = "Yes"
        elif f.type == "date":
            out[key] = dt.date(2026, 1, 1) + dt.timedelta(days=len(out))
        elif f.choices:
            out[key] = f.choices[len(out) % len(f.choices)]
        else:
            out[key] = f"answer {key}"
    return out


def _fill(form: Path, target: Path, answers: dict[str, object], edit=None) -> Path:
    wb = load_workbook(form)
    for key, value in answers.items():
        sheet, coord = next(iter(wb.defined_names[defined_name(key)].destinations))
        cell = wb[sheet][coord.replace("$", "")]
        put(wb[sheet], cell.row, cell.column, value)
    if edit:
        edit(wb)
    wb.save(target)
    return target


class TestTheLongestTool:
    def test_the_rows_a_tool_counts_are_the_rows_its_excel_form_takes(self, tmp_path, longest):
        """For every built-in tool, the test tool and the longest tool, the form's last row is Tool.form_rows()."""
        tools = [load_builtin(t) for t in builtin_ids()] + [case_tool(), longest[0]]
        for tool in tools:
            path = tmp_path / f"{tool.id}.xlsx"
            write_excel_form(form_content(tool), path)
            assert load_workbook(path, read_only=True)[FORM_SHEET].max_row == tool.form_rows(), tool.id

    def test_every_answer_of_the_longest_tool_is_read_back_from_excel(self, tmp_path, longest):
        """A tool at the limit, answered in every cell of its Excel form, is read back whole: the last answer too."""
        tool, xlsx, _ = longest
        typed = _typed(tool)
        raw = read_excel(_fill(xlsx, tmp_path / "return.xlsx", typed), tool)
        assert raw.unreadable == []
        for f in tool.fields():  # every option of a multiple-choice question was ticked
            expected = list(f.choices) if f.type == "multiple_choice" and f.role == "answer" else typed[f.key]
            assert raw.answers[f.key].value == expected, f.key
        last = tool.fields()[-1].key
        assert raw.answers[last].how == "name" and raw.answers[last].where == f"{FORM_SHEET}!D{MAX_FORM_ROWS}"

    def test_the_longest_tool_is_read_back_from_word(self, longest):
        """The Word form of a tool at the limit has an answer box the reader finds for every answer."""
        tool, _, docx = longest
        raw = read_word(docx, tool)
        assert raw.unreadable == [] and set(raw.answers) == {f.key for f in tool.fields()}

    @pytest.mark.parametrize("kind", ["xlsx", "docx"])
    def test_the_longest_tools_forms_pass_the_safety_checks_with_room_to_spare(self, longest, kind):
        """Both forms of the longest tool pass inspection with a quarter of the element and attribute budgets: room for typed answers."""
        _, xlsx, docx = longest
        d = DEFAULT_LIMITS
        quarter = Limits(max_part_elements=d.max_part_elements // 4, max_file_elements=d.max_file_elements // 4,
                         max_part_attributes=d.max_part_attributes // 4, max_file_attributes=d.max_file_attributes // 4)
        assert inspect_file(xlsx if kind == "xlsx" else docx, quarter).ok

    def test_the_reader_reads_every_row_the_check_allows_and_more(self):
        """The reader's row window covers the longest form, with room for rows a respondent inserts."""
        assert MAX_ROWS >= 2 * MAX_FORM_ROWS


class TestToolsCheckRefusesLongerTools:
    def test_a_tool_one_row_too_long_is_refused_with_the_rows_and_what_to_do(self, tmp_path):
        """'maa tools check' exits 2 for a tool whose Excel form would need one row more than maa reads back."""
        path = tmp_path / "too-long.yaml"
        path.write_text(dump(hostile.long_tool_data(MAX_FORM_ROWS + 1)), encoding="utf-8")
        result = CliRunner().invoke(app, ["tools", "check", str(path)])
        assert result.exit_code == 2
        text = " ".join(result.output.split())
        assert f"{MAX_FORM_ROWS + 1:,} rows" in text and f"({MAX_FORM_ROWS:,})" in text and "Split the tool" in text

    def test_the_refusal_is_the_catalog_message_at_the_sections_line(self, tmp_path):
        """The problem carries the catalog's wording and points at the tool's 'sections:' line."""
        path = tmp_path / "too-long.yaml"
        text = dump(hostile.long_tool_data(MAX_FORM_ROWS + 5))
        path.write_text(text, encoding="utf-8")
        with pytest.raises(DefinitionError) as caught:
            load_tool_file(path)
        (p,) = caught.value.problems
        assert p.message == ErrorCode.FORM_TOO_LONG.what.format(rows=MAX_FORM_ROWS + 5, limit=MAX_FORM_ROWS)
        assert p.hint == ErrorCode.FORM_TOO_LONG.hint
        assert p.line == text.splitlines().index("sections:") + 1


class TestMovedAnswerBoxes:
    def test_an_answer_box_moved_below_the_rows_read_is_reported_not_read_as_empty(self, tmp_path):
        """A row moved 4,000 rows down (with its name) is named as moved, with what to ask the agency, not taken as blank."""
        tool = case_tool()
        content = form_content(tool)
        form = tmp_path / "form.xlsx"
        write_excel_form(content, form)

        def move_q4(wb):
            sheet, coord = next(iter(wb.defined_names[defined_name("q4")].destinations))
            row = int(coord.split("$")[-1])
            wb[sheet].move_range(f"A{row}:E{row}", rows=4000)
            wb.defined_names[defined_name("q4")].attr_text = f"'{FORM_SHEET}'!$D${row + 4000}"

        raw = read_excel(_fill(form, tmp_path / "moved.xlsx", {"q4": 12, "q5": "Nurse"}, move_q4), tool)
        assert "q4" not in raw.answers and raw.answers["q5"].value == "Nurse"
        (note,) = [u for u in raw.unreadable if "q4" in u]
        assert "beyond the first 3,000 rows" in note and "fresh copy of the form" in note

    def test_a_name_pointing_at_the_last_column_does_not_hide_the_answer_in_its_row(self, tmp_path):
        """An answer cell's name edited to point at XFD is not followed (nor every row padded to it): the row's key finds the answer."""
        tool = case_tool()
        form = tmp_path / "form.xlsx"
        write_excel_form(form_content(tool), form)

        def far(wb):
            wb.defined_names[defined_name("q5")].attr_text = f"'{FORM_SHEET}'!$XFD$2999"

        raw = read_excel(_fill(form, tmp_path / "far.xlsx", {"q5": "Nurse"}, far), tool)
        assert raw.answers["q5"].value == "Nurse" and raw.answers["q5"].how == "key_column"
