"""What ``maa collect`` keeps between runs, and how it keeps it safe on a shared drive.

Nothing lives in ``returns/``. What can hold personal data is in the restricted store:

* ``.maa/files.json`` — every file seen (keyed by a hash of its path), its size and
  modification time, and what was decided about it (an unchanged file is never read again);
* ``<restricted>/records/<form>--<sha12>.json`` — the answers of each version of a form
  that was read, as typed (narrative can name a child), without identifying answers;
* ``<restricted>/responses/<form>.json`` — one record per form: its current return, which
  reports read and mask; identifying answers of that return in ``<restricted>/answers/``;
* ``<restricted>/collected/`` — a read-only copy of each accepted file;
* ``<restricted>/staging/`` — the private copy of a return while it is judged;
* ``.maa/choices.json`` — the officer's picks between conflicting returns;
* ``.maa/runlog.jsonl`` — every decision, file names masked, no answer values.

Every file is written atomically (:mod:`maa_cli.atomic`), records before the state
that points to them, so a run killed at any moment leaves either the old state or
a state the next run completes. A lock keeps two runs from interleaving.

A state file that cannot be read (not UTF-8, not JSON, the wrong shape, a folder where a
file should be) never stops the hourly run: it is *set aside* — renamed
``<name>.unreadable-<local time>`` beside itself, never deleted — and rebuilt from what
can be trusted (the returns themselves, the records, the run log), with a note the
officer sees in the run's warnings (:class:`Repairs`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__, atomic
from ..errors import WorkspaceError
from ..forms.identity import make_seal
from ..forms.naming import clean
from ..setup import restricted
from ..setup.workspace import Workspace
from .decision import Decision

STATE_FILE = "files.json"
STATE_VERSION = 2
RECORDS_DIR = "records"
RESPONSES_DIR = "responses"
CHOICES_FILE = "choices.json"
RUN_LOG = "runlog.jsonl"
STAGING_DIR = "staging"
AHEAD_DIR = "staging-ahead"
COLLECTED_DIR = "collected"
VERSIONS_DIR = "versions"  # under restricted/answers/: identifying answers of every version read
_TEMP_GLOB = ".~maa-*.tmp"  # what maa_cli.atomic leaves behind when a run is killed mid-write


def clean_leftovers(ws: Workspace) -> None:
    """Remove what a killed run may have left: the staging folder and half-written temp files."""
    shutil.rmtree(staging_dir(ws), ignore_errors=True)
    shutil.rmtree(ws.restricted_dir / AHEAD_DIR, ignore_errors=True)  # the workers' copies (maa_cli.intake.ahead)
    for folder in (ws.state_dir, records_dir(ws), responses_dir(ws), collected_dir(ws)):
        if folder.is_dir():
            for tmp in folder.rglob(_TEMP_GLOB):
                with contextlib.suppress(OSError):
                    tmp.unlink()


def staging_dir(ws: Workspace) -> Path:
    """Private copies of returns while they are judged: they carry names, so they live in the restricted store."""
    return ws.restricted_dir / STAGING_DIR


def records_dir(ws: Workspace) -> Path:
    """Every version of every form read. Answers are as typed (narrative can name a child): restricted."""
    return ws.restricted_dir / RECORDS_DIR


def responses_dir(ws: Workspace) -> Path:
    """The current record of each form, which reports are built from (and mask): restricted too."""
    return ws.restricted_dir / RESPONSES_DIR


def collected_dir(ws: Workspace) -> Path:
    """Where read-only copies of accepted returns are kept: in the restricted store, since a return
    carries the child's name and date of birth."""
    return ws.restricted_dir / COLLECTED_DIR


# -- the state of every file seen ------------------------------------------------------------------


