"""Choosing cases: eligibility, a reproducible random draw, stratified draws and replacements."""

from __future__ import annotations

import datetime as dt
import hashlib
import random

import pytest

from maa_cli.errors import ErrorCode, InputFileError
from maa_cli.setup.rosters import CaseRow
from maa_cli.setup.sampling import (
    ALL_CASES,
    NOT_GIVEN,
    check_eligibility,
    draw_sample,
    eligibility_rules,
    replace,
    replay,
    sha256_file,
)

TODAY = dt.date(2025, 3, 15)


def case(ref: str, dob: dt.date = dt.date(2015, 6, 1), last: dt.date | None = dt.date(2025, 1, 10), **attributes: str) -> CaseRow:
    return CaseRow(ref, f"Child {ref}", dob, ("Essex Police",), last, dict(attributes), 2)


def many(count: int, **attributes: str) -> list[CaseRow]:
    prefix = "-".join(attributes.values()) or "C"
    return [case(f"{prefix}-{i:02d}", **attributes) for i in range(1, count + 1)]


def quadrant_cases() -> list[CaseRow]:
    return many(6, quadrant="South") + many(4, quadrant="West") + many(5, quadrant="Mid")


class TestCheckEligibility:
    def test_under_18_within_lookback_is_eligible(self):
        """A child under 18 seen within the lookback is eligible, and nothing is excluded."""
        c = case("A")
        assert check_eligibility([c], TODAY, 12) == ([c], {})

    def test_aged_18_at_last_involvement(self):
        """A young person who was 18 at last involvement is excluded with a plain reason."""
        c = case("A", dob=dt.date(2006, 1, 10), last=dt.date(2024, 6, 1))
        eligible, excluded = check_eligibility([c], TODAY, 12)
        assert eligible == [] and excluded == {"A": "aged 18 or over at last involvement"}

    def test_age_judged_at_last_involvement_not_today(self):
        """A child who was 17 at last involvement but is 18 now is still eligible."""
        c = case("A", dob=dt.date(2007, 1, 1), last=dt.date(2024, 12, 31))
        assert check_eligibility([c], TODAY, 12)[0] == [c]

    def test_outside_lookback(self):
        """A case last seen 14 months ago is excluded, saying how long ago and the lookback."""
        c = case("A", last=dt.date(2024, 1, 10))
        _, excluded = check_eligibility([c], TODAY, 12)
        assert excluded == {"A": "last involvement 14 months ago, outside the 12-month lookback"}

    def test_just_outside_lookback_says_more_than(self):
        """A case a few days beyond the lookback is described as 'more than 12 months ago'."""
        c = case("A", last=dt.date(2024, 3, 10))
        _, excluded = check_eligibility([c], TODAY, 12)
        assert excluded == {"A": "last involvement more than 12 months ago, outside the 12-month lookback"}

    def test_lookback_boundary_is_inclusive(self):
        """A case last seen exactly 12 months ago is inside a 12-month lookback."""
        c = case("A", last=dt.date(2024, 3, 15))
        assert check_eligibility([c], TODAY, 12)[0] == [c]

    def test_both_reasons_given(self):
        """A case that fails both rules gives both reasons."""
        c = case("A", dob=dt.date(2000, 1, 1), last=dt.date(2020, 1, 1))
        _, excluded = check_eligibility([c], TODAY, 12)
        assert excluded["A"].startswith("aged 18 or over at last involvement; last involvement ")

    def test_no_last_involvement_treated_as_open(self):
        """A case with no last involvement date is eligible if the child is under 18 today."""
        young = case("A", last=None)
        grown = case("B", dob=dt.date(2007, 3, 15), last=None)
        eligible, excluded = check_eligibility([young, grown], TODAY, 12)
        assert eligible == [young]
        assert excluded == {"B": "aged 18 or over today, with no last involvement date"}

    def test_future_dates_excluded(self):
        """A last involvement or date of birth after today is excluded as a probable typing slip."""
        later = case("A", last=dt.date(2025, 3, 16))
        unborn = case("B", dob=dt.date(2025, 5, 1), last=None)
        eligible, excluded = check_eligibility([later, unborn], TODAY, 12)
        assert eligible == []
        assert "after today" in excluded["A"] and "after today" in excluded["B"]

    def test_reasons_never_mention_date_of_birth(self):
        """No exclusion reason repeats a child's date of birth or name."""
        cases = [
            case("A", dob=dt.date(2006, 1, 10), last=dt.date(2024, 6, 1)),
            case("B", dob=dt.date(2026, 1, 1)),
            case("C", dob=dt.date(2003, 2, 2), last=None),
        ]
        _, excluded = check_eligibility(cases, TODAY, 12)
        text = " ".join(excluded.values())
        assert len(excluded) == 3
        assert not any(s in text for s in ("2006", "10/01", "2026", "2003", "Child"))

    def test_order_kept(self):
        """Eligible cases come back in the order given."""
        cases = [case("Z"), case("A"), case("M")]
        assert [c.case_ref for c in check_eligibility(cases, TODAY, 12)[0]] == ["Z", "A", "M"]

    def test_rules_in_words(self):
        """The rules are available in words for the audit record."""
        assert any("12 months" in rule for rule in eligibility_rules(12))


