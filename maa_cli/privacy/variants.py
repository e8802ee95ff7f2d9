"""The spellings of a known name, compiled into one pattern.

A name such as "Ellie-Mae Marsh" is matched as:

* each part on its own: "Ellie-Mae", "Ellie", "Mae", "Marsh" (and after an apostrophe, "Brien"
  for "O'Brien"); a particle of a surname ("van", "der", "al") only inside the whole name;
* the whole name, the first and last names, and surname first: "Ellie-Mae Marsh", "Ellie Marsh",
  "Marsh, Ellie-Mae", "MARSH Ellie";
* initials before the surname: "E. Marsh", "E Marsh", "E.M. Marsh", "EM Marsh", "M. Marsh"
  (the initials as capitals; initials standing alone, "E.M.", are matched by the masker);

with any run of spaces, underscores, full stops and hyphens (a stop or hyphen not followed by a
space, which ends a sentence or clause) or nothing between the words ("EllieMaeMarsh.docx",
"ellie_mae_marsh", "ellie.marsh"), the same or nothing at a hyphen ("Ellie Mae", "EllieMae"), and
an apostrophe, a space or nothing at an apostrophe ("O'Brien", "O Brien", "OBrien"). Where a word
of the name is an everyday word, some of these need its capital (see :func:`build`). The masker
adds plural and possessive endings and decides, for a part on its own, where it stands as a name.

All spellings of all names go into one pattern shaped as a tree (names sharing a beginning share
a branch), so a text is read once however many names there are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from .everyday import EVERYDAY_WORDS, PARTICLES, ROLE_CAPITALS, is_everyday
from .folding import fold_name, letters

# Pieces of a spelling's pattern. Letters are matched with a possible break between them
# ("McDonald" is folded as "Mc\x00Donald"); the rest stand for what may be typed there.
# A full stop or hyphen joins words in a file name ("ellie.marsh.docx", "Ellie-Mae") but not
# across sentences or clauses ("… Kai. Day …", "Kai - Day nursery said").
_BETWEEN_WORDS = r"(?:[\s_\x00]|[.\-](?!\s))*"  # also at a hyphen in a name: "Ellie Mae", "EllieMae"
_AT_APOSTROPHE = r"['\s\x00]?"
# "Marsh, Ellie", "MARSH Ellie". The second run only after the comma: two runs side by side would
# try every way of sharing a long run of spaces between them (minutes on a line of underscores).
_AFTER_SURNAME = rf"{_BETWEEN_WORDS}(?:,{_BETWEEN_WORDS})?"
_JOINERS = (_BETWEEN_WORDS, _AT_APOSTROPHE)
_AFTER_INITIAL = r"[.\s_\-\x00]*"
# "A", "I" and "O" are words: as initials they need their full stop, or no space ("ASMITH.docx").
_AFTER_WORD_INITIAL = r"(?:\.[\s_\x00]*|\x00?)"


@dataclass(frozen=True)
class Spelling:
    """What a matched spelling is, whichever known names it came from.

    ``everyday``: made only of everyday words (Will, Rose-May, Will Day), so it needs a capital.
    ``lone``: a single part of a name, not beside another part ("Day", not "Kai Day" or "K. Day").
    """

    everyday: bool
    lone: bool

    def merge(self, other: Spelling) -> Spelling:
        # Two names can share a spelling: the one that masks more, and is surer, wins.
        return Spelling(self.everyday and other.everyday, self.lone and other.lone)


@dataclass(frozen=True)
class NameIndex:
    """Every spelling of the known names as one pattern (for case-insensitive matching of folded
    text), and what each one is, by its letters (:func:`maa_cli.privacy.folding.letters`)."""

    pattern: str
    spellings: dict[str, Spelling]
    initials: frozenset[str]


_Spelled = tuple[list[tuple[str, bool]], str, Spelling]  # pattern pieces, letters, what it is
_BESIDE = Spelling(False, lone=False)


def build(names: Iterable[str], whole_only: Iterable[str] = ()) -> NameIndex:
    """The index for ``names`` (each part of a full name too) and ``whole_only`` values (masked only whole)."""
    tree = _Tree()
    spellings: dict[str, Spelling] = {}
    initial_sets: set[str] = set()
    found: list[_Spelled] = []
    for name in names:
        words = _words(fold_name(name))
        found += _part_spellings(words)
        if len(words) >= 2:
            found += _whole_spellings(words)
            first = [p[0].upper() for w in words[:-1] if w.casefold() not in PARTICLES for p in w.split("-") if p[:1].isalpha()]
            found += _initial_spellings(first, words[-1])
            initial_sets |= _initial_sets(first, words[-1])
    for value in whole_only:
        value = fold_name(value) if isinstance(value, str) else ""
        if len(letters(value)) >= 3:
            found.append((_units(value), letters(value), _BESIDE))
    for units, key, spelling in found:
        if len(key) >= 2:
            tree.add(units)
            spellings[key] = spellings[key].merge(spelling) if key in spellings else spelling
    return NameIndex(tree.pattern(), spellings, frozenset(initial_sets))


def _part_spellings(words: list[str]) -> list[_Spelled]:
    """Each part of the name on its own: masked with a capital only if it is an everyday word."""
    return [(_units(part), letters(part), Spelling(is_everyday(part), lone=True))
            for i, word in enumerate(words) for part in _parts(word, outer=i in (0, len(words) - 1))]


def _whole_spellings(words: list[str]) -> list[_Spelled]:
    """The whole name, first and last names, and surname first.

    Beside another part of the name an everyday word is a name in any case ("kai day", "day kai"),
    except where that could be ordinary text, and there each everyday word needs its capital: in a
    name made only of everyday words ("Will Young", not "will young people"; run together, as in
    "willyoung", it is a name in any case), an everyday first name after a surname ("Smith, Will",
    not "Smith will attend") and an everyday surname before a comma ("Day, Kai", not "the same day,
    Kai said").
    """
    out: list[_Spelled] = []
    all_everyday = all(is_everyday(w) for w in words)
    forenames, surname = words[:-1], words[-1]
    called = words[0].split("-")[0]  # "Ellie" of "Ellie-Mae"
    for order in (words, [words[0], surname], [called, surname]):
        out.append((_units(" ".join(order), capitals=all_everyday), letters("".join(order)), _BESIDE))
    for order in (forenames, [words[0]], [called]):
        given = _units(" ".join(order), capitals=True)
        key = letters(surname + "".join(order))
        out.append((_units(surname, capitals=all_everyday) + [(_BETWEEN_WORDS, False)] + given, key, _BESIDE))
        out.append((_units(surname, capitals=True) + [(_AFTER_SURNAME, False)] + given, key, _BESIDE))
    if all_everyday:
        out += [(_units(key), key, _BESIDE) for key in {key for _units_, key, _ in out}]
    return out


def _initial_spellings(first: list[str], surname: str) -> list[_Spelled]:
    """Initials before the surname: "E. Marsh", "E.M. Marsh", "EM Marsh", "M. Marsh" (any of the
    forenames' initials, in order; run together in lower case too, "jsmith"). An everyday surname needs its capital ("K. Day", not "A day
    later"), and "A", "I" and "O", and initials that spell a role ("GP", "PC"), their full stops unless
    run together with the surname ("ADAY", "G.P. O'Brien")."""
    out: list[_Spelled] = []
    tails = {surname, *(p for p in surname.split("-") if len(letters(p)) >= 2)}
    for size in range(1, min(len(first), 4) + 1):
        for chosen in combinations(first, size):
            # A role's capitals ("GP O'Brien") are initials only with their stops, as "A", "I" and "O" are.
            role = "".join(chosen).casefold() in ROLE_CAPITALS
            head = [(f"(?-i:{re.escape(c)}){_AFTER_WORD_INITIAL if role or c in 'AIO' else _AFTER_INITIAL}", False)
                    for c in chosen]
            out += [(head + _units(tail, capitals=True), letters("".join(chosen) + tail), _BESIDE) for tail in tails]
            # Run together in lower case, as in user names and e-mail addresses ("jsmith", "emmarsh"):
            # not for an everyday surname, nor where initials and surname make a word ("c" + "ash").
            for tail in tails:
                key = letters("".join(chosen) + tail)
                if len(letters(tail)) >= 3 and not is_everyday(tail) and key not in EVERYDAY_WORDS:
                    out.append(([(re.escape(c.casefold()), True) for c in chosen] + _units(tail), key, _BESIDE))
    return out


def _initial_sets(first: list[str], surname: str) -> set[str]:
    """Initials that stand for the name on their own when written with full stops: the forenames'
    ("E.M." for Ellie-Mae), all ("E.M.M."), first and last ("E.M." for Ellie Marsh)."""
    if not first or not surname[:1].isalpha():
        return set()
    last = surname[0].upper()
    return {s for s in ("".join(first), "".join(first) + last, first[0] + last) if len(s) >= 2}


def _words(name: str) -> list[str]:
    """The words of a folded name, without brackets, commas and stray punctuation at their ends."""
    return [w for w in (w.strip(".'-") for w in re.split(r"[\s,;:/()\[\]\"]+", name)) if w]


def _parts(word: str, outer: bool) -> set[str]:
    """A word of a name and the pieces it is also known by: "Ellie-Mae" → Ellie-Mae, Ellie, Mae;
    "O'Brien" → O'Brien, Brien. Particles only where they start or end the name (``outer``)."""
    pieces = re.split(r"-", word)
    out = {word, *pieces, *(p.split("'", 1)[1] for p in pieces if "'" in p and len(p.split("'", 1)[1]) >= 3)}
    out = {p.strip("'-") for p in out}
    # "al" in "al-Sayed" and "van" in "Lotte van der Berg" are particles; "Do" in "Anh Do" is the surname.
    particle = {p for p in out if p.casefold() in PARTICLES and (not outer or (p != word and p == pieces[0]))}
    return {p for p in out - particle if len(letters(p)) >= 2}


def _units(spelling: str, capitals: bool = False) -> list[tuple[str, bool]]:
    """A folded spelling as pattern pieces: (regex, is a letter or digit). With ``capitals``, each
    everyday word in it ("Day" in "K. Day", both in "Will Young") must start with a capital."""
    out: list[tuple[str, bool]] = []
    for i, ch in enumerate(spelling):
        if ch in " -'" and out and out[-1][0] in _JOINERS:
            out[-1] = (_BETWEEN_WORDS, False)  # "Ellie--Mae", "O' Brien": one run, never two side by side
        elif ch in " -":
            out.append((_BETWEEN_WORDS, False))
        elif ch == "'":
            out.append((_AT_APOSTROPHE, False))
        elif capitals and ch.isalpha() and (i == 0 or spelling[i - 1] in " -") and is_everyday(re.split(r"[ -]", spelling[i:])[0]):
            out.append((f"(?-i:{re.escape(ch.upper())})", True))
        else:
            out.append((re.escape(ch.casefold()), ch.isalnum()))
    return out


class _Tree:
    """A prefix tree of spellings (as pattern pieces), written out as one regular expression."""

    def __init__(self):
        self.children: dict[tuple[str, bool], _Tree] = {}
        self.end = False

    def add(self, units: list[tuple[str, bool]]) -> None:
        node = self
        for unit in units:
            node = node.children.setdefault(unit, _Tree())
        node.end = True

    def pattern(self, after_letter: bool = False) -> str:
        alternatives = []
        for (piece, letter), child in sorted(self.children.items()):
            gap = r"\x00?" if after_letter and letter else ""
            rest = child.pattern(letter) if child.children else ""
            if rest:
                # Longest first: the optional rest is tried before stopping here.
                rest = f"(?:{rest})?" if child.end else rest
            alternatives.append(gap + piece + rest)
        if len(alternatives) == 1:
            return alternatives[0]
        return f"(?:{'|'.join(alternatives)})" if alternatives else ""