def read_json(path: Path, default):
    """A JSON state file, or ``default`` if it is missing or unreadable (the next run rebuilds it)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # UnicodeDecodeError is a ValueError
        return default


class Unreadable(Exception):
    """A state file that is there but cannot be used; ``str()`` says why, in a few words."""


def parse_json(path: Path, shape: Callable[[object], bool] = lambda data: True):
    """The JSON in ``path``; None when there is no such file.

    Raises:
        Unreadable: it is a folder, cannot be opened, is not UTF-8 text or JSON, or fails ``shape``.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise Unreadable("it is a folder, where a file should be") from None
    except OSError as exc:  # on Windows, opening a folder is "permission denied"
        if path.is_dir():
            raise Unreadable("it is a folder, where a file should be") from None
        raise Unreadable(f"it cannot be opened ({exc.strerror or type(exc).__name__})") from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise Unreadable("it is not text (its bytes are not UTF-8)") from None
    except ValueError:
        raise Unreadable("it is not valid JSON (cut short, or edited by hand)") from None
    if not shape(data):
        raise Unreadable("it does not hold what maa writes there") from None
    return data


@dataclass
class Repairs:
    """What one run found damaged in the state it keeps and set aside, as lines for the officer.

    Passed to the readers that may rename (those called under the audit's lock); read-only
    callers such as ``maa status`` pass none and simply do without what cannot be read.
    """

    ws: Workspace
    now: float
    notes: list[str] = field(default_factory=list)

    def set_aside(self, path: Path, why: str, then: str) -> Path | None:
        """Set ``path`` aside and add a note: which file, ``why`` it cannot be used, where it went, ``then`` what
        maa did about it."""
        moved = atomic.set_aside(path, self.now)
        where = self._shown(path)
        if moved is None:
            self.notes.append(f"{where} cannot be used: {why}. It could not be renamed out of the way (is it open in "
                              f"another program?); {then} Close it, or move it elsewhere, before the next run.")
        else:
            self.notes.append(f"{where} could not be used: {why}. It was set aside as '{moved.name}' (kept, in case "
                              f"it is needed) and {then}")
        return moved

    def _shown(self, path: Path) -> str:
        for base, label in ((self.ws.state_dir, ".maa"), (self.ws.restricted_dir, "the restricted store")):
            with contextlib.suppress(ValueError):
                rel = path.relative_to(base).as_posix()
                return f"'{label}/{rel}'" if label == ".maa" else f"'{rel}' in {label}"
        return f"'{path.name}'"

    def read(self, path: Path, shape: Callable[[object], bool], then: str):
        """:func:`parse_json`, setting the file aside (with a note) when it cannot be used; None then."""
        try:
            return parse_json(path, shape)
        except Unreadable as exc:
            self.set_aside(path, str(exc), then)
            return None


