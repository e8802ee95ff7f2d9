"""The folded copy of a text that names and dates are matched in.

People and their software spell the same name in many ways: accents dropped ("Zoe" for
"Zoë"), curly apostrophes and dashes (Word's AutoCorrect turns "O'Brien" into "O’Brien"),
soft hyphens, and names run together in file names ("EllieMaeMarsh.docx", "ellie2019.docx").
:func:`fold` makes all of these plain and marks where a word break is assumed, and remembers
for each character where it came from, so a match can be mapped back to the text as given.
"""

from __future__ import annotations

import re
import unicodedata

#: Inserted into the folded copy where a word break is assumed (a change of case, letters to digits).
BREAK = "\x00"
_APOSTROPHES = "\u2019\u2018\u201b\u02bc\u02b9\u02bb\u0060\u00b4\u2032\uff07"
_HYPHENS = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_DROPPED = "\u00ad\u200b\u200c\u200d\u2060\ufeff"  # soft hyphen and zero-width characters
_LETTERS = {"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae", "Æ": "AE",
            "œ": "oe", "Œ": "OE", "ı": "i", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th"}
_CHAR_FOLD = {**{c: "'" for c in _APOSTROPHES}, **{c: "-" for c in _HYPHENS}, **{c: "" for c in _DROPPED}, **_LETTERS}
# Where a word break is assumed: "ellieMarsh", "OBrien" (O|Brien), "ellie2019", "2019ellie".
_BREAKS = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def fold(text: str) -> tuple[str, list[int]]:
    """The copy of ``text`` that names and dates are matched in, and for each of its characters
    the index of the character of ``text`` it came from (a break belongs to the character after it).

    Accents are dropped (NFKD, combining marks removed), curly apostrophes and dashes made plain,
    soft hyphens and zero-width characters removed, and :data:`BREAK` inserted where the case
    changes inside a word or letters meet digits.
    """
    if text.isascii():
        chars, origin = text, list(range(len(text)))
    else:
        pieces, origin = [], []
        for i, ch in enumerate(text):
            if ch < "\x80":
                out = ch
            elif ch in _CHAR_FOLD:
                out = _CHAR_FOLD[ch]
            else:
                out = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
                out = "".join(_CHAR_FOLD.get(c, c) for c in out)
            pieces.append(out)
            origin += [i] * len(out)
        chars = "".join(pieces)
    cuts = [m.start() for m in _BREAKS.finditer(chars)]
    if not cuts:
        return chars, origin
    out_chars, out_origin, at = [], [], 0
    for cut in cuts:
        out_chars += [chars[at:cut], BREAK]
        out_origin += origin[at:cut] + [origin[cut]]
        at = cut
    out_chars.append(chars[at:])
    out_origin += origin[at:]
    return "".join(out_chars), out_origin


def fold_name(name: str) -> str:
    """A known name as it is matched: folded, without breaks, single spaces."""
    if not name or not isinstance(name, str):
        return ""
    folded, _ = fold(" ".join(name.split()))
    return " ".join(folded.replace(BREAK, "").split())


def letters(text: str) -> str:
    """The letters and digits of folded ``text`` in lower case: what two spellings of a name share."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())
