"""Names and dates of birth are masked however people and their software spell them, in text and file names."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys

import pytest

from maa_cli.definitions.audit import FormType
from maa_cli.forms.plan import issue_forms
from maa_cli.privacy.masking import DATE_MARK, MARK, Masker
from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace
from tests.conftest import AGENCIES_CSV, CASES_CSV, TODAY, build_files
from tests.test_collect_stories import DEADLINE, HOUR, aged, form, maca_answers, return_excel, return_word

ZOE_DOB = dt.date(2024, 8, 1)
ELLIE_DOB = dt.date(2019, 2, 14)
LEAKS = ["ellie", "marsh", "zoe", "zo\u00eb", "brien", "1.8.24", "140219", "14-02-2019", "14.02.2019", "2019-02-14",
         "14/02/2019", "2024-08-01", "01/08/2024"]


@pytest.fixture(scope="module")
def masker() -> Masker:
    return Masker.for_names(["Zo\u00eb O'Brien", "Ellie-Mae Marsh"], [ZOE_DOB, ELLIE_DOB])


class TestSpellings:
    @pytest.mark.parametrize("typed", ["Zoe", "ZOE", "zo\u00eb", "OBrien", "O\u2019Brien", "O Brien", "o'brien",
                                       "Zoe OBrien", "Zo\u00eb O\u2019Brien", "ZOE O'BRIEN"])
    def test_a_name_typed_without_its_accent_or_apostrophe_is_masked(self, masker, typed):
        """'Zo\u00eb O'Brien' typed as Zoe, OBrien or with Word's curly apostrophe (O\u2019Brien) is masked."""
        assert masker.text(f"Seen by {typed} today") == f"Seen by {MARK} today"

    @pytest.mark.parametrize(("name", "shown"), [
        ("EllieMaeMarsh.docx", f"{MARK}.docx"),
        ("ellie2019.docx", f"{MARK}2019.docx"),
        ("Zoe OBrien dob 1.8.24.docx", f"{MARK} dob {DATE_MARK}.docx"),
        ("Ellie-Mae 140219.docx", f"{MARK} {DATE_MARK}.docx"),
        ("police/14-02-2019.docx", f"police/{DATE_MARK}.docx"),
        ("dob 14.02.2019.docx", f"dob {DATE_MARK}.docx"),
        ("ellie_mae_marsh_010824.xlsx", f"{MARK}_{DATE_MARK}.xlsx"),
    ])
    def test_names_and_dates_run_together_in_file_names_are_masked(self, masker, name, shown):
        """Names run together or beside digits, and dates of birth after a folder or in ddmmyy, are masked in paths."""
        assert masker.path(name) == shown

    def test_the_rest_of_the_text_is_kept_exactly_as_written(self, masker):
        """Only the name and the date change: curly quotes, dashes and accents elsewhere stay as typed."""
        text = "Caf\u00e9 visit \u2013 Zo\u00eb\u2019s mum said \u201cfine\u201d on 1/8/24; r\u00e9sum\u00e9 filed"
        assert masker.text(text) == (f"Caf\u00e9 visit \u2013 {MARK}\u2019s mum said \u201cfine\u201d on {DATE_MARK}; "
                                     "r\u00e9sum\u00e9 filed")

    def test_everyday_words_in_a_name_are_still_masked_only_with_a_capital(self):
        """A child called Rose-May Will: 'the rose may wilt, we will see' survives; 'Rose-May' and 'RoseMay' do not."""
        m = Masker.for_names(["Rose-May Will"])
        assert m.text("the rose may wilt, we will see") == "the rose may wilt, we will see"
        assert m.text("Rose-May came; RoseMay.docx; WILL") == f"{MARK} came; {MARK}.docx; {MARK}"

    def test_other_dates_and_longer_numbers_are_not_masked(self, masker):
        """14/02/2020, 1140219 and 3/14/02/2019 are not the date of birth."""
        assert masker.text("14/02/2020, 1140219, 3/14/02/2019") == "14/02/2020, 1140219, 3/14/02/2019"


# -- the same in everything collect and status put out ---------------------------------------------


@pytest.fixture(scope="module")
def named_audit(tmp_path_factory):
    """A case audit whose children are Ellie-Mae Marsh (case A, born 14/02/2019) and Zo\u00eb O'Brien (case B, born 1/8/2024)."""
    base = tmp_path_factory.mktemp("names")
    cases = CASES_CSV.replace("Ellie Marsh", "Ellie-Mae Marsh").replace("Jayden Cole", "Zo\u00eb O'Brien")
    inputs = build_files(base / "inputs", {"agencies.csv": AGENCIES_CSV, "cases.csv": cases})
    new_audit(base / "audit", NewAudit(return_to="audits@northshire-scp.example",
        title="MACA: neglect", partnership="Northshire SCP", type="case_audit", deadline=DEADLINE, today=TODAY,
        agencies_csv=inputs["agencies.csv"], cases_csv=inputs["cases.csv"],
        form_types=[FormType(name="case-tool", tool="multi-agency-case-audit", per="agency_case", format="docx")]))
    ws = open_workspace(base / "audit")
    issue_forms(ws)
    issue_forms(ws, fmt="xlsx")
    answers = maca_answers(ws.tools["case-tool"])
    return_word(ws, form(ws, "case-tool", "Police", "A", "docx"), "EllieMaeMarsh.docx", answers)
    return_word(ws, form(ws, "case-tool", "Children's Social Care", "A", "docx"), "ellie2019.docx", answers)
    return_word(ws, form(ws, "case-tool", "Children's Social Care", "B", "docx"), "Zoe OBrien dob 1.8.24.docx", answers)
    return_word(ws, form(ws, "case-tool", "Police", "C", "docx"), "police/14-02-2019.docx", answers)
    return_excel(ws, form(ws, "case-tool", "Health Visiting", "B"), "O\u2019Brien HV.xlsx", dict(answers, assessment=""))
    for name in ("Ellie-Mae 140219.docx", "dob 14.02.2019.docx"):
        aged(build_files(ws.returns_dir, {name: b"not a form at all"})[name], HOUR)
    return ws


