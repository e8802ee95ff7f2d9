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
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__, atomic
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
COLLECTED_DIR = "collected"
VERSIONS_DIR = "versions"  # under restricted/answers/: identifying answers of every version read
_TEMP_GLOB = ".~maa-*.tmp"  # what maa_cli.atomic leaves behind when a run is killed mid-write


def clean_leftovers(ws: Workspace) -> None:
    """Remove what a killed run may have left: the staging folder and half-written temp files."""
    shutil.rmtree(staging_dir(ws), ignore_errors=True)
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
    except (OSError, ValueError):
        return default


@dataclass
class FileEntry:
    """What the state keeps about one file seen under returns/ (keyed by :func:`path_key`)."""

    sig: list | None  # [size, modification time in ns]: unchanged means not read again
    decision: Decision  # as judged on its own
    digest: str | None = None  # of the normalised answers: two files with equal answers are copies
    collected: str | None = None  # the read-only copy of an accepted file, below the restricted store
    path: str | None = None  # below returns/, names masked
    shown: list | None = None  # [status, code] after comparing the returns of the same form

    def to_json(self) -> dict:
        out = {"sig": self.sig, "decision": self.decision.to_json()}
        for name in ("digest", "collected", "path", "shown"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out

    @classmethod
    def from_json(cls, data: dict) -> FileEntry:
        """Raises ValueError when ``data`` is not a stored entry."""
        if not isinstance(data, dict):
            raise ValueError("not a file entry")
        return cls(data.get("sig"), Decision.from_json(data.get("decision")), data.get("digest"),
                   data.get("collected"), data.get("path"), data.get("shown"))


@dataclass
class State:
    """Every file seen, and the fingerprint of what their judgements depended on."""

    fingerprint: str | None = None
    files: dict[str, FileEntry] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"version": STATE_VERSION, "fingerprint": self.fingerprint,
                "files": {k: e.to_json() for k, e in self.files.items()}}


def load_state(ws: Workspace) -> State:
    """The state of the last run; empty when missing or from an older maa. An entry that cannot be
    read is left out (its file is simply read again)."""
    data = read_json(ws.state_dir / STATE_FILE, {})
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION or not isinstance(data.get("files"), dict):
        return State()
    files = {}
    for key, raw in data["files"].items():
        with contextlib.suppress(ValueError, TypeError):
            files[key] = FileEntry.from_json(raw)
    return State(data.get("fingerprint"), files)


def save_state(ws: Workspace, state: State) -> bool:
    """Write the state if it changed; True when it was written."""
    path = ws.state_dir / STATE_FILE
    text = dumps(state.to_json())
    if path.is_file() and path.read_text(encoding="utf-8") == text:
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


def has_version(ws: Workspace, form_id: str, sha256: str) -> bool:
    return (records_dir(ws) / f"{version_name(form_id, sha256)}.json").is_file()


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


def publish(ws: Workspace, current: dict[str, tuple[str, str]]) -> None:
    """Make ``responses/<form>.json`` the current return of each form (``{form_id: (sha256, status)}``).

    Forms with no current return (nothing back, or a conflict still to be resolved)
    have no response record and no identifying answers outside the versions folder.
    """
    out = responses_dir(ws)
    answers = ws.restricted_dir / restricted.ANSWERS_DIR
    for form_id, (sha256, status) in sorted(current.items()):
        name = version_name(form_id, sha256)
        record = read_json(records_dir(ws) / f"{name}.json", None)
        if record is None:
            continue
        _write_if_changed(out / f"{form_id}.json", dumps(dict(record, status=status)))
        secret = read_json(answers / VERSIONS_DIR / f"{name}.json", None)
        if secret:
            _write_if_changed(answers / f"{form_id}.json", dumps(secret))
        else:
            _unlink(answers / f"{form_id}.json")
    for folder in (out, answers):
        if folder.is_dir():
            for stale in folder.glob("MAA-*.json"):
                if stale.stem not in current:
                    _unlink(stale)


def load_responses(ws: Workspace, statuses: tuple[str, ...] = ("accepted",)) -> list[dict]:
    """The current return of each form whose status is in ``statuses``, as plain data."""
    out = []
    folder = responses_dir(ws)
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        record = read_json(path, None)
        if isinstance(record, dict) and record.get("status") in statuses:
            out.append(record)
    return sorted(out, key=lambda r: (r["form_type"], r.get("case_ref") or "", r.get("agency") or "", r["form_id"]))


def keep_copy(ws: Workspace, staged: Path, decision: Decision, kind: str) -> str:
    """A read-only copy of an accepted file under ``collected/`` in the restricted store; returns its path
    relative to the store (``collected/<agency>/…``)."""
    d = decision
    who = clean(d.agency or d.form_type or "forms")
    stem = " - ".join(x for x in (d.case_ref and f"Case {d.case_ref}", d.form_type, version_name(d.form_id, d.sha256)) if x)
    target = collected_dir(ws) / who / f"{clean(stem, 100)}.{kind}"
    if not (target.is_file() and target.stat().st_size == staged.stat().st_size):
        if target.exists():  # a damaged copy: Windows will not replace a read-only file
            os.chmod(target, stat.S_IREAD | stat.S_IWRITE)
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


def read_choices(ws: Workspace) -> dict[str, dict]:
    """The officer's choice for each conflicting form: ``{form_id: {"sha256": ..., "file": ...}}``."""
    data = read_json(ws.state_dir / CHOICES_FILE, {})
    return {k: v for k, v in data.items() if isinstance(v, dict) and v.get("sha256")} if isinstance(data, dict) else {}


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


def now_iso(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds")


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def _write_if_changed(path: Path, text: str) -> None:
    with contextlib.suppress(OSError):
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            return
    atomic.write_text(path, text)


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
