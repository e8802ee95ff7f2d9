"""One run of ``maa send`` or ``maa chase`` once its messages are planned: wording, checks, drafts, sending.

Every message is worded from the partnership's template and checked (its address, and that its subject
and text name no child) before anything is written. Then, without a mail server, each becomes a draft in
``outbox/``; with one, each is recorded as ``sending``, handed to the server, and recorded as ``sent``
(see :mod:`maa_cli.mail.ledger`), at a gentle rate. Messages that carry a child's details go only as
drafts unless the officer confirmed them (``--confirm-child-details``), and then with the partnership's
secure-mail subject marker.

A broken connection in the middle of a message stops the run: that message may have gone, so it stays
``sending``, is listed, and is never sent again on its own. The messages after it go on the next run.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..setup.workspace import Workspace
from . import drafts
from .ledger import DRAFTED, NOT_SENT, SENDING, SENT, WITHDRAWN, Entry, Ledger, stamp
from .letters import Letter, forms_reference
from .smtp import MailServerError, NotAccepted, OutcomeUnknown, Relay, SmtpSettings
from .wording import ChildGuard, Wording

#: Microsoft 365 accepts at most 30 messages a minute from one mailbox; relays are often stricter.
DEFAULT_PER_MINUTE = 20
SAVE_EVERY_SECONDS = 2.0


@dataclass
class Preview:
    """What a run is about to do, in counts, before anything is written or sent."""

    messages: int
    attachments: int
    child_details: int  # messages with at least one attachment naming a child
    to_send: int  # through the mail server, now
    as_drafts: int  # written to outbox/
    held: int  # of those drafts, kept back because they carry a child's details
    refused: int
    server: str | None


@dataclass
class MailResult:
    """What one ``send`` or ``chase`` did. ``letters`` are every message planned (refused ones too)."""

    kind: str
    server: str | None
    today: dt.date
    letters: list[Letter] = field(default_factory=list)
    drafted: list[Letter] = field(default_factory=list)
    sent: list[Letter] = field(default_factory=list)
    not_sent: list[tuple[Letter, str]] = field(default_factory=list)  # the server refused it: tried again next run
    withdrawn: list[str] = field(default_factory=list)  # drafts taken back: nothing left to send in them
    unconfirmed: list[Entry] = field(default_factory=list)  # recorded as sending, never confirmed sent
    unsendable: list[str] = field(default_factory=list)  # form ids with no respondent to e-mail (per case, once)
    up_to_date: int = 0  # respondents with nothing to send now
    templates: list[Path] = field(default_factory=list)  # copied into the audit's templates/ in this run
    stopped: str | None = None  # the connection failed part-way: why
    cancelled: bool = False  # the officer said no at the preview
    collected: object | None = None  # the CollectResult when 'chase --collect' collected first

    @property
    def refused(self) -> list[Letter]:
        return [letter for letter in self.letters if letter.refused]

    @property
    def ready(self) -> list[Letter]:
        return [letter for letter in self.letters if not letter.refused]

    @property
    def held(self) -> list[Letter]:
        return [letter for letter in self.ready if letter.held]

    @property
    def preview(self) -> Preview:
        ready = self.ready
        drafts_only = self.server is None
        return Preview(
            messages=len(ready), attachments=sum(len(x.attachments) for x in ready),
            child_details=sum(x.child_details for x in ready),
            to_send=0 if drafts_only else sum(not x.held for x in ready),
            as_drafts=len(ready) if drafts_only else sum(x.held for x in ready),
            held=0 if drafts_only else sum(x.held for x in ready), refused=len(self.refused), server=self.server)

    @property
    def needs_attention(self) -> bool:
        return bool(self.refused or self.not_sent or self.unconfirmed or self.stopped)


def word_letters(ws: Workspace, letters: list[Letter], *, went: dict[str, set[str]], extra: Callable[[Letter], dict],
                 smtp: bool, confirm_child_details: bool) -> None:
    """Word every letter from the template and check it: refused (address, a child named) or held (child's details)."""
    from .letters import address

    wording = Wording.load(ws, letters[0].kind) if letters else None
    guard = ChildGuard(ws) if letters else None
    audit = ws.audit
    marker = audit.secure_subject_marker
    deadline = audit.deadline.strftime("%d %B %Y").lstrip("0") if audit.deadline else "the date your co-ordinator gave you"
    for letter in letters:
        letter.contact_name, letter.to, why = address(ws, went, letter.respondent)
        if why:
            letter.refused = why
            continue
        data = {"audit": audit, "respondent": letter.respondent, "contact_name": letter.contact_name,
                "forms": [f.template_data() for f in letter.forms], "forms_reference": forms_reference(letter.forms),
                "deadline": deadline, "return_to": audit.return_to or "", "child_details": letter.child_details,
                "secure_email_hint": audit.secure_email_hint, **extra(letter)}
        subject, text = wording.render(**data)
        # Who writes and who is written to are no child: a contact who shares a child's first name is not that child.
        roster = (letter.respondent, letter.contact_name, letter.to, audit.return_to, audit.partnership)
        if guard.names_a_child(subject, roster) or guard.names_a_child(text, roster):
            letter.refused = (f"its subject or text would name a child or give a date of birth (from {wording.path.name} or "
                              "the audit's title): take it out, then run again. Forms go as attachments only")
            continue
        if letter.child_details and marker:
            subject = f"{marker} {subject}"
        letter.subject, letter.text = subject, text
        # Without a marker the partnership has not said how such messages are secured: drafts only.
        letter.held = letter.child_details and not (smtp and confirm_child_details and marker is not None)


def deliver(ws: Workspace, ledger: Ledger, result: MailResult, *, smtp: SmtpSettings | None, sender: str | None,
            per_minute: float, now: Callable[[], dt.datetime], progress: Callable[[int, int], None] | None = None,
            relay_factory: Callable[[SmtpSettings], Relay] = Relay) -> None:
    """Write the drafts, send the rest (``result.letters``, worded), and take back drafts nothing is owed in."""
    ready = result.ready
    drafting = [x for x in ready if smtp is None or x.held]
    sending = [x for x in ready if smtp is not None and not x.held]
    total, done = len(drafting) + len(sending), 0
    reply_to = ws.audit.return_to
    saved_at, dirty = time.monotonic(), False
    try:
        for letter in drafting:
            _draft(ws, ledger, letter, reply_to, now())
            result.drafted.append(letter)
            dirty = True
            if time.monotonic() - saved_at > SAVE_EVERY_SECONDS:
                ledger.save()
                saved_at, dirty = time.monotonic(), False
            done += 1
            if progress:
                progress(done, total)
        dirty |= _withdraw_stale(ws, ledger, result, now())
    finally:
        if dirty:
            ledger.save()
    if not sending:
        return
    with relay_factory(smtp) as relay:
        gap = 60.0 / per_minute if per_minute > 0 else 0.0
        last = None
        for letter in sending:
            if last is not None:
                time.sleep(max(0.0, gap - (time.monotonic() - last)))
            last = time.monotonic()
            try:
                relay.ready()
            except MailServerError as exc:  # reconnecting failed: nothing is in flight, the rest wait
                result.stopped = str(exc.problems[0])
                return
            if not _send(ws, ledger, result, relay, letter, sender or reply_to, reply_to, now()):
                return
            done += 1
            if progress:
                progress(done, total)


def _draft(ws: Workspace, ledger: Ledger, letter: Letter, reply_to: str | None, now: dt.datetime) -> None:
    message = drafts.compose(to=letter.to, subject=letter.subject, text=letter.text, reply_to=reply_to,
                             attachments=[(a.name, a.make()) for a in letter.attachments], now=now)
    # Found before the draft is written: a draft of the same name sent by hand earlier is another message.
    entry = ledger.open_draft(letter.kind, letter.respondent)
    drafts.write_draft(ws, letter.draft_name, message)
    ledger.draft_written(letter.draft_name)
    if entry is not None and entry.draft != letter.draft_name:
        drafts.remove_draft(ws, entry.draft)
        ledger.draft_removed(entry.draft)
    if entry is None:
        entry = ledger.add(_entry(ledger, letter, DRAFTED, now), save=False)
    _describe(entry, letter, now)
    ledger.set(entry, DRAFTED, now, save=False, draft=letter.draft_name)


def _withdraw_stale(ws: Workspace, ledger: Ledger, result: MailResult, now: dt.datetime) -> bool:
    """Take back drafts of this kind for respondents with nothing to send in this run (all returned, say)."""
    current = {x.respondent for x in result.ready}
    changed = False
    for entry in ledger.open_drafts(result.kind):
        if entry.respondent not in current:
            drafts.remove_draft(ws, entry.draft)
            ledger.draft_removed(entry.draft)
            ledger.set(entry, WITHDRAWN, now, save=False)
            result.withdrawn.append(entry.respondent)
            changed = True
    return changed


def _send(ws: Workspace, ledger: Ledger, result: MailResult, relay: Relay, letter: Letter, sender: str,
          reply_to: str | None, now: dt.datetime) -> bool:
    """Record, send, record. False when the run must stop (the outcome of this message is unknown)."""
    message = drafts.compose(to=letter.to, subject=letter.subject, text=letter.text, reply_to=reply_to,
                             attachments=[(a.name, a.make()) for a in letter.attachments], sender=sender, now=now)
    entry = ledger.open_draft(letter.kind, letter.respondent) or ledger.add(_entry(ledger, letter, SENDING, now), save=False)
    _describe(entry, letter, now)
    ledger.set(entry, SENDING, now, message_id=str(message["Message-ID"]))  # saved before a byte goes to the server
    # Its draft goes now: a draft left beside a message that may have gone could be sent a second time by hand.
    drafts.remove_draft(ws, entry.draft)
    ledger.draft_removed(entry.draft)
    try:
        relay.send(message, sender, letter.to)
    except NotAccepted as exc:
        ledger.set(entry, NOT_SENT, now, reason=str(exc), draft=None)
        result.not_sent.append((letter, str(exc)))
        return True
    except OutcomeUnknown as exc:
        result.stopped = (f"the connection to {result.server} failed while the message to {letter.respondent} was being "
                          f"handed over ({exc}): it may or may not have gone, so it is listed and not sent again")
        return False
    ledger.set(entry, SENT, now, sent_at=stamp(now), draft=None)
    result.sent.append(letter)
    return True


def _entry(ledger: Ledger, letter: Letter, state: str, now: dt.datetime) -> Entry:
    return Entry(id=ledger.new_id(letter.kind), kind=letter.kind, respondent=letter.respondent, to=letter.to or "",
                 forms=letter.form_ids, state=state, at=stamp(now), day=now.astimezone().date().isoformat())


def _describe(entry: Entry, letter: Letter, now: dt.datetime) -> None:
    entry.to, entry.forms, entry.subject = letter.to or "", letter.form_ids, letter.subject
    entry.attachments = [a.name for a in letter.attachments]
    entry.child_details, entry.resend = letter.child_details, letter.resend
    entry.day = now.astimezone().date().isoformat()



def run(ws: Workspace, kind: str, plan: Callable[[Ledger, MailResult], list[Letter]], *, smtp: SmtpSettings | None,
        sender: str | None, confirm_child_details: bool, confirm: Callable[[MailResult], bool] | None,
        per_minute: float, now: dt.datetime | None, progress, extra: Callable[[Letter], dict],
        result: MailResult | None = None, relay_factory: Callable[[SmtpSettings], Relay] = Relay) -> MailResult:
    """Plan, word, preview, deliver: the run both commands share, under the mail lock.

    Raises:
        RestrictedStoreError: a case's details are missing (no name could be checked for).
        WorkspaceError: no address to send from, a child's details confirmed without a subject marker,
            the ledger cannot be read, a template cannot be used.
        AuditLocked: another send or chase is running.
        MailServerError: the mail server could not be used; nothing was sent.
    """
    from ..errors import ErrorCode, WorkspaceError, problem
    from .ledger import mail_lock
    from .wording import ensure_template

    gap = ws.identity_problem()
    if gap is not None:
        raise gap
    if smtp is not None and not (sender or ws.audit.return_to):
        raise WorkspaceError(problem(ErrorCode.NEED_INPUT, file=ws.root / "audit.yaml", what="an address to send from",
                                     hint="Give --from ADDRESS, or set return_to in audit.yaml."))
    if smtp is not None and confirm_child_details and ws.audit.secure_subject_marker is None:
        raise WorkspaceError(problem(ErrorCode.MAIL_MARKER_MISSING, file=ws.root / "audit.yaml"))
    clock = (lambda: now) if now is not None else (lambda: dt.datetime.now(dt.UTC))
    start = clock()
    result = result or MailResult(kind, None, start.astimezone().date())
    result.server = str(smtp.server) if smtp is not None else None
    result.today = start.astimezone().date()
    with mail_lock(ws):
        ledger = Ledger.load(ws)
        copied = ensure_template(ws, kind)
        if copied is not None:
            result.templates.append(copied)
        result.letters = plan(ledger, result)
        word_letters(ws, result.letters, went=ledger.domains(), extra=extra, smtp=smtp is not None,
                     confirm_child_details=confirm_child_details)
        if smtp is not None and result.ready and confirm is not None and not confirm(result):
            result.cancelled = True
        else:
            deliver(ws, ledger, result, smtp=smtp, sender=sender, per_minute=per_minute, now=clock, progress=progress,
                    relay_factory=relay_factory)
        result.unconfirmed = ledger.unconfirmed(result.today.isoformat())
    return result