def _maa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "maa_cli", *args], capture_output=True, text=True, timeout=120)


def _leaks(text: str) -> list[str]:
    # Form references are random base32 ('MAA-ZOE7-…' once made this test fail): they are not names.
    folded = re.sub(r"MAA-[A-Z2-7]{4}-[A-Z2-7]{4}", "MAA-XXXX-XXXX", text).casefold()
    return [leak for leak in LEAKS if leak in folded]


def test_names_and_dates_in_file_names_never_reach_json_the_run_log_or_the_state(named_audit):
    """collect --json, status --json, the run log, files.json and the records show every file masked."""
    ws = named_audit
    collected = _maa("collect", str(ws.root), "--json")
    status = _maa("status", str(ws.root), "--json")
    files = json.loads(collected.stdout)["files"]
    assert len(files) == 7 and {f["status"] for f in files} == {"accepted", "incomplete", "rejected"}, collected.stderr
    assert "[name].docx" in {f["path"] for f in files}
    outputs = {
        "collect --json": json.dumps(json.loads(collected.stdout), ensure_ascii=False),
        "status --json": json.dumps(json.loads(status.stdout), ensure_ascii=False),
        "runlog.jsonl": "\n".join(json.dumps(json.loads(line), ensure_ascii=False)
                                  for line in (ws.state_dir / "runlog.jsonl").read_text(encoding="utf-8").splitlines()),
        "files.json": (ws.state_dir / "files.json").read_text(encoding="utf-8"),
        "records": "".join(p.read_text(encoding="utf-8") for p in sorted((ws.restricted_dir / "records").glob("*.json"))),
    }
    for where, text in outputs.items():
        assert not _leaks(text), f"{where} shows {_leaks(text)}"


# -- plurals, possessives, initials and name order -------------------------------------------------


class TestPluralsAndPossessives:
    @pytest.mark.parametrize(("typed", "shown"), [
        ("the Quigglesworths came", f"the {MARK} came"),
        ("Featherstonehaughs' neighbour", f"{MARK}' neighbour"),
        ("Featherstonehaughs neighbour", f"{MARK} neighbour"),
        ("Smiths", MARK),
        ("Smith's", f"{MARK}'s"),
        ("Smiths'", f"{MARK}'"),
        ("Smiths's", f"{MARK}'s"),
        ("Smiths\u2019 car", f"{MARK}\u2019 car"),
        ("SMITHS", MARK),
        ("smiths", MARK),
        ("the Joneses", f"the {MARK}"),
    ])
    def test_a_surname_written_as_a_plural_or_possessive_is_masked(self, typed, shown):
        """A surname as a plural or possessive, with or without apostrophes, any case, is masked; the apostrophe stays."""
        m = Masker.for_names(["Amy Quigglesworth", "Tom Featherstonehaugh", "Jo Smith", "Ali Jones"])
        assert m.text(typed) == shown

    def test_a_plural_ending_is_not_read_after_a_two_letter_name(self):
        """A child called Ha Do: 'has' and 'does' are words, not 'Ha' or 'Do' with a plural ending."""
        m = Masker.for_names(["Ha Do"])
        assert m.text("She has a cot and does well.") == "She has a cot and does well."


