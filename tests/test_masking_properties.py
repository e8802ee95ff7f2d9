"""Masking holds for names and dates hypothesis makes up, spelled the ways people write them.

The generators here are written independently of the masker: names are built from made-up
syllables and real names (hyphens, apostrophes, accents), and spelled by this file's own code
(plural, possessive, initials, surname first, run together, any case, in sentences and file names);
dates are formatted by this file's own code in every spelling the README promises. The only thing
taken from maa is the rule itself: a made-up name part that happens to be an everyday word is
skipped, since the rule for those is different (and tested below on its own).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from maa_cli.privacy.everyday import is_everyday
from maa_cli.privacy.masking import DATE_MARK, MARK, Masker

EXAMPLES = 300
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- names and how they are spelled ----------------------------------------------------------------

SYLLABLES = ["quig", "zeb", "vrek", "oxl", "brum", "kaz", "dril", "yarp", "fenw", "trab", "wix", "plon", "snud",
             "graf", "jov", "kreb", "lom", "prud", "skel", "tov", "urk", "vass", "wob", "zim", "hask", "mirl"]
FORENAMES = ["Ellie-Mae", "Zo\u00eb", "Si\u00e2n", "Aoife", "\u0141ukasz", "Jos\u00e9", "Chlo\u00e9", "Bj\u00f6rn",
             "Ay\u015fe", "Oluwaseun", "Mohammed", "Anna-Louise", "Jean-Luc", "Kacper", "Chidi"]
SURNAMES = ["O'Brien", "D'Souza", "Featherstonehaugh", "Quigglesworth", "McDonald", "Adeyemi", "Nowak", "Kowalczyk",
            "Nguyen", "Llewellyn-Jones", "N'Diaye", "Zieli\u0144ska", "\u00d8stergaard", "\u00c7elik", "MacLeod"]
ACCENTS = {"a": "\u00e1", "e": "\u00e9", "i": "\u00ef", "o": "\u00f6", "u": "\u00fc", "n": "\u00f1", "c": "\u00e7"}
# Letters that NFKD leaves alone but a keyboard without them replaces.
SPECIAL = {"\u0142": "l", "\u0141": "L", "\u00f8": "o", "\u00d8": "O", "\u00df": "ss", "\u00e6": "ae", "\u00c6": "AE",
           "\u0153": "oe", "\u0152": "OE", "\u00f0": "d", "\u00d0": "D", "\u00fe": "th", "\u00de": "Th", "\u0111": "d",
           "\u0110": "D", "\u0131": "i"}


def plain(text: str) -> str:
    """Accents dropped, as a keyboard without them would type the name."""
    text = "".join(SPECIAL.get(c, c) for c in text)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def letters(text: str) -> str:
    return "".join(c for c in plain(text).casefold() if c.isalnum())


@st.composite
def made_up_word(draw) -> str:
    word = "".join(draw(st.lists(st.sampled_from(SYLLABLES), min_size=2, max_size=3)))
    if draw(st.booleans()):  # an accent or two, as some names have
        word = "".join(ACCENTS.get(c, c) if draw(st.integers(0, 5)) == 0 else c for c in word)
    return word.capitalize()


@st.composite
def forename(draw) -> str:
    if draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(FORENAMES))
    word = draw(made_up_word())
    return f"{word}-{draw(made_up_word())}" if draw(st.integers(0, 4)) == 0 else word


@st.composite
def surname(draw) -> str:
    if draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(SURNAMES))
    word = draw(made_up_word())
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return f"O'{word}"
    if kind == 1:
        return f"{word}-{draw(made_up_word())}"
    return word


@st.composite
def child(draw) -> tuple[list[str], str]:
    """(forenames, surname) of a child whose name parts are not everyday words."""
    names = draw(st.lists(forename(), min_size=1, max_size=2)), draw(surname())
    assume(not any(is_everyday(p) for n in [*names[0], names[1]] for p in re.split(r"[-' ]", plain(n)) if p))
    return names


def pieces(forenames: list[str], last: str) -> list[str]:
    """Every part the README says is masked on its own: each name, each side of a hyphen, and after an apostrophe."""
    out = []
    for name in [*forenames, last]:
        out.append(name)
        out += name.split("-")
        out += [p.split("'", 1)[1] for p in name.split("-") if "'" in p]
    return [p for p in out if len(letters(p)) >= 3]


def plural(word: str) -> str:
    return word + ("es" if word.lower().endswith(("s", "x", "z", "ch", "sh")) else "s")


@st.composite
def spelling(draw, forenames: list[str], last: str) -> str:
    """One way of writing the child's name, as a person or their software might."""
    joiner = draw(st.sampled_from(["-", " ", ""]))  # Ellie-Mae, Ellie Mae, EllieMae
    given = [f.replace("-", joiner) for f in forenames]
    initials = [p[0] for f in forenames for p in f.split("-")]
    form = draw(st.sampled_from(["full", "first last", "surname first", "POLICE", "initials", "part", "run together"]))
    if form == "full":
        text = " ".join([*given, last])
    elif form == "first last":
        text = f"{given[0]} {last}"
    elif form == "surname first":
        text = f"{last}, {' '.join(given)}"
    elif form == "POLICE":
        text = f"{last.upper()} {given[0]}"
    elif form == "initials":
        chosen = initials if draw(st.booleans()) else initials[:1]
        style = draw(st.sampled_from(["{}. ", "{} ", "{}.", "{}"]))
        text = "".join(style.format(i) for i in chosen).rstrip() + draw(st.sampled_from([" ", ""])) + last
        if draw(st.integers(0, 3)) == 0:  # a user name: "emarsh", "EMMARSH"
            text = "".join(chosen) + last
            text = text.lower() if draw(st.booleans()) else text.upper()
    elif form == "part":
        text = draw(st.sampled_from(pieces(forenames, last)))
    else:
        words = [*(p for f in forenames for p in f.split("-")), *last.split("-")]
        text = "".join(w[0].upper() + w[1:] for w in words) if draw(st.booleans()) else "".join(words).lower()
    if draw(st.booleans()):
        text = plain(text)
    case = draw(st.sampled_from(["as typed", "lower", "upper", "title"]))
    if form != "initials":  # initials keep their capitals; the name after them takes the case
        text = {"as typed": text, "lower": text.lower(), "upper": text.upper(), "title": text.lower().title()}[case]
    if form in ("full", "first last", "initials", "part", "run together"):
        ending = draw(st.sampled_from(["", "plural", "'s", "s'", "s's", "\u2019s", "s\u2019"]))
        if ending == "plural":
            text = plural(text) if case != "upper" else plural(text).upper()
        elif ending:
            text += ending.upper() if case == "upper" else ending
    return text


