"""Masking names and dates of birth before anything leaves the restricted side.

The real leak in audit outputs is not the case list but names typed into
narrative answers and the file names agencies choose. Every name the audit
knows (children in the restricted store, ``names_to_mask`` in audit.yaml, and
answers to ``identifying`` questions) is replaced by a neutral marker in
shareable text, in file paths shown in logs and in ``--json`` output. Known
dates of birth are masked too, in the ways people write dates.

Matching is done on a *folded* copy of the text, so the spellings people and
their software produce are caught: accents dropped ("Zoe" for "Zoë"), curly
apostrophes and dashes made plain (Word's AutoCorrect turns "O'Brien" into
"O’Brien"), and a word break assumed where case or letters and digits change
("EllieMaeMarsh.docx", "ellie2019.docx"). Matches are mapped back to the
original text, so everything else in it is left exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from ..setup import restricted

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
    """Replaces known names (whole words) with :data:`MARK` and known dates with :data:`DATE_MARK`.

    Both patterns match the folded text (see :func:`fold`), never the text as given.
    """

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
            name = _fold_name(name)
            if not name:
                continue
            if " " in name:
                anycase.add(name)
            # Each part on its own ("Ellie-Mae", "Ellie", "Mae" and "Marsh" as well as "Ellie-Mae Marsh").
            # A part made of everyday words only ("Will", "Rose-May") is masked only with a capital.
            for part in {*name.split(), *re.split(r"[\s\-]+", name)}:
                part = part.strip("'")
                if len(part) < 2:
                    continue
                everyday = all(w.strip("'").casefold() in COMMON_WORDS for w in re.split(r"[\s\-]+", part))
                (capital if everyday else anycase).add(part)
        anycase.update(v for v in (_fold_name(w) for w in whole_only if w) if len(v) >= 3)
        alternatives = []
        if anycase:
            words = "|".join(_name_regex(w) for w in sorted(anycase, key=lambda w: (-len(w), w)))
            alternatives.append(f"(?i:{words})")
        if capital:
            # Capitalised or all capitals, never lower case.
            forms = {f for w in capital for f in (_capitalised(w), w.upper())}
            alternatives.append("|".join(_name_regex(w) for w in sorted(forms, key=lambda w: (-len(w), w))))
        pattern = re.compile(rf"{_NOT_AFTER_ALNUM}(?:{'|'.join(alternatives)}){_NOT_BEFORE_ALNUM}") if alternatives else None
        return cls(pattern, _date_pattern(dates))

    def text(self, text: str) -> str:
        if not text or not isinstance(text, str) or (self.pattern is None and self.dates is None):
            return text
        spans = self._spans(text)
        if not spans:
            return text
        out, at = [], 0
        for start, end, mark in spans:
            out += [text[at:start], mark]
            at = end
        out.append(text[at:])
        return "".join(out)

    def path(self, path: str) -> str:
        """A file path with names and dates masked. File names use _ - . and case changes for spaces;
        the folded copy treats all of them as word breaks, so the path itself needs nothing special."""
        return self.text(path)

    def found(self, text: str) -> bool:
        if not text or not isinstance(text, str):
            return False
        folded, _ = fold(text)
        return bool((self.pattern and self.pattern.search(folded)) or (self.dates and self.dates.search(folded)))

    def _spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, marker) in ``text`` for every date and name found, in order, not overlapping."""
        folded, origin = fold(text)
        dates = [(m.start(), m.end()) for m in self.dates.finditer(folded)] if self.dates is not None else []
        names = [(m.start(), m.end()) for m in self.pattern.finditer(folded)] if self.pattern is not None else []
        names = [n for n in names if not any(n[0] < d[1] and d[0] < n[1] for d in dates)]
        found = sorted([(s, e, DATE_MARK) for s, e in dates if e > s] + [(s, e, MARK) for s, e in names if e > s])
        spans: list[tuple[int, int, str]] = []
        for s, e, mark in found:
            start, end = origin[s], origin[e - 1] + 1
            if spans and start <= spans[-1][1]:
                # Touching ("EllieMarsh" is "[name]", not "[name][name]") or overlapping: one marker.
                last = spans[-1]
                if start < last[1] or mark == last[2]:
                    spans[-1] = (last[0], max(end, last[1]), last[2] if last[2] == DATE_MARK else mark)
                    continue
            spans.append((start, end, mark))
        return spans


# -- folding: what is matched ---------------------------------------------------------------------

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
_NOT_AFTER_ALNUM = r"(?<![^\W_])"
_NOT_BEFORE_ALNUM = r"(?![^\W_])"


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


