"""An officer's draft tool is checked in one run, and every message speaks to the officer, not to a programmer."""

from __future__ import annotations

import string
import textwrap

import pytest
from typer.testing import CliRunner

from maa_cli.cli import app
from maa_cli.definitions import yamlio
from maa_cli.definitions.audit import Audit
from maa_cli.definitions.catalog import load_tool_file
from maa_cli.definitions.load import load_model
from maa_cli.definitions.yamlio import read_located
from maa_cli.errors import DefinitionError, ErrorCode

#: Words that belong to the validator or the parser, never to a message an officer reads.
JARGON = ("should match pattern", "input should be", "valid list", "field required", "^[", "extra inputs",
          "validation error", "pydantic", "value_error", "type=", "cannot start any token", "regular expression",
          "literal", "dict", "none is not", "str type", "string_type", "traceback")

HEAD = """\
id: draft
title: Draft self-assessment
version: "1.0"
kind: questionnaire
"""


def tool_text(questions: str, top: str = "") -> str:
    """A tool with one section holding ``questions`` (YAML list items, unindented here)."""
    body = textwrap.indent(textwrap.dedent(questions), " " * 6)
    return f"{HEAD}{textwrap.dedent(top)}sections:\n  - id: s1\n    title: Leadership\n    questions:\n{body}"


GRADE = """\
- id: q1
  number: "1.1"
  text: Rate leadership
  type: grade
  scale: section11
  action_plan: true
"""


