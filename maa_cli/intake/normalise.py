"""Turning what people type into the values a tool expects.

``y``, ``YES ``, ``✓`` → Yes; ``3/7/24``, ``3 July 2024`` or a date serial →
2024-07-03 (UK day-first, always); non-breaking spaces, zero-width and stray
control characters removed, and right-to-left overrides dropped. A value that
cannot be understood is not guessed at: :class:`Unreadable` says what was
expected, so validation can name the question and say what was wrong.

People type beside the box too ("Yes - see policy", "No (in progress)"): the
answer is taken from the start and the rest is handed back as a note, so it is
neither lost nor allowed to make an answer unreadable.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from ..dates import parse_uk_date
from ..definitions.tool import NA, NO, OTHER, YES, AnswerField

_YES = {"y", "yes", "✓", "✔", "☑", "☒", "true", "x", "ok", "compliant", "yes please"}
_NO = {"n", "no", "✗", "✘", "false", "not compliant", "non-compliant", "non compliant"}
_NA = {"n/a", "na", "n.a", "not applicable", "does not apply", "n / a", "n\\a"}
# Invisible characters that change how text reads or sorts but carry no meaning in an answer:
# C0 controls (not tab/newline), DEL, U+FFFE/U+FFFF, bidi embeddings and overrides (a classic way
# to make "exe.docx" display as "xcod.exe"), and zero-width spaces and marks.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\u202a-\u202e\u2066-\u2069\u200b\u200e\u200f\u2060\ufeff]")
_SPACES = str.maketrans({"\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u3000": " "})
# What may separate an answer from a comment typed after it: "Yes - see policy", "No (in hand)".
_COMMENT = re.compile(r"[\s]*(?:[-–—:;,.(\[]|\s)\s*(?P<rest>.*)", re.DOTALL)
_TICK_GLYPHS = "☐☒☑✓✔✗✘"
EXCEL_EPOCH = dt.date(1899, 12, 30)
# An Excel date serial between 1 Jan 1900 and 31 Dec 2099: what a date cell becomes when its format is lost.
_SERIAL_RANGE = (1, 73415)


class Unreadable(ValueError):
    """A value that does not fit the question; the message says what was expected.

    The message never repeats what was typed: it is kept in the state, the run log
    and ``--json`` output, and a typed answer may name a child. ``private`` is the
    message for questions whose answers identify someone: it leaves out even details
    of what was wrong with the value (which month a date of birth could not have).
    """

    def __init__(self, message: str, private: str | None = None):
        super().__init__(message)
        self.private = private or message


def clean_text(value) -> str:
    """Text with odd spaces made plain, invisible and control characters removed, ends trimmed."""
    if value is None:
        return ""
    text = str(value) if not isinstance(value, str) else value
    text = text.translate(_SPACES).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    return unicodedata.normalize("NFC", text).strip()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not clean_text(value)) or value == []


def normalise(field: AnswerField, value):
    """The value of ``field`` as the tool defines it, or raise :class:`Unreadable`.

    Returns None for an empty answer. Any comment typed after a choice is dropped;
    use :func:`normalise_with_note` to keep it.
    """
    return normalise_with_note(field, value)[0]


def normalise_with_note(field: AnswerField, value) -> tuple[object, str | None]:
    """Like :func:`normalise`, also returning text typed after a choice ("Yes - see policy" → "see policy")."""
    if is_blank(value):
        return None, None
    kind = field.type
    if kind == "multiple_choice" and field.role == "answer":
        return _multiple(field, value), None
    if kind == "date":
        return _date(value), None
    if kind == "number":
        return _number(value), None
    if field.choices:
        return _choice(field, value)
    return clean_text(value), None


def _fold(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip(".").strip()


def _exact_choice(field: AnswerField, folded: str) -> str | None:
    if field.type == "yes_no" or YES in field.choices:
        if folded in _YES:
            return YES
        if folded in _NO:
            return NO
    if folded in _NA and NA in field.choices:
        return NA
    for choice in field.choices:
        if folded == _fold(choice):
            return choice
    # Initials of one choice only: "RI" for Requires improvement, "G" for Good.
    if 1 <= len(folded) <= 3 and folded.isalpha():
        matches = [c for c in field.choices if c != NA and "".join(w[0] for w in c.split()).casefold() == folded]
        if len(matches) == 1:
            return matches[0]
    return None


def _choice(field: AnswerField, value) -> tuple[str, str | None]:
    text = clean_text(value)
    found = _exact_choice(field, _fold(text))
    if found is not None:
        return found, None
    # An answer followed by a comment: the longest choice (or yes/no word) the text starts with.
    candidates = sorted(set(field.choices) | (_YES | _NO if field.type == "yes_no" else set()), key=len, reverse=True)
    for word in candidates:
        if len(word) < 2 or not text.casefold().startswith(word.casefold()):
            continue
        match = _COMMENT.fullmatch(text[len(word):])
        rest = match["rest"].strip() if match else None
        if not rest or rest.casefold().startswith(("or ", "/")) or _exact_choice(field, _fold(rest.split()[0])):
            continue  # "Yes or No", "Yes/No", "Good Outstanding": not one answer
        chosen = _exact_choice(field, _fold(word))
        if chosen is not None:
            return chosen, rest.rstrip(")]").strip() or None
    offered = ", ".join(field.choices)
    hint = " (N/A is not offered for this question)" if _fold(text) in _NA else ""
    raise Unreadable(f"the answer is not one of those offered ({offered}){hint}")


def _multiple(field: AnswerField, value) -> list[str] | None:
    if isinstance(value, list):
        items = value
    else:
        items = []
        for piece in re.split(r"[;\n]", clean_text(value)):
            # Commas separate choices only when every piece is a choice ("Neglect, Online harm").
            parts = [p for p in piece.split(",")]
            items += parts if len(parts) > 1 and all(_match(field, p) for p in parts) else [piece]
    out = []
    for item in items:
        text = clean_text(item).strip(_TICK_GLYPHS + " ")
        if not text:
            continue
        match = _match(field, text)
        if match is None:
            raise Unreadable(f"an option ticked or typed is not one of those offered ({', '.join(field.choices)})")
        if match not in out:
            out.append(match)
    return out or None


def _match(field: AnswerField, text: str) -> str | None:
    folded = _fold(clean_text(text).strip(_TICK_GLYPHS + " "))
    return next((c for c in field.choices if _fold(c) == folded), None)


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial(float(value))
    text = clean_text(value)
    if re.fullmatch(r"\d{5}(\.\d+)?", text):  # a serial typed or pasted as text
        return _serial(float(text))
    try:
        return parse_uk_date(text)
    except ValueError as exc:
        # parse_uk_date's messages never repeat the text, so they are safe for identifying answers too.
        raise Unreadable(f"the answer is not a date: {exc}",
                         "the answer is not a date maa can read (write it day first, e.g. 03/07/2024)") from None


def _serial(number: float) -> dt.date:
    """An Excel date serial (days since 30/12/1899; a time of day is the fraction, dropped)."""
    if _SERIAL_RANGE[0] <= number <= _SERIAL_RANGE[1]:
        return EXCEL_EPOCH + dt.timedelta(days=int(number))
    raise Unreadable("the answer is not a date (write it day first, e.g. 03/07/2024)")


def _number(value) -> int:
    if isinstance(value, bool):
        raise Unreadable("a yes/no was given where a number is needed")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = clean_text(value).replace(",", "").replace(" ", "")
    if re.fullmatch(r"[+-]?\d+(\.0+)?", text):
        return int(float(text))
    if re.fullmatch(r"[+-]?\d*\.\d+", text):
        raise Unreadable("the answer is not a whole number")
    raise Unreadable("the answer is not a number (write digits only, e.g. 14)")


def other_chosen(value) -> bool:
    values = value if isinstance(value, list) else [value]
    return OTHER in values