def _fold_name(name: str) -> str:
    """A known name as it is matched: folded, without breaks, single spaces."""
    if not name or not isinstance(name, str):
        return ""
    folded, _ = fold(" ".join(name.split()))
    return " ".join(folded.replace(BREAK, "").split())


def _capitalised(name: str) -> str:
    """'rose-may BROWN' → 'Rose-May Brown': each word capitalised."""
    return re.sub(r"[^\W\d_]+", lambda m: m[0][:1].upper() + m[0][1:].lower(), name)


def _name_regex(name: str) -> str:
    """A folded name as a pattern for folded text.

    Between the words of a full name any run of spaces, _ . - or breaks, or nothing ("EllieMarsh",
    "ellie_marsh"); at a hyphen in a name the same or nothing ("Ellie-Mae", "Ellie Mae", "EllieMae");
    at an apostrophe one, a space or nothing ("O'Brien", "O Brien", "OBrien"); between letters, a break.
    """
    out = []
    for i, ch in enumerate(name):
        if ch == " ":
            out.append(r"[\s_.\-\x00]*")
        elif ch == "-":
            out.append(r"[\s_\-\x00]*")
        elif ch == "'":
            out.append(r"['\s\x00]?")
        else:
            out.append(re.escape(ch))
            if i + 1 < len(name) and name[i + 1].isalnum() and ch.isalnum():
                out.append(r"\x00?")
    return "".join(out)


def _date_regex(spelling: str) -> str:
    """One spelling of a date as a pattern for folded text (spaces optional, breaks allowed)."""
    out = []
    for i, ch in enumerate(spelling):
        if ch == " ":
            out.append(r"[\s\x00]*")
            continue
        out.append(re.escape(ch))
        nxt = spelling[i + 1] if i + 1 < len(spelling) else ""
        if nxt and (ch.isdigit() and nxt.isalpha() or ch.isalpha() and nxt.isdigit()):
            out.append(r"\x00?")
    return "".join(out)


def date_spellings(day: dt.date) -> set[str]:
    """The ways people write a date: 14/02/2019, 14/2/19, 2019-02-14, 14.02.2019, 140219, 14 Feb 2019, February 14th 2019 …"""
    d, m, y = day.day, day.month, day.year
    out = set()
    for dd in {f"{d:02d}", str(d)}:
        for mm in {f"{m:02d}", str(m)}:
            for yy in (str(y), f"{y % 100:02d}"):
                for sep in "/.-_":
                    out.add(f"{dd}{sep}{mm}{sep}{yy}")
            out.add(f"{dd} {mm} {y}")
    out.add(day.isoformat())
    out.add(f"{y}_{m:02d}_{d:02d}")
    out.add(f"{y}.{m:02d}.{d:02d}")
    out.add(f"{y}{m:02d}{d:02d}")
    out.add(f"{d:02d}{m:02d}{y}")
    out.add(f"{d:02d}{m:02d}{y % 100:02d}")
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
    words = "|".join(_date_regex(s) for s in sorted(spellings, key=lambda s: (-len(s), s)))
    # Not part of a longer number or date: "114/02/2019" and "1/14/02/2019" are other things.
    return re.compile(rf"(?<!\d)(?<!\d[/.\-_])(?i:{words})(?!\d)(?![/.\-_]\d)")


def masker_for(ws) -> Masker:
    """The masker for an opened workspace.

    Masks children's names and dates of birth (restricted store), ``names_to_mask``
    in audit.yaml, and what respondents typed into ``identifying`` questions.
    Children replaced in the sample (``replaced.csv``) are masked as well: their
    names may still be in returns and file names.

    Raises:
        RestrictedStoreError: the audit has cases but the restricted store or its
            cases file cannot be reached, so names could not be masked.
        InputFileError: the store's cases file cannot be read as written.
    """
    expected = [c.case_ref for c in getattr(ws.audit, "cases", None) or []]
    cases = [*restricted.read_cases(ws.restricted_dir, expected=expected).values(),
             *restricted.read_replaced(ws.restricted_dir).values()]
    names = [c.child_name for c in cases] + list(ws.audit.names_to_mask)
    dates: list[dt.date] = [c.date_of_birth for c in cases]
    whole: list[str] = []
    for answers in restricted.read_answers(ws.restricted_dir).values():
        for value in answers.values():
            sort_identifying_value(value, names, dates, whole)
    return Masker.for_names(names, dates, whole)


def sort_identifying_value(value, names: list, dates: list, whole: list) -> None:
    """Sort an identifying answer into names, dates or whole values to mask."""
    if isinstance(value, list):
        for v in value:
            sort_identifying_value(v, names, dates, whole)
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
