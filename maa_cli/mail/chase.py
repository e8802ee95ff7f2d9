"""``maa chase``: one reminder per respondent listing every form it still owes.

A form is owed when it has not come back, came back incomplete, or came back in a file that could not
be used (``maa status``'s chase list); a conflict is the officer's to settle, never chased. An
incomplete return is listed by question number and text, and the reminder carries an annotated copy
(:mod:`maa_cli.mail.annotate`); any other owed form is attached again as issued.

Reminders rest on what ``maa collect`` decided, so chase refuses while that may be out of date: when the
last collect was more than an hour ago (the run log's last ``run`` event, or ``.maa/files.json``'s time),
or when a file in ``returns/`` is new or changed since. ``collect_first`` runs collect itself first. No
form is chased more than once a day.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import ErrorCode, WorkspaceError, problem
from ..forms.manifest import read_manifest
from ..setup import restricted
from ..setup.workspace import Workspace
from .annotate import annotated_form, note_text, prefill_from
from .deliver import DEFAULT_PER_MINUTE, MailResult, run
from .ledger import Ledger
from .letters import (
    Attachment,
    FormItem,
    IssuedFile,
    Letter,
    carries_child,
    form_title,
    preferred_format,
    respondent_folders,
)
from .smtp import Relay, SmtpSettings

#: How old the last collect may be before reminders would rest on stale news.
FRESH_SECONDS = 3600
CHASED = ("outstanding", "incomplete", "rejected")
_REJECTED = "the file sent could not be used: "


def chase(ws: Workspace, *, smtp: SmtpSettings | None = None, sender: str | None = None,
          confirm_child_details: bool = False, confirm: Callable[[MailResult], bool] | None = None,
          collect_first: bool = False, per_minute: float = DEFAULT_PER_MINUTE, now: dt.datetime | None = None,
          progress: Callable[[int, int], None] | None = None,
          relay_factory: Callable[[SmtpSettings], Relay] = Relay) -> MailResult:
    """Remind each respondent of the forms it still owes: drafts in ``outbox/``, or through ``smtp``.

    Args:
        collect_first: run ``maa collect`` first (its result is in :attr:`MailResult.collected`), rather than
            refusing when the last collect may be out of date.
        see :func:`maa_cli.mail.send.send_forms` for the others.

    Raises:
        WorkspaceError: collect never ran, ran more than an hour ago, or returns arrived since (and not
            ``collect_first``); see :func:`maa_cli.mail.deliver.run` for the rest.
    """
    result = MailResult("chase", None, (now or dt.datetime.now(dt.UTC)).astimezone().date())
    if collect_first:
        from ..intake.collect import collect

        result.collected = collect(ws)
        if result.collected.refusal is not None:
            raise result.collected.refusal
    else:
        check_fresh(ws, (now.timestamp() if now is not None else time.time()))

    def plan(ledger: Ledger, result: MailResult) -> list[Letter]:
        from ..intake.state import read_responses
        from ..intake.status import audit_status

        status = audit_status(ws, result.today)
        manifest = read_manifest(ws)
        folders = respondent_folders(manifest)
        if ledger.see_drafts_gone("chase", result.today.isoformat()):
            ledger.save()
        chased = ledger.forms_gone("chase", day=result.today.isoformat())
        records = {r["form_id"]: r for r in read_responses(ws, ("incomplete",)).records}
        copies = _Copies(ws)
        owed: dict[str, list] = {}
        for f in status.forms:
            if f.state not in CHASED:
                continue
            if not f.agency:
                result.unsendable.append(f.form_id)
            elif f.form_id not in chased:
                owed.setdefault(f.agency, []).append(f)
        letters = []
        for agency in [a.name for a in ws.audit.agencies]:
            if agency in owed:
                letters.append(_letter(ws, agency, folders.get(agency, agency), owed[agency], manifest, records, copies))
        result.up_to_date = len({e.get("agency") for e in manifest.values() if e.get("agency")}) - len(letters)
        return letters

    days = (ws.audit.deadline - result.today).days if ws.audit.deadline else None
    return run(ws, "chase", plan, smtp=smtp, sender=sender, confirm_child_details=confirm_child_details,
               confirm=confirm, per_minute=per_minute, now=now, progress=progress,
               extra=lambda letter: {"days_left": days}, result=result, relay_factory=relay_factory)


def _letter(ws: Workspace, agency: str, folder: str, owed: list, manifest: dict, records: dict, copies: _Copies) -> Letter:
    items, attachments, problems = [], [], []
    for f in owed:
        entry = manifest.get(f.form_id) or {}
        child = carries_child(entry)
        item = FormItem(f.form_id, f.form_type, form_title(ws, f.form_type), f.case_ref, "", child, state=f.state)
        record = records.get(f.form_id) if f.state == "incomplete" else None
        attachment = copies.annotated(f.form_id, entry, record, child) if record is not None else None
        if attachment is not None:
            item.missing = missing(ws.tools.get(f.form_type), record)
            item.annotated = True
        else:
            if f.state == "rejected":
                item.reason = f.detail.removeprefix(_REJECTED).rstrip(".")
            elif f.state == "incomplete":  # its record could not be read: the questions are at least named
                item.reason = f.detail
            issued = IssuedFile(ws, f.form_id, entry, preferred_format(ws, f.form_type))
            why = issued.problem()
            if why:
                problems.append(why)
                continue
            attachment = Attachment(issued.name, issued.read, child)
        item.file, item.child_details = attachment.name, attachment.child_details
        items.append(item)
        attachments.append(attachment)
    letter = Letter("chase", agency, folder, None, None, items, attachments)
    if problems:
        letter.refused = "; ".join(problems)
    return letter


def missing(tool, record: dict) -> list[dict]:
    """Each answer still needed in an incomplete return: key, question number, the question's full text (the
    record keeps it cut short), and what is wrong (never the answer given)."""
    out = []
    for issue in record.get("issues") or []:
        if issue.get("severity", "error") != "error":
            continue
        key, text = issue.get("key"), issue.get("question") or ""
        try:
            f = tool.field(key)
            text = f.label if f.role == "answer" else f"{f.label} for question {f.number}"
        except (AttributeError, KeyError):
            pass  # a tool changed since: the text as recorded
        out.append({"key": key, "number": issue.get("number") or "?", "question": " ".join(text.split()),
                    "message": issue.get("message") or "an answer is needed"})
    return out


class _Copies:
    """Annotated copies, planned once per file format for the whole run (planning reads the restricted store)."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self._planned: dict[str, dict] = {}
        self._secret: dict[str, dict] | None = None

    def annotated(self, form_id: str, entry: dict, record: dict, child: bool) -> Attachment | None:
        """The annotated copy of a form's incomplete return, or None when audit.yaml no longer plans the form."""
        fmt = record.get("format") if record.get("format") in ("docx", "xlsx") else (
            preferred_format(self.ws, entry.get("form_type", "")) or "docx")
        planned = self._plan(fmt).get(form_id)
        if planned is None:
            return None
        if self._secret is None:
            self._secret = restricted.read_answers(self.ws.restricted_dir)
        secret = self._secret.get(form_id) or {}
        answers = {**(record.get("answers") or {}), **secret}
        notes: dict[str, str] = {}
        for issue in missing(planned.content.tool, record):
            if issue["key"]:
                notes.setdefault(issue["key"], note_text(issue))
        content = prefill_from(planned.content, answers, record.get("comments") or {})
        author = self.ws.audit.partnership
        return Attachment(Path(planned.relpath).name, lambda: annotated_form(content, fmt, notes, author),
                          child or bool(secret))

    def _plan(self, fmt: str) -> dict:
        if fmt not in self._planned:
            from ..forms.plan import plan_forms

            self._planned[fmt] = {p.form_id: p for p in plan_forms(self.ws, fmt=fmt)}
        return self._planned[fmt]


