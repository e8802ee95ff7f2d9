"""The record of every message maa wrote or sent (``.maa/mail.json``): what keeps sending at most once.

A message is recorded *before* it goes: ``sending`` is saved, the message is handed to the mail
server, then ``sent`` is saved. A run killed between the two leaves ``sending``: maa cannot know
whether the server took the message, so it is listed for the officer and never sent again on its own
(``maa send --resend RESPONDENT`` sends it again once the officer has checked). A message the server
refused outright (``not_sent``) was never delivered, and is tried again on the next run.

A draft written to ``outbox/`` is ``drafted``. While its file is there it is rewritten on each run;
once the file has gone (sent from Outlook, then deleted or moved) it counts as sent by hand. A draft
maa takes back itself (nothing is owed any more) is ``withdrawn``.

The file is replaced in one step on every change (:mod:`maa_cli.atomic`). One that cannot be read
stops ``send`` and ``chase`` (exit 2) rather than being rebuilt: an empty ledger would send every
message again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .. import atomic
from ..errors import ErrorCode, WorkspaceError, problem
from ..setup.workspace import Workspace, locked

LEDGER = "mail.json"
LOCK = "mail.lock"
VERSION = 1
DRAFTED, WITHDRAWN, SENDING, SENT, NOT_SENT = "drafted", "withdrawn", "sending", "sent", "not_sent"
STATES = (DRAFTED, WITHDRAWN, SENDING, SENT, NOT_SENT)
KINDS = ("send", "chase")


@dataclass
class Entry:
    """One message: to whom, which forms, and how far it got."""

    id: str
    kind: str  # "send" (the forms) or "chase" (a reminder)
    respondent: str
    to: str
    forms: list[str]
    state: str
    at: str  # when the state was last set (UTC)
    day: str  # the local date the message was made: one reminder per form per day
    subject: str = ""
    attachments: list[str] = field(default_factory=list)
    child_details: bool = False
    resend: bool = False  # asked for with --resend: it settles an earlier message left 'sending'
    draft: str | None = None  # its file in outbox/, while drafted
    message_id: str | None = None
    sent_at: str | None = None
    reason: str | None = None  # why the server refused it
    gone_seen: str | None = None  # a reminder draft: the local date maa first found it gone from outbox/

    @classmethod
    def from_json(cls, data) -> Entry:
        """Raises ValueError when ``data`` is not an entry maa wrote."""
        if not isinstance(data, dict):
            raise ValueError("not an entry")
        known = {f.name for f in fields(cls)}
        entry = cls(**{k: v for k, v in data.items() if k in known})
        if entry.kind not in KINDS or entry.state not in STATES or not isinstance(entry.forms, list):
            raise ValueError("not an entry")
        return entry


class Ledger:
    """Every message of one audit, in the order they were made. Read and changed under :func:`mail_lock`."""

    def __init__(self, ws: Workspace, entries: list[Entry]):
        self.ws = ws
        self.entries = entries
        self._drafts: set[str] | None = None  # the files in outbox/, listed once and kept up to date
        self._lines: dict[str, str] = {}  # each entry's JSON line, made again only when it changes (see set)

    @property
    def drafts_present(self) -> set[str]:
        if self._drafts is None:
            try:
                self._drafts = set(os.listdir(self.ws.root / "outbox"))
            except OSError:
                self._drafts = set()
        return self._drafts

    def draft_written(self, name: str) -> None:
        self.drafts_present.add(name)

    def draft_removed(self, name: str | None) -> None:
        self.drafts_present.discard(name)

    @property
    def path(self) -> Path:
        return self.ws.state_dir / LEDGER

    @classmethod
    def load(cls, ws: Workspace) -> Ledger:
        """The ledger (empty before the first message).

        Raises:
            WorkspaceError: it is there but cannot be read (damaged, or not what maa writes).
        """
        path = ws.state_dir / LEDGER
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cls(ws, [])
        except OSError as exc:
            raise _unreadable(path, f"it cannot be opened ({exc.strerror or type(exc).__name__})") from None
        try:
            data = json.loads(raw.decode("utf-8-sig"))
            if not isinstance(data, dict) or data.get("version") != VERSION:
                raise ValueError("not a ledger")
            entries = [Entry.from_json(e) for e in data.get("messages") or []]
        except (ValueError, TypeError, AttributeError):
            raise _unreadable(path, "it is damaged, or does not hold what maa writes there") from None
        return cls(ws, entries)

    def save(self) -> None:
        # One message a line: readable, and quick enough to replace twice for every message sent.
        lines = ",\n".join(self._line(e) for e in self.entries)
        atomic.write_text(self.path, f'{{"version": {VERSION}, "messages": [\n{lines}\n]}}\n')

    def _line(self, entry: Entry) -> str:
        line = self._lines.get(entry.id)
        if line is None:
            line = self._lines[entry.id] = json.dumps(asdict(entry), ensure_ascii=False, sort_keys=True)
        return line

    def new_id(self, kind: str) -> str:
        prefix = "S" if kind == "send" else "C"
        return f"{prefix}{sum(1 for e in self.entries if e.kind == kind) + 1:05d}"

    def add(self, entry: Entry, save: bool = True) -> Entry:
        self.entries.append(entry)
        if save:
            self.save()
        return entry

    def set(self, entry: Entry, state: str, now: dt.datetime, save: bool = True, **changes) -> None:
        """Change an entry (every change to one goes through here, after any other edits to it) and save."""
        entry.state, entry.at = state, stamp(now)
        for name, value in changes.items():
            setattr(entry, name, value)
        self._lines.pop(entry.id, None)
        if save:
            self.save()

    # -- what the entries say ---------------------------------------------------------------------

    def handed_over(self, entry: Entry) -> bool:
        """A draft whose file has left ``outbox/``: the officer sent it (and removed it)."""
        return entry.state == DRAFTED and entry.draft not in self.drafts_present

    def went(self, entry: Entry) -> bool:
        """The message went, or may have: sent, sending (not known), or a draft handed over."""
        return entry.state in (SENT, SENDING) or self.handed_over(entry)

    def domains(self) -> dict[str, set[str]]:
        """By respondent, the e-mail domains its messages went to (see :mod:`maa_cli.mail.letters`)."""
        out: dict[str, set[str]] = {}
        for e in self.entries:
            if self.went(e):
                out.setdefault(e.respondent, set()).add(e.to.rpartition("@")[2].casefold())
        return out

    def open_draft(self, kind: str, respondent: str) -> Entry | None:
        """The respondent's draft still waiting in ``outbox/``, if any (rewritten rather than added to)."""
        for entry in reversed(self.entries):
            if entry.kind == kind and entry.respondent == respondent and entry.state == DRAFTED and not self.handed_over(entry):
                return entry
        return None

    def open_drafts(self, kind: str) -> list[Entry]:
        return [e for e in self.entries if e.kind == kind and e.state == DRAFTED and not self.handed_over(e)]

    def forms_gone(self, kind: str, day: str | None = None) -> set[str]:
        """Forms a message of ``kind`` went with (on ``day`` only, when given).

        A draft sent by hand went on a day maa cannot know: any day from the one it was written to the one maa
        found it gone (:meth:`see_drafts_gone`). It counts on both, so a form is never reminded twice on a day.
        """
        return {f for e in self.entries if e.kind == kind and (day is None or day in (e.day, e.gone_seen))
                and self.went(e) for f in e.forms}

    def see_drafts_gone(self, kind: str, today: str) -> bool:
        """Note ``today`` on each draft of ``kind`` found gone from ``outbox/`` for the first time; True if any."""
        changed = False
        for entry in self.entries:
            if entry.kind == kind and entry.gone_seen is None and self.handed_over(entry):
                entry.gone_seen = today
                self._lines.pop(entry.id, None)
                changed = True
        return changed

    def unconfirmed(self, today: str) -> list[Entry]:
        """Messages recorded as sending but never confirmed sent, that no later message has settled.

        A first message stays listed until ``--resend`` sends its respondent's forms again; a reminder
        only on the day it was made (the next day's reminder goes anyway).
        """
        out = []
        for i, entry in enumerate(self.entries):
            if entry.state != SENDING:
                continue
            if entry.kind == "chase" and entry.day != today:
                continue
            later = self.entries[i + 1:]
            if any(e.kind == entry.kind and e.respondent == entry.respondent and (e.resend or e.kind == "chase")
                   and self.went(e) and set(entry.forms) <= set(e.forms) for e in later):
                continue
            out.append(entry)
        return out


def stamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).isoformat(timespec="seconds")


def _unreadable(path: Path, why: str) -> WorkspaceError:
    return WorkspaceError(problem(ErrorCode.MAIL_LEDGER_UNREADABLE, file=path, name=path.name, why=why))


def mail_lock(ws: Workspace):
    """Hold the audit's mail lock, or raise :class:`AuditLocked` at once.

    Its own lock, not the audit's: a send at a gentle rate can take an hour, and the hourly
    ``maa collect`` must go on meanwhile. Two ``send`` or ``chase`` runs can never interleave.
    """
    return locked(ws, LOCK)
