"""Dates as officers in England type them: day first, always.

``parse_uk_date`` accepts the forms people type or Excel writes in a UK
locale (``3/7/24``, ``03/07/2024``, ``3.7.2024``, ``3-7-2024``, ``03-Jul-24``,
``3 July 2024``, ``3rd July 2024``, ISO ``2024-07-03``). It never guesses: a
month-first date (``July 3 2024``) or a bare number (an Excel serial such as
``45476``) is refused rather than read one of two ways. Its error messages do
not repeat the text they were given, so a caller can show them next to a date
of birth without leaking it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

# Years outside this range are almost certainly typing slips (0224, 2204).
MIN_YEAR = 1900
MAX_YEAR = 2099
# Two-digit years: 00-69 are 2000-2069, 70-99 are 1970-1999.
TWO_DIGIT_PIVOT = 70

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9

# Excel writes date-time cells as "03/07/2024 00:00"; the time is dropped.
_TIME = r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DAY_FIRST = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})" + _TIME)
_YEAR_FIRST = re.compile(r"(\d{4})([/.\-])(\d{1,2})\2(\d{1,2})" + _TIME)
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_TEXT = re.compile(_WEEKDAY + r"(\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?[\s\-/]+([a-z]+)\.?,?[\s\-/]+(\d{4}|\d{2})")
_MONTH_FIRST = re.compile(_WEEKDAY + r"([a-z]+)\.?[\s\-/]+\d{1,2}(?:st|nd|rd|th)?,?[\s\-/]+\d{2,4}")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")

DAY_FIRST_HINT = "write dates day-first, e.g. 03/07/2024 or 3 July 2024"


def parse_uk_date(text: str) -> dt.date:
    """Read a day-first date as typed by a person in England.

    Args:
        text: the cell's text. Surrounding spaces, non-breaking spaces and case
            do not matter.

    Returns:
        The date.

    Raises:
        ValueError: the text is not a date in a form maa reads, or names a day
            that does not exist (31/02/2024). The message does not repeat
            ``text``.
    """
    clean = _tidy(text)
    if not clean:
        raise ValueError("the date is empty")
    if match := _DAY_FIRST.fullmatch(clean):
        day, _, month, year = match.groups()
        return _make(_year(year), int(month), int(day))
    if match := _YEAR_FIRST.fullmatch(clean):
        year, _, month, day = match.groups()
        return _make(_year(year), int(month), int(day))
    if match := _TEXT.fullmatch(clean):
        day, month_name, year = match.groups()
        if month_name not in _MONTHS:
            raise ValueError(f"the month name is not one maa knows: {DAY_FIRST_HINT}")
        return _make(_year(year), _MONTHS[month_name], int(day))
    if (match := _MONTH_FIRST.fullmatch(clean)) and match.group(1) in _MONTHS:
        raise ValueError(f"month-first dates are not read, to avoid guessing: {DAY_FIRST_HINT}")
    if _NUMBER.fullmatch(clean):
        raise ValueError(
            "a plain number is not a date (Excel may have saved the date as a serial number): "
            f"format the column as a date in Excel, or {DAY_FIRST_HINT}"
        )
    raise ValueError(f"this is not a date maa can read: {DAY_FIRST_HINT}")


def format_uk(day: dt.date) -> str:
    """``03/07/2024``: the form officers read most easily."""
    return day.strftime("%d/%m/%Y")


def age_on(dob: dt.date, day: dt.date) -> int:
    """Age in whole years on ``day``.

    Someone born on 29 February turns a year older on 1 March in other years.

    Raises:
        ValueError: ``day`` is before ``dob``.
    """
    if day < dob:
        raise ValueError("the day is before the date of birth")
    had_birthday = (day.month, day.day) >= (dob.month, dob.day)
    return day.year - dob.year - (0 if had_birthday else 1)


def add_months(day: dt.date, n: int) -> dt.date:
    """``day`` moved by ``n`` calendar months (negative goes back).

    The day of the month is clamped to the month's end: 31 March minus one
    month is 29 February in a leap year.
    """
    index = day.year * 12 + (day.month - 1) + n
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole calendar months from ``earlier`` to ``later`` (0 if less than one)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if add_months(earlier, months) > later:
        months -= 1
    return max(months, 0)


def _tidy(text: str) -> str:
    for space in ("\xa0", "\u202f", "\u2007", "\u2009"):
        text = text.replace(space, " ")
    return " ".join(text.split()).lower()


def _year(text: str) -> int:
    if len(text) == 4:
        year = int(text)
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"the year is outside {MIN_YEAR}-{MAX_YEAR}: check for a typing slip")
        return year
    two = int(text)
    return 1900 + two if two >= TWO_DIGIT_PIVOT else 2000 + two


def _make(year: int, month: int, day: int) -> dt.date:
    if not 1 <= month <= 12:
        raise ValueError(f"there is no month {month}: maa reads dates day-first (dd/mm/yyyy)")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ValueError(f"that day does not exist: {calendar.month_name[month]} has {last} days that year")
    return dt.date(year, month, day)
