"""What people type is understood the way an officer in England would read it, and every problem is named."""

from __future__ import annotations

import datetime as dt

import pytest

from maa_cli.definitions.tool import NA, Tool
from maa_cli.forms.identity import FormIdentity
from maa_cli.intake.judging import judge
from maa_cli.intake.normalise import Unreadable, clean_text, normalise, normalise_with_note
from maa_cli.intake.readers.raw import RawAnswer, RawReturn

TOOL = Tool.model_validate({
    "id": "checks", "title": "Checks", "version": "2.0", "kind": "questionnaire",
    "sections": [{"id": "s", "title": "S", "questions": [
        {"id": "policy", "number": "1", "text": "Is there a written policy?", "type": "yes_no", "action_plan": True},
        {"id": "deputy", "number": "2", "text": "Is there a deputy DSL?", "type": "yes_no", "na": True,
         "applies_to": {"attribute": "setting_type", "not_in": ["Childminder"]}},
        {"id": "trained", "number": "3", "text": "When was the DSL last trained?", "type": "date"},
        {"id": "staff", "number": "4", "text": "How many staff?", "type": "number", "min": 1, "max": 500},
        {"id": "grade", "number": "5", "text": "Grade management oversight", "type": "grade", "scale": "ofsted", "why": True},
        {"id": "features", "number": "6", "text": "Case features", "type": "multiple_choice",
         "choices": ["Neglect", "Domestic abuse", "Online harm"], "other": True, "required": False},
        {"id": "notes", "number": "7", "text": "Anything else?", "type": "long_text", "required": False},
        {"id": "concern", "number": "8", "text": "Is a child at risk now?", "type": "yes_no", "urgent": True},
        {"id": "concern_detail", "number": "9", "text": "Describe the concern", "type": "long_text", "required": False,
         "required_when": {"question": "concern", "is": "Yes"}},
        {"id": "child_name", "number": "10", "text": "Child's name", "type": "short_text", "identifying": True, "required": False},
        {"id": "child_dob", "number": "11", "text": "Child's date of birth", "type": "date", "identifying": True, "required": False},
    ]}],
})


def field(key: str):
    return TOOL.field(key)


def returned(answers: dict, version: str = "2.0") -> RawReturn:
    raw = RawReturn(path=None, format="xlsx", identity=FormIdentity("MAA-AAAA-BBBB", "checks", version))
    raw.answers = {k: RawAnswer(k, v, f"Form!D{i}", "name") for i, (k, v) in enumerate(answers.items(), 5)}
    return raw


COMPLETE = {"policy": "Yes", "deputy": "Yes", "trained": "03/07/2024", "staff": "12", "grade": "Good",
            "grade.why": "Supervision is monthly.", "concern": "No"}


