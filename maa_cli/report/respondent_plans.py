"""Each respondent's own action plan (.xlsx), for questionnaires with action points.

One workbook per setting that returned a complete self-assessment, in
``reports/respondents/``: every question whose answer needs action (answered No,
or rated at a level that does not meet the standard; see
:func:`maa_cli.definitions.tool.not_met`), with its own action points, when/who and
target date, a status drop-down and room for progress. A setting with nothing to do gets a plan that says so. Narrative is
masked: the plan goes back to the setting and may be shown to inspectors.

A county has 1,500 settings, and building each plan through openpyxl spends nearly all
its time on the same layout. So, as forms are issued (:mod:`maa_cli.forms.stamp`), the
layout is built once per run and kind of plan (:class:`_PlanBase`: the same intro, with
or without actions) by the same code as a single plan, and each setting's plan is that
base with its own title and rows written in. A plan holding anything the base cannot
reproduce exactly (a value that is not plain text, a title the properties would cut) is
built on its own by openpyxl, so the result is always the one openpyxl gives.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from .. import atomic
from ..forms.naming import NameAllocator
from ..forms.stamp import ZipWriter, cut_at_markers, deflate, escaped, marker
from ..office.cells import FORMULA_START, excel_escaped, safe_text
from .context import ReportContext
from .figures import setting_actions
from .participation import received_date
from .xlsx_kit import (
    STATUSES,
    cell,
    fit_row,
    header,
    new_workbook,
    print_setup,
    row_height,
    save,
    set_properties,
    status_list,
    title_rows,
)

FOLDER = "respondents"
COLUMNS = ["No.", "Question", "Your answer", "Action points", "When / who", "Status", "Progress update", "Date completed"]
WIDTHS = [5, 40, 11, 38, 18, 11, 28, 12]
_TITLE_ROOM = 255  # see maa_cli.office.ooxml.core_text


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


def write_respondent_plans(ctx: ReportContext, *, stamp: bool = True) -> list[Path]:
    """Write each respondent's plan; ``stamp=False`` builds every one through openpyxl (the reference)."""
    from concurrent.futures import ThreadPoolExecutor

    ctx.notes.extend(why_no_plans(ctx))
    with ThreadPoolExecutor(8, thread_name_prefix="maa-plans") as writing:
        # Written on threads: each atomic write ends in an fsync, and the fsyncs of several threads are
        # committed together. The first error (a plan open in Excel) is raised once all have finished.
        out, pending = _write_plans(ctx, stamp, writing)
    errors = [e for e in (f.exception() for f in pending) if e is not None]
    if errors:
        raise errors[0]
    return out


def _write_plans(ctx: ReportContext, stamp: bool, writing) -> tuple[list[Path], list]:
    out, pending = [], []
    names = NameAllocator()
    bases: dict[tuple, _PlanBase] = {}
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
            plan = _Plan(f"{agency}: safeguarding action plan", _intro(ctx, r, ctx.titles[name]),
                         [_row(ctx, r, a) for a in by_form.get(r["form_id"], [])])
            data = _stamped(ctx, plan, bases) if stamp else None
            if data is None:
                out.append(_write(ctx, path, plan))
            else:
                pending.append(writing.submit(atomic.write_bytes, path, data))
                out.append(path)
    return out, pending


@dataclass
class _Plan:
    heading: str
    intro: str
    rows: list[tuple[list, str]]  # (the row's values, where they came from)


def _intro(ctx: ReportContext, record: dict, title: str) -> str:
    got = received_date(record)
    return (f"{ctx.partnership} \u00b7 {ctx.audit.title}. From your {title.lower()}"
            + (f" received on {got.strftime('%d/%m/%Y')}" if got else "")
            + ". Each row is a question whose answer needs action (answered No, or rated below the standard), with the "
              "action points you gave. Keep the Status and Progress columns up to date; the business unit may ask for "
              "this plan at a later check.")


def _row(ctx: ReportContext, record: dict, a) -> tuple[list, str]:
    where = ctx.where(record, f"question {a.number}")
    return [a.number, a.question, a.answer, ctx.mask(a.action, where), ctx.mask(_when(a), where), STATUSES[0], None, None], where


def _book(ctx: ReportContext, plan: _Plan):
    """The plan laid out by openpyxl, and its column widths."""
    wb = new_workbook()
    sheet = wb.create_sheet("Action plan")
    first = title_rows(sheet, [(plan.heading, True), (plan.intro, False)], len(COLUMNS))
    widths = header(sheet, first, COLUMNS, WIDTHS)
    row = first + 1
    for values, where in plan.rows:
        for col, value in enumerate(values, 1):
            cell(ctx, sheet, row, col, value, where=where, wrap=True)
        fit_row(sheet, row, widths)
        row += 1
    if not plan.rows:
        cell(ctx, sheet, row, 2, "No actions: none of your answers needs action.", wrap=True)
    else:
        status_list(sheet, "F", first + 1, row - 1)
    print_setup(sheet, widths, first, freeze=f"C{first + 1}", repeat=2, title=plan.heading)
    return wb, widths


def _write(ctx: ReportContext, path: Path, plan: _Plan) -> Path:
    return save(ctx, _book(ctx, plan)[0], path, plan.heading)


def _when(a) -> str:
    """When / who, with the target date when the tool asks for one."""
    if not a.due:
        return a.when_who
    try:
        due = dt.date.fromisoformat(a.due).strftime("%d/%m/%Y")
    except ValueError:
        due = a.due
    return f"{a.when_who}; by {due}" if a.when_who else f"by {due}"


# -- the same plan, written into a base laid out once ------------------------------------------------


