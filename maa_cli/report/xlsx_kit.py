"""Shared workbook furniture: header rows, widths, properties, drop-downs, safe cells.

Every value from a return goes through :func:`cell`, which passes it through the
run's :class:`TextGuard` and :func:`maa_cli.office.cells.put`, so a formula typed into an
answer stays text and an over-long answer is cut and marked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from .. import atomic
from ..office.cells import put
from ..office.ooxml import core_text
from .layout import needed_cm, text_lines

HEADER_FILL = "D9E2F3"
FONT = "Arial"  # as in the Word outputs; an unnamed font falls back to a serif face in LibreOffice
FONT_PT = 10
STATUSES = ("Not started", "In progress", "Complete")


def new_workbook():
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _default_font(wb)
    return wb


def _default_font(wb) -> None:
    """Arial 10 for every cell, as in the Word outputs. Column widths are measured in the default font's
    digits, so with Arial (which LibreOffice matches with Liberation Sans) a column prints as wide in
    LibreOffice as in Excel; Calibri, missing on many machines, is replaced by a wider face and the sheet
    no longer fits its page."""
    from openpyxl.styles import Font
    from openpyxl.utils.indexed_list import IndexedList

    font = Font(name=FONT, sz=FONT_PT, family=2)
    wb._fonts = IndexedList([font])  # openpyxl's own default (Calibri 11) is font 0, used by every unstyled cell
    wb._named_styles["Normal"].font = font


def cell(ctx, sheet, row: int, column: int, value, where: str = "", wrap: bool = False):
    """Write a value; text goes through the guard and stays literal text."""
    if isinstance(value, str):
        value = ctx.guard.cell(value, where)
    c = put(sheet, row, column, value)
    restyle(c, ("answer", wrap, isinstance(value, dt.date)), lambda c: _answer_look(c, wrap))
    return c


def _answer_look(c, wrap: bool) -> None:
    from openpyxl.styles import Alignment

    if isinstance(c.value, dt.date):
        c.number_format = "dd/mm/yyyy"
    c.alignment = Alignment(wrap_text=wrap or None, vertical="top")  # a row of answers reads from the top


def restyle(c, look, apply) -> None:
    """Give cell ``c`` a look: ``apply(c)`` sets its font, fill, border, alignment or number format.

    openpyxl files each style object it is given by hashing it, field by field: styling a county's
    workbooks cell by cell took most of the report's time. So what ``apply`` made of a cell styled as
    ``c`` is (its style indices, plus ``look``, a key naming the look) is kept for the workbook, and the
    next such cell is given it directly. A cell's own flags (the quote prefix that keeps a formula-like
    answer as text) are part of its style indices, so they are kept as they are.
    """
    from copy import copy

    wb = c.parent.parent
    looks = wb.__dict__.setdefault("_maa_looks", {})
    key = (tuple(c._style or ()), look)  # an unstyled cell has no indices yet
    made = looks.get(key)
    if made is None:
        apply(c)
        looks[key] = copy(c._style)
    else:
        c._style = copy(made)


def header(sheet, row: int, titles: list[str], widths: list[float] | None = None) -> list[float]:
    """A bold, shaded header row that Excel repeats when printing. Returns the column widths set:
    ``widths``, each widened where needed to hold its heading's longest word (no heading breaks mid-word)."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="808080")
    for col, title in enumerate(titles, 1):
        c = put(sheet, row, col, title)
        c.font = Font(name=FONT, sz=FONT_PT, bold=True)
        c.fill = PatternFill("solid", fgColor=HEADER_FILL)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        c.border = Border(bottom=thin)
    out = [max(width, units_for(needed_cm(str(title), FONT_PT))) for title, width in zip(titles, widths or [], strict=False)]
    for col, width in enumerate(out, 1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    if out:
        fit_row(sheet, row, out, max_lines=12)  # a heading that wraps gets the lines it needs
    sheet.print_title_rows = f"{row}:{row}"
    return out


def units_for(cm: float) -> float:
    """The Excel column width that prints ``cm`` wide (the inverse of :func:`width_cm`), rounded up to a half."""
    units = (cm * 96 / 2.54 - 5) / 7
    return -(-units * 2 // 1) / 2


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


def fit_row(sheet, row: int, widths: list[float], line_height: float = 13.0, max_lines: int = 30, bold: bool = False) -> None:
    """Set a row tall enough for its wrapped text: LibreOffice does not grow rows written by openpyxl.
    Lines are counted with Arial's widths; ``max_lines`` caps the height (longer text is still all in the cell)."""
    cells = [sheet.cell(row=row, column=col) for col in range(1, len(widths) + 1)]
    height = row_height([c.value for c in cells], widths, [bold or bool(c.font and c.font.b) for c in cells],
                        line_height, max_lines)
    if height is not None:
        sheet.row_dimensions[row].height = height


def row_height(values: list, widths: list[float], bold: list[bool], line_height: float = 13.0,
               max_lines: int = 30) -> float | None:
    """The height :func:`fit_row` gives a row holding ``values`` (``bold``: which are in bold); None when one
    line is enough."""
    lines = 1
    for value, width, heavy in zip(values, widths, bold, strict=False):
        if isinstance(value, str) and value:
            room = width_cm([width]) - 0.15
            lines = max(lines, sum(text_lines(part, room, FONT_PT, bold=heavy) for part in value.split("\n")))
    return min(409.0, line_height * min(lines, max_lines) + 3) if lines > 1 else None


def status_list(sheet, column_letter: str, first: int, last: int):
    """The status drop-down (not started / in progress / complete) on a column."""
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type="list", formula1='"' + ",".join(STATUSES) + '"', allow_blank=True, showErrorMessage=True,
                        errorTitle="Choose a status", error="Choose Not started, In progress or Complete.")
    sheet.add_data_validation(dv)
    dv.add(f"{column_letter}{first}:{column_letter}{last}")
    return dv


# Printing on A4 landscape with 1.3 cm side margins leaves 27 cm across. Below MIN_SCALE, shrinking a sheet to
# one page wide makes its text too small to read (10-point text at 75% prints at 7.5 points), so a wider sheet
# prints across several pages at a readable size, with its identifying columns repeated on each.
PRINT_WIDTH_CM = {True: 29.7 - 2 * 1.3, False: 21.0 - 2 * 1.3}
MIN_SCALE = 0.75
SIDE_MARGIN_IN = 1.3 / 2.54


def width_cm(widths: list[float]) -> float:
    """How wide columns of these Excel widths print at 100% (Excel: 7 pixels a character plus 5, at 96 dpi)."""
    return sum((7 * w + 5) for w in widths) * 2.54 / 96


@dataclass(frozen=True)
class PrintLayout:
    pages_wide: int
    scale: float  # the scale the columns print at (1 page wide: the fitted scale; several: MIN_SCALE or more)


def print_layout(widths: list[float], landscape: bool = True, repeat: int = 0) -> PrintLayout:
    """How a sheet with these column widths prints: one page wide when that is readable, else how many pages
    wide at a readable scale, with the first ``repeat`` columns printed again on every page."""
    room = PRINT_WIDTH_CM[landscape]
    total = width_cm(widths)
    if total <= room:
        return PrintLayout(1, 1.0)
    if room / total >= MIN_SCALE:
        return PrintLayout(1, room / total)
    title = width_cm(widths[:repeat])
    per_page = room / MIN_SCALE - title
    pages = max(2, -(-(total - title) // per_page))
    return PrintLayout(int(pages), MIN_SCALE)


def print_setup(sheet, widths: list[float], header_row: int, freeze: str | None = None, landscape: bool = True,
                repeat: int = 0, title: str = "") -> PrintLayout:
    """A4, landscape unless said, the header row repeated on every page, panes frozen below the header
    (and right of the ``freeze`` cell's column), page numbers in the footer; fitted to one page wide
    only when the columns stay readable there, else printed across as many pages as they need at a
    readable size, with the first ``repeat`` columns repeated on every page."""
    from openpyxl.utils import get_column_letter

    setup = sheet.page_setup
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_margins.left = sheet.page_margins.right = SIDE_MARGIN_IN
    sheet.page_margins.top = sheet.page_margins.bottom = 0.75
    sheet.page_margins.header = sheet.page_margins.footer = 0.3
    sheet.print_title_rows = f"{header_row}:{header_row}"
    if freeze:
        sheet.freeze_panes = freeze
    layout = print_layout(widths, landscape, repeat)
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    setup.fitToWidth, setup.fitToHeight = layout.pages_wide, 0
    if layout.pages_wide > 1 and repeat:
        sheet.print_title_cols = f"A:{get_column_letter(repeat)}"
    sheet.print_options.gridLines = layout.pages_wide > 1  # a row is easier to follow across pages on a grid
    if title:
        sheet.oddHeader.left.text = title.replace("&", "&&")
        sheet.oddHeader.left.size = 9
    sheet.oddFooter.center.text = "Page &P of &N"
    sheet.oddFooter.center.size = 9
    return layout


def a4(sheet, landscape: bool = True) -> None:
    """A4, one page wide: for short sheets (a summary with a chart) that fit at any size."""
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
