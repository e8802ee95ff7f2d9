"""Messages as RFC 5322 text, and the drafts in ``outbox/``.

A draft is an ``.eml`` file with ``X-Unsent: 1``: Outlook opens it as a new message, ready to send from
the officer's mailbox, with its attachments. A draft has no ``From`` (Outlook fills in the mailbox it is
sent from); every message has ``Reply-To`` the audit's return address, so answers go where forms come back.
A message sent by maa has ``From``, ``Date`` and a ``Message-ID``, which the ledger keeps, so a bounce can
be matched to it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from .. import atomic
from ..setup.workspace import Workspace

OUTBOX = "outbox"
#: CRLF line ends; headers left unfolded up to the 998 characters RFC 5322 allows: a subject folded straight
#: after "Subject:" comes back with a leading space from some parsers (Python's own among them).
WIRE = policy.SMTP.clone(max_line_length=998)
_TYPES = {
    "docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def outbox(ws: Workspace) -> Path:
    return ws.root / OUTBOX


def compose(*, to: str, subject: str, text: str, reply_to: str | None, attachments: list[tuple[str, bytes]],
            sender: str | None = None, now: dt.datetime | None = None) -> EmailMessage:
    """One message. Without ``sender`` it is a draft (``X-Unsent: 1``, no ``From``, no ``Message-ID``).

    ``attachments`` are ``(file name, bytes)``; the name's extension gives the type.
    """
    msg = EmailMessage(policy=WIRE)
    if sender:
        msg["From"] = sender
        msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg["To"] = to
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = subject
    msg["Date"] = format_datetime((now or dt.datetime.now(dt.UTC)).astimezone())
    if not sender:
        msg["X-Unsent"] = "1"
    msg.set_content(text, subtype="plain", charset="utf-8")
    for name, data in attachments:
        maintype, subtype = _TYPES.get(name.rpartition(".")[2].lower(), ("application", "octet-stream"))
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def write_draft(ws: Workspace, name: str, msg: EmailMessage) -> Path:
    """Write ``outbox/<name>`` in one step (CRLF line endings, as Outlook expects)."""
    path = outbox(ws) / name
    atomic.write_bytes(path, msg.as_bytes(policy=WIRE))
    return path


def remove_draft(ws: Workspace, name: str | None) -> None:
    """Remove a draft maa wrote; one open in Outlook (Windows will not let go) is left for the next run."""
    if not name:
        return
    with contextlib.suppress(FileNotFoundError, PermissionError):
        (outbox(ws) / name).unlink()