@dataclass
class FileEntry:
    """What the state keeps about one file seen under returns/ (keyed by :func:`path_key`)."""

    sig: list | None  # [size, modification time in ns]: unchanged means not read again
    decision: Decision  # as judged on its own
    digest: str | None = None  # of the normalised answers: two files with equal answers are copies
    collected: str | None = None  # the read-only copy of an accepted file, below the restricted store
    path: str | None = None  # below returns/, names masked
    shown: list | None = None  # [status, code] after comparing the returns of the same form
    members: list | None = None  # for an e-mail or zip: the state keys of the files taken out of it
    answered: dict | None = None  # answer key -> fingerprint of each answer given (a later return may complete it)

    def to_json(self) -> dict:
        out = {"sig": self.sig, "decision": self.decision.to_json()}
        for name in ("digest", "collected", "path", "shown", "members", "answered"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out

    @classmethod
    def from_json(cls, data: dict) -> FileEntry:
        """Raises ValueError when ``data`` is not a stored entry."""
        if not isinstance(data, dict):
            raise ValueError("not a file entry")
        return cls(data.get("sig"), Decision.from_json(data.get("decision")), data.get("digest"),
                   data.get("collected"), data.get("path"), data.get("shown"), data.get("members"),
                   data.get("answered") if isinstance(data.get("answered"), dict) else None)


@dataclass
class State:
    """Every file seen, and the fingerprint of what their judgements depended on."""

    fingerprint: str | None = None
    files: dict[str, FileEntry] = field(default_factory=dict)

    def to_json(self, made: dict | None = None) -> dict:
        """``made`` (state key -> (entry, its JSON)) keeps what earlier checkpoints of a run made of entries that
        have not changed since: the same entry object is not turned into JSON again."""
        if made is None:
            return {"version": STATE_VERSION, "fingerprint": self.fingerprint,
                    "files": {k: e.to_json() for k, e in self.files.items()}}
        files = {}
        for k, e in self.files.items():
            if made.get(k, (None,))[0] is not e:
                made[k] = (e, e.to_json())
            files[k] = made[k][1]
        return {"version": STATE_VERSION, "fingerprint": self.fingerprint, "files": files}


def _state_shape(data) -> bool:
    return isinstance(data, dict) and (data.get("version") != STATE_VERSION or isinstance(data.get("files"), dict))


def load_state(ws: Workspace, repairs: Repairs | None = None) -> State:
    """The state of the last run; empty when missing or from an older maa. An entry that cannot be
    read is left out (its file is simply read again).

    With ``repairs``, a state file that cannot be read at all is set aside (and every return read again).
    """
    path = ws.state_dir / STATE_FILE
    if repairs is not None:
        then = "every return is read again in this run, which rebuilds it. Nothing needs doing."
        data = repairs.read(path, _state_shape, then) or {}
    else:
        data = read_json(path, {})
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION or not isinstance(data.get("files"), dict):
        return State()
    files = {}
    for key, raw in data["files"].items():
        with contextlib.suppress(ValueError, TypeError):
            files[key] = FileEntry.from_json(raw)
    return State(data.get("fingerprint"), files)


def save_state(ws: Workspace, state: State, made: dict | None = None) -> bool:
    """Write the state if it changed; True when it was written. ``made``: see :meth:`State.to_json` (checkpoints)."""
    path = ws.state_dir / STATE_FILE
    # Compact: json's C encoder only runs without indent, and the state of 1,500 returns is written at every
    # checkpoint (indented, each write took a fifth of a second). Nobody reads it by eye; records stay indented.
    text = json.dumps(state.to_json(made), sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":")) + "\n"
    if _same_bytes(path, text):
        return False
    atomic.write_text(path, text)
    return True


def fingerprint(ws: Workspace, manifest: dict) -> str:
    """What every judgement depends on besides the file itself: when it changes, every file is judged again.

    The audit's id and deadline, each respondent's attributes, the form types and their
    tools, and which forms were issued to whom. A new tool version, a moved deadline or
    a form issued for a new agency change it; re-issuing a form, or editing the title or
    the names to mask, does not.
    """
    audit = ws.audit
    judged_by = {
        "maa": __version__,
        "audit": [audit.audit_id, audit.deadline],
        "respondents": {a.name: a.attributes for a in audit.agencies},
        "form_types": [[ft.name, ft.tool, ft.per] for ft in audit.form_types],
        "tools": {name: tool.model_dump(mode="json") for name, tool in ws.tools.items()},
        "forms": {fid: [e.get("form_type"), e.get("agency"), e.get("case_ref"), e.get("tool_version")]
                  for fid, e in manifest.items()},
    }
    if audit.sealed_forms:  # a restored or replaced key must re-check every seal (the key itself never leaves the store)
        judged_by["seals"] = make_seal(ws.form_key, "state-fingerprint")
    return hashlib.sha256(dumps(judged_by).encode()).hexdigest()


def path_key(rel: str) -> str:
    """How the state names a file: a hash of its path below returns/, since file names often carry a child's name."""
    # surrogateescape: a name that is not valid UTF-8 (an unzipped archive, a Linux CIFS mount) must
    # not stop collection for everyone else.
    return hashlib.sha256(rel.encode("utf-8", "surrogateescape")).hexdigest()[:20]


def dumps(data) -> str:
    return json.dumps(data, indent=1, sort_keys=True, default=str, ensure_ascii=False) + "\n"


# -- records ------------------------------------------------------------------------------------


def version_name(form_id: str, sha256: str) -> str:
    return f"{form_id}--{sha256[:12]}"