class TestDrawSample:
    def test_same_seed_same_cases(self):
        """The same cases and seed always give the same sample, whatever order the file lists them in."""
        cases = many(30)
        first = draw_sample(cases, 5, seed=2024)
        again = draw_sample(list(reversed(cases)), 5, seed=2024)
        assert first.refs == again.refs
        assert len(set(first.refs)) == 5

    def test_different_seed_different_cases(self):
        """A different seed gives a different sample (for 30 cases, 5 drawn)."""
        cases = many(30)
        assert draw_sample(cases, 5, seed=1).refs != draw_sample(cases, 5, seed=2).refs

    def test_recipe_is_the_documented_one(self):
        """A scrutineer can reproduce the draw: sort by case_ref ignoring case, shuffle with Random(seed), take n."""
        cases = [case(ref) for ref in ["b-2", "A-1", "c-3", "D-4", "e-5", "F-6", "g-7"]]
        pool = sorted(cases, key=lambda c: c.case_ref.casefold())
        random.Random(77).shuffle(pool)
        sample = draw_sample(cases, 3, seed=77)
        assert sample.refs == [c.case_ref for c in pool[:3]]
        assert sample.order == {ALL_CASES: [c.case_ref for c in pool]}

    def test_order_holds_every_eligible_case(self):
        """The stratum's order lists every eligible case once; the sample is its first n."""
        cases = many(12)
        sample = draw_sample(cases, 4, seed=9)
        (order,) = sample.order.values()
        assert sorted(order) == sorted(c.case_ref for c in cases)
        assert sample.refs == order[:4]

    def test_all_cases_drawn_when_n_equals_count(self):
        """Asking for exactly as many cases as there are takes them all."""
        cases = many(5)
        assert sorted(draw_sample(cases, 5, seed=3).refs) == sorted(c.case_ref for c in cases)

    def test_too_many_wanted(self):
        """Asking for more cases than are eligible is SAMPLE_TOO_LARGE with the counts."""
        with pytest.raises(InputFileError) as excinfo:
            draw_sample(many(3), 5, seed=1)
        (p,) = excinfo.value.problems
        assert p.code is ErrorCode.SAMPLE_TOO_LARGE
        assert p.params == {"eligible": 3, "where": "", "wanted": 5}

    def test_n_below_one_refused(self):
        """A sample of no cases is refused."""
        with pytest.raises(InputFileError):
            draw_sample(many(3), 0, seed=1)

    def test_per_quadrant_draws_n_from_each(self):
        """With per='quadrant', n cases are drawn from each quadrant, quadrants in name order."""
        sample = draw_sample(quadrant_cases(), 3, seed=11, per="quadrant")
        assert list(sample.order) == ["Mid", "South", "West"]
        quadrants = [c.attributes["quadrant"] for c in sample.chosen]
        assert quadrants == ["Mid"] * 3 + ["South"] * 3 + ["West"] * 3
        for label, refs in sample.order.items():
            assert [c.case_ref for c in sample.chosen if c.attributes["quadrant"] == label] == refs[:3]

    def test_per_quadrant_reproducible(self):
        """A stratified draw is reproducible too."""
        cases = quadrant_cases()
        assert draw_sample(cases, 2, seed=5, per="quadrant").refs == draw_sample(cases[::-1], 2, seed=5, per="Quadrant").refs

    def test_stratum_order_follows_the_whole_shuffle(self):
        """Each stratum's order is the overall shuffled order filtered to that stratum."""
        cases = quadrant_cases()
        whole = draw_sample(cases, 1, seed=8).order[ALL_CASES]
        per = draw_sample(cases, 1, seed=8, per="quadrant").order
        assert per["West"] == [ref for ref in whole if ref.startswith("West")]

    def test_missing_attribute_is_its_own_stratum(self):
        """Cases without a quadrant form the '(not given)' stratum, listed last."""
        cases = many(3, quadrant="South") + many(2) + [case("X-1", quadrant=" ")]
        sample = draw_sample(cases, 2, seed=1, per="quadrant")
        assert list(sample.order) == ["South", NOT_GIVEN]
        assert len(sample.order[NOT_GIVEN]) == 3

    def test_strata_ignore_case_and_spaces(self):
        """'south' and 'South ' are the same stratum, spelled as in the first case by reference."""
        cases = [case("A", quadrant="South"), case("B", quadrant="south"), case("C", quadrant=" SOUTH ")]
        sample = draw_sample(cases, 3, seed=1, per="quadrant")
        assert list(sample.order) == ["South"]

    def test_small_stratum_too_large(self):
        """A stratum with fewer than n cases is SAMPLE_TOO_LARGE naming the stratum; every short one is listed."""
        cases = many(5, quadrant="South") + many(2, quadrant="West") + many(1, quadrant="Mid")
        with pytest.raises(InputFileError) as excinfo:
            draw_sample(cases, 3, seed=1, per="quadrant")
        assert [(p.code, p.params["eligible"], p.params["where"]) for p in excinfo.value.problems] == [
            (ErrorCode.SAMPLE_TOO_LARGE, 1, " in quadrant 'Mid'"),
            (ErrorCode.SAMPLE_TOO_LARGE, 2, " in quadrant 'West'"),
        ]
        assert "only 1 eligible cases in quadrant 'Mid', but 3 were asked for" in str(excinfo.value)

    def test_unknown_per_field(self):
        """Stratifying by a field that is not a profile field is refused with a suggestion."""
        with pytest.raises(InputFileError) as excinfo:
            draw_sample(quadrant_cases(), 1, seed=1, per="quadrent")
        (p,) = excinfo.value.problems
        assert p.code is ErrorCode.BAD_CHOICE
        assert "did you mean 'quadrant'?" in p.message

    def test_per_field_nobody_gives(self):
        """Stratifying by a field no case gives is refused rather than drawing from one '(not given)' stratum."""
        with pytest.raises(InputFileError, match="none of the cases gives a value for 'gender'"):
            draw_sample(quadrant_cases(), 1, seed=1, per="gender")

    def test_per_derived_age_band(self):
        """With today given, per='age_band' uses age bands worked out from dates of birth."""
        cases = [case("A", dob=dt.date(2024, 6, 1)), case("B", dob=dt.date(2015, 1, 1)), case("C", dob=dt.date(2016, 1, 1))]
        sample = draw_sample(cases, 1, seed=1, per="age_band", today=TODAY)
        assert list(sample.order) == ["10-15", "5-9", "under 1"]

    def test_repr_hides_child_details(self):
        """A sample printed in a log shows no child's name."""
        assert "Child" not in repr(draw_sample(many(3), 2, seed=1))


