"""Finding known dates of birth however they are written.

One pattern finds everything shaped like a date in the spellings used in England and by
software: day first (14/02/2015, 14.2.15, 14-2-15, 14 02 15, 14 / 02 / 2015), year first
(2015-02-14, 2015/2/14, 2015.02.14), run together (14022015, 140215, 20150214), and with the
month's name in any case, full, short or "Sept", with or without "st/nd/rd/th", "of", "the",
commas, dots, dashes and a two-digit or apostrophe year (14 Feb 2015, 14th February 2015,
14-Feb-15, 14th of Feb '15, the 14th day of February 2015, February 14, 2015, Feb 14th 2015,
February the 14th 2015, 2015 Feb 14). A month-first date in figures (02/14/2015) is read that
way only when it cannot be a day-first one (the day is over 12).

Each date found is then looked up among the known dates of birth, so the cost does not grow
with the number of children. A date that is part of a longer number or date ("114/02/2019",
"3/14/02/2019") is left alone, and so is a date written without its year ("14 February"):
with hundreds of children, masking every birthday would hide most dates in a record.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

_MONTH = (r"jan(?:uary)?|feb(?:r?uary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
          r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_MONTH_NUMBER = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def _day(group: str) -> str:
    # Folding puts a break (\x00) between digits and letters: "14th" is "14\x00th".
    return rf"(?P<{group}>3[01]|[12]\d|0?[1-9])(?:\x00?(?:st|nd|rd|th))?"


def _month(group: str) -> str:
    return rf"(?P<{group}>{_MONTH})(?![a-z])\.?"


def _year(group: str) -> str:
    return rf"(?P<{group}>\d{{4}}|'?\d\d)"


_GAP = r"[\s\x00,./\-]*"  # between a month's name and a number: "14 Feb", "14-Feb-15", "Feb. 14,", "14Feb15"
_SPACED = r"[\s\x00,./\-]+"  # between two numbers: "February 14 2015", never "February 2015" read as the 20th
_OF = rf"(?:(?:day{_GAP})?of{_GAP})?"  # "14th of February", "14th day of February" (as statements write it)
_THE = rf"(?:the{_GAP})?"  # "February the 14th"
_SEP = r"[ ]?[/.\-_][ ]?"  # "14/02/2015", "14 / 02 / 2015"
_DATE = re.compile(
    # Not part of a longer number or date: "114/02/2019", "3/14/02/2019" (but "Case 3 - 14/02/2019" is a date).
    r"(?<!\d)(?<!\d[/.\-_])(?<![^\W\d_])(?:"
    rf"{_day('d1')}{_GAP}{_OF}{_month('m1')}{_GAP}{_year('y1')}"  # 14th of February, 2015
    rf"|{_month('m2')}{_GAP}{_THE}{_day('d2')}{_SPACED}{_year('y2')}"  # February 14th '15
    rf"|(?P<y3>\d{{4}}){_GAP}{_month('m3')}{_GAP}{_day('d3')}"  # 2015 Feb 14
    rf"|(?P<y4>\d{{4}})(?:{_SEP}|\s)(?P<m4>\d\d?)(?:{_SEP}|\s)(?P<d4>\d\d?)"  # 2015-02-14, 2015/2/14
    rf"|(?P<a5>\d\d?){_SEP}(?P<b5>\d\d?){_SEP}(?P<y5>\d{{4}}|\d\d)"  # 14/02/2015, 14.2.15, 02/14/2015
    rf"|(?P<a6>\d\d?)\s(?P<b6>\d\d?)\s(?P<y6>\d{{4}}|\d\d)"  # 14 02 2015, 14 02 15
    r"|(?P<c7>\d{8}|\d{6})"  # 14022015, 20150214, 140215
    r")(?!\d)(?![/.\-_:]\d)",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")

# (day, month, year) with the year as written: four digits, or two (a string, to tell "15" from 2015).
_Reading = tuple[int, int, int | str]


def _readings(m: re.Match) -> list[_Reading]:
    """Every date ``m`` can be read as."""
    g = m.groupdict()
    for n in "123":
        if g[f"d{n}"]:
            return [(int(g[f"d{n}"]), _MONTH_NUMBER[g[f"m{n}"][:3].lower()], _year_of(g[f"y{n}"]))]
    if g["y4"]:
        return [(int(g["d4"]), int(g["m4"]), int(g["y4"]))]
    for n in "56":
        if g[f"a{n}"]:
            a, b, y = int(g[f"a{n}"]), int(g[f"b{n}"]), _year_of(g[f"y{n}"])
            # Month first only where day first is impossible: 02/14/2015.
            return [(a, b, y)] + ([(b, a, y)] if b > 12 else [])
    c = g["c7"]
    if len(c) == 6:
        return [(int(c[:2]), int(c[2:4]), c[4:])]
    return [(int(c[:2]), int(c[2:4]), int(c[4:])), (int(c[6:]), int(c[4:6]), int(c[:4]))]


def _year_of(text: str) -> int | str:
    text = text.lstrip("'")
    return int(text) if len(text) == 4 else text


class DateFinder:
    """Finds the spans of known dates in folded text (see :func:`maa_cli.privacy.folding.fold`)."""

    def __init__(self, dates: Iterable[dt.date]):
        self.known: set[_Reading] = set()
        for day in dates:
            self.known.add((day.day, day.month, day.year))
            self.known.add((day.day, day.month, f"{day.year % 100:02d}"))

    def __bool__(self) -> bool:
        return bool(self.known)

    def find(self, folded: str) -> list[tuple[int, int]]:
        """(start, end) in ``folded`` of every known date in it."""
        if not self.known or not _DIGIT.search(folded):
            return []
        out, pos = [], 0
        while (m := _DATE.search(folded, pos)) is not None:
            if any(r in self.known for r in _readings(m)):
                out.append((m.start(), m.end()))
                pos = m.end()
            else:
                # Not a date of birth: look again just after its start, so "3 Feb 14 Feb 2015"
                # still finds "14 Feb 2015" inside the date-like text that was refused.
                pos = m.start() + 1
        return out


def dates_of(values: Iterable) -> list[dt.date]:
    """The dates among ``values`` (a datetime counts as its day); anything else is ignored."""
    out = []
    for day in values:
        if isinstance(day, dt.datetime):
            day = day.date()
        if isinstance(day, dt.date):
            out.append(day)
    return out


def date_spellings(day: dt.date) -> set[str]:
    """Ways people write a date: 14/02/2019, 14/2/19, 2019-02-14, 2019/2/14, 14.02.2019, 140219, 14 Feb 19,
    14th February 2019, February 14th 2019, 14-Feb-2019, 14th Feb '19 … (for tests and checks; masking
    itself finds dates by their shape, see :class:`DateFinder`)."""
    d, m, y = day.day, day.month, day.year
    out = set()
    for dd in {f"{d:02d}", str(d)}:
        for mm in {f"{m:02d}", str(m)}:
            for yy in (str(y), f"{y % 100:02d}"):
                for sep in "/.-_":
                    out.add(f"{dd}{sep}{mm}{sep}{yy}")
            out.add(f"{dd} {mm} {y}")
            for sep in "/.-_ ":
                out.add(f"{y}{sep}{mm}{sep}{dd}")
    out |= {f"{y}{m:02d}{d:02d}", f"{d:02d}{m:02d}{y}", f"{d:02d}{m:02d}{y % 100:02d}"}
    month = _NAMES[m - 1]
    names = {month, month[:3], month.upper(), month.lower(), month[:3].upper()} | ({"Sept"} if m == 9 else set())
    for name in names:
        for dd in (str(d), f"{d:02d}", f"{d}{_suffix(d)}"):
            for yy in (str(y), f"{y % 100:02d}", f"'{y % 100:02d}"):
                out |= {f"{dd} {name} {yy}", f"{dd} {name}, {yy}", f"{dd}-{name}-{yy}", f"{dd} of {name} {yy}",
                        f"{name} {dd} {yy}", f"{name} {dd}, {yy}"}
            out.add(f"{y} {name} {dd}")
    return out


def _suffix(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