class TestInitials:
    @pytest.mark.parametrize("typed", ["E. Marsh", "E Marsh", "E.M. Marsh", "EM Marsh", "E. M. Marsh", "M. Marsh",
                                       "E.M.Marsh"])
    def test_initials_before_the_surname_are_masked_with_it(self, masker, typed):
        """'E. Marsh', 'E.M. Marsh' and 'EM Marsh' for Ellie-Mae Marsh become one marker, initials included."""
        assert masker.text(f"Seen by {typed} today") == f"Seen by {MARK} today"

    def test_initials_run_together_with_the_surname_are_masked(self):
        """User names and file names such as 'emarsh@school.org', 'EMMARSH.docx' and 'AFEATHERSTONEHAUGH.pdf' are masked."""
        m = Masker.for_names(["Ellie-Mae Marsh", "Ay\u015fe Featherstonehaugh"])
        assert m.path("emarsh@school.org; EMMARSH.docx; AFEATHERSTONEHAUGH.pdf") == f"{MARK}@school.org; {MARK}.docx; {MARK}.pdf"

    def test_initials_alone_are_masked_only_with_full_stops(self, masker):
        """'E.M.' and 'E. M.' alone are masked; bare 'EM' is left, like GP or HV, as an abbreviation."""
        assert masker.text("E.M. was seen; E. M. too; EM and the GP") == f"{MARK} was seen; {MARK} too; EM and the GP"

    def test_a_one_letter_word_is_an_initial_only_with_its_full_stop(self):
        """A child called Amy Day: 'A day later' stays; 'A. Day' is masked."""
        m = Masker.for_names(["Amy Day"])
        assert m.text("A day later A. Day was seen") == f"A day later {MARK} was seen"


    @pytest.mark.parametrize("name", ["Grace-Poppy O'Brien", "Quinn-Gwen Quinn-Piper O'Brien", "Pia Carys O'Brien"])
    def test_initials_that_spell_a_role_keep_the_role_before_the_surname(self, name):
        """A child whose initials spell GP or PC: 'the GP O'Brien' keeps the role; 'G.P. O'Brien' is the child."""
        m = Masker.for_names([name])
        role = "GP" if "G" in name.split()[0] else "PC"
        dotted = ".".join(role) + "."
        assert m.text(f"Seen by {role} O'Brien; {dotted} O'Brien was there") == f"Seen by {role} {MARK}; {MARK} was there"


class TestNameOrder:
    @pytest.mark.parametrize("typed", ["Marsh, Ellie-Mae", "MARSH Ellie", "Marsh, Ellie", "marsh ellie mae"])
    def test_a_name_written_surname_first_is_one_marker(self, masker, typed):
        """Police style 'MARSH Ellie' and 'Marsh, Ellie-Mae' are masked as one name."""
        assert masker.text(f"Subject: {typed}.") == f"Subject: {MARK}."

    def test_an_everyday_word_after_a_surname_needs_its_capital_to_be_the_first_name(self):
        """A child called Will Smith: 'Smith will attend' keeps 'will'; 'Smith, Will' is one name."""
        m = Masker.for_names(["Will Smith"])
        assert m.text("Mr Smith will attend. Smith, Will (case C).") == f"Mr {MARK} will attend. {MARK} (case C)."


# -- dates of birth --------------------------------------------------------------------------------

BORN = dt.date(2015, 2, 14)


class TestDateSpellings:
    @pytest.mark.parametrize("typed", [
        "14/02/2015", "14.02.2015", "14-2-15", "2015/02/14", "2015-02-14", "2015.02.14", "14 Feb 2015",
        "14th February 2015", "February 14, 2015", "14 Feb 15", "14-Feb-2015", "14th Feb '15", "14th Feb \u201915",
        "Feb 14th 2015", "14/2/2015", "2015/2/14", "2015-2-14", "14 FEB 2015", "14 february 2015", "14th of February, 2015",
        "Feb. 14, 2015", "14Feb15", "02/14/2015", "14 / 02 / 2015", "14 02 15", "14th day of February 2015", "February the 14th, 2015",
    ])
    def test_a_date_of_birth_is_masked_in_every_common_uk_and_iso_spelling(self, typed):
        """The date of birth is masked in figures day or year first, with its month's name in any case, with a two-digit or apostrophe year."""
        m = Masker.for_names([], [BORN])
        assert m.text(f"Born {typed}; seen") == f"Born {DATE_MARK}; seen"

    @pytest.mark.parametrize("typed", ["3 Sept 2019", "3rd Sept. 2019", "Sept 3rd 2019", "3/9/19", "2019/9/3"])
    def test_september_is_masked_as_sept_and_with_single_digits(self, typed):
        """Sept, and a single-digit day and month, are masked for a child born on 3 September 2019."""
        m = Masker.for_names([], [dt.date(2019, 9, 3)])
        assert m.text(typed) == DATE_MARK

    def test_a_month_and_year_alone_are_not_a_date_of_birth(self):
        """For a child born on 20 February 2015, 'February 2015' is a month, not the 20th."""
        m = Masker.for_names([], [dt.date(2015, 2, 20)])
        assert m.text("Moved in February 2015.") == "Moved in February 2015."

    def test_a_date_of_birth_right_after_another_date_is_still_found(self):
        """'3 Feb 14 Feb 2015' is read as two dates: the second is the date of birth."""
        m = Masker.for_names([], [BORN])
        assert m.text("seen 3 Feb 14 Feb 2015") == f"seen 3 Feb {DATE_MARK}"


