"""An officer writes or edits an audit tool in YAML and maa tells them exactly what is wrong."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from maa_cli.cli import app
from maa_cli.definitions.catalog import load_tool_file
from maa_cli.definitions.tool import NA, NO, YES, roll_up
from maa_cli.errors import DefinitionError, ErrorCode

GOOD = """\
id: mini
title: Mini checklist
version: "1.0"
kind: questionnaire
sections:
  - id: s1
    title: Policy
    questions:
      - id: q1
        number: "1"
        text: Is there a policy?
        type: yes_no
        action_plan: true
      - id: q2
        number: "2"
        text: Do the procedures cover
        type: yes_no
        na: true
        parts:
          - {id: a, label: a, text: 'concerns about a child?'}
          - {id: b, label: b, text: 'allegations against staff?'}
          - {id: annual, text: 'Are they reviewed every year?'}
      - id: q3
        text: How is training delivered?
        type: multiple_choice
        choices: [In house, External course]
        other: true
"""


def _write(tmp_path, text):
    path = tmp_path / "tool.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(tmp_path, text):
    with pytest.raises(DefinitionError) as info:
        load_tool_file(_write(tmp_path, text))
    return info.value.problems


class TestToolDefinitions:
    def test_a_valid_tool_lists_every_answer_box_in_form_order(self, tmp_path):
        """Sub-parts, the unlettered closing part and companion boxes all become answer boxes."""
        tool = load_tool_file(_write(tmp_path, GOOD))
        keys = [f.key for f in tool.fields()]
        assert keys == ["q1", "q1.action", "q1.when_who", "q2.a", "q2.b", "q2.annual", "q3", "q3.other"]
        assert tool.field("q2.a").choices == (YES, NO, NA)
        assert tool.field("q2.annual").number == "2"
        assert tool.field("q2.b").number == "2b"

    def test_a_misspelt_type_names_line_and_suggests_the_right_one(self, tmp_path):
        """'yesno' is refused at its line with 'did you mean yes_no'."""
        (p,) = _problems(tmp_path, GOOD.replace("type: yes_no\n        action_plan", "type: yesno\n        action_plan"))
        assert p.code is ErrorCode.BAD_CHOICE
        assert p.line == 12 and p.question == "q1"
        assert "did you mean 'yes_no'" in p.message

    def test_an_unknown_setting_is_named_with_a_suggestion(self, tmp_path):
        """A typo in a setting name is an error, not silently ignored."""
        (p,) = _problems(tmp_path, GOOD.replace("action_plan: true", "action_plan: true\n        requird: true"))
        assert p.code is ErrorCode.UNKNOWN_SETTING and "did you mean 'required'" in p.message
        assert p.line == 14

    def test_duplicate_ids_unknown_scales_and_missing_condition_targets_are_all_reported(self, tmp_path):
        """Every cross-check problem in the file is listed at once, each at its own line."""
        broken = GOOD.replace("id: q3\n", "id: q1\n").replace(
            "action_plan: true", "action_plan: true\n        required_when: {question: q9, is: 'No'}"
        ) + "      - {id: q4, text: Grade, type: grade, scale: ofstead}\n"
        problems = _problems(tmp_path, broken)
        messages = " | ".join(p.message for p in problems)
        assert "used more than once" in messages
        assert "q9" in messages
        assert "ofstead" in messages
        assert len({p.line for p in problems}) == len(problems) == 3

    def test_duplicate_yaml_keys_are_refused(self, tmp_path):
        """YAML would silently keep the last of two equal keys; maa refuses the file."""
        (p,) = _problems(tmp_path, GOOD.replace("title: Mini checklist", "title: Mini checklist\ntitle: Again"))
        assert p.code is ErrorCode.YAML_DUPLICATE_KEY and p.line == 3

    def test_aliases_and_python_tags_are_refused(self, tmp_path):
        """Anchors/aliases (expansion bombs) and !!python tags never reach the loader."""
        bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
        assert _problems(tmp_path, bomb)[0].code is ErrorCode.YAML_ALIAS
        tagged = GOOD.replace("title: Mini checklist", "title: !!python/object/apply:os.system [echo]")
        assert _problems(tmp_path, tagged)[0].code is ErrorCode.YAML_TAG


class TestRollUp:
    def test_compliant_only_when_every_applicable_part_is_yes(self):
        """Yes needs every applicable part Yes; N/A parts leave the denominator."""
        assert roll_up([YES, YES, NA]) == YES
        assert roll_up([YES, NO, NA]) == NO
        assert roll_up([NA, NA]) == NA
        assert roll_up([YES, None]) is None
        assert roll_up([None, NO]) == NO


class TestToolsCommands:
    def test_tools_list_shows_every_built_in_tool(self):
        """`maa tools list` shows the four built-in tools by id."""
        result = CliRunner().invoke(app, ["tools", "list"], env={"COLUMNS": "200"})
        assert result.exit_code == 0
        for tool_id in ("early-years-safeguarding", "multi-agency-case-audit", "practitioner-reflection", "cp-file-review"):
            assert tool_id in result.output

    def test_tools_check_exits_2_naming_the_line(self, tmp_path):
        """A broken tool file exits 2 and the message names file and line."""
        path = _write(tmp_path, GOOD.replace("type: multiple_choice", "type: multi_choice"))
        result = CliRunner().invoke(app, ["tools", "check", str(path)], env={"COLUMNS": "200"})
        assert result.exit_code == 2
        line = GOOD.splitlines().index("        type: multiple_choice") + 1
        assert f"line {line}" in result.output and "multiple_choice" in result.output

    def test_tools_check_exits_0_for_a_valid_tool(self, tmp_path):
        """A valid tool file exits 0 and says how many questions it has."""
        result = CliRunner().invoke(app, ["tools", "check", str(_write(tmp_path, GOOD))])
        assert result.exit_code == 0 and "3 questions" in result.output


class TestMoreDefinitions:
    def test_a_single_choice_with_other_gets_a_please_specify_box(self, tmp_path):
        """'Other (please specify)' on a single choice adds the box to specify it in."""
        text = GOOD.replace("type: multiple_choice", "type: single_choice")
        tool = load_tool_file(_write(tmp_path, text))
        assert "q3.other" in [f.key for f in tool.fields()]

    def test_checking_a_missing_file_says_so_plainly(self, tmp_path):
        """A wrong path is reported as missing, not as a YAML indentation problem."""
        result = CliRunner().invoke(app, ["tools", "check", str(tmp_path / "nope.yaml")], env={"COLUMNS": "200"})
        assert result.exit_code == 2
        assert "no file by that name" in result.output and "indentation" not in result.output


class TestNumbering:
    """An officer's tool often numbers nothing: respondents then see 1, 2, 3, never an id like 'dsl_named'."""

    @staticmethod
    def _tool(questions):
        from maa_cli.definitions.tool import Tool

        return Tool.model_validate({"id": "quick", "title": "Quick", "version": "1", "kind": "questionnaire", "sections": [
            {"id": "a", "title": "A", "questions": questions[:2]}, {"id": "b", "title": "B", "questions": questions[2:]}]})

    QUESTIONS = [{"id": "dsl_named", "text": "Is there a named DSL?", "type": "yes_no", "action_plan": True},
                 {"id": "deputies", "text": "How many deputies?", "type": "number"},
                 {"id": "early_help", "text": "Do staff know the early help route?", "type": "yes_no"}]

    def test_a_tool_that_numbers_no_question_is_numbered_in_form_order_across_sections(self):
        tool = self._tool(self.QUESTIONS)
        assert [q.number for q in tool.questions()] == ["1", "2", "3"]
        assert tool.field("dsl_named.action").number == "1"

    def test_a_tool_that_numbers_any_question_keeps_its_own_numbers(self):
        numbered = [dict(self.QUESTIONS[0], number="1.1"), *self.QUESTIONS[1:]]
        assert [q.number for q in self._tool(numbered).questions()] == ["1.1", None, None]

    def test_the_form_and_the_message_for_a_missing_answer_use_the_number(self, tmp_path):
        import datetime as dt

        from openpyxl import load_workbook

        from maa_cli.forms.content import FormContent
        from maa_cli.forms.excel import write_excel_form
        from maa_cli.forms.identity import FormIdentity
        from maa_cli.intake.judging import judge
        from maa_cli.intake.readers.excel import read_excel

        tool = self._tool(self.QUESTIONS)
        content = FormContent(tool=tool, identity=FormIdentity("MAA-AAAA-BBBB", "quick", "1", "a-1"), partnership="P",
                              audit_title="A", form_title="Quick", for_whom="School", deadline=dt.date(2030, 1, 1))
        write_excel_form(content, tmp_path / "form.xlsx")
        cells = [str(c) for row in load_workbook(tmp_path / "form.xlsx")["Form"].iter_rows(values_only=True) for c in row if c]
        shown_numbers = [c for c in cells if c in ("1", "2", "3")]
        assert shown_numbers == ["1", "2", "3"]
        (issue,) = [i for i in judge(tool, read_excel(tmp_path / "form.xlsx", tool), {}).errors if i.key == "deputies"]
        assert issue.number == "2"


