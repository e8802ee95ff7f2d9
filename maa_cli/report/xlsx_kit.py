"""Shared workbook furniture: header rows, widths, properties, drop-downs, safe cells.

Every value from a return goes through :func:`cell`, which passes it through the
run's :class:`TextGuard` and :func:`maa_cli.office.cells.put`, so a formula typed into an
answer stays text and an over-long answer is cut and marked.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .. import atomic
from ..office.cells import put
from ..office.ooxml import core_text

HEADER_FILL = "D9E2F3"
FONT = "Arial"  # as in the Word outputs; an unnamed font falls back to a serif face in LibreOffice
STATUSES = ("Not started", "In progress", "Complete")


def new_workbook():
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    return wb


def cell(ctx, sheet, row: int, column: int, value, where: str = "", wrap: bool = False):
    """Write a value; text goes through the guard and stays literal text."""
    from openpyxl.styles import Alignment

    if isinstance(value, str):
        value = ctx.guard.cell(value, where)
    c = put(sheet, row, column, value)
    if isinstance(value, dt.date):
        c.number_format = "dd/mm/yyyy"
    if wrap:
        c.alignment = Alignment(wrap_text=True, vertical="top")
    return c


def header(sheet, row: int, titles: list[str], widths: list[float] | None = None) -> None:
    """A bold, shaded header row that Excel repeats when printing."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="808080")
    for col, title in enumerate(titles, 1):
        c = put(sheet, row, col, title)
        c.font = Font(name=FONT, bold=True)
        c.fill = PatternFill("solid", fgColor=HEADER_FILL)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        c.border = Border(bottom=thin)
    from openpyxl.utils import get_column_letter

    for col, width in enumerate(widths or [], 1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.print_title_rows = f"{row}:{row}"


def title_rows(sheet, lines: list[tuple[str, bool]], last_column: int) -> int:
    """Title lines at the top (merged across the table); returns the next free row."""
    from openpyxl.styles import Alignment, Font

    row = 1
    for text, big in lines:
        c = put(sheet, row, 1, text)
        c.font = Font(name=FONT, bold=True, size=14) if big else Font(name=FONT, size=10, color="404040")
        c.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_column)
        if not big and len(text) > 120:
            sheet.row_dimensions[row].height = 15 * (len(text) // 120 + 1)
        row += 1
    return row + 1


def fit_row(sheet, row: int, widths: list[float], line_height: float = 13.0) -> None:
    """Set a row tall enough for its wrapped text: LibreOffice does not grow rows written by openpyxl."""
    height = row_height([sheet.cell(row=row, column=col).value for col in range(1, len(widths) + 1)], widths, line_height)
    if height is not None:
        sheet.row_dimensions[row].height = height


def row_height(values: list, widths: list[float], line_height: float = 13.0) -> float | None:
    """The height :func:`fit_row` gives a row holding ``values``; None when one line is enough."""
    lines = 1
    for value, width in zip(values, widths, strict=False):
        if isinstance(value, str) and value:
            per_line = max(1.0, width * 1.15)
            lines = max(lines, sum(max(1, -(-len(part) // int(per_line))) for part in value.split("\n")))
    return min(409.0, line_height * lines + 2) if lines > 1 else None


def status_list(sheet, column_letter: str, first: int, last: int):
    """The status drop-down (not started / in progress / complete) on a column."""
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type="list", formula1='"' + ",".join(STATUSES) + '"', allow_blank=True, showErrorMessage=True,
                        errorTitle="Choose a status", error="Choose Not started, In progress or Complete.")
    sheet.add_data_validation(dv)
    dv.add(f"{column_letter}{first}:{column_letter}{last}")
    return dv


def a4(sheet, landscape: bool = True) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def save(ctx, wb, path: Path, title: str) -> Path:
    """Properties name the partnership, not a login; written atomically."""
    set_properties(ctx, wb, title)
    atomic.write_with(Path(path), wb.save)
    return Path(path)


def set_properties(ctx, wb, title: str) -> None:
    """The document properties every workbook gets: the partnership, the title, the audit, now."""
    wb.properties.creator = wb.properties.lastModifiedBy = core_text(ctx.partnership)
    wb.properties.title = core_text(title)
    wb.properties.subject = core_text(ctx.audit.title)
    wb.properties.language = "en-GB"
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    wb.properties.created = wb.properties.modified = now
