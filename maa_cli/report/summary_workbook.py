"""The shareable summary workbook: each question's answers in counts and percentages, suppressed.

The row-level data workbook (one row per return) is the officer's working data and lives
in ``reports/restricted/``: a row per return, with a respondent's attributes beside it, lets
anyone recount small groups. This one holds only totals per question, with the same
small-number suppression as the findings report, so it can go wherever the report goes.
"""

from __future__ import annotations

from pathlib import Path

from . import figures as fig
from .context import ReportContext
from .suppress import HIDDEN, ShownDistribution
from .xlsx_kit import cell, fit_row, header, new_workbook, print_setup, save

FILE_NAME = "summary-workbook.xlsx"
COLUMNS = ["Form", "No.", "Question", "Part", "Answer", "Count", "%", "Of (answered)", "Left out"]
WIDTHS = [16, 5, 42, 30, 20, 9, 7, 11, 24]
WRAPPED = {1, 3, 4, 5, 9}  # text columns, wrapped so every word prints


def write_summary_workbook(ctx: ReportContext) -> Path:
    wb = new_workbook()
    sheet = wb.create_sheet("Results")
    widths = header(sheet, 1, COLUMNS, WIDTHS)
    row = 2
    for name in ctx.tools:
        for qf in ctx.figures[name]:
            if not fig.is_practice(qf.question):
                continue  # current concerns go to the officer, never into a shareable output
            blocks = [("", qf.distribution)] if qf.distribution is not None else []
            blocks += [(f"{label} {text}".strip(), d) for label, text, d in qf.parts]
            for part, d in blocks:
                shown = ShownDistribution(d, ctx.small, multiple=qf.kind == "multiple")
                for value in d.values:
                    values = [ctx.titles[name], qf.number, qf.question.text, part, value, shown.count(value),
                              shown.pct(value), shown.answered(), "; ".join(shown.left_out())]
                    for col, v in enumerate(values, 1):
                        cell(ctx, sheet, row, col, v, wrap=col in WRAPPED)
                    fit_row(sheet, row, widths)
                    row += 1
    sheet.auto_filter.ref = f"A1:I{max(row - 1, 1)}"
    print_setup(sheet, widths, 1, freeze="D2", repeat=3, title=f"{ctx.audit.title}: summary of results")
    if ctx.small:
        note = wb.create_sheet("About")
        note.column_dimensions["A"].width = 90
        cell(ctx, note, 1, 1, f"Counts below {ctx.small}, and any count that would let one be worked out, read "
                              f"'{HIDDEN}': small numbers can identify a child.", wrap=True)
        fit_row(note, 1, [90])
        print_setup(note, [90], 1, landscape=False)
    return save(ctx, wb, ctx.ws.reports_dir / FILE_NAME, f"{ctx.audit.title}: summary of results")