class TestParsedCopy:
    """audit.yaml is parsed once while unchanged: the kept copy gives back exactly what the file parses to."""

    TEXT = (
        "title: Cache\ndeadline: 2027-01-31\nwhen: 2027-01-31 09:30:00\n1: one\n2.5: yes\nnested:\n"
        "  - {a: 1, b: [x, 2.5, null, '2027-01-31']}\n  - - deep\n    - 3: three\n"
    )

    def test_the_kept_copy_is_the_parse_with_its_dates_keys_and_line_marks(self, tmp_path):
        from maa_cli.definitions.yamlio import read_located

        path, cache = tmp_path / "a.yaml", tmp_path / ".maa" / "cache" / "a.json"
        path.write_text(self.TEXT, encoding="utf-8")
        fresh = read_located(path, cache=cache)
        assert cache.exists()
        kept = read_located(path, cache=cache)
        assert kept is not fresh and kept.data == fresh.data and kept.marks == fresh.marks
        assert [type(k) for k in kept.data] == [type(k) for k in fresh.data]  # 1 and 2.5 stay keys of their kind
        assert kept.mark(("nested", 1, 1, 3)) == fresh.mark(("nested", 1, 1, 3)) == (9, 7)

    def test_a_tool_read_from_its_kept_copy_names_the_same_lines_in_its_errors(self, tmp_path):
        """The copy's line marks are made only when a message needs them, and are the file's."""
        from maa_cli.definitions.catalog import find_tool
        from maa_cli.errors import DefinitionError

        source = find_tool("early-years-safeguarding")
        broken = source.text.replace("type: yes_no", "type: yes_or_no", 1)
        assert broken != source.text
        cache = tmp_path / "cache" / "tool.json"
        found = []
        for _ in range(2):  # parsed, then read from the kept copy
            with pytest.raises(DefinitionError) as failed:
                type(source)(source.ref, broken, source.source, "tool.yaml").load(cache=cache)
            found.append([(p.line, p.column, p.message) for p in failed.value.problems])
        assert cache.exists() and found[0] == found[1] and found[0][0][0] is not None

    def test_an_edited_file_or_a_damaged_copy_is_parsed_again(self, tmp_path):
        from maa_cli.definitions.yamlio import read_located

        path, cache = tmp_path / "a.yaml", tmp_path / "cache.json"
        path.write_text(self.TEXT, encoding="utf-8")
        read_located(path, cache=cache)
        path.write_text(self.TEXT.replace("Cache", "Edited"), encoding="utf-8")
        assert read_located(path, cache=cache).data["title"] == "Edited"
        cache.write_text("{not json", encoding="utf-8")
        assert read_located(path, cache=cache).data["title"] == "Edited"
        cache.write_text('{"key": 1, "data": [], "marks": 5}', encoding="utf-8")
        assert read_located(path, cache=cache).data["title"] == "Edited"
