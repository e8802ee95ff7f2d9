"""Text that is safe to show: on a terminal, in ``--json`` output and in the run log.

File names and answers come from outside the partnership. A control character in them can
drive a terminal (an escape sequence that rewrites the screen or the window title), and a
bidirectional override can make ``invoice‮xcod.exe`` read as something else. Everything maa
shows from a file name or a return passes through :func:`plain` first: line breaks and tabs
become spaces, every other control or direction-changing character becomes ``?`` — visible,
so an officer can see that a name was tampered with.
"""

from __future__ import annotations

import re

_SPACES = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]+")
# C0 and C1 controls, DEL, the bidirectional marks, embeddings, overrides and isolates, and lone
# surrogates (a file name that is not valid UTF-8).
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def plain(text: str) -> str:
    """``text`` with line breaks as spaces and every other control or bidi character as '?'."""
    if not isinstance(text, str) or (text.isprintable() and text.isascii()):
        return text
    return _UNSAFE.sub("?", _SPACES.sub(" ", text))


def plain_all(value):
    """:func:`plain` applied to every string in a JSON-like value (dicts, lists), keys included."""
    if isinstance(value, str):
        return plain(value)
    if isinstance(value, dict):
        return {plain_all(k): plain_all(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_all(v) for v in value]
    return value
