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
looked at again on the next run), no refusal for missing identity data, nothing set aside. The
digest is taken only once every write of the run is on disk, and a run during which a return
changed records nothing. Not walked: ``forms/`` and ``reports/`` (collect writes neither and reads
neither), lock files, ``.maa/cache`` and the staging folders a run empties as it ends. A change to
any other file, by maa or by hand, makes the next run a full one, which is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from .. import __version__, atomic
from ..setup.workspace import Workspace

#: Where the last run's outcome is kept, below .maa/ (the outcome is what the run printed: names masked).
KEPT = Path("cache") / "collect-last.json"
#: Bumped when what is kept, or how the digest is made, changes.
SHAPE = 1
#: Folders below .maa/ and the restricted store a run creates and removes, and lock files: never inputs.
_PASSING = {"cache", "staging", "staging-ahead"}


def returns_digest(ws: Workspace) -> str:
    """The digest of every file and folder below ``returns/``: path, size and modification time."""
    lines: list[str] = []
    _walk(str(ws.returns_dir), "", set(), lines)
    return _digest(lines)


def audit_digest(ws: Workspace, returns: str) -> str:
    """The digest of everything a collect run's outcome depends on; ``returns`` is :func:`returns_digest`."""
    lines = [f"{SHAPE}\0{__version__}\0{Path(ws.root).resolve()}\0{returns}"]
    root, store = Path(ws.root), Path(ws.restricted_dir)
    inside = _within(store, root)
    skip = {ws.returns_dir, ws.forms_dir, ws.reports_dir} | {ws.state_dir / name for name in _PASSING}
    skip |= {store / name for name in _PASSING} | {ws.state_dir / n for n in _names(ws.state_dir) if _lock_file(n)}
    _walk(str(root), "", {_key(p, root) for p in skip if _within(p, root)}, lines)
    if not inside:
        lines.append("restricted store")
        _walk(str(store), "", {_key(p, store) for p in skip if _within(p, store)}, lines)
    return _digest(lines)


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
    """Keep ``outcome`` under ``key``; with no key (the run is not to be recalled), forget the last one."""
    path = ws.state_dir / KEPT
    if key is None or outcome is None:
        with contextlib.suppress(OSError):
            path.unlink()
        return
    text = json.dumps({"key": key, "outcome": outcome}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    atomic.write_text(path, text + "\n")


def _walk(folder: str, rel: str, skip: set[str], lines: list[str]) -> None:
    """Add a line for each entry below ``folder`` (sorted, links not followed): its path below where the walk
    began (``rel`` is the folder's), kind, size and time; ``skip`` holds such paths (:func:`_key`) to leave out.
    Strings, not Paths, and no stat of a folder: this runs for every file."""
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
            if entry.is_dir(follow_symlinks=False):
                lines.append(name + "/")
                _walk(entry.path, name, skip, lines)
                continue
            st = entry.stat(follow_symlinks=False)
        except OSError as exc:
            lines.append(f"{name}\0gone {type(exc).__name__}")
            continue
        lines.append(f"{name}\0{st.st_mode}\0{st.st_size}\0{st.st_mtime_ns}")


def _digest(lines: list[str]) -> str:
    return hashlib.blake2b("\n".join(lines).encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


def _lock_file(name: str) -> bool:
    """The audit's locks (``lock``, ``mail.lock``): taking one rewrites it, and no run reads it."""
    return name == "lock" or name.endswith(".lock")


def _names(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _key(path: Path, base: Path) -> str:
    """``path`` as :func:`_walk` names it below ``base``."""
    return os.path.normcase(Path(os.path.abspath(path)).relative_to(os.path.abspath(base)).as_posix())


def _within(path: Path, root: Path) -> bool:
    try:
        Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
    except ValueError:
        return False
    return True