def has_version(ws: Workspace, form_id: str, sha256: str, repairs: Repairs | None = None) -> bool:
    """The record of this version of a form is kept and can be read (and so are its identifying answers, if any).

    With ``repairs``, a record that cannot be read is set aside: the caller reads the return again, which
    writes it anew.
    """
    name = version_name(form_id, sha256)
    path = records_dir(ws) / f"{name}.json"
    if repairs is None:
        return path.is_file()
    then = "the return it came from is read again in this run, which writes it anew. Nothing needs doing."
    record = repairs.read(path, lambda d: _is_record(d, form_id, sha256), then)
    if record is None:
        return False
    secret = ws.restricted_dir / restricted.ANSWERS_DIR / VERSIONS_DIR / f"{name}.json"
    if not (secret.exists() or secret.is_symlink()):  # the form has no identifying answers
        return True
    return repairs.read(secret, lambda d: isinstance(d, dict), then) is not None


def _is_record(data, form_id: str | None = None, sha256: str | None = None) -> bool:
    """What :func:`write_version` writes (and :func:`publish` copies): a form's answers, with what reports read."""
    return (isinstance(data, dict) and isinstance(data.get("answers"), dict) and isinstance(data.get("form_id"), str)
            and isinstance(data.get("form_type"), str) and isinstance(data.get("status"), str)
            and (form_id is None or data["form_id"] == form_id) and (sha256 is None or data.get("sha256") == sha256))


def write_version(ws: Workspace, record: dict, secret: dict) -> None:
    """Keep the answers of one version of a form; identifying answers go to the restricted store only.

    A version already recorded keeps its ``collected_at``: re-reading the same content
    (after a crash, or when the audit changed) does not make a return look newer.
    """
    name = version_name(record["form_id"], record["sha256"])
    path = records_dir(ws) / f"{name}.json"
    old = read_json(path, None)
    if isinstance(old, dict) and old.get("collected_at"):
        record = dict(record, collected_at=old["collected_at"])
    _write_if_changed(path, dumps(record))
    secret_path = ws.restricted_dir / restricted.ANSWERS_DIR / VERSIONS_DIR / f"{name}.json"
    if secret:
        _write_if_changed(secret_path, dumps(secret))


def publish(ws: Workspace, current: dict[str, tuple[str, str]], repairs: Repairs | None = None) -> None:
    """Make ``responses/<form>.json`` the current return of each form (``{form_id: (sha256, status)}``).

    Forms with no current return (nothing back, or a conflict still to be resolved)
    have no response record and no identifying answers outside the versions folder.
    A response or answers file that cannot be read is set aside (with ``repairs``) before it is
    written again from the record, never silently overwritten or deleted.
    """
    from concurrent.futures import ThreadPoolExecutor

    out = responses_dir(ws)
    answers = ws.restricted_dir / restricted.ANSWERS_DIR

    def one(form_id: str, sha256: str, status: str) -> None:
        name = version_name(form_id, sha256)
        try:
            text = (records_dir(ws) / f"{name}.json").read_text(encoding="utf-8")
            record = json.loads(text)
        except (OSError, ValueError):
            return
        if not isinstance(record, dict):
            return
        if record.get("status") != status:  # else the record as written is the response (json's indented writer is slow)
            text = dumps(dict(record, status=status))
        _replace(out / f"{form_id}.json", text, _is_record, repairs)
        secret = read_json(answers / VERSIONS_DIR / f"{name}.json", None)
        if secret:
            _replace(answers / f"{form_id}.json", dumps(secret), lambda d: isinstance(d, dict), repairs)
        else:
            _unlink(answers / f"{form_id}.json")

    # Each form's files on a thread of their own: a first run publishes every form, and the fsyncs of
    # several threads are committed together. The first error is raised once all have finished.
    with ThreadPoolExecutor(8, thread_name_prefix="maa-publish") as pool:
        done = [pool.submit(one, form_id, sha256, status) for form_id, (sha256, status) in sorted(current.items())]
    errors = [e for e in (f.exception() for f in done) if e is not None]
    if errors:
        raise errors[0]
    for folder in (out, answers):
        if folder.is_dir():
            for stale in folder.glob("MAA-*.json"):
                if stale.stem not in current:
                    _remove_stale(stale, repairs)


def _replace(path: Path, text: str, shape: Callable[[object], bool], repairs: Repairs | None) -> None:
    """Write ``text`` to ``path`` unless it is there already; what was there is set aside first if it cannot be read."""
    if _same_bytes(path, text):
        return
    if repairs is not None and (path.exists() or path.is_symlink()):
        repairs.read(path, shape, "it was written again from the return's record. Nothing needs doing.")
    atomic.write_text(path, text)


