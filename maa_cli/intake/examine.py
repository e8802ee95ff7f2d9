"""One returned file, from bytes to a judgement: copy once, inspect, identify, read, judge.

The file in ``returns/`` is read exactly once: its bytes are copied into a private
staging folder and hashed on the way. Everything after that — the safety checks,
the identity, the answers, the read-only copy kept under ``collected/`` — works on
that copy. So a file on OneDrive Files On-Demand is downloaded once, the SHA-256
is the hash of exactly the bytes that were judged, and a file swapped on the share
between the safety check and the parse cannot reach a parser unchecked.

Nothing here raises on a strange file: every outcome is a decision with a reason.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import stat
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..dates import format_uk
from ..errors import environment_error
from ..forms.identity import FormIdentity, make_form_id, seal_matches
from ..forms.manifest import is_withdrawn
from ..forms.open_form import RESPONDENT_KEY, identifier_words, open_form_type, reading_tool
from ..office.ooxml import CUSTOM_PART, parse_custom_properties
from ..setup.workspace import Workspace
from .containers import ContainerError, container_kind, open_container
from .decision import Decision
from .judging import Judgement, identifying_keys, judge
from .readers.raw import RawReturn
from .respondents import Match, assign_command, assigned, file_key, other_domain, roster_for
from .safety import MAX_FILE_BYTES, Inspection, UnsafeFile, inspect_file, open_part

#: An empty or damaged file modified this recently is probably still being copied or synced.
DAMAGED_RECENT_SECONDS = 300.0
_DAMAGED = {"corrupt", "empty", "unreadable"}
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
_CHUNK = 1 << 20
_PROPERTIES_LIMIT = 1 << 20  # docProps/custom.xml is a few hundred bytes in every form


@dataclass
class Context:
    """What judging a file needs from the audit, gathered once per run."""

    ws: Workspace
    manifest: dict[str, dict]
    staging: Path
    now: float
    form_key: bytes | None = None  # None: an audit made before forms were sealed
    #: What worker processes already read, by SHA-256 of the bytes (see :mod:`maa_cli.intake.ahead`).
    preread: dict = field(default_factory=dict)
    #: What worker processes already examined start to finish, by the file's path (see :class:`Prejudged`).
    prejudged: dict = field(default_factory=dict)
    #: In a worker: the largest return whose bytes are sent back with its outcome (see :data:`SHIP_BYTES`).
    ship_bytes: int = 0


@dataclass
class Examined:
    """The outcome for one file: its decision (plain data, unmasked) and what to record."""

    decision: Decision
    digest: str | None = None  # of the normalised answers: two files with equal answers are copies
    answered: dict | None = None  # answer key -> short fingerprint of each answer given (see answer_prints)
    record: dict | None = None  # answers without identifying ones, for .maa/records
    secret: dict = field(default_factory=dict)  # identifying answers, for the restricted store only
    staged: Path | None = None
    staged_bytes: bytes | None = None  # the bytes of ``staged``, as they were copied
    kind: str | None = None
    members: list[tuple[str, Examined]] = field(default_factory=list)  # an e-mail or zip: (name inside, outcome)
    collected: str | None = None  # a row of an export: the one kept copy of the export (below the restricted store)


def examine(path: Path, st: os.stat_result, ctx: Context, shown: str | None = None) -> Examined:
    """Judge one file. ``st`` is what the file looked like when it was found; ``shown`` is the file as the officer
    sees it listed (below returns/, masked), for messages that say what to type (default: its name)."""
    shown = shown or path.name
    modified = dt.datetime.fromtimestamp(st.st_mtime, dt.UTC).isoformat(timespec="seconds")
    age = ctx.now - st.st_mtime
    try:
        copied: list[bytes] = []
        staged = _stage(path, ctx.staging, copied)
    except OSError as exc:  # the share went away, or the file is locked by the program writing it
        staged = None
        if age < DAMAGED_RECENT_SECONDS:
            return Examined(Decision("pending", "unreadable", [f"the file could not be read yet ({exc.strerror or exc}); "
                                                               "it will be looked at again on the next run"], modified=modified))
    if staged is None:
        verdict = inspect_file(path)  # links, pipes, empty and oversized files: read nothing, explain
        if verdict.ok:
            return Examined(Decision("pending", "changed_while_reading", [_CHANGED], modified=modified))
        return Examined(_refused(verdict, age, None, modified))
    staged_path, sha256 = staged
    try:
        after = os.stat(path)
    except OSError:
        after = None
    if after is None or (after.st_size, after.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
        return Examined(Decision("pending", "changed_while_reading", [_CHANGED], modified=modified))
    pre = ctx.preread.pop(sha256, None)  # read by a worker from these very bytes (same SHA-256)
    verdict = replace(pre.inspection, path=staged_path) if pre else inspect_file(staged_path)
    if not verdict.ok:
        kind = container_kind(staged_path, verdict.code)
        if kind is not None:
            return _open(staged_path, kind, ctx, sha256, modified, st, shown)
        if verdict.code == "unknown":  # text, not a form: perhaps an online form's export saved as CSV
            export = _export(staged_path, "csv", ctx, sha256, modified, st, shown)
            if export is not None:
                return export
        return Examined(_refused(verdict, age, sha256, modified))
    out = _identify_and_judge(staged_path, verdict, ctx, sha256, modified, st, shown, pre=pre)
    out.staged, out.kind = staged_path, verdict.kind
    out.staged_bytes = b"".join(copied)
    return out


_CHANGED = "the file changed while it was being read (it is probably still being saved); it will be read on the next run"


def _stage(path: Path, folder: Path, keep: list[bytes] | None = None) -> tuple[Path, str] | None:
    """Copy ``path`` into ``folder`` under its own name, hashing it; None if it is not a plain file maa may read.

    With ``keep``, the bytes copied are also appended to it (the kept copy of an accepted return is
    written from them, rather than from reading the staged file again).

    The checks mirror :func:`maa_cli.intake.safety.inspect_file`, which explains any refusal:
    a link is never followed and a pipe never waited on.
    """
    try:
        lst = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(lst.st_mode) or lst.st_size == 0 or lst.st_size > MAX_FILE_BYTES:
        return None
    fd = os.open(path, _OPEN_FLAGS)
    with os.fdopen(fd, "rb") as source:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        target = folder / _staged_name(path.name)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            copy = target.open("wb")
        except OSError as exc:
            raise _stopped(exc, target) from None
        digest, size = hashlib.sha256(), 0
        with copy:
            while chunk := source.read(_CHUNK):  # an error reading the return is the return's problem
                size += len(chunk)
                if size > MAX_FILE_BYTES:  # grew past the limit while being read
                    return None
                digest.update(chunk)
                if keep is not None:
                    keep.append(chunk)
                try:
                    copy.write(chunk)
                except OSError as exc:  # an error writing the copy is this computer's: stop the run
                    raise _stopped(exc, target) from None
    return target, digest.hexdigest()


_CONTAINER_WORDS = {"eml": "a saved e-mail", "msg": "a saved Outlook e-mail (.msg)", "zip": "a zip archive"}


@dataclass(frozen=True)
class _When:
    """The one time judging a return needs (when it arrived): a container's, or its e-mail's Date."""

    st_mtime: float


def _open(path: Path, kind: str, ctx: Context, sha256: str, modified: str, st, shown: str) -> Examined:
    """An e-mail or zip: every attachment or member judged exactly like a file saved directly."""
    what = _CONTAINER_WORDS[kind]
    try:
        opened = open_container(path, kind, ctx.staging / "members")
    except ContainerError as exc:
        return Examined(Decision("rejected", exc.code, [f"{what} that maa cannot open: {exc.reason}"],
                                 sha256=sha256, modified=modified))
    except OSError as exc:
        raise _stopped(exc, ctx.staging) from None
    members: list[tuple[str, Examined]] = []
    for m in opened.members:
        # An e-mail's Date says when it was sent (a return e-mailed on time is on time, whenever it was saved
        # here); a date in the future is not believed.
        sent = m.sent.timestamp() if m.sent and m.sent.timestamp() <= ctx.now + 300 else st.st_mtime
        when = dt.datetime.fromtimestamp(sent, dt.UTC).isoformat(timespec="seconds")
        verdict = inspect_file(m.path)
        if verdict.ok:
            out = _identify_and_judge(m.path, verdict, ctx, m.sha256, when, _When(sent), f"{shown}#{m.name}", inside=True)
            out.staged, out.kind = m.path, verdict.kind
        else:
            out = Examined(_refused(verdict, float("inf"), m.sha256, when))
        out.decision.sender = m.sender
        out.decision.warnings += _sender_warnings(ctx, out.decision)
        members.append((m.name, out))
    for x in opened.explained:
        members.append((x.name, Examined(Decision("rejected", x.code, [f"maa cannot open this: {x.reason}"], modified=modified))))
    sender = f" from {opened.sender}" if opened.sender else ""
    if not members:
        return Examined(Decision("rejected", "no_attachment", [
            f"{what}{sender} with no form in it{' (only pictures or signatures)' if opened.left_out else ''}: ask the "
            "sender to attach the completed form and send it again"], sha256=sha256, modified=modified, sender=opened.sender))
    decision = Decision("opened", "container", [
        f"{what}{sender} holding {len(members)} file{'s' if len(members) != 1 else ''}: each is listed on its own"],
        sha256=sha256, modified=modified, sender=opened.sender)
    return Examined(decision, members=members)


def _sender_warnings(ctx: Context, d: Decision) -> list[str]:
    """A warning when a return came from an address outside its respondent's known e-mail domain."""
    if not (d.sender and d.agency and d.judged):
        return []
    try:
        known = ctx.ws.audit.agency(d.agency).email
    except KeyError:
        return []
    # The domains audit.yaml lists for the agency (agency_domains, as 'maa send' uses them) are its own too.
    other = other_domain(d.sender, known, ctx.ws.audit.listed_domains(d.agency))
    if other is None:
        return []
    return [f"sent from an address at '{other[0]}', not {d.agency}'s usual '{other[1]}': check that it came from them"]


