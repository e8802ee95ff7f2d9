"""Online-form exports: a table of responses in ``returns/``, one self-declared return per row.

Some partnerships send one online form (Microsoft Forms, say) to every respondent instead of a
personal form each, and save the responses export into ``returns/``: an Excel workbook (Microsoft
Forms: ID, Start time, Completion time, Email, Name, then one column per question headed by its
text; several choices in one cell joined by ';'; real date cells) or any CSV with one heading row.

An export is recognised by its heading row: its columns are matched to each questionnaire of the
audit (a form type answered by each respondent, ``per: agency``) by :mod:`maa_cli.intake.columns`,
and it is the export of the one whose questions it has most of. Each row names its respondent
itself — by name, or by an identifier such as its Ofsted URN — and is matched to the roster by
:mod:`maa_cli.intake.respondents`. This module turns the file into plain data (an :class:`Export`
of :class:`Row`\\ s, each with its answers as a :class:`~maa_cli.intake.readers.raw.RawReturn`);
:mod:`maa_cli.intake.examine` judges each row like any other return.

Rows are known by the export's ID column: a newer export of the same online form holds the rows of
the older one again (the same ID: the later completion time wins, see
:mod:`maa_cli.intake.duplicates`) and new ones. Without an ID column a row is known by its file and
row number. The export itself is only ever read. The respondent's e-mail and name columns are
personal data: only the e-mail's domain is kept (as the row's sender, '@domain', to compare with the
roster's), never the address or the name. An export with no column naming the respondent has its
rows matched by the whole address to the roster's contacts, in memory only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..definitions.tool import Tool
from ..setup.workspace import FINDINGS_FORM_TYPE, Workspace
from .columns import Plan, add_to_map, map_digest, plan_columns, read_map
from .decision import Decision
from .readers.raw import RawAnswer, RawReturn
from .readers.table import Table, TableRefused, read_table
from .respondents import BY_EMAIL, assigned, assignments_digest, digest, file_key, roster_for

#: The fewest questions an export must have columns for to be taken as an export of a tool.
MIN_QUESTIONS = 2
_PERSONAL = ("email", "name")


@dataclass
class Row:
    """One response: its answers as read, who it says it is from, and how it is known."""

    number: int  # the spreadsheet row number (the heading row is 1)
    key: str  # 'id:<form type>:<ID>', or 'row:<export>:<number>' without an ID column
    sha256: str  # of the row's cells (its headings included), personal columns left out
    raw: RawReturn
    given: list[tuple[str | None, object]]  # (roster attribute, or None for the name; what was typed)
    completed: dt.datetime | None = None  # aware; None when the export does not say
    email_domain: str | None = None
    assigned: str | None = None  # the respondent the officer assigned to this row (maa assign)
    id: str | None = None


@dataclass
class Export:
    """What one export holds for the audit; ``problem`` (code, reason) when it cannot be used as a whole."""

    form_type: str | None = None
    tool: Tool | None = None
    plan: Plan | None = None
    rows: list[Row] = field(default_factory=list)
    problem: tuple[str, str] | None = None
    notes: list[str] = field(default_factory=list)
    basis: str | None = None


def questionnaire_types(ws: Workspace) -> list[str]:
    """The form types a self-declared return can be of: answered once by each respondent (``per: agency``)."""
    return [ft.name for ft in ws.audit.form_types if ft.per == "agency" and ft.name != FINDINGS_FORM_TYPE]


def read_export(path: Path, kind: str, ws: Workspace, sha256: str) -> Export | None:
    """The export in ``path``, or None when it is not a table of responses at all.

    ``kind`` is ``xlsx`` for a workbook (already through the safety stage), anything else for text.
    A workbook whose headings match none of the audit's questions is None too (it is then refused
    as a form without its reference); a CSV is always explained.
    """
    try:
        table = read_table(path, kind)
    except TableRefused as exc:
        return Export(problem=(exc.code, exc.reason))
    if table is None:
        return None
    types = questionnaire_types(ws)
    if not types:
        if table.format == "xlsx":
            return None
        return Export(problem=("not_an_export", "a table (CSV) of responses, but this audit has no questionnaire "
                                                "answered by each respondent for it to be an export of"))
    roster = roster_for(ws)
    officer = read_map(ws).rows
    plans = [plan_columns(table.headings, ws.tools[t], t, list(roster.identifiers), officer.get(t)) for t in types]
    best = max(plans, key=lambda p: (p.score, p.officer))
    export = Export(best.form_type, best.tool, best, notes=list(table.notes))
    enough = min(MIN_QUESTIONS, sum(1 for f in best.tool.fields() if f.role == "answer"))
    if best.score < enough and best.officer < 2:
        if best.score == 0 and table.format == "xlsx":
            return None
        titles = ", ".join(f"'{ws.tools[t].title}'" for t in types)
        export.problem = ("not_an_export", f"a table of {len(table.rows)} rows whose column headings match "
                                           f"{'no' if best.score == 0 else 'only ' + str(best.score)} question(s) of "
                                           f"the audit's questionnaires ({titles}), so maa cannot tell what it is")
        if best.score == 0:
            export.form_type = export.tool = export.plan = None
            return export
    trouble = add_to_map(ws, best)
    if trouble:
        export.notes.append(trouble)
    export.basis = export_basis(ws, best.form_type, sha256)
    if export.problem:
        export.problem = (export.problem[0], export.problem[1] + ". If it is an export of one of them, complete its "
                          f"rows in column-map.csv (form type '{best.form_type}'), then run maa collect")
        return export
    email = best.role("email")
    by_email = (not best.respondent and email is not None and bool(roster.emails)  # not an anonymous form's export
                and any("@" in str(cells[email.index]) for _n, cells in table.rows if email.index < len(cells)))
    if by_email:
        export.notes.append("no column names who each row is from: each is matched by the e-mail address it was sent "
                            "from to the roster's contacts (if a column does name the respondent, write 'respondent' "
                            "beside it in column-map.csv)")
    elif not best.respondent:
        names = ", ".join(f"'respondent:{a}'" for a in roster.identifiers)
        export.problem = ("no_respondent_column", f"an export of '{best.tool.title}', but no column says who each "
                          "row is from (the setting's or agency's name, or an identifier such as its Ofsted URN). In "
                          f"column-map.csv, write 'respondent' beside the column that gives the name{' (or ' + names + ' beside an identifier)' if names else ''}, then run maa collect")
        return export
    missing = best.missing
    if missing:
        shown = ", ".join(f.number for f in missing[:12]) + ("…" if len(missing) > 12 else "")
        export.notes.append(f"the export has no column for question{'s' if len(missing) > 1 else ''} {shown}: "
                            "every row lacks those answers (map a column to them in column-map.csv if it is there)")
    export.rows = [_row(ws, table, best, number, cells, sha256) for number, cells in table.rows]
    return export


def _row(ws: Workspace, table: Table, plan: Plan, number: int, cells: list, export_sha: str) -> Row:
    def cell(index: int):
        return cells[index] if index < len(cells) else None

    raw = RawReturn(Path(f"row {number}"), "online form export")
    for column, f in plan.answers:
        raw.answers[f.key] = RawAnswer(f.key, cell(column.index), f"row {number}, column {column.letter}", "column")
    id_column = plan.role("id")
    row_id = _text(cell(id_column.index)) if id_column else None
    key = f"id:{plan.form_type}:{row_id}" if row_id else f"row:{export_sha[:16]}:{number}"
    kept = [(c.label, _plain(cell(c.index))) for c in plan.columns if c.maps_to not in _PERSONAL]
    sha = hashlib.sha256(json.dumps([plan.form_type, kept], default=str, ensure_ascii=False).encode()).hexdigest()
    times = [t for c in (plan.role("completed"), plan.role("modified")) if c and (t := when(cell(c.index)))]
    email = plan.role("email")
    address = _text(cell(email.index)) if email else None
    domain = address.rpartition("@")[2].casefold() if address and "@" in address else None
    given = [(attr, cell(c.index)) for c, attr in plan.respondent] or [(BY_EMAIL, address if domain else None)]
    return Row(number, key, sha, raw, given,
               completed=max(times) if times else None, email_domain=domain, assigned=assigned(ws, key), id=row_id)


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split())
    return text or None


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


_TIME = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?")


def when(value) -> dt.datetime | None:
    """A moment from an export's cell: a date cell (local time, as the online form writes it), ISO 8601 text,
    or day-first text ('12/01/2027 10:02:33'). None when it is none of those."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(0))
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            match = _TIME.fullmatch(text)
            if not match:
                return None
            day, month, year, hour, minute, second = (int(g or 0) for g in match.groups())
            try:
                moment = dt.datetime(year, month, day, hour, minute, second)
            except ValueError:
                return None
    else:
        return None
    return moment if moment.tzinfo else moment.astimezone()  # a naive time is this computer's local time


