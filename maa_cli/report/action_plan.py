"""The partnership action plan (.xlsx, shareable): one row per agreed recommendation.

Written from the returned findings form, then kept for a year as agencies
report progress. The plan is a living document, so re-running ``maa report``
never loses what people typed into it:

* each recommendation slot of the findings form has a fixed Ref (rec3 is always
  R3, see :func:`maa_cli.report.findings_form.slot_ref`), and rows are matched by
  that Ref, so emptying or reordering slots never moves progress to another action;
* for a row maa wrote from the form, the wording is refreshed from the form while
  lead agency, owner, due date, status, progress, evidence and last-updated values
  already in the file are kept;
* every other row stays, with all its values: a row whose recommendation is no
  longer on the form, and a row someone typed in themselves. Its Source says
  "not on the findings form";
* columns people added to the sheet stay too, with their values.

RAG (red, amber, green) is a formula, so it stays right as the year goes on:
Green when complete; Red when past its due date and not complete; Amber
otherwise. It is shown as the word, with conditional-format colour on top.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .context import ReportContext
from .findings_form import Findings
from .xlsx_kit import STATUSES, a4, cell, fit_row, header, new_workbook, print_setup, save, status_list, title_rows

FILE_NAME = "action-plan.xlsx"
SHEET = "Action plan"
COLUMNS = ["Ref", "Recommendation / action", "Source", "Lead agency", "Owner", "Due date", "Status", "RAG",
           "Progress update", "Evidence of impact", "Last updated"]
# Narrow enough to print one page wide on A4 landscape at a readable size (see xlsx_kit.print_setup).
WIDTHS = [6, 36, 14, 16, 16, 11, 12, 8, 26, 26, 11]
KEPT = ("Lead agency", "Owner", "Due date", "Status", "Progress update", "Evidence of impact", "Last updated")
RAG_FILLS = {"Red": ("C00000", "FFFFFF"), "Amber": ("FFC000", "000000"), "Green": ("00B050", "000000")}
RAG_RULE = ("RAG is worked out from the status and due date: Green = complete; Red = past its due date and not complete; "
            "Amber = in progress or not started, and not yet due.")


def rag(status: str | None, due: dt.date | None, today: dt.date) -> str:
    """The RAG rule the spreadsheet formula applies (used by tests and the summary)."""
    if (status or "").strip().casefold() == "complete":
        return "Green"
    if due is not None and due < today:
        return "Red"
    return "Amber"


NOT_ON_FORM = "not on the findings form"


def existing_rows(path: Path) -> tuple[list[dict[str, object]], list[str]]:
    """Every row of an existing plan that holds anything, in order and by column heading, and the
    columns people added (headings not in :data:`COLUMNS`). Empty when there is no plan yet."""
    if not path.exists():
        return [], []
    from openpyxl import load_workbook

    wb = load_workbook(path)
    if SHEET not in wb.sheetnames:
        return [], []
    sheet = wb[SHEET]
    head_row = next((r for r in range(1, 13) if any(_text(sheet.cell(row=r, column=c).value) == "Ref"
                                                    for c in range(1, sheet.max_column + 1))), None)
    if head_row is None:
        return [], []
    names = [_text(sheet.cell(row=head_row, column=c).value) for c in range(1, sheet.max_column + 1)]
    # A column someone typed into without giving it a heading is kept under a made-up one.
    names = [n or _unheaded_name(sheet, head_row, c) for c, n in enumerate(names, 1)]
    extra = [n for n in names if n and n not in COLUMNS]
    rows = []
    for r in range(head_row + 1, sheet.max_row + 1):
        values = {}
        for c, name in enumerate(names, 1):
            value = sheet.cell(row=r, column=c).value
            if not name or name == "RAG" or name in values:  # RAG is maa's formula, written again
                continue
            values[name] = value.date() if isinstance(value, dt.datetime) else value
        if any(v not in (None, "") for v in values.values()):
            rows.append(values)
    return rows, extra


def _unheaded_name(sheet, head_row: int, column: int) -> str:
    """'Column L' when anything is typed below an empty heading, else '' (the column is ignored)."""
    from openpyxl.utils import get_column_letter

    used = any(_text(sheet.cell(row=r, column=column).value) for r in range(head_row + 1, sheet.max_row + 1))
    return f"Column {get_column_letter(column)}" if used else ""


def _text(value) -> str:
    return str(value).strip() if value is not None else ""


def plan_rows(ctx: ReportContext, findings: Findings, old_rows: list[dict[str, object]]) -> tuple[list[dict[str, object]], list[str]]:
    """The plan's rows: the existing rows in their order (refreshed from the form where maa wrote
    them from it, else carried forward whole), then the form's recommendations not yet in the plan.
    Also returns notes for the officer."""
    source = f"{ctx.audit.title}: findings"
    on_form = {rec.ref: rec for rec in findings.recommendations}
    out: list[dict[str, object]] = []
    notes: list[str] = []
    placed: set[str] = set()
    for old in old_rows:
        ref = _text(old.get("Ref"))
        # Written by maa from the form (its Source, even if the audit's title was edited since), or typed in by someone.
        ours = _text(old.get("Source")).replace(f"({NOT_ON_FORM})", "").strip().endswith(": findings")
        if ref in on_form and ref not in placed and ours:
            row = _from_form(ctx, on_form[ref], source, old)
            if _text(old.get("Recommendation / action")) not in ("", _text(row["Recommendation / action"])) and any(
                    _text(old.get(k)) for k in ("Progress update", "Evidence of impact")):
                notes.append(f"{FILE_NAME}: the wording of {ref} changed on the findings form; its progress was kept with it, "
                             "so check the progress still belongs to the new wording")
            out.append(row)
            placed.add(ref)
            continue
        kept = dict(old)
        mark = _text(kept.get("Source"))
        if NOT_ON_FORM not in mark:
            kept["Source"] = f"{mark} ({NOT_ON_FORM})" if mark else NOT_ON_FORM
        out.append(kept)
        if ref in on_form and not ours:
            notes.append(f"{FILE_NAME}: {ref} is both a row typed into the plan and recommendation {ref[1:]} of the findings form; "
                         f"both are kept. Give the typed row a Ref of its own.")
    for rec in findings.recommendations:
        if rec.ref not in placed:
            out.append(_from_form(ctx, rec, source, {}))
    return out, notes


def _from_form(ctx: ReportContext, rec, source: str, old: dict[str, object]) -> dict[str, object]:
    values: dict[str, object] = dict(old)  # columns people added keep their values
    values.update({
        "Ref": rec.ref, "Recommendation / action": ctx.mask(rec.action, f"findings form {rec.ref}"), "Source": source,
        "Lead agency": ctx.mask(rec.lead), "Owner": ctx.mask(rec.owner), "Due date": rec.due,
        "Status": STATUSES[0], "Progress update": None, "Evidence of impact": None, "Last updated": ctx.today,
    })
    values.update({k: v for k, v in old.items() if k in KEPT and v not in (None, "")})
    return values


def write_action_plan(ctx: ReportContext, findings: Findings) -> Path | None:
    """Write (or refresh) the plan; None, with a note, when the existing plan cannot be read."""
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = ctx.ws.reports_dir / FILE_NAME
    try:
        old_rows, extra = existing_rows(path)
    except Exception as exc:  # noqa: BLE001  never overwrite a plan people have worked on that we cannot read
        ctx.notes.append(f"{FILE_NAME} was left as it is: maa could not read it to keep its updates ({type(exc).__name__}). "
                         "Save it again from Excel as .xlsx, or move it away to start a fresh plan.")
        return None
    rows, notes = plan_rows(ctx, findings, old_rows)
    ctx.notes.extend(notes)
    carried = sum(1 for v in rows if NOT_ON_FORM in _text(v.get("Source")))
    if carried:
        ctx.notes.append(f"{FILE_NAME}: {carried} {'row is' if carried == 1 else 'rows are'} not on the findings form and "
                         "kept as they were (Source says so); delete them in the plan if they are no longer wanted")
    columns = COLUMNS + extra
    widths = WIDTHS + [18] * len(extra)
    leads: list[str] = []
    wb = new_workbook()
    sheet = wb.create_sheet(SHEET)
    first = title_rows(sheet, [(f"Partnership action plan: {ctx.audit.title}", True),
                               (f"{ctx.partnership}. Recommendations agreed after the audit. Update Status, Progress update, "
                                f"Evidence of impact and Last updated as work goes on. {RAG_RULE}", False)], len(columns))
    widths = header(sheet, first, columns, widths)
    row = first + 1
    for values in rows:
        ref = _text(values.get("Ref")) or f"row {row}"
        leads.append(_text(values.get("Lead agency")) or "Not given")
        for col, name in enumerate(columns, 1):
            if name == "RAG":
                due, status = f"F{row}", f"G{row}"
                # Our own formula, never respondent text: the one live formula in any maa workbook.
                rag_cell = sheet.cell(row=row, column=col, value=f'=IF({status}="Complete","Green",IF(AND(ISNUMBER({due}),{due}<TODAY()),"Red","Amber"))')
                rag_cell.alignment = Alignment(vertical="top")  # level with the row's other values
                continue
            value = values.get(name)
            if isinstance(value, dt.datetime):
                value = value.date()
            cell(ctx, sheet, row, col, value, where=f"action plan {ref} {name}", wrap=True)
        fit_row(sheet, row, widths)
        row += 1
    last = max(row - 1, first + 1)
    status_list(sheet, "G", first + 1, last + 50)
    for word, (fill, font) in RAG_FILLS.items():
        sheet.conditional_formatting.add(f"H{first + 1}:H{last + 50}", CellIsRule(
            operator="equal", formula=[f'"{word}"'], fill=PatternFill("solid", fgColor=fill, bgColor=fill),
            font=Font(bold=True, color=font)))
    sheet.auto_filter.ref = f"A{first}:{get_column_letter(len(columns))}{last}"
    print_setup(sheet, widths, first, freeze=f"C{first + 1}", repeat=2, title=f"Partnership action plan: {ctx.audit.title}")
    _summary(wb, first + 1, last + 50, ctx, leads)
    return save(ctx, wb, path, f"Partnership action plan: {ctx.audit.title}")


def _summary(wb, top: int, bottom: int, ctx: ReportContext, leads: list[str]) -> None:
    """Counts by status, by RAG and by lead agency, as live formulas, with a native bar chart."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    sheet = wb.create_sheet("Summary")
    sheet.column_dimensions["A"].width = 30
    for col in "BCDE":
        sheet.column_dimensions[col].width = 13
    sheet["A1"] = "Summary of the action plan"
    sheet["A1"].font = Font(name="Arial", bold=True, size=14)
    sheet["A2"] = "These counts update as the Action plan sheet is changed."
    rng = f"'{SHEET}'!$G${top}:$G${bottom}"
    header(sheet, 4, ["Status", "Actions"])
    for i, status in enumerate(STATUSES, 5):
        sheet.cell(row=i, column=1, value=status)
        sheet.cell(row=i, column=2, value=f'=COUNTIF({rng},"{status}")')
    header(sheet, 9, ["RAG", "Actions"])
    rag_rng = f"'{SHEET}'!$H${top}:$H${bottom}"
    for i, word in enumerate(RAG_FILLS, 10):
        sheet.cell(row=i, column=1, value=word)
        sheet.cell(row=i, column=2, value=f'=COUNTIF({rag_rng},"{word}")')
    header(sheet, 14, ["Lead agency", *STATUSES, "Total"])
    leads = sorted(set(leads), key=str.casefold) or ["Not given"]
    lead_rng = f"'{SHEET}'!$D${top}:$D${bottom}"
    for i, lead in enumerate(leads, 15):
        cell(ctx, sheet, i, 1, lead)
        for j, status in enumerate(STATUSES, 2):
            sheet.cell(row=i, column=j, value=f'=COUNTIFS({lead_rng},$A{i},{rng},"{status}")')
        sheet.cell(row=i, column=5, value=f"=SUM(B{i}:D{i})")
    end = 14 + len(leads)
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = "Actions by lead agency and status"
    chart.y_axis.title = "Actions"
    chart.y_axis.majorUnit = 1  # whole actions, never 0.2 of one
    chart.add_data(Reference(sheet, min_col=2, max_col=4, min_row=14, max_row=end), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=15, max_row=end))
    chart.height, chart.width = 7 + 0.5 * len(leads), 16
    sheet.add_chart(chart, "G4")
    a4(sheet)

