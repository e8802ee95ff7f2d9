"""Masking names and dates of birth before anything leaves the restricted side.

The real leak in audit outputs is not the case list but names typed into
narrative answers and the file names agencies choose. Every name the audit
knows (children in the restricted store, ``names_to_mask`` in audit.yaml, and
answers to ``identifying`` questions) is replaced by a neutral marker in
shareable text, in file paths shown in logs and in ``--json`` output. Known
dates of birth are masked too, in the ways people write dates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from . import restricted

MARK = "[name]"
DATE_MARK = "[date of birth]"

# Name parts that are also everyday English words: masked only when written with a
# capital ("Will", "Hope"), so "the school will hope to" survives while "Will's mum" does not.
# A false positive is safe (over-masking); these words are only here to keep text readable.
COMMON_WORDS = frozenset(
    ["will", "may", "hope", "grace", "rose", "faith", "mark", "jack", "bill", "summer", "april", "june", "august", "ruby", "amber", "sky", "joy", "dawn", "holly", "ivy", "daisy", "poppy", "bob", "pat", "sue", "don", "ray", "dean", "miles", "hunter", "brook", "river", "star", "sunny", "penny", "rich", "frank", "guy", "young", "white", "black", "brown", "green", "long", "short", "little", "small", "wood", "hill", "bright", "rich", "king", "price", "bell", "fox", "page", "bird", "stone", "cook", "baker", "mason", "carter", "taylor", "walker", "wells", "banks", "ford", "lane", "street", "north", "south", "west", "east", "field", "fields", "hall", "park", "rivers", "hart", "love", "luck"]
)
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


@dataclass(frozen=True)
class Masker:
    """Replaces known names (whole words) with :data:`MARK` and known dates with :data:`DATE_MARK`."""

    pattern: re.Pattern | None
    dates: re.Pattern | None = None

    @classmethod
    def for_names(cls, names, dates=(), whole_only=()) -> Masker:
        """A masker for ``names`` (each part of a full name on its own too) and ``dates`` of birth.

        ``whole_only`` are values masked only as a whole (e.g. an address typed
        into an identifying answer: its single words are too common to mask).
        """
        anycase: set[str] = set()
        capital: set[str] = set()
        for name in names:
            name = " ".join((name or "").split())
            if not name:
                continue
            anycase.add(name)
            # Each part of a full name on its own ("Ellie" and "Marsh" as well as "Ellie Marsh").
            for part in re.split(r"[\s\-]+", name):
                if len(part) < 2:
                    continue
                (capital if part.casefold() in COMMON_WORDS else anycase).add(part)
        anycase.update(" ".join(v.split()) for v in whole_only if v and len(v.strip()) >= 3)
        alternatives = []
        if anycase:
            words = "|".join(_loose(w) for w in sorted(anycase, key=len, reverse=True))
            alternatives.append(f"(?i:{words})")
        if capital:
            # Capitalised or all capitals, never lower case.
            forms = {f for w in capital for f in (w[:1].upper() + w[1:].lower(), w.upper())}
            alternatives.append("|".join(re.escape(w) for w in sorted(forms, key=len, reverse=True)))
        pattern = re.compile(rf"(?<![\w])(?:{'|'.join(alternatives)})(?![\w])") if alternatives else None
        return cls(pattern, _date_pattern(dates))

    def text(self, text: str) -> str:
        if not text or not isinstance(text, str):
            return text
        if self.dates is not None:
            text = self.dates.sub(DATE_MARK, text)
        if self.pattern is not None:
            text = self.pattern.sub(MARK, text)
        return text

    def path(self, path: str) -> str:
        # File names use _ and - for spaces, so mask word-parts there too.
        if not self.pattern and not self.dates:
            return path
        spaced = re.sub(r"[_.]", " ", path)
        if not self.found(spaced):
            return path
        return self.text(re.sub(r"_", " ", path))

    def found(self, text: str) -> bool:
        if not text or not isinstance(text, str):
            return False
        return bool((self.pattern and self.pattern.search(text)) or (self.dates and self.dates.search(text)))


def _loose(name: str) -> str:
    """A name as a pattern that allows any run of spaces between its words."""
    return r"\s+".join(re.escape(part) for part in name.split(" "))


def date_spellings(day: dt.date) -> set[str]:
    """The ways people write a date: 14/02/2019, 14/2/19, 2019-02-14, 14.02.2019, 14 Feb 2019, February 14th 2019 …"""
    d, m, y = day.day, day.month, day.year
    out = set()
    for dd in {f"{d:02d}", str(d)}:
        for mm in {f"{m:02d}", str(m)}:
            for yy in (str(y), f"{y % 100:02d}"):
                for sep in "/.-":
                    out.add(f"{dd}{sep}{mm}{sep}{yy}")
    out.add(day.isoformat())
    out.add(f"{d:02d}{m:02d}{y}")
    month = _MONTHS[m - 1]
    for name in (month, month[:3], month[:4] if month.startswith("Sept") else month[:3]):
        for dd in (str(d), f"{d:02d}", f"{d}{_suffix(d)}"):
            out.add(f"{dd} {name} {y}")
            out.add(f"{dd} {name}, {y}")
            out.add(f"{name} {dd} {y}")
            out.add(f"{name} {dd}, {y}")
            out.add(f"{dd}-{name}-{y}")
            out.add(f"{dd} of {name} {y}")
    return out


def _suffix(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _date_pattern(dates) -> re.Pattern | None:
    spellings: set[str] = set()
    for day in dates:
        if isinstance(day, dt.datetime):
            day = day.date()
        if isinstance(day, dt.date):
            spellings |= date_spellings(day)
    if not spellings:
        return None
    words = "|".join(r"\s*".join(re.escape(p) for p in s.split(" ")) for s in sorted(spellings, key=len, reverse=True))
    return re.compile(rf"(?<![\w/.\-])(?i:{words})(?![\w]|[/.\-]\d)")


def masker_for(ws) -> Masker:
    """The masker for an opened workspace.

    Masks children's names and dates of birth (restricted store), ``names_to_mask``
    in audit.yaml, and what respondents typed into ``identifying`` questions.
    """
    cases = restricted.read_cases(ws.restricted_dir).values()
    names = [c.child_name for c in cases] + list(ws.audit.names_to_mask)
    dates: list[dt.date] = [c.date_of_birth for c in cases]
    whole: list[str] = []
    for answers in restricted.read_answers(ws.restricted_dir).values():
        for value in answers.values():
            _identifying_value(value, names, dates, whole)
    return Masker.for_names(names, dates, whole)


def _identifying_value(value, names: list, dates: list, whole: list) -> None:
    """Sort an identifying answer into names, dates or whole values to mask."""
    if isinstance(value, list):
        for v in value:
            _identifying_value(v, names, dates, whole)
        return
    if not isinstance(value, str) or not value.strip():
        return
    try:
        dates.append(dt.date.fromisoformat(value.strip()[:10]))
        return
    except ValueError:
        pass
    # Short values are names (a child's or a sibling's); longer ones (an address) are masked whole.
    (names if len(value.split()) <= 4 else whole).append(value)
