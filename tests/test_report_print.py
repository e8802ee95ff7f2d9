"""Workbooks print sensibly: A4 landscape, header rows on every page, panes frozen, columns wide enough to read,
and fitted to one page wide only when the text stays readable there."""

from __future__ import annotations

import shutil

import pytest

from maa_cli.report import build_reports
from maa_cli.report.xlsx_kit import MIN_SCALE, PRINT_WIDTH_CM, width_cm
from tests.test_report_fixtures import (
    FINDINGS,
    FINDINGS_DUE,
    TODAY,
    ey,  # noqa: F401  (fixture)
    fill_findings_like_word,
    return_findings,
)
from tests.test_report_layout import word_cm


@pytest.fixture(scope="module")
def workbooks(ey, tmp_path_factory):  # noqa: F811
    """Every workbook a questionnaire's report run writes, the action plan included."""
    from tests.test_report_fixtures import enable_findings

    enable_findings(ey.ws)
    build_reports(ey.ws, today=TODAY)
    filled = tmp_path_factory.mktemp("ey-form") / "filled.docx"
    shutil.copy(ey.ws.reports_dir / "findings-form.docx", filled)
    fill_findings_like_word(filled, FINDINGS, FINDINGS_DUE)
    return_findings(ey.ws, filled)
    build_reports(ey.ws, today=TODAY)
    reports = ey.ws.reports_dir
    out = {"action plan": reports / "action-plan.xlsx", "summary": reports / "summary-workbook.xlsx",
           "data": reports / "restricted" / "data-workbook.xlsx"}
    out |= {f"plan for {p.stem}": p for p in sorted((reports / "respondents").glob("*.xlsx"))}
    return out


def sheets(path):
    """Each printed table sheet of a workbook with its column widths (the action plan's chart summary aside)."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    wb = load_workbook(path)
    for sheet in wb.worksheets:
        if sheet.title in ("Summary", "About"):
            continue
        widths = [sheet.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, sheet.max_column + 1)]
        yield sheet, widths


class TestPrinting:
    def test_every_table_prints_landscape_on_a4_with_its_header_row_on_each_page_and_panes_frozen(self, workbooks):
        """Action plan, summary, data workbook and each setting's plan: A4 landscape, repeated header row, frozen panes."""
        assert len(workbooks) > 5
        for name, path in workbooks.items():
            for sheet, _widths in sheets(path):
                assert int(sheet.page_setup.paperSize) == 9 and sheet.page_setup.orientation == "landscape", (name, sheet.title)
                assert sheet.print_title_rows, (name, sheet.title)
                assert sheet.freeze_panes and sheet.freeze_panes != "A1", (name, sheet.title)

    def test_a_sheet_is_fitted_to_one_page_wide_only_where_its_text_stays_readable(self, workbooks):
        """One page wide means printing at 75% or more; a wider sheet runs across pages with its first columns repeated."""
        seen = set()
        for name, path in workbooks.items():
            for sheet, widths in sheets(path):
                setup = sheet.page_setup
                scale = PRINT_WIDTH_CM[True] / width_cm(widths)
                if int(setup.fitToWidth) == 1:
                    assert scale >= MIN_SCALE, (name, sheet.title, round(scale, 2))
                    seen.add("one page")
                else:
                    assert scale < MIN_SCALE and sheet.print_title_cols, (name, sheet.title)
                    pages = int(setup.fitToWidth)
                    assert PRINT_WIDTH_CM[True] * pages / width_cm(widths) >= MIN_SCALE - 0.05, (name, sheet.title, pages)
                    seen.add("several pages")
                assert int(setup.fitToHeight) == 0  # as many pages down as the rows need
        assert seen == {"one page", "several pages"}  # the wide data workbook is split; the rest fit

    def test_the_action_plan_prints_one_page_wide(self, workbooks):
        """The board's action plan reads across one page: its columns fit at a readable size."""
        sheet, widths = next(sheets(workbooks["action plan"]))
        assert int(sheet.page_setup.fitToWidth) == 1 and PRINT_WIDTH_CM[True] / width_cm(widths) >= MIN_SCALE

    def test_every_column_is_wide_enough_for_its_heading_s_longest_word(self, workbooks):
        """No heading breaks mid-word: each column holds its heading's longest word in bold Arial 10."""
        for name, path in workbooks.items():
            for sheet, widths in sheets(path):
                head = next(r for r in range(1, 12) if sheet.cell(row=r, column=1).font.b and sheet.cell(row=r, column=2).value)
                for col, width in enumerate(widths, 1):
                    text = str(sheet.cell(row=head, column=col).value or "")
                    for word in text.split():
                        assert word_cm(word, 10) <= width_cm([width]), (name, sheet.title, word, width)

    def test_every_cell_is_in_arial_so_libreoffice_prints_columns_as_excel_does(self, workbooks):
        """The workbook's default font is Arial 10: column widths are measured in it, and LibreOffice has its metrics."""
        from openpyxl import load_workbook

        for path in workbooks.values():
            wb = load_workbook(path)
            assert wb._fonts[0].name == "Arial" and wb._fonts[0].sz == 10
