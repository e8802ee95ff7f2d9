"""Masking names and dates of birth before anything leaves the restricted side.

The real leak in audit outputs is not the case list but names typed into narrative answers
and the file names agencies choose. Every name the audit knows (children in the restricted
store, ``names_to_mask`` in audit.yaml, and answers to ``identifying`` questions) is replaced by
:data:`MARK` in shareable text, in file paths shown in logs and in ``--json`` output; every known
date of birth by :data:`DATE_MARK`.

**Spellings of a name** (:mod:`maa_cli.privacy.variants`), in any case: each part on its own and
the whole name in any order ("Ellie-Mae Marsh", "Ellie Marsh", "Marsh, Ellie", "EllieMaeMarsh.docx",
"ellie_mae_marsh"); at a hyphen or apostrophe a space or nothing ("Ellie Mae", "EllieMae",
"O Brien", "OBrien"); initials before the surname ("E. Marsh", "E Marsh", "E.M. Marsh", "EM Marsh");
plural and possessive, with or without apostrophes ("the Quigglesworths", "Smith's", "Smiths'",
"Smiths's", "Featherstonehaughs neighbour"): the marker replaces the name and a plural ending,
and the apostrophe stays as typed ("[name]'s mum"). Initials standing alone are masked only with
full stops ("E.M.", "E. M.", "E.M.M."): bare capitals ("EM") are too often an abbreviation (GP,
HV, CP) and initials alone do not identify a child outside the case file.

**Names that are everyday words** (Will, May, Hope; Day, Child, Young: see
:mod:`maa_cli.privacy.everyday`) are masked where they stand as a name:

* beside another part of the same name ("Kai Day", "kai day", "day kai", "Day, Kai", "K. Day"),
  in any case, except where the lower-case words read as ordinary text: after a comma or initials
  ("the same day, Kai said", "A day later"), after a surname ("Smith will attend") and in a name
  made only of everyday words ("will young people"), each everyday word needs its capital;
* written with a capital, anywhere, also at the start of a sentence (a first name most often
  starts one: "Hope said …"), alone or as a plural or possessive ("Day's mum", "the Days");
* run together, where it is no word ("willyoung.docx", "rosemay"), and anywhere in a file path,
  in any case (file names are often typed in lower case).

They are left as the word in lower case ("the same day", "the child"), and, with a capital, inside
a fixed phrase of services or the calendar ("Child Protection Plan", "Day Nursery", "Christmas
Day", "Summer Term"), a month beside a day or year ("3rd May", "May 2024") and a counted thing
before a number ("Day 3"). A false positive (over-masking) is safe: :meth:`Masker.review` lists
every mask that may be one, and every capitalised name-word left as a word, for the officer to check.

**Dates of birth** in every common UK and ISO spelling (see :mod:`maa_cli.privacy.dates`).

Matching is done on a *folded* copy of the text (:mod:`maa_cli.privacy.folding`): accents dropped,
curly apostrophes and dashes made plain, and a word break assumed where case or letters and digits
change. Matches are mapped back to the original text, so everything else in it is left exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..setup import restricted
from . import variants
from .dates import DateFinder, date_spellings, dates_of
from .everyday import EVERYDAY_WORDS, is_everyday, read_as_word
from .folding import BREAK, fold, letters

__all__ = ["BREAK", "COMMON_WORDS", "DATE_MARK", "MARK", "Check", "Masker", "date_spellings", "fold", "masker_for",
           "sort_identifying_value"]

MARK = "[name]"
DATE_MARK = "[date of birth]"
#: The everyday words a name part may be (the earlier name of :data:`maa_cli.privacy.everyday.EVERYDAY_WORDS`).
COMMON_WORDS = EVERYDAY_WORDS

# Why a mask (or a word left unmasked) is worth the officer's look.
EVERYDAY_NAME = "a name that is also an everyday word"
INITIALS = "initials standing alone"
SHORT_NAME = "a name part of one or two letters"
LEFT_AS_WORD = "left as an everyday word, though it is also a name"

# Initials with full stops, standing alone: "E.M.", "E. M.", "E.M.M.", "E.M" (the last stop may be missing).
_DOTTED = re.compile(r"(?<![^\W_.])(?-i:[A-Z])\.(?:[ \x00]?(?-i:[A-Z])\.){0,2}[ \x00]?(?-i:[A-Z])\.?(?![^\W_])")
# Anything typed between the words of a name (a break, where the case changes, is not).
_SEPARATOR = re.compile(r"[^\w\x00]|_")


@dataclass(frozen=True)
class Check:
    """A word in a text that the officer should look at before sharing.

    ``masked``: True for a mask that may be over-masking (an everyday word, initials, a very short
    name); False for a capitalised name-word left as the word ("Child Protection Plan").
    ``start`` and ``end`` index the text as given; ``word`` is the text there, as typed.
    """

    start: int
    end: int
    word: str
    reason: str
    masked: bool


@dataclass(frozen=True, eq=False)
class Masker:
    """Replaces known names with :data:`MARK` and known dates of birth with :data:`DATE_MARK`.

    Build one with :meth:`for_names`; all matching is on the folded text (see the module's notes).
    """

    names: re.Pattern | None
    spellings: dict[str, variants.Spelling]
    initials: frozenset[str]
    dates: DateFinder

    @classmethod
    def for_names(cls, names, dates=(), whole_only=()) -> Masker:
        """A masker for ``names`` (each part of a full name on its own too) and ``dates`` of birth.

        ``whole_only`` are values masked only as a whole (e.g. an address typed
        into an identifying answer: its single words are too common to mask).
        """
        index = variants.build([n for n in names if isinstance(n, str)], [w for w in whole_only if w])
        pattern = None
        if index.pattern:
            # A plural ending belongs to the name ("the Smiths"); an apostrophe and what follows do not.
            pattern = re.compile(rf"(?<![^\W_])(?P<n>{index.pattern})(?P<s>(?:e?s)?)(?![^\W_])", re.IGNORECASE)
        return cls(pattern, index.spellings, index.initials, DateFinder(dates_of(dates)))

    def text(self, text: str) -> str:
        """``text`` with every known name and date of birth replaced by its marker."""
        if not text or not isinstance(text, str) or not self:
            return text
        return _replace(text, self._scan(text)[0])

    def path(self, path: str) -> str:
        """A file path with names and dates masked. File names use _ - . and case changes for spaces, which
        the folded copy treats as word breaks; everyday-word names are masked in any case here."""
        if not path or not isinstance(path, str) or not self:
            return path
        return _replace(path, self._scan(path, strict=True)[0])

    def found(self, text: str) -> bool:
        """True if :meth:`text` would mask something in ``text``."""
        if not text or not isinstance(text, str) or not self:
            return False
        return bool(self._scan(text)[0])

    def review(self, text: str) -> list[Check]:
        """The words in ``text`` the officer should check: masks that may be over-masking (an everyday
        word such as "Day" or "Will", initials alone, a one- or two-letter name) and capitalised
        name-words left as words ("Child" in "Child Protection Plan"), in the order they appear."""
        if not text or not isinstance(text, str) or not self:
            return []
        spans, kept = self._scan(text)
        checks = [Check(s, e, text[s:e], reason, True) for s, e, _mark, reason in spans if reason]
        checks += [Check(s, e, text[s:e], LEFT_AS_WORD, False) for s, e in kept]
        return sorted(checks, key=lambda c: c.start)

    def context(self, text: str, check: Check, width: int = 60) -> str:
        """The words around ``check`` on one line, the checked word as typed between « », every
        other name and date of birth masked."""
        spans, _ = self._scan(text)
        out, at, focus = [], 0, 0
        marks = [(s, e, m) for s, e, m, _r in spans if not (s < check.end and check.start < e)]
        for s, e, mark in sorted([*marks, (check.start, check.end, None)]):
            out.append(text[at:s])
            if mark is None:
                focus = sum(map(len, out))
                out.append(f"\u00ab{text[s:e]}\u00bb")
            else:
                out.append(mark)
            at = e
        out.append(text[at:])
        line = "".join(out)
        focus_end = focus + len(check.word) + 2
        left, right = max(0, focus - width), min(len(line), focus_end + width)
        if left:  # cut at a space, not inside a word
            space = line.find(" ", left, focus)
            left = space + 1 if space >= 0 else left
        if right < len(line):
            space = line.rfind(" ", focus_end, right)
            right = space if space >= 0 else right
        shown = " ".join(line[left:right].split())
        return ("\u2026" if left else "") + shown + ("\u2026" if right < len(line) else "")

    def __bool__(self) -> bool:
        return self.names is not None or bool(self.dates)

    # -- finding --------------------------------------------------------------------------------

    def _scan(self, text: str, strict: bool = False) -> tuple[list[tuple[int, int, str, str | None]], list[tuple[int, int]]]:
        """The spans to mask in ``text`` as (start, end, marker, reason to check or None), in order and not
        overlapping, and the spans of capitalised name-words left as words. ``strict``: file paths."""
        folded, origin = fold(text)
        found = [(s, e, DATE_MARK, None) for s, e in self.dates.find(folded)]
        dates = list(found)
        kept: list[tuple[int, int]] = []
        if self.names is not None:
            names, kept = self._names(folded, strict)
            found += [n for n in names if not _overlaps(n, dates)]
            kept = [k for k in kept if not _overlaps(k, dates)]
        if self.initials and "." in folded:
            for m in _DOTTED.finditer(folded):
                if letters(m.group()).upper() in self.initials and not _overlaps((m.start(), m.end()), dates):
                    found.append((m.start(), m.end(), MARK, INITIALS))
        spans: list[tuple[int, int, str, str | None]] = []
        for s, e, mark, reason in sorted(found):
            start, end = origin[s], origin[e - 1] + 1
            if spans and start <= spans[-1][1]:
                # Touching ("EllieMarsh" is "[name]", not "[name][name]") or overlapping: one marker,
                # a date's if either is a date, and certain if either is.
                last = spans[-1]
                if start < last[1] or mark == last[2]:
                    merged = DATE_MARK if DATE_MARK in (mark, last[2]) else mark
                    spans[-1] = (last[0], max(end, last[1]), merged, reason and last[3])
                    continue
            spans.append((start, end, mark, reason))
        kept_spans = [(origin[s], origin[e - 1] + 1) for s, e in kept]
        return spans, [k for k in kept_spans if not _overlaps(k, spans)]

    def _names(self, folded: str, strict: bool) -> tuple[list[tuple[int, int, str, str | None]], list[tuple[int, int]]]:
        found, kept, pos = [], [], 0
        while (m := self.names.search(folded, pos)) is not None:
            pos = m.start() + 1
            key, suffix = letters(m["n"]), m["s"].casefold()
            spelling = self.spellings.get(key)
            if spelling is None or (suffix and len(key) < 3):
                continue  # a plural ending only after a name of three letters or more: not "Ha" in "has"
            reason = None
            written = key + suffix
            # "Rose-May" run together ("rosemay") is no word, though both halves are.
            joined = spelling.everyday and written not in EVERYDAY_WORDS and not _SEPARATOR.search(m["n"])
            if (spelling.everyday and not joined) or (spelling.lone and is_everyday(written)):
                reason = EVERYDAY_NAME if spelling.lone else None
                if not strict:
                    if not folded[m.start()].isupper():
                        continue  # lower case: the word ("the same day"), or a name-word spelled as one
                    if spelling.lone and not suffix and read_as_word(folded, m.start(), m.end(), key):
                        kept.append((m.start(), m.end()))
                        pos = m.end()
                        continue
            elif spelling.lone and len(key) <= 2:
                reason = SHORT_NAME
            found.append((m.start(), m.end(), MARK, reason))
            pos = m.end()
        return found, kept


def _replace(text: str, spans: list[tuple[int, int, str, str | None]]) -> str:
    out, at = [], 0
    for start, end, mark, _reason in spans:
        out += [text[at:start], mark]
        at = end
    out.append(text[at:])
    return "".join(out)


def _overlaps(span, others) -> bool:
    return any(span[0] < o[1] and o[0] < span[1] for o in others)


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