_SHEET = "xl/worksheets/sheet1.xml"
# What differs between plans of one base, each a marker in the base's parts (see maa_cli.forms.stamp).
_ROWS, _LAST, _STATUS = "rows", "last", "status"


@dataclass
class _PlanBase:
    """A plan laid out by openpyxl with a marker for the heading and (with actions) one row of markers, cut at
    the markers: the heading (in the sheet, its page header and the properties), the action rows, and the
    last row in the sheet's dimension and its status list."""

    parts: list[tuple]  # (name, date_time, deflated, crc, size) of a part no plan changes, or
    # (name, date_time, pieces, slots) of one cut at markers
    first: int  # the first action row
    styles: list[tuple[str, str]]  # (column letter, style id) of an action row's cells
    widths: list[float]


def _stamped(ctx: ReportContext, plan: _Plan, bases: dict[tuple, _PlanBase]) -> bytes | None:
    """The plan's package written into its base, or None when the base cannot reproduce it exactly."""
    rows = []
    for values, where in plan.rows:
        guarded = [ctx.guard.cell(v, where) for v in values]
        if not all(v is None or _plain(v) for v in guarded):
            return None
        rows.append(guarded)
    if not _plain(plan.heading) or len(plan.heading) > _TITLE_ROOM or plan.heading != plan.heading.strip():
        return None
    key = (plan.intro, bool(rows))
    if key not in bases:
        bases[key] = _base(ctx, plan.intro, bool(rows))
    return _render(bases[key], plan.heading, rows)


def _plain(text) -> bool:
    """Text that openpyxl writes as it is (escaped), with no quote prefix, cut or character replaced."""
    return (isinstance(text, str) and text != "" and safe_text(text) == text and not text.startswith(FORMULA_START)
            and "\r" not in text and "\ue000" not in text and "\ue001" not in text and "_x" not in text)


def _base(ctx: ReportContext, intro: str, with_rows: bool) -> _PlanBase:
    probe = _Plan(marker("heading"), intro, [([marker(f"c{i}") for i in range(len(COLUMNS))], "")] if with_rows else [])
    wb, widths = _book(ctx, probe)
    set_properties(ctx, wb, probe.heading)
    buffer = io.BytesIO()
    wb.save(buffer)
    parts, first, styles = [], 0, []
    with zipfile.ZipFile(buffer) as z:
        for info in z.infolist():
            data = z.read(info.filename)
            if info.filename == _SHEET and with_rows:
                data, first, styles = _mark_rows(data)
            if b"heading" in data or info.filename == _SHEET:
                pieces, slots = cut_at_markers(data)
                parts.append((info.filename, info.date_time, pieces, slots))
            else:
                parts.append((info.filename, info.date_time, deflate(data, final=True), zlib.crc32(data), len(data)))
    return _PlanBase(parts, first, styles, widths)


def _mark_rows(sheet: bytes) -> tuple[bytes, int, list[tuple[str, str]]]:
    """The sheet with one marker in place of its action row, and one for the last row in the two references to it."""
    first = int(re.search(rb'<pane [^>]*ySplit="(\d+)"', sheet).group(1)) + 1
    start, end = sheet.index(b'<row r="%d"' % first), sheet.index(b"</sheetData>")
    styles = [(m.group(1).decode(), m.group(2).decode())
              for m in re.finditer(rb'<c r="([A-Z]+)%d" s="(\d+)"' % first, sheet[start:end])]
    sheet = sheet[:start] + marker(_ROWS).encode() + sheet[end:]
    dimension = re.compile(rb'(<dimension ref="A1:[A-Z]+)%d("/>)' % first)
    sheet, dimensions = dimension.subn(rb"\g<1>" + marker(_LAST).encode() + rb"\g<2>", sheet)
    status = b'sqref="F%d"' % first
    if dimensions != 1 or sheet.count(status) != 1 or len(styles) != len(COLUMNS):
        raise ValueError("the action plan's layout changed: update respondent_plans._mark_rows")
    return sheet.replace(status, b'sqref="' + marker(_STATUS).encode() + b'"'), first, styles


def _render(base: _PlanBase, heading: str, rows: list[list]) -> bytes:
    last = base.first + len(rows) - 1
    raw = {_ROWS: b"".join(_row_xml(base, base.first + i, values) for i, values in enumerate(rows)),
           _LAST: b"%d" % last, _STATUS: b"F%d" % base.first + (b":F%d" % last if len(rows) > 1 else b"")}
    out = ZipWriter()
    for part in base.parts:
        if len(part) == 5:
            out.add(*part)
            continue
        name, date_time, pieces, slots = part
        data = [pieces[0]]
        for (slot, how), piece in zip(slots, pieces[1:], strict=True):
            data += [raw[slot] if slot in raw else escaped(heading, how), piece]
        data = b"".join(data)
        out.add(name, date_time, deflate(data, final=True), zlib.crc32(data), len(data))
    return out.finish()


def _row_xml(base: _PlanBase, r: int, values: list) -> bytes:
    """One action row as openpyxl writes it (text escaped as :func:`maa_cli.office.cells.put` leaves it)."""
    shown = [None if v is None else excel_escaped(v) for v in values]
    height = row_height(shown, base.widths, [False] * len(shown))
    cells = []
    for (column, style), value in zip(base.styles, shown, strict=True):
        if value is None:
            cells.append(f'<c r="{column}{r}" s="{style}" t="n"></c>')
        else:
            space = ' xml:space="preserve"' if value.strip() and value != value.strip() else ""
            cells.append(f'<c r="{column}{r}" s="{style}" t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>')
    size = f' ht="{height:.16g}" customHeight="1"' if height is not None else ""
    return f'<row r="{r}"{size}>{"".join(cells)}</row>'.encode("ascii", "xmlcharrefreplace")
