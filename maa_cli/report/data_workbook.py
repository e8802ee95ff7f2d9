"""The officer's data workbook: every accepted answer, for filtering and pivoting in Excel.

A Responses sheet per form type (one row per accepted return, one column per
answer box, with the respondent's attributes alongside) and a Setting actions
sheet (one row per question answered No, with its action points). Restricted
(``reports/restricted/``): a row per return lets small groups be recounted, so it is
the officer's working data, not for publication; :mod:`maa_cli.report.summary_workbook`
is the shareable one. Identifying answers are not in the collected records at all,
and narrative is masked for every name and date of birth the audit knows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

from .context import ReportContext
from .figures import setting_actions
from .participation import is_late, label, received_date
from .respondent_plans import plan_form_types
from .xlsx_kit import cell, fit_row, header, new_workbook, print_setup, save

FILE_NAME = "data-workbook.xlsx"
FIXED = ["Form ref", "Agency", "Case", "Status", "Received", "Late"]
FIXED_WIDTHS = [15, 22, 7, 10, 11, 6]
REPEATED = 3  # Form ref, Agency and Case print on every page of a sheet too wide for one
# Column widths by kind of answer: wide enough to read the answer, and the heading in a few lines.
WIDTH_BY_TYPE = {"long_text": 40, "multiple_choice": 40, "short_text": 20, "yes_no": 14, "grade": 16, "date": 12, "number": 12}
ROW_LINES = 8  # a long answer shows this many lines in a row; the rest is in the cell


def _sheet_title(ctx: ReportContext, name: str) -> str:
    return "Responses" if len(ctx.tools) == 1 else f"Responses {name}"[:31]


def write_data_workbook(ctx: ReportContext) -> Path:
    wb = new_workbook()
    attributes = _attribute_names(ctx)
    for name, tool in ctx.tools.items():
        fields = [f for f in tool.fields() if not (f.part or f.question).identifying]
        sheet = wb.create_sheet(_sheet_title(ctx, name))
        titles = FIXED + [label(a) for a in attributes] + [_heading(f"{f.number} {f.label}") for f in fields]
        widths = FIXED_WIDTHS + [14] * len(attributes) + [WIDTH_BY_TYPE.get(f.type, 16) for f in fields]
        widths = header(sheet, 1, titles, widths)
        attrs = {a.name: a.attributes for a in ctx.audit.agencies}
        row = 2
        for r in ctx.accepted(name):
            got = received_date(r)
            late = is_late(r, ctx.audit.deadline)
            fixed = [r["form_id"], r.get("agency") or "", r.get("case_ref") or "", r["status"], got, "Yes" if late else "No"]
            fixed += [attrs.get(r.get("agency") or "", {}).get(a, "") for a in attributes]
            base = ctx.where(r, "")
            cells = [(v, "") for v in fixed] + [(_value(ctx, r, f), base + f.key) for f in fields]
            for col, (value, where) in enumerate(cells, 1):
                cell(ctx, sheet, row, col, value, where=where, wrap=isinstance(value, str))
            fit_row(sheet, row, widths, max_lines=ROW_LINES)
            row += 1
        sheet.auto_filter.ref = f"A1:{sheet.cell(row=1, column=len(titles)).column_letter}{max(row - 1, 1)}"
        print_setup(sheet, widths, 1, freeze="D2", repeat=REPEATED, title=f"{ctx.audit.title}: data workbook (restricted)")
    _actions_sheet(ctx, wb, attributes)
    return save(ctx, wb, ctx.ws.reports_dir / "restricted" / FILE_NAME, f"{ctx.audit.title}: data workbook (restricted)")


def _heading(text: str, limit: int = 120) -> str:
    """A column heading of at most ``limit`` characters, cut between words."""
    if len(text) <= limit:
        return text
    return text[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "\u2026"


def _value(ctx: ReportContext, record: dict, f):
    value = record["answers"].get(f.key)
    if isinstance(value, list):
        value = "; ".join(value)
    if isinstance(value, str) and f.type in ("long_text", "short_text"):
        value = ctx.masker.text(value)
    if isinstance(value, str) and f.type == "date":
        with contextlib.suppress(ValueError):
            value = dt.date.fromisoformat(value)
    return value


def _attribute_names(ctx: ReportContext) -> list[str]:
    names: list[str] = []
    for a in ctx.audit.agencies:
        names += [k for k in a.attributes if k not in names]
    return names


def _actions_sheet(ctx: ReportContext, wb, attributes: list[str]) -> None:
    names = plan_form_types(ctx)
    if not names:
        return
    sheet = wb.create_sheet("Setting actions")
    titles = ["Form ref", "Agency"] + [label(a) for a in attributes] + ["No.", "Question", "Answer", "Action points", "When / who"]
    widths = [15, 22] + [12] * len(attributes) + [5, 40, 10, 40, 18]
    widths = header(sheet, 1, titles, widths)
    attrs = {a.name: a.attributes for a in ctx.audit.agencies}
    row = 2
    for name in names:
        records = {r["form_id"]: r for r in ctx.accepted(name)}
        for a in setting_actions(ctx.tools[name], list(records.values())):
            where = ctx.where(records[a.form_id], f"question {a.number}")
            values = [a.form_id, a.agency] + [attrs.get(a.agency, {}).get(x, "") for x in attributes]
            values += [a.number, a.question, a.answer, ctx.masker.text(a.action), ctx.masker.text(a.when_who)]
            for col, value in enumerate(values, 1):
                cell(ctx, sheet, row, col, value, where=where, wrap=isinstance(value, str))
            fit_row(sheet, row, widths, max_lines=ROW_LINES)
            row += 1
    sheet.auto_filter.ref = f"A1:{sheet.cell(row=1, column=len(titles)).column_letter}{max(row - 1, 1)}"
    print_setup(sheet, widths, 1, freeze="C2", repeat=2, title=f"{ctx.audit.title}: setting actions (restricted)")
