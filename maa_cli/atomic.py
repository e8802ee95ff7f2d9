"""Atomic writes that behave on a Windows share.

A state file or report is written to a temporary file in the same folder,
flushed and fsynced, then moved over the target in one step, so a run killed
mid-write leaves either the old file or the new one, never half of each. On
Windows, ``os.replace`` fails while antivirus or an open Excel holds the target;
we retry briefly, then report the file as busy.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .errors import ErrorCode, WorkspaceError, check_path_length, environment_error, problem

RETRIES = 5
RETRY_DELAY = 0.4


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    write_with(path, lambda handle: handle.write(data))


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically, with '\\n' line endings on every platform."""
    write_bytes(path, text.encode("utf-8"))


def write_with(path: Path, writer: Callable) -> None:
    """Call ``writer(binary_file)`` on a temporary file, then move it over ``path``.

    Raises:
        EnvironmentStopped: the disk is full, the folder read-only, or the path too long for Windows
            (predicted from its length, so it fails here as it would on a Windows share).
        WorkspaceError: the file stayed busy (open in Word or Excel).
    """
    path = Path(path)
    check_path_length(path)
    check_path_length(path.parent / ".~maa-xxxxxxxx.tmp")
    try:
        _write(path, writer)
    except OSError as exc:
        stopped = environment_error(exc, path)
        if stopped is None:
            raise
        raise stopped from None


def _write(path: Path, writer: Callable) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~maa-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            writer(handle)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates the file readable by its owner only; give it the permissions any new
        # file gets, or colleagues could not open reports on a Linux-mounted share.
        os.chmod(tmp, 0o666 & ~_umask())
        replace(Path(tmp), path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask


def replace(tmp: Path, path: Path) -> None:
    """``os.replace`` with a short retry for files held open on Windows."""
    for attempt in range(RETRIES):
        try:
            os.replace(tmp, path)
            return
        except PermissionError as exc:
            if attempt == RETRIES - 1:
                raise WorkspaceError(problem(ErrorCode.FILE_BUSY, file=path, detail=exc.strerror or str(exc))) from None
            time.sleep(RETRY_DELAY * (attempt + 1))


def set_aside(path: Path, now: float) -> Path | None:
    """Rename ``path`` (a file or a folder maa cannot use) out of the way, keeping it, as
    ``<name>.unreadable-<local time>`` beside it; the new path, or None if it could not be renamed
    (held open on Windows, say). State is set aside, never deleted: it may be needed."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(now))
    target, n = path.with_name(f"{path.name}.unreadable-{stamp}"), 1
    while target.exists() or target.is_symlink():
        n += 1
        target = path.with_name(f"{path.name}.unreadable-{stamp}-{n}")
    try:
        replace(path, target)
    except (OSError, WorkspaceError):
        return None
    return target


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file as hex, read in 1 MB blocks (recorded for forms, cases files and findings)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()