CONTEXTS = [("Seen by ", " at home."), ("", " said no to the visit."), ("\u201c", "\u201d"), ("Mum (", ") was there.")]
PATHS = [("returns/", ".docx"), ("police ", " 2019_v2.xlsx"), ("", "_notes.docx")]


def _middle(masked: str, before: str, after: str) -> str:
    assert masked.startswith(before) and masked.endswith(after), masked
    return masked[len(before):len(masked) - len(after)]


class TestNamesProperties:
    @SETTINGS
    @given(st.data())
    def test_no_spelling_of_a_known_name_leaves_its_letters_in_a_sentence(self, data):
        """However the name is spelled in a sentence, none of its parts' letters survive; the sentence around it does."""
        forenames, last = data.draw(child())
        typed = data.draw(spelling(forenames, last))
        before, after = data.draw(st.sampled_from(CONTEXTS))
        masked = Masker.for_names([" ".join([*forenames, last])]).text(before + typed + after)
        left = letters(_middle(masked, before, after).replace(MARK, " "))
        assert not [p for p in pieces(forenames, last) if letters(p) in left], (typed, masked)

    @SETTINGS
    @given(st.data())
    def test_no_spelling_of_a_known_name_leaves_its_letters_in_a_file_name(self, data):
        """The same in file names, where the name may sit against digits, underscores and folders."""
        forenames, last = data.draw(child())
        typed = data.draw(spelling(forenames, last))
        before, after = data.draw(st.sampled_from(PATHS))
        masked = Masker.for_names([" ".join([*forenames, last])]).path(before + typed + after)
        left = letters(_middle(masked, before, after).replace(MARK, " "))
        assert not [p for p in pieces(forenames, last) if letters(p) in left], (typed, masked)

    @SETTINGS
    @given(child(), st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Nd"]), max_size=200))
    def test_text_without_a_known_name_is_left_exactly_as_it_was(self, names, text):
        """Text in which no known name's letters appear (and no initials with stops) comes back unchanged."""
        forenames, last = names
        assume(not any(letters(p) in letters(text) for p in pieces(forenames, last)))
        assume(not re.search(r"[A-Z]\.\s?[A-Z]", plain(text)))
        assert Masker.for_names([" ".join([*forenames, last])]).text(text) == text

    @SETTINGS
    @given(child(), st.lists(st.sampled_from(["visit", "the", "was", "seen", "at", "school", "mum", "said", "no",
                                               "plan", "review", "and", "with", "health", "worker", "on", "time", "GP",
                                               "Police", "referral", "(case B)", "-", ";", "15", "\u2013", "Mr", "Ms"]),
                             min_size=1, max_size=12), st.data())
    def test_only_the_name_changes_in_ordinary_text(self, names, words, data):
        """Ordinary words with the child's first name, surname or whole name between them: each name is one marker, every word kept."""
        forenames, last = names
        person = " ".join([*forenames, last])
        chosen = data.draw(st.lists(st.sampled_from([forenames[0], last, person, person.upper()]), min_size=len(words),
                                    max_size=len(words)))
        typed = " ".join(f"{w} {n}" for w, n in zip(words, chosen, strict=True))
        expected = " ".join(f"{w} {MARK}" for w in words)
        assert Masker.for_names([person]).text(typed) == expected


# -- names that are everyday words -----------------------------------------------------------------

EVERYDAY_NAMES = ["Day", "Child", "Will", "Hope", "Young", "Brown", "Wood", "Field", "Stone", "May", "Rose", "Summer",
                  "Bell", "King", "Price", "Page", "Hall", "Green", "Long", "White", "Faith", "Joy", "Bright"]


class TestEverydayNameProperties:
    @SETTINGS
    @given(made_up_word(), st.sampled_from(EVERYDAY_NAMES), st.booleans(), st.sampled_from(["", "s", "'s", "s'"]),
           st.sampled_from(["title", "upper"]))
    def test_a_name_word_with_a_capital_is_masked(self, first, word, word_is_surname, ending, case):
        """'Day', 'DAY', "Day's" and 'the Days' are masked for a child whose name holds that word."""
        name = f"{first} {word}" if word_is_surname else f"{word} {first}"
        typed = (word if case == "title" else word.upper()) + (ending.upper() if case == "upper" else ending)
        masked = Masker.for_names([name]).text(f"Seen by {typed} at home.")
        assert letters(word) not in letters(masked.replace(MARK, " ").replace("Seen by", "").replace("at home", ""))

    @SETTINGS
    @given(made_up_word(), st.sampled_from(EVERYDAY_NAMES), st.booleans(), st.sampled_from(["lower", "title", "upper"]))
    def test_a_name_word_beside_the_rest_of_the_name_is_masked_in_any_case(self, first, word, word_is_surname, case):
        """'kai day', 'Kai Day' and 'KAI DAY' are one marker."""
        name = f"{first} {word}" if word_is_surname else f"{word} {first}"
        typed = {"lower": name.lower(), "title": name.title(), "upper": name.upper()}[case]
        assert Masker.for_names([name]).text(f"Seen by {typed} at home.") == f"Seen by {MARK} at home."

    @SETTINGS
    @given(made_up_word(), st.sampled_from(EVERYDAY_NAMES), st.booleans(), st.sampled_from(["", "s", "'s"]))
    def test_the_word_in_lower_case_is_left_alone(self, first, word, word_is_surname, ending):
        """'the same day', 'the child's', 'we hope': the word in lower case is ordinary text."""
        name = f"{first} {word}" if word_is_surname else f"{word} {first}"
        text = f"we saw the {word.lower()}{ending} at home."
        assert Masker.for_names([name]).text(text) == text


# -- dates of birth --------------------------------------------------------------------------------

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def month_name(d: dt.date, style: str) -> str:
    full = MONTHS[d.month - 1]
    short = "Sept" if d.month == 9 and style == "sept" else full[:3]
    name = full if style == "full" else short
    return {"full": name, "short": name, "sept": name, "upper": short.upper(), "lower": full.lower()}[style]


# Every spelling the README promises, each as the day, month and year are typed (with or without a leading 0).
FORMATS = {
    "dd/mm/yyyy": lambda d, z, m: f"{d.day:{z}}/{d.month:{z}}/{d.year}",
    "dd.mm.yyyy": lambda d, z, m: f"{d.day:{z}}.{d.month:{z}}.{d.year}",
    "dd-mm-yy": lambda d, z, m: f"{d.day:{z}}-{d.month:{z}}-{d.year % 100:02d}",
    "dd/mm/yy": lambda d, z, m: f"{d.day:{z}}/{d.month:{z}}/{d.year % 100:02d}",
    "yyyy/mm/dd": lambda d, z, m: f"{d.year}/{d.month:{z}}/{d.day:{z}}",
    "yyyy-mm-dd": lambda d, z, m: f"{d.year}-{d.month:{z}}-{d.day:{z}}",
    "yyyy.mm.dd": lambda d, z, m: f"{d.year}.{d.month:{z}}.{d.day:{z}}",
    "d Mon yyyy": lambda d, z, m: f"{d.day:{z}} {month_name(d, m)} {d.year}",
    "dth Month yyyy": lambda d, z, m: f"{ordinal(d.day)} {month_name(d, m)} {d.year}",
    "Month d, yyyy": lambda d, z, m: f"{month_name(d, m)} {d.day:{z}}, {d.year}",
    "d Mon yy": lambda d, z, m: f"{d.day:{z}} {month_name(d, m)} {d.year % 100:02d}",
    "d-Mon-yyyy": lambda d, z, m: f"{d.day:{z}}-{month_name(d, m)}-{d.year}",
    "dth Mon 'yy": lambda d, z, m: f"{ordinal(d.day)} {month_name(d, m)} '{d.year % 100:02d}",
    "Mon dth yyyy": lambda d, z, m: f"{month_name(d, m)} {ordinal(d.day)} {d.year}",
    "dth of Month yyyy": lambda d, z, m: f"{ordinal(d.day)} of {month_name(d, m)} {d.year}",
}
dates = st.dates(dt.date(1995, 1, 1), dt.date(2030, 12, 31))
spelled = st.tuples(st.sampled_from(sorted(FORMATS)), st.sampled_from(["02d", "d"]),
                    st.sampled_from(["full", "short", "sept", "upper", "lower"]))


def spell(day: dt.date, how: tuple[str, str, str]) -> str:
    name, zero, month = how
    return FORMATS[name](day, zero, month)


class TestDateProperties:
    @SETTINGS
    @given(dates, spelled, st.sampled_from(CONTEXTS + PATHS))
    def test_a_date_of_birth_is_masked_in_every_spelling(self, born, how, context):
        """Any date of birth, in any promised spelling, in a sentence or a file name, becomes one marker."""
        before, after = context
        masked = Masker.for_names([], [born]).text(before + spell(born, how) + after)
        assert masked == before + DATE_MARK + after

    @SETTINGS
    @given(dates, dates, spelled)
    def test_another_date_is_not_masked(self, born, other, how):
        """A date that is not the date of birth (in day, month and two-digit year) is left as written."""
        assume((other.day, other.month, other.year % 100) != (born.day, born.month, born.year % 100))
        text = f"Seen on {spell(other, how)}."
        assert Masker.for_names([], [born]).text(text) == text

    @SETTINGS
    @given(dates, spelled, st.sampled_from([("1", ""), ("3/", ""), ("", "0"), ("", "/3"), ("", "-7")]))
    def test_a_date_inside_a_longer_number_is_not_masked(self, born, how, digits):
        """'1' or '3/' before, '0', '/3' or '-7' after: a date of birth in figures inside a longer number stays."""
        typed = spell(born, how)
        assume(re.fullmatch(r"[\d/.\-]+", typed))
        before, after = digits
        text = f"ref {before}{typed}{after} end"
        assert Masker.for_names([], [born]).text(text) == text
