"""A collect run that finds nothing new: the last run's outcome, shown again without reading anything.

A scheduled ``maa collect`` runs every hour, and most runs find nothing new. A file whose size and
time are unchanged is never read again, but such a run still loaded every decision, checked every
record and compared every form's response with it. Here a run that has finished records a digest
of everything its outcome was worked out from: the path, size and modification time of every file
in ``returns/``, in the audit folder (audit.yaml, the tools, the manifest, the officer's choices
and assignments, the column map, the state) and in the restricted store (the cases, the form key,
every record, response and kept copy). The next run works out the same digest before anything
else; when it is equal, nothing the outcome depends on has changed, so the recorded outcome is this
run's outcome and the run ends there, having read nothing.

Only a run whose outcome time alone cannot change is recorded: nothing pending (a pending file is
looked at again on the next run), no refusal for missing identity data, nothing set aside. And only
if what it was worked out from stayed put while it ran: ``returns/`` and every input (audit.yaml,
the tools, the officer's files, the restricted store's cases and key: :func:`inputs_digest`) have
the digests they had when the run took the audit's lock, and audit.yaml and the tools still say
what the run was opened with. The digest is taken once every write of the run is on disk. Not
walked: ``forms/`` and ``reports/`` (collect writes neither and reads neither), lock files,
``.maa/cache`` and the staging folders a run empties as it ends. A link (or Windows junction) is
one entry, with its target's size and time; a restricted store reached through a link is walked
where it really is. A change to any other file, by maa or by hand, makes the next run a full one,
which is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from pathlib import Path

from .. import __version__, atomic
from ..setup.workspace import Workspace

#: Where the last run's outcome is kept, below .maa/ (the outcome is what the run printed: names masked).
KEPT = Path("cache") / "collect-last.json"
#: Bumped when what is kept, or how the digest is made, changes.
SHAPE = 2
#: Folders below .maa/ and the restricted store a run creates and removes, and lock files: never inputs.
_PASSING = {"cache", "staging", "staging-ahead"}
#: What a run writes, below .maa/ and the restricted store: left out of :func:`inputs_digest`.
_WRITTEN_STATE = {"files.json", "runlog.jsonl"}
_WRITTEN_STORE = {"records", "responses", "collected", "answers"}


def returns_digest(ws: Workspace) -> str:
    """The digest of every file and folder below ``returns/``: path, size and modification time."""
    lines: list[str] = []
    _walk(str(ws.returns_dir), "", set(), lines)
    return _digest(lines)


def audit_digest(ws: Workspace, returns: str) -> str:
    """The digest of everything a collect run's outcome depends on; ``returns`` is :func:`returns_digest`."""
    return _digest([f"{SHAPE}\0{__version__}\0{Path(ws.root).resolve()}\0{returns}", *_lines(ws)])


def inputs_digest(ws: Workspace) -> str:
    """The digest of what a run reads but never writes: audit.yaml, the tools, the manifest, the officer's
    choices, assignments and column map, the restricted store's cases and key (not returns/, nor the state,
    records, responses and kept copies a run writes)."""
    written = {ws.state_dir / n for n in _WRITTEN_STATE} | {Path(ws.restricted_dir) / n for n in _WRITTEN_STORE}
    return _digest(_lines(ws, written))


def _lines(ws: Workspace, also_skip: set[Path] = frozenset()) -> list[str]:
    root, store = Path(ws.root), Path(ws.restricted_dir)
    skip = {ws.returns_dir, ws.forms_dir, ws.reports_dir} | {ws.state_dir / name for name in _PASSING}
    skip |= {store / name for name in _PASSING} | {ws.state_dir / n for n in _names(ws.state_dir) if _lock_file(n)}
    skip |= set(also_skip)
    lines: list[str] = []
    _walk(str(root), "", {_key(p, root) for p in skip if _within(p, root)}, lines)
    real = Path(os.path.realpath(store))
    linked = _within(store, root) and _norm(real) != _norm(Path(os.path.realpath(root)) / _key(store, root))
    if linked or not _within(store, root):
        # Elsewhere, or reached through a link (which the walk above does not follow): walked where it is.
        lines.append("restricted store")
        _walk(str(real), "", {_key(real / p.relative_to(store), real) for p in skip if _within(p, store)}, lines)
    return lines


def as_opened(ws: Workspace) -> bool:
    """audit.yaml and the tools say what ``ws`` was opened with (the officer may have saved one since)."""
    from ..setup.workspace import open_workspace

    try:
        fresh = open_workspace(ws.root)
        # By their fields: models compare their caches too (an agency index, a tool's fields), which a run fills.
        return (fresh.audit.model_dump() == ws.audit.model_dump() and fresh.tools.keys() == ws.tools.keys()
                and all(fresh.tools[k].model_dump() == t.model_dump() for k, t in ws.tools.items()))
    except Exception:  # noqa: BLE001 - cannot tell: the run's outcome is not recorded
        return False