class TestTyping:
    @pytest.mark.parametrize("typed", ["y", "yes", "YES ", "Yes.", "✓", "\u00a0Yes\u00a0", "☒"])
    def test_ways_of_saying_yes_are_yes(self, typed):
        """y, yes, 'YES ', a tick and a non-breaking space around Yes all read as Yes."""
        assert normalise(field("policy"), typed) == "Yes"

    @pytest.mark.parametrize("typed", ["3/7/24", "03/07/2024", "3 July 2024", "3rd July 2024", 45476, "45476", 45476.75,
                                       dt.datetime(2024, 7, 3, 0, 0), "2024-07-03", "03.07.2024", "\u00a003/07/2024"])
    def test_every_way_of_writing_3_july_2024_is_that_date(self, typed):
        """Day first always: 3/7/24, 03/07/2024, 3 July 2024 and an Excel serial are all 2024-07-03."""
        assert normalise(field("trained"), typed) == dt.date(2024, 7, 3)

    def test_a_month_first_date_is_refused_not_guessed(self):
        """'July 3 2024' could be read two ways elsewhere, so it is an error that says to write the day first."""
        with pytest.raises(Unreadable, match="day-first"):
            normalise(field("trained"), "July 3 2024")

    def test_a_comment_after_an_answer_is_kept_as_a_comment(self):
        """'No - reviewing in May' is No, and 'reviewing in May' is handed back, not lost."""
        assert normalise_with_note(field("policy"), "No - reviewing in May") == ("No", "reviewing in May")
        assert normalise_with_note(field("grade"), "Requires improvement (see notes)") == ("Requires improvement", "see notes")

    @pytest.mark.parametrize("typed", ["Yes/No", "Yes or no", "maybe"])
    def test_two_answers_at_once_or_none_of_them_are_unreadable(self, typed):
        """'Yes/No' is not one answer; it is refused with the answers offered."""
        with pytest.raises(Unreadable, match="Yes, No"):
            normalise(field("policy"), typed)

    def test_grade_initials_and_case_are_understood(self):
        """'RI' and 'good' are Requires improvement and Good; 'N/A' is refused where it is not offered."""
        assert normalise(field("grade"), "RI") == "Requires improvement"
        assert normalise(field("grade"), "good") == "Good"
        with pytest.raises(Unreadable, match="N/A is not offered"):
            normalise(field("grade"), "n/a")

    def test_ticked_options_typed_as_a_list_are_read(self):
        """'Neglect; online harm' and 'Neglect, Domestic abuse' both give the options ticked."""
        assert normalise(field("features"), "Neglect; online harm") == ["Neglect", "Online harm"]
        assert normalise(field("features"), "Neglect, Domestic abuse") == ["Neglect", "Domestic abuse"]

    def test_invisible_and_control_characters_are_removed_and_emoji_kept(self):
        """Control characters, U+FFFE, a right-to-left override and zero-width spaces go; emoji stay."""
        assert clean_text("ok\x07\ufffe\u202e\u200b done 👍\u00a0") == "ok done 👍"

    def test_numbers_with_separators_are_read_and_words_are_not(self):
        """'1,234' is 1234; 'twelve' is refused asking for digits."""
        assert normalise(field("staff"), " 1,234 ") == 1234
        with pytest.raises(Unreadable, match="digits"):
            normalise(field("staff"), "twelve")


class TestJudging:
    def test_a_complete_return_has_no_errors(self):
        """Every required answer given: complete, with optional gaps only as warnings."""
        j = judge(TOOL, returned(COMPLETE), {"setting_type": "Day nursery"})
        assert j.complete, j.errors
        assert {i.number for i in j.warnings} == {"6", "7", "10", "11"}

    def test_every_problem_is_collected_and_named_by_number_and_text(self):
        """A No without action points, a missing date, an out-of-range number and a bad grade are all reported."""
        answers = dict(COMPLETE, policy="No", trained="", staff="0", grade="Brilliant")
        j = judge(TOOL, returned(answers), {"setting_type": "Day nursery"})
        found = {(i.number, i.question) for i in j.errors}
        assert found == {("1", "Action points for question 1"), ("3", "When was the DSL last trained?"),
                         ("4", "How many staff?"), ("5", "Grade management oversight")}
        assert "between 1 and 500" in next(str(i) for i in j.errors if i.number == "4")

    def test_a_question_that_does_not_apply_is_recorded_as_na(self):
        """A childminder who answers the deputy question gets N/A recorded and a warning, not an error."""
        j = judge(TOOL, returned(COMPLETE), {"setting_type": "Childminder"})
        assert j.complete and j.answers["deputy"] == NA
        assert any(i.number == "2" and "should be N/A" in i.message for i in j.warnings)

    def test_an_urgent_yes_needs_its_detail_and_is_flagged(self):
        """Yes to 'is a child at risk now' is urgent, and the description becomes required."""
        j = judge(TOOL, returned(dict(COMPLETE, concern="yes")), {"setting_type": "Day nursery"})
        assert [u.number for u in j.urgent] == ["8"]
        assert [i.number for i in j.errors] == ["9"]

    def test_problems_with_identifying_answers_never_repeat_the_answer(self):
        """A date of birth typed wrongly is reported without the text typed (it identifies a child)."""
        j = judge(TOOL, returned(dict(COMPLETE, child_dob="14th Febuary 2019")), {"setting_type": "Day nursery"})
        (issue,) = j.errors
        assert issue.number == "11" and "Febuary" not in str(issue) and "2019" not in str(issue)

    def test_a_form_from_an_older_tool_version_is_noted(self):
        """A form issued with version 1.0 of a tool now at 2.0 gets a note, not an error."""
        j = judge(TOOL, returned(COMPLETE, version="1.0"), {"setting_type": "Day nursery"})
        assert j.complete and any("version 1.0" in n for n in j.notes)

    def test_a_form_with_nothing_typed_in_it_is_blank(self):
        """The blank form sent back by mistake is recognised as blank, not as 9 missing answers."""
        assert judge(TOOL, returned({}), {"setting_type": "Day nursery"}).blank
        assert not judge(TOOL, returned({"notes": "x"}), {}).blank


