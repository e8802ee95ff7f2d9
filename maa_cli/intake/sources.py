"""Where returns come from: the files saved under ``returns/``.

Office lock files, temporary downloads and hidden or system files are skipped (and
listed, with why); links to folders (symbolic links, Windows junctions) are never
followed, so collection cannot be led outside the audit folder. A folder that cannot
be listed, and a link to a folder, are listed too and need the officer's attention:
returns saved in them are not being read, so their forms would be chased.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

#: IO_REPARSE_TAG_MOUNT_POINT: a junction (the stat module defines it on Windows only).
_MOUNT_POINT = getattr(stat, "IO_REPARSE_TAG_MOUNT_POINT", 0xA0000003)
_SKIP_SUFFIXES = (".tmp", ".crdownload", ".part", ".partial", ".download", ".lnk", ".ini", ".db")


def find_returns(returns_dir: Path) -> list[Path]:
    """Every candidate file under returns/, skipping Office lock files, temporary and hidden files."""
    return find_files(returns_dir)[0]


def find_files(returns_dir: Path) -> tuple[list[Path], list[dict]]:
    """Candidate files under ``returns/`` in a stable order, and what was skipped with why (for the run's output).

    A skipped item with ``"attention": True`` (a folder that cannot be read, a link to a folder) needs the officer:
    returns saved there are not read.
    """
    found: list[Path] = []
    skipped: list[dict] = []
    _walk(returns_dir, returns_dir, found, skipped)
    return found, skipped


def _walk(folder: Path, returns_dir: Path, found: list[Path], skipped: list[dict]) -> None:
    rel_folder = folder.relative_to(returns_dir).as_posix()
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        if folder == returns_dir and isinstance(exc, FileNotFoundError):
            return  # no returns/ yet: nothing returned
        skipped.append({"path": rel_folder + "/" if folder != returns_dir else "returns/", "kind": "folder",
                        "attention": True, "code": "unreadable_folder",
                        "reason": f"a folder maa cannot open ({exc.strerror or type(exc).__name__}): returns saved in it "
                                  "are not being read, so their forms are shown as outstanding and chased. Give the "
                                  "account that runs maa permission to read it, or move the returns out of it"})
        return
    folders = []
    for entry in entries:
        path = Path(entry.path)
        rel = path.relative_to(returns_dir).as_posix()
        if _folder_link(entry):
            skipped.append({"path": rel + "/", "kind": "link", "attention": True, "code": "folder_link",
                            "reason": "a link to a folder (a symbolic link or junction): maa does not follow links, so "
                                      "returns in the folder it points to are not read and their forms are chased. Save "
                                      "the returns themselves under returns/"})
        elif _is_dir(entry):
            if not _hidden(entry):
                folders.append(path)
        elif entry.name.startswith("~$"):
            skipped.append({"path": rel, "reason": "an Office lock file (the form is open in Word or Excel somewhere)"})
        elif entry.name.startswith(("~", ".")) or entry.name.casefold().endswith(_SKIP_SUFFIXES) or _hidden(entry):
            skipped.append({"path": rel, "reason": "a hidden, temporary or system file"})
        else:
            found.append(path)
    for sub in folders:
        _walk(sub, returns_dir, found, skipped)


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _folder_link(entry: os.DirEntry) -> bool:
    """A symbolic link to a folder, or a Windows junction (a mount point reparse point), which os.walk in
    Python 3.11 would walk into."""
    try:
        if entry.is_symlink():
            return entry.is_dir()  # follows the link: a link to a file is judged (and refused) as a file
        tag = getattr(entry.stat(follow_symlinks=False), "st_reparse_tag", 0)
    except OSError:
        return False
    return tag == _MOUNT_POINT


def _hidden(entry: os.DirEntry) -> bool:
    if entry.name.startswith("."):
        return True
    try:  # Windows' hidden attribute (FILE_ATTRIBUTE_HIDDEN)
        return bool(getattr(entry.stat(follow_symlinks=False), "st_file_attributes", 0) & 2)
    except OSError:
        return False