def _remove_stale(path: Path, repairs: Repairs | None) -> None:
    """A form's response (or answers) that no longer has a current return; one that cannot be read is set aside."""
    if repairs is not None:
        then = "its form has no current return, so nothing was written in its place. Nothing needs doing."
        try:
            parse_json(path)
        except Unreadable as exc:
            repairs.set_aside(path, str(exc), then)
            return
    _unlink(path)


@dataclass
class Responses:
    """The response records read for a report, and those that could not be read (by file name, with why)."""

    records: list[dict] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)


def read_responses(ws: Workspace, statuses: tuple[str, ...] = ("accepted",)) -> Responses:
    """The current return of each form whose status is in ``statuses``, and every record that could not be read.

    Nothing is renamed: ``maa collect`` sets a damaged record aside and writes it again from the form's record.
    """
    out = Responses()
    folder = responses_dir(ws)
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            record = parse_json(path, _is_record)
        except Unreadable as exc:
            out.unreadable.append((path.name, str(exc)))
            continue
        if record is not None and record.get("status") in statuses:
            out.records.append(record)
    out.records.sort(key=lambda r: (r["form_type"], r.get("case_ref") or "", r.get("agency") or "", r["form_id"]))
    return out


def load_responses(ws: Workspace, statuses: tuple[str, ...] = ("accepted",)) -> list[dict]:
    """The current return of each form whose status is in ``statuses``, as plain data (see :func:`read_responses`
    for those that could not be read)."""
    return read_responses(ws, statuses).records


def keep_copy(ws: Workspace, staged: Path | bytes, decision: Decision, kind: str) -> str:
    """A read-only copy of an accepted file (its staged copy, or its bytes) under ``collected/`` in the restricted
    store; returns its path relative to the store (``collected/<agency>/…``)."""
    d = decision
    who = clean(d.agency or d.form_type or "forms")
    stem = " - ".join(x for x in (d.case_ref and f"Case {d.case_ref}", d.form_type, version_name(d.form_id, d.sha256)) if x)
    target = collected_dir(ws) / who / f"{clean(stem, 100)}.{kind}"
    size = len(staged) if isinstance(staged, bytes) else staged.stat().st_size
    if not (target.is_file() and target.stat().st_size == size):
        if target.exists():  # a damaged copy: Windows will not replace a read-only file
            os.chmod(target, stat.S_IREAD | stat.S_IWRITE)
        if isinstance(staged, bytes):
            atomic.write_bytes(target, staged)
        else:
            with staged.open("rb") as source:
                atomic.write_with(target, lambda handle: shutil.copyfileobj(source, handle))
    read_only(target)
    return target.relative_to(ws.restricted_dir).as_posix()


