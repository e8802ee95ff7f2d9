"""File and folder names that are safe on a Windows share and never collide.

Respondents' and agencies' names become folder names, so they are cleaned:
no reserved device names (CON, NUL, COM1 …), none of ``<>:"/\\|?*`` or control
characters, no trailing dot or space, Unicode normalised (NFC), and short
enough to leave room for a deep UNC path. Two names that differ only by case,
punctuation or normalisation get a short distinguishing suffix rather than
overwriting each other.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_PART = 60
_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}


def clean(text: str, max_len: int = MAX_PART) -> str:
    """A single path component made from ``text``."""
    text = unicodedata.normalize("NFC", text)
    text = _BAD.sub("-", text)
    text = re.sub(r"\s+", " ", text).strip(" .-")
    if not text:
        text = "unnamed"
    if len(text) > max_len:
        text = text[:max_len].rstrip(" .-")
    stem = text.split(".")[0].upper().strip()
    if stem in _RESERVED:
        text = f"_{text}"
    return text


def collision_key(text: str) -> str:
    """Names equal under this key would collide on disk or confuse a person."""
    folded = unicodedata.normalize("NFKD", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


class NameAllocator:
    """Hands out distinct clean names; a clash gets a short hash of the original name."""

    def __init__(self):
        self._taken: dict[str, str] = {}

    def name(self, original: str, max_len: int = MAX_PART) -> str:
        base = clean(original, max_len)
        key = collision_key(base)
        if key in self._taken and self._taken[key] != original:
            suffix = hashlib.sha256(original.encode()).hexdigest()[:6]
            base = f"{clean(original, max_len - 7)}-{suffix}"
            key = collision_key(base)
        self._taken[key] = original
        return base