# -- names that are everyday words -----------------------------------------------------------------


@pytest.fixture(scope="module")
def everyday() -> Masker:
    """A masker for Kai Day, Ellis Child and Hope Summers: names that are also everyday words."""
    return Masker.for_names(["Kai Day", "Ellis Child", "Hope Summers"])


class TestEverydayWordNames:
    def test_the_words_in_lower_case_are_left_alone(self, everyday):
        """'The child was seen the same day' survives for children called Kai Day and Ellis Child."""
        text = "The child was seen the same day; we hope the days and summers get easier."
        assert everyday.text(text) == text

    @pytest.mark.parametrize(("typed", "shown"), [
        ("Kai Day's mum", f"{MARK}'s mum"),
        ("kai day", MARK),
        ("Day, Kai", MARK),
        ("K. Day", MARK),
        ("Ellis Child", MARK),
        ("ellis child", MARK),
        ("Day's mum", f"{MARK}'s mum"),
        ("the Days moved", f"the {MARK} moved"),
        ("Hope said", f"{MARK} said"),
        ("DAY", MARK),
    ])
    def test_they_are_masked_where_they_stand_as_a_name(self, everyday, typed, shown):
        """Beside another part of the name in any case, or alone with a capital (also starting a sentence), the name is masked."""
        assert everyday.text(typed) == shown

    @pytest.mark.parametrize("text", ["Ellis is on a Child Protection Plan.", "Kai went to the Day Nursery.",
                                      "Seen on Christmas Day.", "Day 3 of the placement.", "A Child in Need plan.",
                                      "Day-to-day care was good."])
    def test_a_capitalised_name_word_in_a_service_or_calendar_phrase_is_the_word(self, everyday, text):
        """'Child Protection Plan', 'Day Nursery', 'Christmas Day' and 'Day 3' keep their words."""
        assert everyday.text(text) == text.replace("Ellis", MARK).replace("Kai", MARK)

    def test_in_a_file_name_a_name_word_is_masked_in_any_case(self, everyday):
        """File names are often typed in lower case: 'returns/hope.docx' and 'child police.docx' are masked in paths."""
        assert everyday.path("returns/hope.docx; child police.docx") == f"returns/{MARK}.docx; {MARK} police.docx"

    def test_a_popular_first_name_that_is_a_rare_word_is_masked_in_lower_case(self):
        """Grace, Jack and Poppy are far more often a child than a word: 'spoke to grace' is masked."""
        m = Masker.for_names(["Grace Poppy Jack"])
        assert m.text("spoke to grace; jack; poppy") == f"spoke to {MARK}; {MARK}; {MARK}"

    def test_a_particle_of_a_surname_is_not_masked_on_its_own(self):
        """For Lotte van der Berg, 'the van' keeps its word; the whole name is one marker."""
        m = Masker.for_names(["Lotte van der Berg"])
        assert m.text("Lotte van der Berg got in the van.") == f"{MARK} got in the van."


class TestReview:
    def test_the_officer_is_shown_which_masks_were_everyday_words(self, everyday):
        """review() lists 'Day' masked alone, and 'Child' left in 'Child Protection Plan', but not 'Kai Day'."""
        checks = everyday.review("Kai Day came. Day's mum is on a Child Protection Plan.")
        assert [(c.word, c.masked) for c in checks] == [("Day", True), ("Child", False)]

    def test_initials_and_two_letter_names_are_shown_for_checking(self):
        """'E.M.' alone and 'Jo' are masked and listed; 'E. Marsh' beside its surname is not listed."""
        m = Masker.for_names(["Ellie-Mae Marsh", "Jo Kowalczyk"])
        checks = m.review("E.M. and Jo saw E. Marsh.")
        assert [(c.word, c.masked) for c in checks] == [("E.M.", True), ("Jo", True)]

    def test_the_context_shown_masks_every_other_name_and_date(self, everyday):
        """The checked word is shown between « » and every other name and date of birth around it is masked."""
        m = Masker.for_names(["Kai Day", "Zo\u00eb O'Brien"], [BORN])
        text = "Zo\u00eb and Day (born 14/02/2015) were seen."
        [check] = m.review(text)
        assert m.context(text, check) == f"{MARK} and \u00abDay\u00bb (born {DATE_MARK}) were seen."
