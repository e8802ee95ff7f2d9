"""Returns that arrive inside something: an e-mail (.eml, or Outlook's own .msg) or a zip archive.

Officers drag e-mails out of Outlook into ``returns/`` and save zips as they came. Each
attachment or member that could be a return is copied out into the private staging folder
and then judged exactly like a file saved directly (the same safety checks and limits; see
:mod:`maa_cli.intake.examine`). A container inside a container (a zip attached to an e-mail,
an e-mail forwarded as an attachment) is opened too, to :data:`MAX_DEPTH` levels. The
container itself is only ever read.

What cannot be opened is explained, not guessed at: an S/MIME-encrypted message, a
rights-protected (.rpmsg) one, a password-protected zip, nesting deeper than allowed.
Pictures, signatures and calendar invites in e-mails are not returns and are left out.

Each member remembers where it came from: the container's path, the sender's address (an
e-mail's From, compared later with the respondent's known e-mail domain) and when the
message was sent.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from pathlib import Path, PurePosixPath

from .safety import MAX_FILE_BYTES, MAX_TOTAL_BYTES, inspect_file

#: How deep containers may nest: returns/x.eml → an attached zip → the form inside it.
MAX_DEPTH = 3
#: Files taken out of one container, nesting included (a zip of a whole county's forms fits).
MAX_MEMBERS = 2_000
#: Bytes taken out of one container in all, nesting included.
MAX_BYTES = MAX_TOTAL_BYTES
_CHUNK = 1 << 20
#: Attachments worth judging; anything else in an e-mail (pictures, signatures, invites) is left out.
_LIKELY = {".docx", ".xlsx", ".docm", ".xlsm", ".doc", ".xls", ".pdf", ".zip", ".msg", ".eml", ".odt", ".ods", ".rtf",
           ".dotx", ".xltx", ".rpmsg", ""}
_SKIPPED_TYPES = ("image/", "text/calendar", "text/vcard", "text/x-vcard")
_HEADER = re.compile(rb"^(?:[A-Za-z][A-Za-z0-9-]{0,60}):[ \t]?", re.MULTILINE)
_EMAIL_HEADERS = {b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"received", b"return-path",
                  b"x-mailer", b"content-type", b"x-unsent", b"reply-to", b"cc", b"sender"}


@dataclass
class Member:
    """One file taken out of a container, staged for judging."""

    name: str  # where it sits inside the container: 'Police.docx', 'forms.zip/Police.docx'
    path: Path  # the staged copy
    sha256: str
    sender: str | None = None  # the From address of the message it was attached to
    sent: dt.datetime | None = None  # when that message was sent (its Date), if it says


@dataclass
class Explained:
    """Something in a container that could not be opened, and why (for the officer)."""

    name: str
    code: str
    reason: str


@dataclass
class Opened:
    kind: str  # eml, msg, zip
    members: list[Member] = field(default_factory=list)
    explained: list[Explained] = field(default_factory=list)
    left_out: int = 0  # pictures and the like in e-mails
    sender: str | None = None


class ContainerError(Exception):
    """The container as a whole cannot be opened; ``code`` is stable, ``reason`` is for people."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