def problems_of(tmp_path, text: str, name: str = "draft.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        load_tool_file(path)
    return info.value.problems


def jargon_in(text: str) -> list[str]:
    folded = text.casefold()
    return [word for word in JARGON if word in folded]


# -- one broken tool for every message a tool file can produce -----------------------------------------

BROKEN: dict[str, tuple[str, ErrorCode]] = {
    "syntax the parser has no words for": ("id: x\ntitle: @home\n", ErrorCode.YAML_SYNTAX),
    "a tab used to indent": ("id: x\nsections:\n\t- id: s\n", ErrorCode.YAML_TAB),
    "': ' inside plain text": (HEAD + "instructions: Note: read the policy first\n", ErrorCode.YAML_COLON_IN_TEXT),
    "a setting without its ':'": (HEAD + "instructions\nsections: []\n", ErrorCode.YAML_MISSING_COLON),
    "a list item out of line": ("id: x\nsections:\n  - id: s1\n    title: T\n   - id: s2\n", ErrorCode.YAML_INDENT),
    "a quote never closed": ('id: x\ntitle: "Draft\nkind: q\n', ErrorCode.YAML_UNCLOSED_QUOTE),
    "a bracket never closed": ("id: x\nthemes: [a, b\nkind: q\n", ErrorCode.YAML_UNCLOSED_BRACKET),
    "a backslash in double quotes": ('id: x\ntitle: "C:\\q"\n', ErrorCode.YAML_BACKSLASH),
    "a key given twice": (HEAD + "title: Again\n", ErrorCode.YAML_DUPLICATE_KEY),
    "an alias": ("a: &a [x]\nb: *a\n", ErrorCode.YAML_ALIAS),
    "a python tag": ("title: !!python/object/apply:os.system [echo]\n", ErrorCode.YAML_TAG),
    "a list, not settings": ("- id: x\n", ErrorCode.YAML_NOT_MAPPING),
    "nested too deep": ("a: " + "[" * 40 + "]" * 40 + "\n", ErrorCode.YAML_TOO_DEEP),
    "a misspelt setting": (tool_text(GRADE + "  requird: true\n"), ErrorCode.UNKNOWN_SETTING),
    "a misspelt type": (tool_text(GRADE.replace("type: grade", "type: grde")), ErrorCode.BAD_CHOICE),
    "a missing title": (tool_text(GRADE).replace("title: Draft self-assessment\n", ""), ErrorCode.MISSING_SETTING),
    "choices that are not a list": (tool_text("- {id: q2, text: Route, type: single_choice, choices: {a: 1}}"), ErrorCode.WRONG_TYPE),
    "a setting left empty": (tool_text(GRADE.replace("text: Rate leadership", "text:")), ErrorCode.EMPTY_VALUE),
    "an id with spaces": (tool_text(GRADE).replace("id: draft", "id: My Draft"), ErrorCode.ID_FORMAT),
    "a section without questions": (HEAD + "sections:\n  - {id: s1, title: T, questions: []}\n", ErrorCode.TOO_FEW),
    "a flag that is not true or false": (tool_text(GRADE.replace("action_plan: true", "action_plan: often")), ErrorCode.WRONG_TYPE),
    "a minimum that is not a number": (tool_text("- {id: n, text: Staff, type: number, min: few}"), ErrorCode.WRONG_TYPE),
    "a level with an unknown colour": (tool_text(GRADE, "scales:\n  mine: [{value: A, rag: pink}]\n"), ErrorCode.BAD_CHOICE),
    "a condition without a question": (tool_text(GRADE + "- {id: q2, text: Ev, type: long_text, required: false, required_when: {is: Not met}}"), ErrorCode.CONDITION_NO_SUBJECT),
    "a condition on a question and an attribute": (tool_text(GRADE + "- {id: q2, text: Ev, type: long_text, required: false, required_when: {question: q1, attribute: sector, is: Not met}}"), ErrorCode.CONDITION_TWO_SUBJECTS),
    "a condition without a test": (tool_text(GRADE + "- {id: q2, text: Ev, type: long_text, required: false, required_when: {question: q1}}"), ErrorCode.CONDITION_NO_TEST),
    "a condition with two tests": (tool_text(GRADE + "- {id: q2, text: Ev, type: long_text, required: false, required_when: {question: q1, is: Not met, is_not: Fully met}}"), ErrorCode.CONDITION_TWO_TESTS),
    "a condition with no answers listed": (tool_text(GRADE + "- {id: q2, text: Ev, type: long_text, required: false, required_when: {question: q1, in: []}}"), ErrorCode.CONDITION_NO_VALUES),
    "all and any side by side": (tool_text(GRADE + "- {id: q2, text: Ev, type: long_text, required: false, required_when: {all: [{question: q1, answered: true}], any: [{question: q1, answered: true}]}}"), ErrorCode.CONDITION_TWO_GROUPS),
    "all beside a test": (tool_text(GRADE + "- {id: q2, text: Ev, type: long_text, required: false, required_when: {all: [{question: q1, answered: true}], question: q1}}"), ErrorCode.CONDITION_GROUP_MIXED),
    "an empty all": (tool_text(GRADE + "- {id: q2, text: Ev, type: long_text, required: false, required_when: {all: []}}"), ErrorCode.CONDITION_EMPTY_GROUP),
    "a condition on a question that is not there": (tool_text(GRADE + "- {id: q2, text: Ev, type: long_text, required: false, required_when: {question: q11, answered: true}}"), ErrorCode.CONDITION_UNKNOWN_TARGET),
    "a question depending on itself": (tool_text(GRADE + "  applies_when: {question: q1, answered: true}\n"), ErrorCode.CONDITION_SELF),
    "a value test on a text answer": (tool_text(GRADE + "- {id: q2, text: Ev, type: long_text}\n- {id: q3, text: More, type: long_text, required: false, required_when: {question: q2, is: none}}"), ErrorCode.CONDITION_NOT_CHOICE),
    "a value the target does not offer": (tool_text(GRADE + "- {id: q2, text: Ev, type: long_text, required: false, required_when: {question: q1, is: Partially met}}"), ErrorCode.CONDITION_BAD_VALUE),
    "questions applying in a circle": (tool_text("- {id: a, text: A, type: yes_no, applies_when: {question: b, answered: true}}\n- {id: b, text: B, type: yes_no, applies_when: {question: a, answered: true}}"), ErrorCode.CONDITION_CYCLE),
    "applies_to with neither in nor not_in": (tool_text(GRADE + "  applies_to: {attribute: sector}\n"), ErrorCode.APPLIES_TO_SHAPE),
    "two questions with one id": (tool_text(GRADE + GRADE), ErrorCode.TOOL_DUPLICATE_ID),
    "a question without a type": (tool_text("- {id: q1, text: Rate}"), ErrorCode.QUESTION_NO_TYPE),
    "a choice question without choices": (tool_text("- {id: q1, text: Route, type: single_choice}"), ErrorCode.CHOICES_MISSING),
    "an unknown scale": (tool_text(GRADE.replace("scale: section11", "scale: section_11")), ErrorCode.UNKNOWN_SCALE_NAME),
    "an urgent grade without its answers": (tool_text(GRADE + "  urgent: true\n"), ErrorCode.URGENT_VALUES_MISSING),
    "an urgent answer not offered": (tool_text(GRADE + "  urgent: true\n  urgent_values: [Inadequate]\n"), ErrorCode.VALUE_NOT_OFFERED),
    "min on a date": (tool_text("- {id: d, text: When, type: date, min: 3}"), ErrorCode.SETTING_DOES_NOT_FIT),
    "min above max": (tool_text("- {id: n, text: Staff, type: number, min: 9, max: 3}"), ErrorCode.MIN_OVER_MAX),
    "action points no answer asks for": (tool_text(GRADE.replace("scale: section11", "scale: mine"), "scales:\n  mine: [Good, Poor]\n"), ErrorCode.ACTION_PLAN_NEVER),
    "required and required_when": (tool_text(GRADE + "- {id: q2, text: Ev, type: long_text, required: true, required_when: {question: q1, answered: true}}"), ErrorCode.REQUIRED_AND_CONDITION),
    "a local term with a capital": (tool_text(GRADE, "local_terms: {Procedures: our procedures}\n"), ErrorCode.TERM_NAME),
    "a local term never declared": (tool_text(GRADE.replace("Rate leadership", "Rate {{procedure}}"), "local_terms: {procedures: our procedures}\n"), ErrorCode.UNKNOWN_TERM),
    "a tool too long for its Excel form": (tool_text("".join(f"- {{id: q{i}, text: Q{i}, type: yes_no}}\n" for i in range(1000))), ErrorCode.FORM_TOO_LONG),
}

#: Tool messages with no broken file of their own: about audits, not tool files (their wording is still walked below).
NOT_FROM_A_TOOL_FILE = {ErrorCode.SNAPSHOT_MISSING, ErrorCode.TOOL_ORIGINAL_MISSING, ErrorCode.NUMBER_RANGE,
                        ErrorCode.TEXT_LENGTH, ErrorCode.NOT_A_DATE}


class TestEveryMessage:
    @pytest.mark.parametrize("code", list(ErrorCode), ids=lambda c: c.name)
    def test_no_catalog_message_uses_validator_or_parser_words(self, code):
        """Every message and fix in the catalog, filled in, reads as plain English (no 'should match pattern', 'valid list' …)."""
        names = {f for part in (code.what, code.hint) for _, f, _, _ in string.Formatter().parse(part) if f}
        params = {name.split(":")[0].split("[")[0]: _sample(name) for name in names}
        text = f"{code.what.format(**params)} {code.hint.format(**params)}"
        assert not jargon_in(text), text
        assert code.hint.strip(), "every message says what to do"

    @pytest.mark.parametrize("story", list(BROKEN), ids=str)
    def test_each_broken_tool_is_named_by_line_and_column_with_a_fix(self, tmp_path, story):
        """A broken tool gets its own message, placed at a line and column, with a fix and without jargon."""
        text, code = BROKEN[story]
        problems = problems_of(tmp_path, text)
        assert code in {p.code for p in problems}, [str(p) for p in problems]
        for p in problems:
            assert p.file.endswith("draft.yaml") and p.line is not None and p.column is not None, str(p)
            assert p.hint and not jargon_in(str(p)), str(p)

    def test_every_tool_message_has_a_broken_tool_that_produces_it(self):
        """The corpus above walks every code a tool file can produce: a new message must come with its broken tool."""
        tool_codes = {c for c in ErrorCode if c.name in _TOOL_BLOCK} - NOT_FROM_A_TOOL_FILE
        produced = {code for _text, code in BROKEN.values()}
        assert tool_codes <= produced, sorted(c.name for c in tool_codes - produced)

    def test_audit_yaml_mistakes_are_plain_too(self, tmp_path):
        """audit.yaml's numbers out of range, a date that is no date and an over-long marking are told plainly."""
        path = tmp_path / "audit.yaml"
        path.write_text(textwrap.dedent("""\
            audit_id: 7f1c2a9e-0000
            title: T
            partnership: Northshire SCP
            type: questionnaire
            lookback_months: 0
            deadline: soon
            created: [2027]
            protective_marking: OFFICIAL-SENSITIVE PLUS A VERY LONG LIST OF HANDLING CAVEATS FOR EVERY PAGE
            form_types: [{name: Main Tool, tool: x, per: agency}]
            """), encoding="utf-8")
        with pytest.raises(DefinitionError) as info:
            load_model(read_located(path), Audit)
        codes = {p.code for p in info.value.problems}
        assert {ErrorCode.NUMBER_RANGE, ErrorCode.BAD_VALUE, ErrorCode.NOT_A_DATE, ErrorCode.TEXT_LENGTH,
                ErrorCode.ID_FORMAT} <= codes
        for p in info.value.problems:
            assert p.line and not jargon_in(str(p)), str(p)


class TestOneRun:
    EIGHT = tool_text("""\
        - id: q1
          number: 1.1
          text: Rate leadership
          type: grade
          scale: section11
          action_plan: true
          requird: true
        - id: q2
          text: Evidence
          type: long_text
          required: false
          required_when: {question: q1, is: Partially met}
        - id: q3
          text: Reviewed on
          type: date
          min: 3
          action_plan: true
        - id: q4
          text: Told the board?
          type: yesno
          required_when: {question: q11, is: "Yes"}
        - id: q5
          text: How
          type: single_choice
          choices: Online
        """).replace("id: draft", "id: Draft Tool")

    def test_a_draft_with_eight_mistakes_gets_all_eight_in_one_run(self, tmp_path):
        """Settings, values, conditions and types wrong at once: one run of 'tools check' lists all eight, in file order."""
        problems = problems_of(tmp_path, self.EIGHT)
        codes = [p.code for p in problems]
        assert codes == [ErrorCode.ID_FORMAT, ErrorCode.UNKNOWN_SETTING, ErrorCode.CONDITION_BAD_VALUE,
                         ErrorCode.SETTING_DOES_NOT_FIT, ErrorCode.SETTING_DOES_NOT_FIT, ErrorCode.BAD_CHOICE,
                         ErrorCode.CONDITION_UNKNOWN_TARGET, ErrorCode.WRONG_TYPE], [str(p) for p in problems]
        assert [p.line for p in problems] == sorted(p.line for p in problems)

    def test_each_misspelling_gets_a_did_you_mean(self, tmp_path):
        """Ids, types, settings, scales and condition targets misspelt are each answered with the right spelling."""
        messages = " | ".join(str(p) for p in problems_of(tmp_path, self.EIGHT))
        for meant in ("'required'", "'Partly met'", "'yes_no'", "'q1'"):
            assert f"did you mean {meant}" in messages
        assert "'draft-tool'" in messages  # an id rewritten to one that keeps the rule
        # The misspelt scale is the one problem: its action points are not also called pointless.
        (scale,) = problems_of(tmp_path, tool_text(GRADE.replace("scale: section11", "scale: sectoin11")))
        assert "did you mean 'section11'" in str(scale)

    def test_a_syntax_error_comes_first_and_alone(self, tmp_path):
        """A YAML mistake stops reading: it is the one message, not buried among others it would cause."""
        text = self.EIGHT.replace("      - id: q3\n", "      - id: q3\n\t\n")
        (p,) = problems_of(tmp_path, text)
        assert p.code is ErrorCode.YAML_TAB
        assert p.line == text.splitlines().index("\t") + 1 and p.column == 1
        assert "tab" in p.message and "spaces" in p.hint

    def test_tools_check_prints_every_problem_and_exits_2(self, tmp_path):
        """'maa tools check' shows all eight, each with its line, column and what to do."""
        path = tmp_path / "draft.yaml"
        path.write_text(self.EIGHT, encoding="utf-8")
        result = CliRunner().invoke(app, ["tools", "check", str(path)], env={"COLUMNS": "250"})
        assert result.exit_code == 2
        assert result.output.count("✗") == 8 and result.output.count("→") == 8
        assert "column" in result.output and not jargon_in(result.output)


def test_a_file_too_long_to_be_a_tool_is_refused_at_its_line(tmp_path, monkeypatch):
    """More values than any tool has: refused where it goes too far, in words."""
    monkeypatch.setattr(yamlio, "MAX_NODES", 50)
    (p,) = problems_of(tmp_path, tool_text(GRADE * 5))
    assert p.code is ErrorCode.YAML_TOO_BIG and p.line and not jargon_in(str(p))


_TOOL_BLOCK = {
    "YAML_SYNTAX", "YAML_DUPLICATE_KEY", "YAML_ALIAS", "YAML_TAG", "YAML_NOT_MAPPING", "UNKNOWN_SETTING", "BAD_CHOICE",
    "MISSING_SETTING", "YAML_TOO_DEEP", "FORM_TOO_LONG",
    # The catalog's block for tools, from its first code to its last (other blocks, e.g. e-mail, follow it).
    *(c.name for c in list(ErrorCode)[list(ErrorCode).index(ErrorCode.WRONG_TYPE):
                                       list(ErrorCode).index(ErrorCode.TOOL_ORIGINAL_MISSING) + 1]),
}


def _sample(name: str):
    return {"rows": 1200, "limit": 1000, "line": 3, "first_line": 3, "min": 9, "max": 3, "length": 300,
            "need": 80, "room": 170, "count": 2, "eligible": 3, "wanted": 5}.get(name, f"<{name}>")