def _stopped(exc: OSError, target: Path) -> Exception:
    """A full or read-only restricted store stops the run (exit 4) rather than be blamed on the return."""
    return environment_error(exc, target.parent) or exc


@dataclass
class Preread:
    """What a worker found in one file's bytes: the safety verdict and, for an issued form, its answers."""

    sha256: str
    inspection: Inspection
    identified: bool = False  # whether ``identity`` was looked for (in the custom properties)
    identity: FormIdentity | None = None
    form_type: str | None = None
    raw: RawReturn | None = None


#: A worker sends back the bytes of a return up to this size with its outcome (the collected copy is kept from
#: them); the main process reads a larger one again, and keeps it only if it is still the bytes judged.
SHIP_BYTES = 256 * 1024


@dataclass
class Prejudged:
    """An issued form a worker examined start to finish, exactly as :func:`examine` would, from its own copy of
    the bytes; ``sig`` is the file's [size, modification time] before and after the copy. The main process uses
    it only while the file still has that size and time (the rule by which a run reuses any decision), and keeps
    ``examined.staged_bytes`` — the bytes judged — as the collected copy."""

    sig: list
    examined: Examined
    ms: int


def prejudge(path: Path, shown: str, ctx: Context) -> Prejudged | Preread | None:
    """In a worker process: :func:`examine` an issued form identified by its document properties, whole; for any
    other file (an e-mail, an export, a form known only by its printed reference line) only the safety verdict
    and the identity, the rest being left to the main process (those paths write, or depend on other files).

    ``shown`` is the file as messages name it (below returns/, masked); ``ctx.staging`` is the worker's own folder.
    """
    start = time.perf_counter()
    try:
        st = os.lstat(path)
        copied: list[bytes] = []
        staged = _stage(path, ctx.staging, copied)
    except Exception:  # noqa: BLE001 - the main process meets the same problem, and explains it
        return None
    if staged is None:
        return None
    staged_path, sha256 = staged
    try:
        after = os.stat(path)
        if (after.st_size, after.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
            return None  # being saved: the main process decides what that means
        verdict = inspect_file(staged_path)
        pre = Preread(sha256, verdict)
        if not verdict.ok:
            return pre
        pre.identity, pre.identified = _properties_identity(staged_path), True
        entry = ctx.manifest.get(pre.identity.form_id) if pre.identity else None
        pre.form_type = entry.get("form_type") if entry else None
        if pre.form_type is None or ctx.ws.tools.get(pre.form_type) is None:
            return pre
        modified = dt.datetime.fromtimestamp(st.st_mtime, dt.UTC).isoformat(timespec="seconds")
        out = _identify_and_judge(staged_path, verdict, ctx, sha256, modified, st, shown, pre=pre)
        if out.members or out.collected:
            return None  # not what an issued form gives: leave it all to the main process
        kept = b"".join(copied) if st.st_size <= ctx.ship_bytes else None  # a larger one: read again by the main process
        out.staged, out.kind, out.staged_bytes = None, verdict.kind, kept
        return Prejudged([st.st_size, st.st_mtime_ns], out, elapsed_ms(start))
    finally:
        with contextlib.suppress(OSError):
            staged_path.unlink()


def _staged_name(name: str) -> str:
    # Same name (readers and safety warnings talk about it), but short enough for a deep UNC path.
    if len(name) <= 120:
        return name
    stem, dot, suffix = name.rpartition(".")
    return (stem[:100] + dot + suffix[:10]) if dot else name[:120]


def _refused(verdict: Inspection, age: float, sha256: str | None, modified: str) -> Decision:
    if verdict.code in _DAMAGED and age < DAMAGED_RECENT_SECONDS:
        return Decision("pending", verdict.code, [
            f"the file is {'empty' if verdict.code == 'empty' else 'incomplete or damaged'} and was saved "
            f"{_ago(age)}: it is probably still being copied or synced, so it will be looked at again on the next run"],
            sha256=sha256, modified=modified)
    return Decision("rejected", verdict.code or "unknown", [verdict.reason or "the file could not be read"],
                    warnings=list(verdict.warnings), sha256=sha256, modified=modified)


def _ago(seconds: float) -> str:
    return "moments ago" if seconds < 60 else f"{int(seconds // 60)} minute{'s' if seconds >= 120 else ''} ago"


def _properties_identity(path: Path) -> FormIdentity | None:
    """The identity from the custom document properties: a few hundred bytes, the same part in .docx and .xlsx."""
    try:
        return FormIdentity.from_properties(parse_custom_properties(open_part(path, CUSTOM_PART, _PROPERTIES_LIMIT)))
    except (UnsafeFile, ValueError, SyntaxError):
        return None
    except Exception:  # noqa: BLE001 - damaged properties: the reader looks for the reference line instead
        return None


def _read(path: Path, kind: str, tool) -> RawReturn:
    if kind == "xlsx":
        from .readers.excel import read_excel

        return read_excel(path, tool)
    from .readers.word import read_word

    return read_word(path, tool)


def _identify_and_judge(path: Path, verdict: Inspection, ctx: Context, sha256: str, modified: str,
                        st: os.stat_result, shown: str, inside: bool = False, pre: Preread | None = None) -> Examined:
    ws, warnings = ctx.ws, list(verdict.warnings)
    raw = None
    identity = pre.identity if pre is not None and pre.identified else _properties_identity(path)
    if identity is None:  # Document Inspector strips properties; the printed reference line survives
        raw = _read(path, verdict.kind, None)
        identity = raw.identity
    common = {"sha256": sha256, "modified": modified, "warnings": warnings}
    if identity is None and verdict.kind == "xlsx":  # no form reference: perhaps an online form's export
        export = _export(path, "xlsx", ctx, sha256, modified, st, shown, inside)
        if export is not None:
            return export
    if identity is None:
        return Examined(Decision("rejected", "no_identity", [
            "maa cannot tell which form this is: its form reference (printed at the top of the form as "
            "'maa form ref: MAA-…') and its document properties are missing. Ask the sender to fill in the form "
            "that was sent to them, or copy the answers into it."], **common))
    entry = ctx.manifest.get(identity.form_id)
    if entry is None and (open_type := open_form_type(ws, identity.form_id)) is not None:
        return _open_form_return(path, verdict, ctx, identity, open_type, common, st, shown)
    if entry is None:
        other = identity.audit_id and identity.audit_id != ws.audit.audit_id
        return Examined(Decision("rejected", "other_audit" if other else "unknown_form", [
            f"form {identity.form_id} was not issued for this audit"
            + ("; it belongs to another audit: save it in that audit's returns folder" if other else
               "; it may belong to another audit folder, or be from forms issued again with different details")],
            form_id=identity.form_id, **common))
    where = {"form_id": identity.form_id, "form_type": entry.get("form_type"), "agency": entry.get("agency"),
             "case_ref": entry.get("case_ref")}
    tool = ws.tools.get(entry.get("form_type"))
    if tool is None:
        return Examined(Decision("rejected", "unknown_form", [
            f"form {identity.form_id} is a '{entry.get('form_type')}' form, and audit.yaml no longer has that form type; "
            "add it back to read this return"], **where, **common))
    # The one parse that reads answers. Only a form identified by its printed reference line (no
    # properties) was parsed before, without knowing its questions; that was the local copy.
    if pre is not None and pre.raw is not None and pre.form_type == entry.get("form_type"):
        raw = replace(pre.raw, path=path)  # a worker read it, with this tool, from the same bytes
    else:
        raw = _read(path, verdict.kind, tool)
    unsealed = _seal_problem(ctx, identity, raw, entry)
    if unsealed is not None:
        return _unverified(unsealed, tool, raw, _attributes(ws, entry), where, common)
    if not raw.answers:
        return Examined(Decision("rejected", "unreadable_answers", list(raw.unreadable)[:5] + [
            "No answers could be read from the file. Ask the agency to open the form they filled in, save it again "
            "(as .docx or .xlsx) and send it back."], **where, **common))
    attributes = _attributes(ws, entry)
    judgement = judge(tool, raw, attributes)
    if judgement.blank:
        return Examined(Decision("rejected", "blank", [
            "the form came back with no answers: it may be the blank form attached by mistake. "
            "Ask the agency to send the completed form."], **where, **common))
    warnings += judgement.notes + [str(i) for i in judgement.warnings]
    warnings += _late(ws, st)
    status = "accepted" if judgement.complete else "incomplete"
    chosen = Decision(status, None, [str(i) for i in judgement.errors],
                      issues=[i.to_dict() for i in judgement.errors], urgent=[i.to_dict() for i in judgement.urgent],
                      **where, **common)
    return _with_record(chosen, judgement, tool, raw, ctx, received(st))


def _seal_problem(ctx: Context, identity: FormIdentity, raw: RawReturn, entry: dict) -> tuple[str, str] | None:
    """Why the file cannot be trusted as the form it claims to be, or None when it carries that form's seal.

    The seal may be in the document properties or on the printed reference line (either can be
    lost on its own); one that matches is enough. Audits made before seals check nothing.
    """
    if ctx.form_key is None:
        return None
    seals = {identity.seal}
    if raw.printed is not None and raw.printed.form_id == identity.form_id:
        seals.add(raw.printed.seal)
    seals.discard(None)
    if any(seal_matches(ctx.form_key, identity.form_id, s) for s in seals):
        return None
    whose = ", ".join(x for x in (entry.get("agency") or entry.get("respondent"),
                                  entry.get("case_ref") and f"case {entry['case_ref']}") if x)
    claimed = f"form {identity.form_id}" + (f" ({whose})" if whose else "")
    after = ("It is not used, and that form is still outstanding and chased. Check who sent this file: if it really "
             "is that respondent's return, ask them to fill in the form that was sent to them.")
    if not seals:
        return "no_seal", (f"this file claims to be {claimed}, but carries no seal, so maa cannot tell that it was "
                           f"issued as that form (a form's reference line ends with 'seal' and a code). {after}")
    return "wrong_seal", (f"this file claims to be {claimed}, but its seal is not that form's: it was not issued "
                          f"to the sender as that form. {after}")


def _unverified(problem: tuple[str, str], tool, raw: RawReturn, attributes: dict, where: dict, common: dict) -> Examined:
    """A return that is not what it claims: never used, but an urgent answer in it is still shown."""
    code, reason = problem
    urgent = []
    if raw.answers:
        urgent = [dict(i.to_dict(), sender_verified=False) for i in judge(tool, raw, attributes).urgent]
    return Examined(Decision("unverified", code, [reason], urgent=urgent, **where, **common))


def _attributes(ws: Workspace, entry: dict) -> dict[str, str]:
    try:
        return ws.audit.agency(entry["agency"]).attributes if entry.get("agency") else {}
    except KeyError:  # the agency was removed from audit.yaml after the form was issued
        return {}


def received(st: os.stat_result) -> dt.date:
    """When a return arrived: the day its file was last saved (local time), whenever collect first saw it.

    The one definition of "received" and "late": collect decides it and stores it on the
    record (``received``, ``late``), and every report reads it from there.
    """
    return dt.date.fromtimestamp(st.st_mtime)


def is_late(ws: Workspace, day: dt.date) -> bool:
    deadline = ws.audit.deadline
    return bool(deadline and day > deadline)


def _late(ws: Workspace, st: os.stat_result) -> list[str]:
    return _late_on(ws, received(st))


def _late_on(ws: Workspace, saved: dt.date) -> list[str]:
    if is_late(ws, saved):
        return [f"returned late: the file was saved on {format_uk(saved)}, after the deadline of {format_uk(ws.audit.deadline)}"]
    return []


def _with_record(chosen: Decision, judgement: Judgement, tool, raw: RawReturn, ctx: Context, day: dt.date) -> Examined:
    secret_keys = identifying_keys(tool)
    answers = {k: _plain(v) for k, v in judgement.answers.items()}
    public = {k: v for k, v in answers.items() if k not in secret_keys}
    secret = {k: v for k, v in answers.items() if k in secret_keys and v is not None}
    record = {
        "form_id": chosen.form_id, "form_type": chosen.form_type, "agency": chosen.agency,
        "case_ref": chosen.case_ref, "status": chosen.status, "sha256": chosen.sha256,
        "modified": chosen.modified, "collected_at": dt.datetime.fromtimestamp(ctx.now, dt.UTC).isoformat(timespec="seconds"),
        "received": day.isoformat(), "late": is_late(ctx.ws, day),
        "tool": tool.id, "tool_version": (raw.identity.tool_version if raw.identity else None) or tool.version,
        "format": raw.format, "trust": chosen.trust, "answers": public,
        "comments": {k: v for k, v in judgement.comments.items() if k not in secret_keys},
        "issues": chosen.issues, "warnings": chosen.warnings, "urgent": chosen.urgent,
    }
    digest = hashlib.sha256(json.dumps(answers, sort_keys=True, default=str).encode()).hexdigest()
    return Examined(chosen, digest=digest, answered=answer_prints(answers), record=record, secret=secret)


def answer_prints(answers: dict) -> dict[str, str]:
    """A short fingerprint of each answer given (blank and unreadable answers left out), by answer key.

    Enough to tell whether one return of a form keeps every answer of another and adds to it (the
    reminder's annotated copy, completed), without keeping the answers themselves in the state.
    """
    return {k: hashlib.sha256(json.dumps(v, sort_keys=True, default=str).encode()).hexdigest()[:10]
            for k, v in answers.items() if v not in (None, "", [], {})}


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def elapsed_ms(start: float) -> int:
    return int((time.perf_counter() - start) * 1000)


# -- self-declared returns: rows of an online form's export, returns of the open form ------------------


def _export(path: Path, kind: str, ctx: Context, sha256: str, modified: str, st, shown: str,
            inside: bool = False) -> Examined | None:
    """An online form's export: each row judged as a self-declared return; None when the file is no export."""
    from .exports import keep_export, read_export

    export = read_export(path, kind, ctx.ws, sha256)
    if export is None:
        return None
    common = {"sha256": sha256, "modified": modified, "form_type": export.form_type}
    if inside:
        return Examined(Decision("rejected", "export_in_container", [
            "an online form's export (a table with a row per response) inside an e-mail or zip: save it into returns/ "
            "on its own, and each of its rows is read"], **common))
    if export.problem:
        code, reason = export.problem
        return Examined(Decision("rejected", code, [reason], warnings=export.notes, basis=export.basis, **common))
    members = [(f"column {c.letter}", Examined(Decision("rejected", "unmatched_column", [
        f"column {c.letter} ('{c.heading}') of '{shown}': {c.problem or 'it matches no question'} Its answers are not "
        f"recorded. In column-map.csv, write the key of its question beside it (or 'ignore'), then run maa collect"],
        **common))) for c in export.plan.unmatched]
    members += [(f"row {row.number}", _row_return(row, export, ctx, st, shown)) for row in export.rows]
    if any(ex.decision.status == "accepted" for _, ex in members):
        kept = keep_export(ctx.ws, path, sha256, export.form_type, kind)
        for _, ex in members:
            if ex.decision.status == "accepted":
                ex.collected = kept
    rows = len(export.rows)
    decision = Decision("opened", "export", [
        f"an online form's export of '{export.tool.title}' with {rows} response{'s' if rows != 1 else ''}: each row is "
        "a self-declared return (it names its respondent itself), listed on its own"],
        warnings=export.notes, basis=export.basis, **common)
    return Examined(decision, members=members)


def _row_return(row, export, ctx: Context, st, shown: str) -> Examined:
    sent = row.completed or dt.datetime.fromtimestamp(st.st_mtime, dt.UTC)
    match = _assigned(ctx, row.assigned) or roster_for(ctx.ws).match(row.given)
    return _self_declared(row.raw, match, export.form_type, export.tool, ctx, where=f"row {row.number} of '{shown}'",
                          target=f"{shown}#row {row.number}", sha256=row.sha256, row_key=row.key, domain=row.email_domain,
                          modified=sent.astimezone(dt.UTC).isoformat(timespec="seconds"), day=sent.astimezone().date())


def _open_form_return(path: Path, verdict: Inspection, ctx: Context, identity: FormIdentity, form_type: str,
                      common: dict, st, shown: str) -> Examined:
    """A return of the one open form sent to everyone: sealed as the open form, naming its respondent itself."""
    from .exports import file_basis

    ws, tool = ctx.ws, ctx.ws.tools[form_type]
    raw = _read(path, verdict.kind, reading_tool(tool))
    where = {"form_id": identity.form_id, "form_type": form_type}
    unsealed = _seal_problem(ctx, identity, raw, {"respondent": "the open form"})
    if unsealed is not None:
        return _unverified(unsealed, tool, raw, {}, where, common)
    typed = raw.answers.pop(RESPONDENT_KEY, None)
    value = typed.value if typed else None
    roster = roster_for(ws)
    match = _assigned(ctx, assigned(ws, file_key(common["sha256"]))) or roster.match(
        [(None, value), *((attr, value) for attr in roster.identifiers)])
    out = _self_declared(raw, match, form_type, tool, ctx, where=f"'{shown}' (the open form)", target=shown,
                         day=received(st), basis=file_basis(ws, common["sha256"]), **common)
    if out.decision.judged:
        out.staged, out.kind = path, verdict.kind
    return out


def _assigned(ctx: Context, name: str | None) -> Match | None:
    """The officer's assignment (maa assign) as a match, when the respondent is still on the roster."""
    agency = roster_for(ctx.ws).find(name) if name else None
    return Match(agency.name, how="assigned", typed=name) if agency else None


def _self_declared(raw: RawReturn, match: Match, form_type: str, tool, ctx: Context, *, where: str, target: str,
                   sha256: str, modified: str, day: dt.date, row_key: str | None = None, basis: str | None = None,
                   domain: str | None = None, warnings: list[str] | None = None) -> Examined:
    """Judge a return that names its respondent itself, once matched to the roster; never used when it is not."""
    ws = ctx.ws
    base = {"sha256": sha256, "modified": modified, "form_type": form_type, "trust": "self_declared",
            "row_key": row_key, "basis": basis, "sender": f"@{domain}" if domain else None}
    warnings = list(warnings or [])
    if match.agency is None:  # not used; but a child at risk now is still shown
        urgent = [i.to_dict() for i in judge(tool, raw, {}).urgent] if raw.answers else []
        return Examined(Decision("rejected", match.code, [match.explain(where, assign_command(ws.root, target))],
                                 urgent=urgent, warnings=warnings, **base))
    agency = ws.audit.agency(match.agency)
    form_id = make_form_id(ws.audit.audit_id, form_type, agency.name, None)
    entry = ctx.manifest.get(form_id)
    if entry is None or is_withdrawn(entry):
        urgent = [i.to_dict() for i in judge(tool, raw, agency.attributes).urgent] if raw.answers else []
        return Examined(Decision("rejected", "not_asked", [
            f"{where}: it is from {agency.name}, but no '{tool.title}' form was issued to {agency.name}. If everyone on "
            f"the roster was asked by one form, run: maa issue-forms \"{ws.root}\" --open (it records that each was "
            "asked), then maa collect"], agency=agency.name, urgent=urgent, warnings=warnings, **base))
    judgement = judge(tool, raw, agency.attributes)
    located = {"form_id": form_id, "agency": agency.name}
    if judgement.blank:
        return Examined(Decision("rejected", "blank", [f"{where}: it names {agency.name} but gives no answers"],
                                 warnings=warnings, **located, **base))
    how = {"assigned": "assigned with maa assign", "name": "its name matched the roster",
           "email": "the e-mail address it was sent from is their contact's"}.get(
        match.how, f"its {identifier_words(match.how)} matched the roster")
    warnings.append(f"self-declared: it names {agency.name} itself ({how}); nothing seals it as theirs")
    if (other := other_domain(domain, agency.email, ws.audit.listed_domains(agency.name))) is not None:
        warnings.append(f"the e-mail address given with it is at '{other[0]}', not {agency.name}'s usual '{other[1]}': "
                        "check that it came from them")
    warnings += judgement.notes + [str(i) for i in judgement.warnings] + _late_on(ws, day)
    chosen = Decision("accepted" if judgement.complete else "incomplete", None, [str(i) for i in judgement.errors],
                      issues=[i.to_dict() for i in judgement.errors], urgent=[i.to_dict() for i in judgement.urgent],
                      warnings=warnings, **located, **base)
    return _with_record(chosen, judgement, tool, raw, ctx, day)