# -- what a judgement depended on besides the file -------------------------------------------------


def export_basis(ws: Workspace, form_type: str, sha256: str) -> str:
    """The officer's map for ``form_type`` and the assignments of this export's rows, as a digest."""
    return "export:" + digest(map_digest(ws, form_type),
                              assignments_digest(ws, (f"id:{form_type}:", f"row:{sha256[:16]}:")))


def file_basis(ws: Workspace, sha256: str) -> str:
    """The assignment of one file (a return of the open form) as a digest."""
    return "file:" + digest(assigned(ws, file_key(sha256)))


def still_current(ws: Workspace, d: Decision) -> bool:
    """Whether what a self-declared decision was judged with (``d.basis``) is unchanged: the officer's column
    map and ``maa assign``. A decision with no basis depends on neither."""
    if not d.basis:
        return True
    kind = d.basis.split(":", 1)[0]
    if kind == "export" and d.form_type and d.sha256:
        return export_basis(ws, d.form_type, d.sha256) == d.basis
    if kind == "file" and d.sha256:
        return file_basis(ws, d.sha256) == d.basis
    return False


def keep_export(ws: Workspace, staged: Path, sha256: str, form_type: str | None, kind: str) -> str:
    """One read-only copy of an export under ``collected/exports/`` in the restricted store (its rows' answers
    came from it); returns its path relative to the store, which every accepted row of it records."""
    import os
    import shutil
    import stat

    from .. import atomic
    from ..forms.naming import clean
    from . import state as cs

    target = cs.collected_dir(ws) / "exports" / f"{clean(form_type or 'export', 60)}--{sha256[:12]}.{kind}"
    if not (target.is_file() and target.stat().st_size == staged.stat().st_size):
        if target.exists():  # a damaged copy: Windows will not replace a read-only file
            os.chmod(target, stat.S_IREAD | stat.S_IWRITE)
        with staged.open("rb") as source:
            atomic.write_with(target, lambda handle: shutil.copyfileobj(source, handle))
    cs.read_only(target)
    return target.relative_to(ws.restricted_dir).as_posix()
