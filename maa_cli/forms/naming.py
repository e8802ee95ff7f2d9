"""File and folder names that are safe on a Windows share and never collide.

Respondents' and agencies' names become folder and file names, so they are
cleaned: no reserved device names (CON, NUL, COM1 … also with an extension,
as Windows ignores it), none of ``<>:"/\\|?*`` or control characters, no
trailing dot or space, Unicode normalised (NFC), and short enough to leave
room for a deep UNC path (``\\\\server\\share\\…\\audit folder\\``) inside
Windows' 260-character limit. Two names that differ only by case, punctuation
or normalisation get a short distinguishing suffix rather than overwriting each
other; the suffix comes from a hash of the original name, so every run on every
machine gives the same names.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_PART = 60
# Longest path below the audit folder (forms/<folder>/<file>): leaves ~110 characters of
# Windows' 260 for the share and folders above the audit, e.g. \\srv\share\Safeguarding\Audits\2027\.
MAX_RELPATH = 150
_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_INVISIBLE = {"Cc", "Cf"}  # control and format characters (zero-width space, bidi marks…)
_RESERVED = {
    "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$",
    *(f"COM{i}" for i in [*range(10), "¹", "²", "³"]),
    *(f"LPT{i}" for i in [*range(10), "¹", "²", "³"]),
}


def clean(text: str, max_len: int = MAX_PART) -> str:
    """A single path component made from ``text``, at most ``max_len`` characters."""
    text = unicodedata.normalize("NFC", str(text))
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE or ch in "\t\n")
    text = _BAD.sub("-", text)
    text = re.sub(r"\s+", " ", text)
    text = _trim(text)
    if not text:
        text = "unnamed"
    if len(text) > max_len:
        text = _trim(text[:max_len]) or "unnamed"
    # Windows treats "CON", "con.txt" and "Con .docx" alike: the device name before the first dot counts.
    if text.split(".")[0].strip().upper() in _RESERVED:
        text = _trim(f"_{text}"[:max_len])
    return text


def _trim(text: str) -> str:
    # Windows drops a trailing dot or space silently (so "Police." and "Police" are one folder);
    # leading dots hide files on Linux and macOS shares.
    return text.strip(" .-")


def collision_key(text: str) -> str:
    """Names equal under this key would collide on disk or confuse a person."""
    folded = unicodedata.normalize("NFKD", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def suffix(original: str, length: int = 6) -> str:
    """A short, stable tag for ``original`` (the same on every run and machine)."""
    return hashlib.sha256(unicodedata.normalize("NFC", original).encode("utf-8")).hexdigest()[:length]


class NameAllocator:
    """Hands out distinct clean names; a clash gets a short hash of the original name.

    The same original always gets the same name from one allocator. Names
    already on disk are registered first with :meth:`reserve`, so adding an
    agency later never renames the folder of one issued before.
    """

    def __init__(self):
        self._taken: dict[str, str] = {}  # collision key -> original
        self._given: dict[str, str] = {}  # original -> name

    def reserve(self, original: str, name: str) -> None:
        """Record that ``original`` already has ``name`` (e.g. a folder made by an earlier run)."""
        self._taken.setdefault(collision_key(name), original)
        self._given.setdefault(original, name)

    def name(self, original: str, max_len: int = MAX_PART) -> str:
        """A clean name for ``original`` that collides with no other original's name."""
        if original in self._given:
            return self._given[original]
        base = clean(original, max_len)
        length = 6
        while self._taken.get(collision_key(base), original) != original:
            base = f"{clean(original, max_len - length - 1)}-{suffix(original, length)}"
            length += 2
        self._taken[collision_key(base)] = original
        self._given[original] = base
        return base
