"""An officer writes when an answer is required or applies, and maa checks it, prints it on the form and judges by it."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest
from openpyxl import load_workbook

from maa_cli.definitions.catalog import load_tool_file
from maa_cli.definitions.tool import Tool
from maa_cli.errors import DefinitionError, ErrorCode
from maa_cli.forms.content import FormContent
from maa_cli.forms.excel import write_excel_form
from maa_cli.forms.identity import FormIdentity
from maa_cli.forms.word import write_word_form
from maa_cli.intake.judging import judge
from maa_cli.intake.readers.raw import RawAnswer, RawReturn

QUESTIONS = [
    {"id": "s2_1", "number": "2.1", "text": "Leaders are accountable for safeguarding.", "type": "grade",
     "scale": "section11", "na": True, "action_plan": True},
    {"id": "evidence", "number": "2.2", "text": "Evidence for 2.1", "type": "long_text", "required": False,
     "required_when": {"question": "s2_1", "is_not": "N/A"}},
    {"id": "weak", "number": "2.3", "text": "Who was told about the gap?", "type": "short_text", "required": False,
     "required_when": {"question": "s2_1", "in": ["Partly met", "Not met"]}},
    {"id": "target", "number": "2.4", "text": "Target date for the actions in 2.1", "type": "date", "required": False,
     "required_when": {"question": "s2_1.action", "answered": True}},
    {"id": "board", "number": "2.5", "text": "Has the board agreed the plan?", "type": "yes_no",
     "applies_when": {"all": [{"question": "s2_1", "is": "Not met"}, {"question": "weak", "answered": True}]}},
    {"id": "deputy", "number": "2.6", "text": "Is there a deputy lead?", "type": "yes_no", "na": True,
     "applies_when": {"attribute": "setting_type", "is_not": "Childminder"}},
    {"id": "old_style", "number": "2.7", "text": "Anything else?", "type": "long_text", "required": False,
     "required_when": {"question": "deputy", "is": "No"}},
]


def tool(questions=None) -> Tool:
    return Tool.model_validate({"id": "conditions", "title": "Conditions", "version": "1.0", "kind": "questionnaire",
                                "sections": [{"id": "s", "title": "Standard 2", "questions": questions or QUESTIONS}]})


def returned(answers: dict) -> RawReturn:
    raw = RawReturn(path=None, format="xlsx")
    raw.answers = {k: RawAnswer(k, v, f"Form!D{i}", "name") for i, (k, v) in enumerate(answers.items(), 5)}
    return raw


def missing(answers: dict, attributes: dict | None = None) -> list[str]:
    """The answer boxes a return is incomplete for."""
    return [i.key for i in judge(tool(), returned(answers), attributes or {"setting_type": "Nursery"}).errors]


MET = {"s2_1": "Fully met", "evidence": "Minutes", "deputy": "Yes"}


class TestJudging:
    def test_evidence_is_required_unless_the_rating_is_not_applicable(self):
        """is_not: N/A — a rating needs evidence; N/A does not; and a blank rating is reported itself, not twice."""
        assert missing(MET) == []
        assert missing(MET | {"evidence": None}) == ["evidence"]
        assert missing({"s2_1": "N/A", "deputy": "Yes"}) == []
        assert missing({"deputy": "Yes"}) == ["s2_1"]

    def test_a_list_of_answers_makes_a_question_required_when_any_is_given(self):
        """in: [Partly met, Not met] — 2.3 is needed for either, and says why."""
        j = judge(tool(), returned(MET | {"s2_1": "Partly met", "s2_1.action": "Review"}), {"setting_type": "Nursery"})
        (issue,) = [i for i in j.errors if i.key == "weak"]
        assert "because question 2.1 is Partly met or Not met" in issue.message

    def test_a_target_date_is_required_when_an_action_is_given(self):
        """answered: true on 's2_1.action' — once action points are written, 2.4 must be dated."""
        answers = MET | {"s2_1": "Partly met", "s2_1.action": "Train staff", "weak": "Chair"}
        assert missing(answers) == ["target"]
        assert missing(answers | {"target": "30/06/2027"}) == []

    def test_a_question_applies_only_when_all_its_conditions_hold(self):
        """all: 2.5 applies when 2.1 is Not met and 2.3 is answered; otherwise an answer there is set aside with a note."""
        answers = MET | {"s2_1": "Not met", "s2_1.action": "Appoint a lead", "weak": "Chair", "target": "1/1/2028"}
        assert missing(answers) == ["board"]
        j = judge(tool(), returned(MET | {"board": "Yes"}), {"setting_type": "Nursery"})
        assert j.complete and j.answers["board"] is None
        assert any(i.key == "board" and "applies only if question 2.1 is Not met and question 2.3 is answered" in i.message
                   for i in j.warnings)

    def test_a_question_about_the_respondent_does_not_apply_to_a_childminder(self):
        """applies_when on an attribute: a childminder's answer is N/A, like applies_to."""
        j = judge(tool(), returned(MET | {"deputy": None}), {"setting_type": "Childminder"})
        assert j.complete and j.answers["deputy"] == "N/A"

    def test_conditions_written_the_old_way_still_work(self):
        """required_when {question, is} and applies_to {attribute, not_in} keep their meaning."""
        assert missing(MET | {"deputy": "No"}) == ["old_style"]
        old = tool([{"id": "q5", "text": "Deputy?", "type": "yes_no", "na": True,
                     "applies_to": {"attribute": "setting_type", "not_in": ["Childminder"]}}])
        assert judge(old, returned({}), {"setting_type": "Childminder"}).answers["q5"] == "N/A"


