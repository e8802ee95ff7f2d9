"""Turning what people type into the values a tool expects.

``y``, ``YES ``, ``✓`` → Yes; ``3/7/24``, ``3 July 2024`` or a date serial →
2024-07-03 (UK day-first, always); non-breaking spaces and stray control
characters removed. A value that cannot be understood is returned unchanged
with a reason, so validation can name the question and say what was wrong.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from .dates import parse_uk_date
from .tool import NA, NO, OTHER, YES, AnswerField

_YES = {"y", "yes", "yes.", "✓", "✔", "☑", "☒", "true", "x", "ok", "compliant"}
_NO = {"n", "no", "no.", "✗", "✘", "false", "not compliant", "non-compliant"}
_NA = {"n/a", "na", "n.a.", "n.a", "not applicable", "does not apply", "n / a"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
EXCEL_EPOCH = dt.date(1899, 12, 30)


class Unreadable(ValueError):
    """A value that does not fit the question; the message says what was expected."""


def clean_text(value) -> str:
    """Text with non-breaking spaces, control characters and bidi overrides removed, ends trimmed."""
    if value is None:
        return ""
    text = str(value) if not isinstance(value, str) else value
    text = text.replace("\u00a0", " ").replace("\u2007", " ").replace("\u202f", " ").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    return unicodedata.normalize("NFC", text).strip()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not clean_text(value)) or value == []


def normalise(field: AnswerField, value):
    """The value of ``field`` as the tool defines it, or raise :class:`Unreadable`.

    Returns None for an empty answer.
    """
    if is_blank(value):
        return None
    kind = field.type
    if kind == "multiple_choice" and field.role == "answer":
        return _multiple(field, value)
    if kind == "date":
        return _date(value)
    if kind == "number":
        return _number(value)
    if field.choices:
        return _choice(field, value)
    return clean_text(value)


def _choice(field: AnswerField, value) -> str:
    text = clean_text(value)
    folded = text.casefold().rstrip(".").strip()
    if field.type == "yes_no" or YES in field.choices:
        if folded in _YES or folded == YES.casefold():
            return YES
        if folded in _NO:
            return NO
    if folded in _NA and NA in field.choices:
        return NA
    for choice in field.choices:
        if folded == choice.casefold():
            return choice
    raise Unreadable(f"'{_short(text)}' is not one of the answers offered ({', '.join(field.choices)})")


def _multiple(field: AnswerField, value) -> list[str]:
    items = value if isinstance(value, list) else re.split(r"[;\n]", clean_text(value))
    out = []
    for item in items:
        text = clean_text(item)
        if not text:
            continue
        match = next((c for c in field.choices if c.casefold() == text.casefold()), None)
        if match is None:
            raise Unreadable(f"'{_short(text)}' is not one of the options ({', '.join(field.choices)})")
        if match not in out:
            out.append(match)
    return out or None


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 80000:  # an Excel serial that lost its date format
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise Unreadable(f"{value} is not a date")
    text = clean_text(value)
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return EXCEL_EPOCH + dt.timedelta(days=int(float(text)))
    try:
        return parse_uk_date(text)
    except ValueError:
        raise Unreadable(f"'{_short(text)}' is not a date (write it day first, e.g. 03/07/2024)") from None


def _number(value) -> int:
    if isinstance(value, bool):
        raise Unreadable("a yes/no was given where a number is needed")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = clean_text(value).replace(",", "")
    if re.fullmatch(r"[+-]?\d+(\.0+)?", text):
        return int(float(text))
    raise Unreadable(f"'{_short(text)}' is not a whole number")


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def other_chosen(value) -> bool:
    values = value if isinstance(value, list) else [value]
    return OTHER in values
