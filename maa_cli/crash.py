"""What is kept when maa hits a problem it did not expect: enough to fix it, nothing about a child.

The log holds the exception's type, the frames it passed through (file, line, function
and the line of maa's own code) and maa's and Python's versions. The exception's message
is masked with the audit's masker, or withheld when no audit can be opened, because
messages quote values (file names, answers) that can name a child. The command line is
not kept beyond the command's name, since its arguments are file and folder names.
"""

from __future__ import annotations

import datetime as dt
import platform
import tempfile
import traceback
from pathlib import Path

from . import __version__

LOG_DIR = "errors"  # under the audit's .maa/
KEEP = 20  # logs kept per audit (the oldest are removed)


def write_crash_log(exc: BaseException, argv: list[str], now: dt.datetime | None = None) -> tuple[Path | None, str]:
    """Write the log of an unexpected problem; return its path (None if it could not be written) and its text."""
    audit = _audit_folder(argv)
    text = crash_text(exc, argv, audit, now)
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S-%f")
    folder = audit / ".maa" / LOG_DIR if audit else Path(tempfile.gettempdir()) / "maa-errors"
    path = folder / f"maa-error-{stamp}.log"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        for old in sorted(folder.glob("maa-error-*.log"))[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        return None, text
    return path, text


def crash_text(exc: BaseException, argv: list[str], audit: Path | None, now: dt.datetime | None = None) -> str:
    """The log's text: versions, command, the chain of exception types, frames, and the masked message."""
    command = next((a for a in argv if not a.startswith("-")), "(none)")
    lines = [f"maa {__version__}, Python {platform.python_version()} on {platform.platform(terse=True)}",
             f"when: {(now or dt.datetime.now()).isoformat(timespec='seconds')}",
             f"command: maa {command}", ""]
    chain, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or current.__context__
    for i, item in enumerate(reversed(chain)):
        if i:
            lines.append("which led to:")
        lines.append(f"{type(item).__module__}.{type(item).__qualname__}: {_message(item, audit)}")
        for frame in traceback.extract_tb(item.__traceback__):
            lines.append(f"  {_short(frame.filename)}:{frame.lineno} in {frame.name}")
            if frame.line and "maa_cli" in frame.filename.replace("\\", "/"):
                lines.append(f"      {frame.line.strip()}")
    return "\n".join(lines) + "\n"


def _message(exc: BaseException, audit: Path | None) -> str:
    text = str(exc)
    if not text:
        return "(no message)"
    if audit is None:
        return "(message withheld: no audit folder to mask it with)"
    try:
        from .plain import plain
        from .privacy.masking import masker_for
        from .setup.workspace import open_workspace

        return plain(masker_for(open_workspace(audit)).text(text))
    except Exception:  # noqa: BLE001 - the audit itself may be what is broken
        return "(message withheld: the audit's names could not be read to mask it)"


def _short(filename: str) -> str:
    """A frame's file from the package folder down (no user names from the install path)."""
    parts = Path(filename).parts
    for anchor in ("maa_cli", "site-packages"):
        if anchor in parts:
            return "/".join(parts[parts.index(anchor):])
    return Path(filename).name


def _audit_folder(argv: list[str]) -> Path | None:
    """The audit the command was working on: a folder argument holding audit.yaml, else the folder run in (or above)."""
    for arg in argv:
        try:
            if not arg.startswith("-") and (Path(arg) / "audit.yaml").is_file():
                return Path(arg)
        except (OSError, ValueError):
            continue
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / "audit.yaml").is_file():
            return folder
    return None