def recall(ws: Workspace, key: str) -> dict | None:
    """The outcome recorded under ``key`` by the last run, or None (another key, or nothing to be read)."""
    try:
        kept = json.loads((ws.state_dir / KEPT).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(kept, dict) or kept.get("key") != key or not isinstance(kept.get("outcome"), dict):
        return None
    with contextlib.suppress(OSError):  # this run's trace, for :func:`ran`
        os.utime(ws.state_dir / KEPT)
    return kept["outcome"]


def ran(ws: Workspace) -> float | None:
    """When a run last recorded or recalled an outcome (``maa chase`` wants a recent collect), or None."""
    try:
        return (ws.state_dir / KEPT).stat().st_mtime
    except OSError:
        return None


def record(ws: Workspace, key: str | None, outcome: dict | None) -> None:
    """Keep ``outcome`` under ``key``; with no key (the run is not to be recalled), forget the last one.
    Best effort: an outcome that cannot be kept (a read-only or busy share) only costs the next run its speed."""
    from ..errors import MaaError

    path = ws.state_dir / KEPT
    if key is not None and outcome is not None:
        text = json.dumps({"key": key, "outcome": outcome}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        try:
            atomic.write_text(path, text + "\n")
            return
        except (OSError, MaaError):
            pass
    with contextlib.suppress(OSError):
        path.unlink()


def _walk(folder: str, rel: str, skip: set[str], lines: list[str]) -> None:
    """Add a line for each entry below ``folder`` (sorted): its path below where the walk began (``rel`` is the
    folder's), kind, size, time and Windows attributes (hidden files are not collected); ``skip`` holds such paths
    (:func:`_key`) to leave out. A link or junction is one entry, with what it points at; a folder is not stat'ed
    on Linux (its time says nothing the entries below it do not). Strings, not Paths: this runs for every file."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        lines.append(f"{rel}\0unreadable {type(exc).__name__}")
        return
    for entry in entries:
        name = f"{rel}/{entry.name}" if rel else entry.name
        if skip and os.path.normcase(name) in skip:
            continue
        try:
            if entry.is_dir(follow_symlinks=False) and not _WINDOWS:
                lines.append(name + "/")
                _walk(entry.path, name, skip, lines)
                continue
            st = entry.stat(follow_symlinks=False)
        except OSError as exc:
            lines.append(f"{name}\0gone {type(exc).__name__}")
            continue
        attributes = getattr(st, "st_file_attributes", 0)
        # A link or junction, never followed (other reparse points, such as OneDrive's files and folders kept
        # online, are what they look like).
        if entry.is_symlink() or getattr(st, "st_reparse_tag", 0) == _MOUNT_POINT:
            lines.append(f"{name}\0link {attributes}\0{_target(entry.path)}")
        elif stat.S_ISDIR(st.st_mode):
            lines.append(f"{name}/\0{attributes}")
            _walk(entry.path, name, skip, lines)
        else:
            lines.append(f"{name}\0{st.st_mode}\0{attributes}\0{st.st_size}\0{st.st_mtime_ns}")


def _target(path: str) -> str:
    """What a link points at, as a digest line: the target's path, size and time (a link to a file is read as it)."""
    try:
        st = os.stat(path)
        where = os.readlink(path) if os.path.islink(path) else ""
        if stat.S_ISDIR(st.st_mode):  # a folder's time changes with what is saved in it: where it points is enough
            return f"{where}\0folder"
        return f"{where}\0{st.st_mode}\0{st.st_size}\0{st.st_mtime_ns}"
    except (OSError, ValueError) as exc:
        return f"broken {type(exc).__name__}"


def _digest(lines: list[str]) -> str:
    return hashlib.blake2b("\n".join(lines).encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


def _lock_file(name: str) -> bool:
    """The audit's locks (``lock``, ``mail.lock``): taking one rewrites it, and no run reads it."""
    return name == "lock" or name.endswith(".lock")


_WINDOWS = os.name == "nt"  # where a directory entry carries its attributes for free
_MOUNT_POINT = 0xA0000003  # IO_REPARSE_TAG_MOUNT_POINT: a junction (as maa_cli.intake.sources tells one)


def _names(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _key(path: Path, base: Path) -> str:
    """``path`` as :func:`_walk` names it below ``base``."""
    return os.path.normcase(Path(os.path.abspath(path)).relative_to(os.path.abspath(base)).as_posix())


def _norm(path) -> str:
    return os.path.normcase(os.path.normpath(path))


def _within(path: Path, root: Path) -> bool:
    try:
        Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
    except ValueError:
        return False
    return True