def looks_like_email(path: Path) -> bool:
    """Whether a file starts the way a saved e-mail (RFC 5322, .eml) does: a block of known header lines."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    names = {m.group(0).split(b":")[0].strip().lower() for m in _HEADER.finditer(head.split(b"\r\n\r\n")[0].split(b"\n\n")[0])}
    return head[:1].isalpha() and len(names & _EMAIL_HEADERS) >= 2 and (b"from" in names or b"content-type" in names)


def container_kind(path: Path, code: str | None) -> str | None:
    """'zip', 'msg' or 'eml' when a file refused by the safety stage is a container maa opens, else None."""
    if code == "zip":
        return "zip"
    if code == "msg":
        return "msg"
    if code == "unknown" and looks_like_email(path):
        return "eml"
    return None


def open_container(path: Path, kind: str, staging: Path) -> Opened:
    """Take every possible return out of the container at ``path`` into ``staging``.

    Raises:
        ContainerError: the container cannot be opened at all (damaged, encrypted, too big inside).
    """
    box = _Box(staging)
    opened = Opened(kind)
    box.open(path, kind, "", 1, opened, None, None)
    return opened


class _Box:
    """Counts and stages what comes out of one container, nesting included."""

    def __init__(self, staging: Path):
        self.staging, self.count, self.bytes = staging, 0, 0

    def open(self, path: Path, kind: str, prefix: str, depth: int, out: Opened, sender, sent) -> None:
        if kind == "zip":
            self._zip(path, prefix, depth, out, sender, sent)
        elif kind == "eml":
            with path.open("rb") as fh:
                message = _parse_email(fh.read(MAX_FILE_BYTES + 1))
            self._email(message, prefix, depth, out)
        elif kind == "msg":
            self._msg(path, prefix, depth, out)

    # -- one file out of a container: judged, or opened in turn ------------------------------------

    def take(self, name: str, chunks, depth: int, out: Opened, sender, sent) -> None:
        self.count += 1
        if self.count > MAX_MEMBERS:
            raise ContainerError("too_many_parts", f"it holds more than {MAX_MEMBERS:,} files; unpack it and save "
                                                   "the forms in it into returns/ one by one")
        folder = self.staging / f"m{self.count:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / _safe_name(name.rsplit("/", 1)[-1])
        digest, size = hashlib.sha256(), 0
        with target.open("wb") as fh:
            for chunk in chunks:
                size += len(chunk)
                self.bytes += len(chunk)
                if size > MAX_FILE_BYTES or self.bytes > MAX_BYTES:
                    out.explained.append(Explained(name, "too_large", "it is larger than a returned form can be"))
                    return
                digest.update(chunk)
                fh.write(chunk)
        inner = container_kind(target, inspect_file(target).code)
        if inner is not None:
            if depth >= MAX_DEPTH:
                out.explained.append(Explained(name, "too_deep", f"a container inside {MAX_DEPTH} others: save the "
                                                                 "form inside it into returns/ yourself"))
                return
            try:
                self.open(target, inner, name + "/", depth + 1, out, sender, sent)
            except ContainerError as exc:
                out.explained.append(Explained(name, exc.code, exc.reason))
            return
        out.members.append(Member(name, target, digest.hexdigest(), sender, sent))

    # -- zip -----------------------------------------------------------------------------------------

    def _zip(self, path: Path, prefix: str, depth: int, out: Opened, sender, sent) -> None:
        import zipfile

        # The safety stage has already checked this archive's table of contents (sizes, ratios,
        # names, encryption) before calling it a plain zip.
        try:
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    name = info.filename
                    if info.is_dir() or name.startswith("__MACOSX/") or PurePosixPath(name).name.startswith((".", "~$")):
                        continue
                    if info.flag_bits & 0x1:
                        out.explained.append(Explained(prefix + name, "encrypted_zip", "it is protected by a password"))
                        continue
                    with zf.open(info) as member:
                        self.take(prefix + _inner_name(name), iter(lambda m=member: m.read(_CHUNK), b""), depth, out,
                                  sender, sent)
        except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError) as exc:
            raise ContainerError("corrupt", f"the zip archive is damaged ({type(exc).__name__})") from None

    # -- e-mail (.eml) -------------------------------------------------------------------------------

    def _email(self, message: Message, prefix: str, depth: int, out: Opened) -> None:
        sender, sent = _sender(message.get("From")), _date(message.get("Date"))
        if prefix == "":
            out.sender = sender
        stack = [message]
        while stack:
            part = stack.pop(0)
            ctype = part.get_content_type()
            name = part.get_filename() or ""
            if ctype in ("application/pkcs7-mime", "application/x-pkcs7-mime"):
                out.explained.append(Explained(prefix + (name or "the message"), "smime", _SMIME))
            elif ctype == "application/x-microsoft-rpmsg-message" or name.casefold().endswith(".rpmsg"):
                out.explained.append(Explained(prefix + (name or "the message"), "rights_protected", _RPMSG))
            elif ctype == "message/rfc822":
                inner = part.get_payload(0) if part.is_multipart() else None
                if not isinstance(inner, Message):
                    continue
                if depth >= MAX_DEPTH:
                    out.explained.append(Explained(prefix + (name or "a forwarded message"), "too_deep", _DEEP))
                    continue
                self._email(inner, f"{prefix}{_safe_name(name or 'forwarded message')}/", depth + 1, out)
            elif part.is_multipart():
                stack = [p for p in part.iter_parts()] + stack if hasattr(part, "iter_parts") else part.get_payload() + stack
            elif _is_attachment(part, name, ctype):
                payload = part.get_payload(decode=True) or b""
                self.take(prefix + _safe_name(name or "attachment"), [payload], depth, out, sender, sent)
            elif part.get_content_maintype() != "text" and part is not message:
                out.left_out += 1

    # -- Outlook .msg (a compound file) ---------------------------------------------------------------

    def _msg(self, path: Path, prefix: str, depth: int, out: Opened) -> None:
        import olefile

        try:
            ole = olefile.OleFileIO(str(path))
        except Exception as exc:  # noqa: BLE001 - olefile raises several types for a damaged file
            raise ContainerError("corrupt", f"the Outlook message is damaged ({type(exc).__name__})") from None
        with contextlib.closing(ole):
            self._msg_storage(ole, [], prefix, depth, out)

    def _msg_storage(self, ole, base: list[str], prefix: str, depth: int, out: Opened) -> None:
        # The sender's SMTP address, then the sent-representing one; Outlook keeps a sender inside Exchange
        # as an Exchange name ('/O=EXCHANGELABS/...'), which is no address, so each is tried in turn.
        sender = next((v for tag in _SENDER_TAGS if (v := _msg_text(ole, base, (tag,))) and _sender(v)), None)
        if prefix == "":
            out.sender = _sender(sender)
        klass = (_msg_text(ole, base, ("001A",)) or "").casefold()
        if "smime" in klass:
            out.explained.append(Explained(prefix or "the message", "smime", _SMIME))
            return
        entries = ole.listdir(streams=True, storages=True)
        attachments = sorted({e[len(base)] for e in entries if len(e) > len(base) and e[:len(base)] == base
                              and e[len(base)].startswith("__attach_version1.0_#")})
        for attach in attachments:
            where = [*base, attach]
            name = _msg_text(ole, where, ("3707", "3704", "3001")) or "attachment"
            embedded = [*where, "__substg1.0_3701000D"]
            if ole.exists("/".join(embedded)):
                if depth >= MAX_DEPTH:
                    out.explained.append(Explained(prefix + name, "too_deep", _DEEP))
                    continue
                self._msg_storage(ole, embedded, f"{prefix}{_safe_name(name)}/", depth + 1, out)
                continue
            data_path = "/".join([*where, "__substg1.0_37010102"])
            if not ole.exists(data_path):
                continue  # a link or an OLE object: nothing to judge
            if name.casefold().endswith(".rpmsg"):
                out.explained.append(Explained(prefix + name, "rights_protected", _RPMSG))
                continue
            if ole.get_size(data_path) > MAX_FILE_BYTES:
                out.explained.append(Explained(prefix + name, "too_large", "it is larger than a returned form can be"))
                continue
            if PurePosixPath(name.casefold()).suffix not in _LIKELY:
                out.left_out += 1
                continue
            with ole.openstream(data_path) as stream:
                self.take(prefix + _safe_name(name), iter(lambda s=stream: s.read(_CHUNK), b""), depth, out,
                          _sender(sender), None)


#: PR_SENDER_SMTP_ADDRESS, PR_SENT_REPRESENTING_SMTP_ADDRESS, PR_SENDER_EMAIL_ADDRESS, PR_SENT_REPRESENTING_EMAIL_ADDRESS.
_SENDER_TAGS = ("5D01", "5D02", "0C1F", "0065")
_SMIME = ("it is encrypted with S/MIME, so only the recipient's mail program can open it: open it in Outlook, "
          "save the attached form into returns/, and remove the e-mail")
_RPMSG = ("it is rights-protected (a sensitivity label or 'Do not forward'), so only Outlook can open it: open it "
          "there, save the attached form into returns/ (ask the sender to remove the protection if it cannot be "
          "saved), and remove the e-mail")
_DEEP = f"it is inside {MAX_DEPTH} other containers: save the form inside it into returns/ yourself"


def _parse_email(data: bytes) -> Message:
    if len(data) > MAX_FILE_BYTES:
        raise ContainerError("too_large", "the e-mail is larger than a returned form can be")
    try:
        return BytesParser(policy=policy.default).parsebytes(data)
    except (RecursionError, ValueError, LookupError, TypeError) as exc:
        raise ContainerError("corrupt", f"the e-mail cannot be read ({type(exc).__name__})") from None


def _is_attachment(part: Message, name: str, ctype: str) -> bool:
    if ctype.startswith(_SKIPPED_TYPES):
        return False
    if isinstance(part, EmailMessage) and part.is_attachment():
        return PurePosixPath(name.casefold()).suffix in _LIKELY
    return bool(name) and PurePosixPath(name.casefold()).suffix in _LIKELY and ctype != "text/plain"


def _msg_text(ole, base: list[str], tags: tuple[str, ...]) -> str | None:
    """A string property of a message or attachment, in its Unicode (001F) or 8-bit (001E) form."""
    for tag in tags:
        for kind, encoding in (("001F", "utf-16-le"), ("001E", "cp1252")):
            name = "/".join([*base, f"__substg1.0_{tag}{kind}"])
            if ole.exists(name) and ole.get_size(name) <= 64 * 1024:
                with ole.openstream(name) as stream:
                    return stream.read().decode(encoding, "replace").rstrip("\x00").strip()
    return None


def _sender(value) -> str | None:
    if not value:
        return None
    _name, address = email.utils.parseaddr(str(value))
    return address.strip().lower() or None if "@" in address else None


def _date(value) -> dt.datetime | None:
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _inner_name(name: str) -> str:
    """A member's path inside a zip, made safe to show and store ('..' and drive letters removed)."""
    parts = [_safe_name(p) for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", ".", "..", "/")]
    return "/".join(p for p in parts if p) or "unnamed"


def _safe_name(name: str) -> str:
    """A file name from inside a container, safe for the staging folder on any system."""
    cleaned = re.sub(r'[\x00-\x1f\x7f<>:"/\\|?*]', "_", name).strip(" .") or "unnamed"
    if len(cleaned) > 120:
        stem, dot, suffix = cleaned.rpartition(".")
        cleaned = (stem[:100] + dot + suffix[:10]) if dot else cleaned[:120]
    return cleaned