class TestToolsCheck:
    def write(self, tmp_path, questions) -> list:
        import yaml

        path = tmp_path / "tool.yaml"
        data = {"id": "conditions", "title": "C", "version": "1", "kind": "questionnaire",
                "sections": [{"id": "s", "title": "S", "questions": questions}]}
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        with pytest.raises(DefinitionError) as info:
            load_tool_file(path)
        return info.value.problems

    def test_a_condition_value_that_is_not_one_of_the_answers_is_refused_with_the_right_spelling(self, tmp_path):
        """'is: Partially met' against Partly met would never fire: tools check refuses it and says 'did you mean'."""
        questions = [dict(QUESTIONS[0]), dict(QUESTIONS[2], required_when={"question": "s2_1", "is": "Partially met"})]
        (p,) = self.write(tmp_path, questions)
        assert p.code is ErrorCode.CONDITION_BAD_VALUE and p.question == "weak"
        assert "did you mean 'Partly met'" in p.message and "Fully met, Partly met, Not met, N/A" in p.hint

    def test_every_value_in_nested_conditions_is_checked(self, tmp_path):
        """A value deep inside any/all is checked against its own question."""
        questions = [dict(QUESTIONS[0]), {"id": "q2", "text": "Told?", "type": "yes_no"},
                     {"id": "q3", "text": "Who?", "type": "short_text", "required": False, "required_when": {"any": [
                         {"question": "q2", "is": "Yes"}, {"all": [{"question": "s2_1", "answered": True},
                                                                   {"question": "q2", "is": "Maybe"}]}]}}]
        (p,) = self.write(tmp_path, questions)
        assert p.code is ErrorCode.CONDITION_BAD_VALUE and "'Maybe'" in p.message


class TestForms:
    def content(self) -> FormContent:
        return FormContent(tool=tool(), identity=FormIdentity("MAA-AAAA-BBBB", "conditions", "1.0", "a-1"),
                           partnership="Northshire SCP", audit_title="S11", form_title="Self-assessment",
                           for_whom="Police", deadline=dt.date(2030, 1, 1), respondent_attributes={"setting_type": "Nursery"})

    WORDS = ("Required if 2.1 is anything but N/A.", "Required if 2.1 is Partly met or Not met.",
             "Required if the action points for 2.1 are given.",
             "Answer only if 2.1 is Not met and 2.3 is answered; otherwise leave it blank.")

    def test_the_word_form_says_which_answers_are_required_and_when(self, tmp_path):
        """Each condition is printed under its question, and the action points say which ratings need them."""
        write_word_form(self.content(), tmp_path / "form.docx")
        with zipfile.ZipFile(tmp_path / "form.docx") as z:
            text = _plain(z.read("word/document.xml").decode())
        for words in self.WORDS + ("Required if the answer above is Partly met or Not met.",):
            assert words in text

    def test_the_excel_form_says_it_too(self, tmp_path):
        """The same words sit in the Excel form: conditions in the guidance column, the rule beside 'Action points'."""
        write_excel_form(self.content(), tmp_path / "form.xlsx")
        cells = [str(c) for row in load_workbook(tmp_path / "form.xlsx")["Form"].iter_rows(values_only=True) for c in row if c]
        text = "\n".join(cells)
        for words in self.WORDS:
            assert words in text
        assert "Action points (required if the answer above is Partly met or Not met)" in cells


def _plain(xml: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", xml.replace("</w:p>", "\n"))