def read_only(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        os.chmod(path, stat.S_IMODE(mode) & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def copy_ok(ws: Workspace, relpath: str | None) -> bool:
    """The collected copy (``relpath`` below the restricted store) is still there (someone may have tidied
    the folder); it is made read-only again if not. A copy recorded by an older maa (in the audit
    folder) is not: the file is read again, and its copy made in the restricted store."""
    if not relpath:
        return False
    path = ws.restricted_dir / relpath
    if not path.is_file():
        return False
    read_only(path)
    return True


# -- choices and the run log --------------------------------------------------------------------


def read_choices(ws: Workspace, repairs: Repairs | None = None) -> dict[str, dict]:
    """The officer's choice for each conflicting form: ``{form_id: {"sha256": ..., "file": ...}}``.

    With ``repairs``, a choices file that cannot be read is set aside and rebuilt from the run log,
    which records every choice (and, before it, the SHA-256 of each file read).
    """
    path = ws.state_dir / CHOICES_FILE
    if repairs is None:
        data = read_json(path, {})
    else:
        try:
            data = parse_json(path, lambda d: isinstance(d, dict)) or {}
        except Unreadable as exc:
            data = choices_from_log(ws)
            with contextlib.suppress(OSError, WorkspaceError):
                if repairs.set_aside(path, str(exc), _rebuilt_choices(data)) is not None and data:
                    write_choices(ws, data)
    return {k: v for k, v in data.items() if isinstance(v, dict) and v.get("sha256")} if isinstance(data, dict) else {}


def _rebuilt_choices(found: dict) -> str:
    if not found:
        return ("no choice could be found in the run log to rebuild it from: any conflict you had settled is listed "
                "again. Settle it again with 'maa choose'.")
    forms = ", ".join(sorted(found))
    return (f"rebuilt from the run log, which recorded your choice for {forms}. Check the conflicts listed in this run: "
            "settle any listed again with 'maa choose'.")


def choices_from_log(ws: Workspace) -> dict[str, dict]:
    """The officer's choices as the run log recorded them: each ``choice`` event, with the SHA-256 of the file
    chosen as last read before it (the choice is kept by content). Lines that cannot be read are skipped."""
    last_read: dict[tuple, str] = {}
    out: dict[str, dict] = {}
    for event in read_log(ws):
        key = (event.get("file"), event.get("form_id"))
        if event.get("event") == "read" and event.get("sha256"):
            last_read[key] = event["sha256"]
        elif event.get("event") == "choice" and key in last_read:
            out[event["form_id"]] = {"sha256": last_read[key], "file": event["file"], "at": event.get("at"),
                                     "rebuilt": "from the run log"}
    return out


def read_log(ws: Workspace) -> list[dict]:
    """Every event in the run log that can be read (a run killed mid-line leaves a fragment, skipped here)."""
    out = []
    with contextlib.suppress(OSError), (ws.state_dir / RUN_LOG).open("rb") as handle:
        for line in handle:
            with contextlib.suppress(ValueError):
                event = json.loads(line.decode("utf-8"))
                if isinstance(event, dict):
                    out.append(event)
    return out


def write_choices(ws: Workspace, choices: dict[str, dict]) -> None:
    atomic.write_text(ws.state_dir / CHOICES_FILE, dumps(choices))


def append_log(ws: Workspace, entries: list[dict]) -> None:
    """Append entries to the run log, one JSON object a line (ASCII, so any viewer shows it)."""
    if not entries:
        return
    path = ws.state_dir / RUN_LOG
    lines = "".join(json.dumps(e, sort_keys=True, default=str) + "\n" for e in entries)
    with path.open("ab") as handle:
        # A run killed mid-line leaves a fragment; start on a fresh line so every other line parses.
        if handle.tell() and not _ends_with_newline(path):
            lines = "\n" + lines
        handle.write(lines.encode("ascii", "backslashreplace"))
        handle.flush()
        os.fsync(handle.fileno())


def check_kept_files(ws: Workspace, repairs: Repairs) -> None:
    """Before a run: set aside what would stop it at once. A folder where the run log should be (it is
    appended to, never read back by a run), and identifying answers that cannot be read (without them
    names could not be masked, so every command would refuse): those are written again from the
    version they came from."""
    log = ws.state_dir / RUN_LOG
    if log.is_dir():
        repairs.set_aside(log, "it is a folder, where a file should be", "a new run log was started. Nothing needs doing.")
    answers = ws.restricted_dir / restricted.ANSWERS_DIR
    for path in sorted(answers.glob("MAA-*.json")) if answers.is_dir() else []:
        try:
            parse_json(path, lambda d: isinstance(d, dict))
        except Unreadable as exc:
            repairs.set_aside(path, str(exc), "it is written again from its return's answers in this run. Nothing needs doing.")
            response = read_json(responses_dir(ws) / path.name, None)
            if isinstance(response, dict) and response.get("sha256"):
                kept = read_json(answers / VERSIONS_DIR / f"{version_name(path.stem, response['sha256'])}.json", None)
                if isinstance(kept, dict):
                    atomic.write_text(path, dumps(kept))


def now_iso(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds")


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def _write_if_changed(path: Path, text: str) -> None:
    if not _same_bytes(path, text):
        atomic.write_text(path, text)


def _same_bytes(path: Path, text: str) -> bool:
    """``path`` holds exactly ``text`` already. Compared as bytes: a damaged file is simply different."""
    try:
        return path.read_bytes() == text.encode("utf-8")
    except OSError:
        return False


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
