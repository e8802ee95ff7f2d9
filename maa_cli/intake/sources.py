"""Where returns come from: the files saved under ``returns/``.

Office lock files, temporary downloads and hidden or system files are skipped (and
listed, with why); links to folders are never followed, so collection cannot be led
outside the audit folder.
"""

from __future__ import annotations

import os
from pathlib import Path

_SKIP_SUFFIXES = (".tmp", ".crdownload", ".part", ".partial", ".download", ".lnk", ".ini", ".db")


def find_returns(returns_dir: Path) -> list[Path]:
    """Every candidate file under returns/, skipping Office lock files, temporary and hidden files."""
    return find_files(returns_dir)[0]


def find_files(returns_dir: Path) -> tuple[list[Path], list[dict]]:
    """Candidate files under ``returns/`` in a stable order, and the files skipped with why (for the run's output)."""
    found, skipped = [], []
    # os.walk does not follow links to folders, so a link cannot lead collection outside the audit.
    for folder, dirs, names in os.walk(returns_dir):
        dirs[:] = sorted(d for d in dirs if not _hidden(Path(folder) / d, d))
        for name in sorted(names):
            path = Path(folder) / name
            rel = path.relative_to(returns_dir).as_posix()
            if name.startswith("~$"):
                skipped.append({"path": rel, "reason": "an Office lock file (the form is open in Word or Excel somewhere)"})
            elif name.startswith(("~", ".")) or name.casefold().endswith(_SKIP_SUFFIXES) or _hidden(path, name):
                skipped.append({"path": rel, "reason": "a hidden, temporary or system file"})
            else:
                found.append(path)
    return found, skipped


def _hidden(path: Path, name: str) -> bool:
    if name.startswith("."):
        return True
    try:  # Windows' hidden attribute (FILE_ATTRIBUTE_HIDDEN)
        return bool(getattr(os.lstat(path), "st_file_attributes", 0) & 2)
    except OSError:
        return False
