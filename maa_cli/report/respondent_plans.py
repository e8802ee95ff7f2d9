"""Each respondent's own action plan (.xlsx), for questionnaires with action points.

One workbook per setting that returned a complete self-assessment, in
``reports/respondents/``: every question whose answer needs action (answered No,
or rated at a level that does not meet the standard; see
:func:`maa_cli.definitions.tool.not_met`), with its own action points, when/who and
target date, a status drop-down and room for progress. A setting with nothing to do gets a plan that says so. Narrative is
masked: the plan goes back to the setting and may be shown to inspectors.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..forms.naming import NameAllocator
from .context import ReportContext
from .figures import setting_actions
from .participation import received_date
from .xlsx_kit import STATUSES, cell, fit_row, header, new_workbook, print_setup, save, status_list, title_rows

FOLDER = "respondents"
COLUMNS = ["No.", "Question", "Your answer", "Action points", "When / who", "Status", "Progress update", "Date completed"]
WIDTHS = [5, 40, 11, 38, 18, 11, 28, 12]


def plan_form_types(ctx: ReportContext) -> list[str]:
    """Form types answered by each respondent whose tool asks for action points."""
    return [name for name, tool in ctx.tools.items()
            if ctx.form_type(name).per == "agency" and any(q.action_plan for q in tool.questions())]


def why_no_plans(ctx: ReportContext) -> list[str]:
    """A note for each form type answered by each agency that gets no plans though its answers can need action.

    Plans list the respondent's own action points, so they come with ``action_plan: true``; a
    tool without it says so rather than leaving ``reports/respondents/`` silently missing.
    """
    from ..definitions.tool import not_met_levels

    chosen = set(plan_form_types(ctx))
    return [f"no respondent action plans for '{ctx.titles[name]}': its questions do not ask for action points "
            "(add 'action_plan: true' to the questions whose answers need action, then issue the forms again)"
            for name, tool in ctx.tools.items()
            if name not in chosen and ctx.form_type(name).per == "agency" and ctx.accepted(name)
            and any(not q.urgent and not_met_levels(tool, q) for q in tool.questions())]


def write_respondent_plans(ctx: ReportContext) -> list[Path]:
    out = []
    ctx.notes.extend(why_no_plans(ctx))
    names = NameAllocator()
    for name in plan_form_types(ctx):
        tool = ctx.tools[name]
        records = ctx.accepted(name)
        actions = setting_actions(tool, records)
        by_form: dict[str, list] = {}
        for a in actions:
            by_form.setdefault(a.form_id, []).append(a)
        suffix = f" - {ctx.titles[name]}" if len(plan_form_types(ctx)) > 1 else ""
        for r in records:
            agency = r.get("agency") or r["form_id"]
            path = ctx.ws.reports_dir / FOLDER / f"{names.name(agency + suffix, 80)}.xlsx"
            out.append(_write(ctx, path, agency, r, by_form.get(r["form_id"], []), ctx.titles[name]))
    return out


def _write(ctx: ReportContext, path: Path, agency: str, record: dict, actions: list, title: str) -> Path:
    wb = new_workbook()
    sheet = wb.create_sheet("Action plan")
    got = received_date(record)
    intro = (f"{ctx.partnership} \u00b7 {ctx.audit.title}. From your {title.lower()}"
             + (f" received on {got.strftime('%d/%m/%Y')}" if got else "")
             + ". Each row is a question whose answer needs action (answered No, or rated below the standard), with the "
               "action points you gave. Keep the Status and Progress columns up to date; the business unit may ask for "
               "this plan at a later check.")
    first = title_rows(sheet, [(f"{agency}: safeguarding action plan", True), (intro, False)], len(COLUMNS))
    widths = header(sheet, first, COLUMNS, WIDTHS)
    row = first + 1
    for a in actions:
        where = ctx.where(record, f"question {a.number}")
        values = [a.number, a.question, a.answer, ctx.mask(a.action, where), ctx.mask(_when(a), where), STATUSES[0], None, None]
        for col, value in enumerate(values, 1):
            cell(ctx, sheet, row, col, value, where=where, wrap=True)
        fit_row(sheet, row, widths)
        row += 1
    if not actions:
        cell(ctx, sheet, row, 2, "No actions: none of your answers needs action.", wrap=True)
    else:
        status_list(sheet, "F", first + 1, row - 1)
    print_setup(sheet, widths, first, freeze=f"C{first + 1}", repeat=2, title=f"{agency}: safeguarding action plan")
    return save(ctx, wb, path, f"{agency}: safeguarding action plan")


def _when(a) -> str:
    """When / who, with the target date when the tool asks for one."""
    if not a.due:
        return a.when_who
    try:
        due = dt.date.fromisoformat(a.due).strftime("%d/%m/%Y")
    except ValueError:
        due = a.due
    return f"{a.when_who}; by {due}" if a.when_who else f"by {due}"