# -- is what collect decided still current? ---------------------------------------------------------


def check_fresh(ws: Workspace, now: float) -> None:
    """Refuse reminders that could rest on stale news (see the module's docstring).

    Raises:
        WorkspaceError: collect never ran, its last run is more than an hour old, or returns/ changed since.
    """
    from ..intake import state as cs
    from ..intake.sources import find_files

    last = last_collect(ws)
    if last is None:
        raise WorkspaceError(problem(ErrorCode.MAIL_NEVER_COLLECTED, file=ws.root))
    when = dt.datetime.fromtimestamp(last).strftime("%d/%m/%Y %H:%M")
    if now - last > FRESH_SECONDS:
        raise WorkspaceError(problem(ErrorCode.MAIL_COLLECT_STALE, file=ws.root, when=when))
    known = cs.load_state(ws).files
    newer = 0
    for path in find_files(ws.returns_dir)[0]:
        rel = path.relative_to(ws.returns_dir).as_posix()
        if not rel.isprintable() or any("\udc80" <= ch <= "\udcff" for ch in rel):  # as collect names it
            rel = rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace").replace("\ufffd", "?")
        entry = known.get(cs.path_key(rel))
        try:
            st = path.stat()
        except OSError:
            continue
        if entry is None or entry.sig != [st.st_size, st.st_mtime_ns] or entry.decision.status == "pending":
            newer += 1
    if newer:
        raise WorkspaceError(problem(ErrorCode.MAIL_RETURNS_NEWER, file=ws.returns_dir, count=newer, when=when))


def last_collect(ws: Workspace) -> float | None:
    """When ``maa collect`` last left a trace: its last ``run`` event in the run log, ``files.json``'s time, or
    the time it last recorded or recalled its outcome (a run that found nothing new)."""
    from ..intake import state as cs
    from ..intake.unchanged import ran

    times = []
    for event in cs.read_log(ws):
        if event.get("event") == "run" and isinstance(event.get("at"), str):
            try:
                times.append(dt.datetime.fromisoformat(event["at"]).timestamp())
            except ValueError:
                continue
    with contextlib.suppress(OSError):
        times.append((ws.state_dir / cs.STATE_FILE).stat().st_mtime)
    if (recalled := ran(ws)) is not None:
        times.append(recalled)
    return max(times) if times else None