class TestTypedTextIsNeverQuoted:
    """Messages are kept in the state, the run log and --json output: they say what was expected, never what was typed."""

    @pytest.mark.parametrize(("key", "typed"), [("policy", "Darren Pike says maybe"), ("grade", "Brilliant, ask Darren Pike"),
                                                ("staff", "Darren Pike's twelve"), ("trained", "when Darren Pike left"),
                                                ("features", "Darren Pike")])
    def test_an_answer_that_cannot_be_read_is_reported_without_the_text(self, key, typed):
        """A name typed where a choice, number or date was expected is not repeated in the problem."""
        j = judge(TOOL, returned(dict(COMPLETE, **{key: typed})), {"setting_type": "Day nursery"})
        (issue,) = [i for i in j.errors if i.key == key]
        assert "Darren" not in str(issue) and "Pike" not in issue.message

    def test_comments_n_a_and_out_of_range_answers_are_reported_without_the_text(self):
        """'Yes - Darren Pike ...', an answer where N/A was due, and 9999 staff: each named, none quoted."""
        answers = dict(COMPLETE, policy="Yes - Darren Pike checked it", deputy="Yes, Darren Pike", staff="9999")
        j = judge(TOOL, returned(answers), {"setting_type": "Childminder"})
        messages = " ".join(str(i) for i in j.issues)
        assert "kept as a comment" in messages and "should be N/A" in messages and "out of range" in messages
        assert "Darren" not in messages and "9999" not in messages
        assert j.comments["policy"] == "Darren Pike checked it"  # the comment itself is kept, in the record only


PARTS_TOOL = Tool.model_validate({
    "id": "parts", "title": "Parts", "version": "1.0", "kind": "questionnaire",
    "sections": [{"id": "s", "title": "S", "questions": [
        {"id": "q3", "number": "3", "text": "Do the procedures cover", "type": "yes_no", "parts": [
            {"id": "a", "label": "a", "text": "reporting a concern?"}, {"id": "b", "label": "b", "text": "allegations?"}]},
        {"id": "gaps", "number": "4", "text": "What will you do about the gaps?", "type": "long_text", "required": False,
         "required_when": {"question": "q3", "is": "no"}},
        {"id": "concern", "number": "5", "text": "Is a child at risk now?", "type": "yes_no"},
        {"id": "detail", "number": "6", "text": "Describe it", "type": "long_text", "required": False,
         "required_when": {"question": "concern", "is": "YES"}},
    ]}],
})


class TestRequiredWhen:
    def test_a_condition_on_a_question_with_parts_uses_its_rolled_up_answer(self):
        """q3 has parts a (Yes) and b (No): it rolls up to No, so 'what about the gaps' is needed, citing question 3."""
        answers = {"q3.a": "Yes", "q3.b": "No", "concern": "No"}
        j = judge(PARTS_TOOL, returned(answers), {})
        (issue,) = j.errors
        assert issue.number == "4" and "because question 3 is no" in issue.message
        assert judge(PARTS_TOOL, returned(dict(answers, **{"q3.b": "Yes"})), {}).complete

    def test_the_answer_a_condition_names_is_compared_ignoring_case(self):
        """'is: YES' in the tool matches the answer Yes."""
        j = judge(PARTS_TOOL, returned({"q3.a": "Yes", "q3.b": "Yes", "concern": "Yes"}), {})
        assert [i.number for i in j.errors] == ["6"]