class TestReplace:
    def test_takes_next_in_order_in_place(self):
        """An out-of-scope case is replaced, in its place, by the next case in the shuffled order."""
        sample = draw_sample(many(10), 3, seed=42)
        order = sample.order[ALL_CASES]
        out = sample.refs[1]
        after = replace(sample, out, "live care proceedings")
        assert after.refs == [order[0], order[3], order[2]]
        assert after.replacements == [{"out": out, "in": order[3], "reason": "live care proceedings"}]
        assert sample.refs == order[:3]

    def test_second_replacement_takes_the_one_after(self):
        """Each further replacement takes the next unused case, never one replaced earlier."""
        sample = draw_sample(many(10), 3, seed=42)
        order = sample.order[ALL_CASES]
        once = replace(sample, order[0], "LADO investigation open")
        twice = replace(once, order[3], "family moved out of area")
        assert twice.refs == [order[4], order[1], order[2]]
        assert [r["in"] for r in twice.replacements] == [order[3], order[4]]

    def test_reproducible(self):
        """Same seed, same cases and same replacements give the same sample."""

        def run(cases):
            sample = draw_sample(cases, 2, seed=7, per="quadrant")
            sample = replace(sample, sample.refs[0], "live proceedings")
            return replace(sample, sample.refs[3], "no professional network")

        cases = quadrant_cases()
        assert run(cases).refs == run(list(reversed(cases))).refs
        assert run(cases).replacements == run(cases).replacements

    def test_stays_within_stratum(self):
        """A replacement comes from the replaced case's own stratum."""
        sample = draw_sample(quadrant_cases(), 2, seed=3, per="quadrant")
        west = [c.case_ref for c in sample.chosen if c.attributes["quadrant"] == "West"][0]
        after = replace(sample, west, "out of scope")
        incoming = after.replacements[0]["in"]
        assert incoming == sample.order["West"][2]
        assert after.pool[incoming.casefold()].attributes["quadrant"] == "West"

    def test_case_ref_ignores_case(self):
        """The case to replace can be given in any case."""
        sample = draw_sample(many(5), 2, seed=1)
        assert replace(sample, sample.refs[0].lower(), "x").replacements[0]["out"] == sample.refs[0]

    def test_case_not_in_sample(self):
        """Replacing a case that was not drawn is refused, listing the drawn ones."""
        sample = draw_sample(many(5), 2, seed=1)
        spare = sample.order[ALL_CASES][4]
        with pytest.raises(InputFileError, match="is not in the sample"):
            replace(sample, spare, "x")

    def test_reason_required(self):
        """A replacement needs a reason, for the audit record."""
        sample = draw_sample(many(5), 2, seed=1)
        with pytest.raises(InputFileError) as excinfo:
            replace(sample, sample.refs[0], "  ")
        assert excinfo.value.problems[0].code is ErrorCode.NEED_INPUT

    def test_stratum_exhausted(self):
        """When a stratum has no unused case left, the replacement is refused."""
        sample = draw_sample(many(3), 2, seed=1)
        sample = replace(sample, sample.refs[0], "x")
        with pytest.raises(InputFileError, match="no eligible case left"):
            replace(sample, sample.refs[0], "y")

    def test_replay_reproduces(self):
        """Recorded replacements applied to a fresh draw give the same sample."""
        cases = many(10)
        sample = draw_sample(cases, 3, seed=4)
        sample = replace(replace(sample, sample.refs[0], "a"), sample.refs[2], "b")
        again = replay(draw_sample(cases, 3, seed=4), sample.replacements)
        assert (again.refs, again.replacements) == (sample.refs, sample.replacements)

    def test_replay_detects_changed_file(self):
        """A recorded replacement that now brings in a different case (file or seed changed) is reported."""
        cases = many(10)
        sample = draw_sample(cases, 3, seed=4)
        (swap,) = replace(sample, sample.refs[0], "a").replacements
        tampered = {**swap, "in": sample.order[ALL_CASES][5]}
        with pytest.raises(InputFileError, match="do not reproduce"):
            replay(draw_sample(cases, 3, seed=4), [tampered])


class TestSha256:
    def test_matches_hashlib(self, tmp_path):
        """The digest is the SHA-256 of the file's bytes, in hex."""
        path = tmp_path / "cases.csv"
        path.write_bytes(b"case_ref\r\nC1\r\n")
        assert sha256_file(path) == hashlib.sha256(b"case_ref\r\nC1\r\n").hexdigest()

    def test_changes_with_content(self, tmp_path):
        """Any change to the file changes the digest."""
        path = tmp_path / "cases.csv"
        path.write_bytes(b"case_ref\r\nC1\r\n")
        before = sha256_file(path)
        path.write_bytes(b"case_ref\r\nC2\r\n")
        assert sha256_file(path) != before
