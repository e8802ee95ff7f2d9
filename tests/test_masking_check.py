"""The officer's masking check: a restricted list of the masked words to look at before sharing."""

from __future__ import annotations

import re

import pytest

from maa_cli.intake.collect import load_responses
from maa_cli.privacy.dates import date_spellings
from maa_cli.report import build_reports
from tests.test_report_fixtures import CHILD_DOBS, CHILD_NAMES, TODAY, make_case_audit, tamper_record

CHECK = ("restricted", "masking-check.txt")
# Kayleigh Stone is the mother in the case audit fixture: "Stone" is an everyday word.
TYPED = "Stone's partner said ELLIE was fine on 14/02/2019. Stone moved out; the stone wall was damp."


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """The case audit reported twice: as collected, then with an answer that names the mother by her surname alone."""
    fx = make_case_audit(tmp_path_factory.mktemp("check"))
    path = fx.ws.reports_dir.joinpath(*CHECK)
    first = build_reports(fx.ws, today=TODAY)
    before = path.read_text(encoding="utf-8")
    police_a = next(r for r in load_responses(fx.ws) if r["case_ref"] == "A" and r["agency"] == "Police")
    tamper_record(fx.ws, police_a["form_id"], "worked_well", TYPED)
    second = build_reports(fx.ws, today=TODAY)
    return first, before, second, path.read_text(encoding="utf-8"), police_a["form_id"]


class TestMaskingCheck:
    def test_the_report_run_writes_it_with_the_restricted_outputs(self, checked):
        """masking-check.txt is in reports/restricted/ and counted among the run's restricted outputs only."""
        first, _, second, _, _ = checked
        for result in (first, second):
            assert [p.name for p in result.restricted if p.name == CHECK[1]] == [CHECK[1]]
            assert CHECK[1] not in {p.name for p in result.shareable}

    def test_with_nothing_uncertain_it_says_there_is_nothing_to_check(self, checked):
        """The fixture's narrative names people only in full ('Kayleigh Stone', 'DARREN PIKE'): nothing to check."""
        _, before, _, _, _ = checked
        assert "Nothing to check" in before and "\u00ab" not in before

    def test_an_everyday_word_name_masked_alone_is_listed_under_its_question(self, checked):
        """'Stone' masked alone is listed twice under 'What worked well', with the form, case and agency."""
        _, _, _, after, form_id = checked
        section = after.split("What worked well", 1)[1]
        lines = [line for line in section.splitlines() if "\u00abStone\u00bb" in line and line.lstrip().startswith(form_id)]
        assert len(lines) == 2 and all("case A, Police: masked" in line for line in lines)

    def test_the_words_around_it_are_masked_and_the_lower_case_word_is_not_listed(self, checked):
        """The context shows '[name] was fine on [date of birth]'; 'the stone wall' is ordinary text, not listed."""
        _, _, _, after, _ = checked
        assert "\u00abStone\u00bb's partner said [name] was fine on [date of birth]." in after
        assert "\u00abstone\u00bb" not in after

    def test_no_child_name_or_date_of_birth_is_in_it(self, checked):
        """Only the checked word is shown as typed: no child's name (or part of it) and no date of birth."""
        _, _, _, after, _ = checked
        after = re.sub(r"MAA-[A-Z2-7]{4}-[A-Z2-7]{4}", "MAA-XXXX-XXXX", after)  # random form references are not names
        words = {w for name in CHILD_NAMES for w in [name, *name.split()]}
        assert not [w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", after, re.IGNORECASE)]
        assert not [s for d in CHILD_DOBS for s in date_spellings(d) if s in after]

    def test_the_run_notes_point_the_officer_to_it(self, checked):
        """The second run's notes say how many masked words to check and where they are listed."""
        first, _, second, _, _ = checked
        assert not any(CHECK[1] in n for n in first.notes)
        assert any("2 masked word(s)" in n and CHECK[1] in n for n in second.notes)
