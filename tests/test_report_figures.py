"""Every figure in the findings report, recomputed from what the fixture respondents typed."""

from __future__ import annotations

import re

import pytest

from maa_cli.report import build_reports
from maa_cli.report.context import build_context
from maa_cli.report.figures import Count, percent, question_figures, weakest_first
from tests.test_report_fixtures import (
    FEATURES,
    GRADED,
    INCOMPLETE,
    OFSTED,
    Q_INCOMPLETE,
    TODAY,
    _case_units,
    case_audit,  # noqa: F401  (fixture)
    ey,  # noqa: F401  (fixture)
    grade_for,
)

HIDDEN = "not shown"  # how a suppressed count reads in a table (maa_cli.report.suppress.HIDDEN)


def tables(path) -> dict[str, list[list[str]]]:
    """The report's tables by caption (tblCaption), as rows of cell text."""
    import docx
    from docx.oxml.ns import qn

    out = {}
    for table in docx.Document(str(path)).tables:
        caption = table._tbl.tblPr.find(qn("w:tblCaption"))
        if caption is not None:
            out[caption.get(qn("w:val"))] = [[c.text for c in row.cells] for row in table.rows]
    return out


def body_text(path) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


@pytest.fixture(scope="module")
def case_report(case_audit):  # noqa: F811
    result = build_reports(case_audit.ws, today=TODAY)
    return result, tables(case_audit.ws.reports_dir / "findings-report.docx"), body_text(case_audit.ws.reports_dir / "findings-report.docx")


@pytest.fixture(scope="module")
def ey_report(ey):  # noqa: F811
    result = build_reports(ey.ws, today=TODAY)
    return result, tables(ey.ws.reports_dir / "findings-report.docx"), body_text(ey.ws.reports_dir / "findings-report.docx")


def accepted_units(fx):
    return [(i, unit) for i, unit in enumerate(_case_units()) if unit in fx.plan and unit not in INCOMPLETE]


class TestCount:
    def test_a_count_reads_n_of_d_with_a_whole_percentage(self):
        """3 of 5 is written '3 of 5 (60%)'; nothing to count is said in words."""
        assert Count(3, 5).text() == "3 of 5 (60%)"
        assert Count(0, 0).text().startswith("none")
        assert percent(0.4) == "<1%" and percent(99.6) == ">99%"

    def test_small_numbers_and_their_complements_are_suppressed(self):
        """With suppression at 5, 3 of 40 and 38 of 40 are both hidden; 10 of 40 is not."""
        assert Count(3, 40).suppressed(5) and Count(38, 40).suppressed(5)
        assert not Count(10, 40).suppressed(5) and "fewer than 5" in Count(3, 40).text(5)


class TestCaseAudit:
    def test_each_grade_table_matches_the_grades_typed(self, case_audit, case_report):  # noqa: F811
        """Every grade's count and percentage, per question, equals a count of the typed grades (incomplete return left out)."""
        _, found, _ = case_report
        tool = case_audit.ws.tools["case-tool"]
        units = accepted_units(case_audit)
        for j, key in enumerate(GRADED):
            q = tool.question(key)
            grades = [grade_for(i, j) for i, _ in units]
            expected = [[g, str(grades.count(g)), percent(100 * grades.count(g) / len(grades))] for g in OFSTED]
            assert found[f"Question {q.number}"][1:] == expected, key
            assert found[f"Question {q.number}"][0][2] == f"% of {len(grades)} answered"

    def test_grades_by_agency_count_each_agency_s_returns(self, case_audit, case_report):  # noqa: F811
        """The by-agency table of question 4 has, per agency, how many of each grade it gave."""
        _, found, _ = case_report
        rows = found["Question 4 by agency"]
        expected: dict[str, list[int]] = {}
        for i, (_case, agency) in accepted_units(case_audit):
            expected.setdefault(agency, [0, 0, 0, 0])[OFSTED.index(grade_for(i, 0))] += 1
        got = {r[0]: [int(x) if x else 0 for x in r[1:5]] for r in rows[1:]}
        assert got == expected

    def test_questions_are_ranked_weakest_first(self, case_audit, case_report):  # noqa: F811
        """The grade summary lists questions by share graded outstanding or good, lowest first, ties in form order."""
        _, found, _ = case_report
        tool = case_audit.ws.tools["case-tool"]
        units = accepted_units(case_audit)
        shares = []
        for j, key in enumerate(GRADED):
            good = sum(1 for i, _ in units if grade_for(i, j) in OFSTED[:2])
            shares.append((good / len(units), j, tool.question(key).number, good))
        expected = [[num, str(good), str(len(units))] for _s, _j, num, good in sorted(shares)]
        rows = found["Grades by question, weakest first"][1:]
        assert [[r[0], r[2], r[3]] for r in rows] == expected

    def test_returns_by_agency_name_who_replied_and_who_did_not(self, case_audit, case_report):  # noqa: F811
        """Forms sent, complete and incomplete per agency come from the plan; the agency with a missing return is 'Partly'."""
        _, found, text = case_report
        sent: dict[str, list[int]] = {}
        for unit in _case_units():
            row = sent.setdefault(unit[1], [0, 0, 0])
            row[0] += 1
            if unit in case_audit.plan:
                row[2 if unit in INCOMPLETE else 1] += 1
        got = {r[0]: [int(r[1]), int(r[2]), int(r[3] or 0)] for r in found["Returns by agency"][1:]}
        assert got == sent
        assert "Oakfield School returned some but not all" in text
        assert "11 forms sent, 10 returned (91%)" in text

    def test_case_features_count_each_case_once_from_complete_returns(self, case_report):  # noqa: F811
        """Domestic abuse in 3 of 4 cases; a feature ticked only on an incomplete return does not count."""
        _, _, text = case_report
        cases = {unit[0] for unit in _case_units()}
        for feature in ("Domestic abuse", "Parental mental health", "Neglect"):
            n = len({c for (c, a), ticks in FEATURES.items() if feature in ticks and (c, a) not in INCOMPLETE})
            assert f"{feature} featured in {n} of {len(cases)} cases ({percent(100 * n / len(cases))})." in text
        assert "Child exploitation featured" not in text

    def test_the_case_profile_counts_cases_by_reference_only(self, case_report):  # noqa: F811
        """Gender is counted over the four cases, and the case table has references, not names."""
        _, found, _ = case_report
        assert found["Audited cases by gender"][1:] == [["Female", "2", "50%"], ["Male", "2", "50%"]]
        assert [r[0] for r in found["The cases by reference"][1:]] == ["A", "B", "C", "D"]

    def test_the_urgent_question_is_neither_ranked_nor_reported(self, case_report):  # noqa: F811
        """A current concern is for acting on the same day, not for a published ranking."""
        _, found, text = case_report
        assert "Compliance by question, weakest first" not in found
        assert "raise a concern that a child may be at risk now" not in text


def rolled(tool, answers: dict, qid: str):
    """The roll-up rule, written out again for the test."""
    q = tool.question(qid)
    values = [answers.get(f"{qid}.{p.id}") for p in q.parts] if q.parts else [answers.get(qid)]
    live = [v for v in values if v != "N/A"]
    if not live:
        return "N/A"
    return "No" if "No" in live else "Yes"


class TestQuestionnaire:
    def accepted(self, ey):  # noqa: F811
        return {name: a for name, a in ey.plan.items() if name not in Q_INCOMPLETE}

    def test_compliance_per_question_rolls_parts_up_and_leaves_na_out(self, ey, ey_report):  # noqa: F811
        """Met / answered / % per yes-no question, weakest first, equals a count over the typed answers."""
        _, found, _ = ey_report
        tool = ey.ws.tools[ey.ws.audit.form_types[0].name]
        rows = []
        for q in tool.questions():
            if q.type != "yes_no" or q.urgent:
                continue
            values = [rolled(tool, a, q.id) for a in self.accepted(ey).values()]
            met, answered = values.count("Yes"), values.count("Yes") + values.count("No")
            rows.append((met / answered, len(rows), [q.number, str(met), str(answered), percent(100 * met / answered)]))
        expected = [r for _s, _i, r in sorted(rows)]
        got = [[r[0], r[2], r[3], r[4].split(" ")[0]] for r in found["Compliance by question, weakest first"][1:]]
        assert got == expected

    def test_question_5_leaves_the_childminder_s_na_out(self, ey, ey_report):  # noqa: F811
        """The deputy-lead question does not apply to childminders: 4 answered, 1 N/A left out."""
        _, found, _ = ey_report
        assert found["Question 5"][0][2] == "% of 4 answered"

    def test_compliance_by_setting_type(self, ey, ey_report):  # noqa: F811
        """Question 1 by setting type: day nurseries 0 of 2, pre-schools 2 of 2, childminders 1 of 1."""
        _, found, _ = ey_report
        got = {r[0]: (r[1], r[2]) for r in found["Question 1 by setting type"][1:]}
        assert got == {"Childminder": ("1", "1"), "Day nursery": ("0", "2"), "Pre-school": ("2", "2")}

    def test_non_responders_are_named(self, ey_report):  # noqa: F811
        """The setting that never replied is named; the one whose return is incomplete counts as replied, marked Incomplete."""
        _, found, text = ey_report
        assert "No response was received from Grange Nursery." in text
        responses = {r[0]: r[5] for r in found["Returns by agency"][1:]}
        assert responses["Grange Nursery"] == "No response" and responses["Fern Childminding"] == "Incomplete"

    def test_figures_are_pure_and_agree_with_the_context(self, ey, ey_report):  # noqa: F811
        """question_figures on plain records gives the context's figures exactly, touches no file, and its
        weakest-first order (rates never falling, ties in form order) is the report table's order."""
        import copy

        from maa_cli.intake.collect import load_responses

        ctx = build_context(ey.ws, today=TODAY)
        name = ey.ws.audit.form_types[0].name
        tool = ey.ws.tools[name]
        records = load_responses(ey.ws, statuses=("accepted", "incomplete"))
        frozen = copy.deepcopy(records)
        again = question_figures(name, tool, records, ctx.groups(name))
        assert records == frozen  # pure: the records are not changed
        assert again == question_figures(name, tool, records, ctx.groups(name))  # and the same twice
        assert [(qf.number, qf.distribution, qf.compliance, qf.positive, qf.by_group) for qf in again] == [
            (qf.number, qf.distribution, qf.compliance, qf.positive, qf.by_group) for qf in ctx.figures[name]]
        typed = self.accepted(ey)
        for qf in again:
            if qf.kind == "yes_no" and not qf.question.urgent:
                values = [rolled(tool, a, qf.question.id) for a in typed.values()]
                assert (qf.compliance.n, qf.compliance.of) == (values.count("Yes"), values.count("Yes") + values.count("No")), qf.number
        ranked = [qf for qf in weakest_first(again) if qf.kind == "yes_no"]
        order = [qf.number for qf in again]
        for a, b in zip(ranked, ranked[1:], strict=False):
            ra, rb = a.compliance.n / a.compliance.of, b.compliance.n / b.compliance.of
            assert ra < rb or (ra == rb and order.index(a.number) < order.index(b.number)), (a.number, b.number)
        _, found, _ = ey_report
        assert [r[0] for r in found["Compliance by question, weakest first"][1:]] == [qf.number for qf in ranked]

    def test_setting_actions_list_every_rolled_up_no(self, ey, ey_report):  # noqa: F811
        """The data workbook's Setting actions sheet has one row per question rolled up to No in a complete return."""
        from openpyxl import load_workbook

        tool = ey.ws.tools[ey.ws.audit.form_types[0].name]
        expected = sorted((name, q.number) for name, a in self.accepted(ey).items() for q in tool.questions()
                          if q.type == "yes_no" and rolled(tool, a, q.id) == "No")
        sheet = load_workbook(ey.ws.reports_dir / "restricted" / "data-workbook.xlsx")["Setting actions"]
        head = [c.value for c in sheet[1]]
        got = sorted((row[head.index("Agency")], row[head.index("No.")]) for row in sheet.iter_rows(min_row=2, values_only=True))
        assert got == expected
        responses = load_workbook(ey.ws.reports_dir / "restricted" / "data-workbook.xlsx")["Responses"]
        assert responses.max_row == 1 + len(self.accepted(ey))

    def test_each_setting_gets_its_own_action_plan(self, ey, ey_report):  # noqa: F811
        """Bluebell's plan lists question 3 as 'No (a, b)' and question 7 as 'No (a)', each with its action points."""
        from openpyxl import load_workbook

        sheet = load_workbook(ey.ws.reports_dir / "respondents" / "Bluebell Pre-school.xlsx")["Action plan"]
        rows = [r for r in sheet.iter_rows(values_only=True) if r[0] in ("3", "7")]
        assert [(r[0], r[2], r[3]) for r in rows] == [("3", "No (a, b)", "Review q3 with staff"), ("7", "No (a)", "Review q7 with staff")]
        church = load_workbook(ey.ws.reports_dir / "respondents" / "Church Lane Childminding.xlsx")["Action plan"]
        assert any("No actions" in str(c.value) for row in church.iter_rows() for c in row)
        assert sorted(p.stem for p in (ey.ws.reports_dir / "respondents").glob("*.xlsx")) == sorted(self.accepted(ey))


class TestSmallNumbers:
    def test_suppression_hides_small_counts_and_their_percentages(self, ey, ey_report):  # noqa: F811
        """With suppress_below=5, a met count of 1 to 4 reads 'fewer than 5', one whose complement is that small
        is 'not shown', and neither has a percentage."""
        build_reports(ey.ws, today=TODAY, suppress_below=5)
        rows = tables(ey.ws.reports_dir / "findings-report.docx")["Compliance by question, weakest first"][1:]
        assert any(r[2] == "fewer than 5" for r in rows)
        for r in rows:
            if r[2] in ("fewer than 5", HIDDEN):
                assert r[4].startswith("\u2013")
            else:
                n, answered = int(r[2]), int(r[3])
                assert n == 0 or n >= 5
                assert answered - n == 0 or answered - n >= 5  # the complement would give the small number away
        text = body_text(ey.ws.reports_dir / "findings-report.docx")
        assert "Counts below 5 are not shown" in text
        build_reports(ey.ws, today=TODAY)  # leave the fixture's reports as they were

    def test_a_count_whose_complement_is_small_is_not_called_a_small_number(self):
        """38 of 40 hides the 2 that were not; it is 'all but a small number', not 'a small number'."""
        assert Count(38, 40).text(5, "cases") == "all but a small number (fewer than 5) of 40 cases"
        assert Count(3, 40).text(5, "cases") == "a small number (fewer than 5) of 40 cases"

    def test_a_lone_hidden_count_is_hidden_with_another_so_totals_cannot_give_it_away(self):
        """Grades 10, 9 and 1 of 20: the 1 and the 9 are both hidden; a small row total hides its whole row,
        and a second row with it, since the row totals add up to the number answered."""
        from maa_cli.report.suppress import ShownTable, hide

        assert hide([10, 9, 0, 1], [[0, 1, 2, 3]], 5) == [False, True, False, True]
        table = ShownTable([[0, 0, 0, 1], [5, 6, 7, 0], [8, 9, 5, 6]], [1, 18, 28], 5)
        assert table.total(0) == "fewer than 5" and table.cell(0, 3) == HIDDEN
        assert all(table.mask[1]) and table.total(1) == HIDDEN  # else 47 - 28 - 18 gives the 1 back
        assert table.cell(2, 0) == "8" and table.total(2) == "28"
        assert hide([3, 4], [[0, 1]], None) == [False, False]


SMALL = re.compile(r"^[1-4]$")
RESULT_TABLES = ("Question", "Compliance", "Grades", "Audited cases by", "Themes")
LABELS = {"No.", "Question", "Part", "Theme"}


def _suppressed(fx, tmp_path):
    """A copy of a fixture audit reported with suppress_below=5: (tables, body text)."""
    import shutil

    from maa_cli.setup.workspace import open_workspace

    shutil.copytree(fx.ws.root, tmp_path / "copy")
    ws = open_workspace(tmp_path / "copy")
    build_reports(ws, today=TODAY, suppress_below=5)
    report = ws.reports_dir / "findings-report.docx"
    return ws, tables(report), body_text(report)


@pytest.fixture(scope="module")
def ey_suppressed(ey, tmp_path_factory):  # noqa: F811
    return _suppressed(ey, tmp_path_factory.mktemp("ey-small"))


@pytest.fixture(scope="module")
def case_suppressed(case_audit, tmp_path_factory):  # noqa: F811
    return _suppressed(case_audit, tmp_path_factory.mktemp("case-small"))


@pytest.mark.parametrize("which", ["ey_suppressed", "case_suppressed"])
class TestSuppressionCannotBeUndone:
    def test_no_results_table_prints_a_count_from_1_to_4(self, which, request):
        """Counts, answered totals (n), N/A columns: no cell of a results table shows 1, 2, 3 or 4."""
        _ws, found, _text = request.getfixturevalue(which)
        checked = 0
        for caption, rows in found.items():
            if not caption.startswith(RESULT_TABLES):
                continue
            head = rows[0]
            for row in rows[1:]:
                for i, value in enumerate(row):
                    if i == 0 or head[i] in LABELS:
                        continue
                    checked += 1
                    assert not SMALL.match(value.strip()), (caption, head[i], row)
        assert checked > 50

    def test_no_hidden_count_can_be_worked_out_from_a_total(self, which, request):
        """Where a total is printed, a row or column never has exactly one count hidden."""
        _ws, found, _text = request.getfixturevalue(which)
        for caption, rows in found.items():
            head, body = rows[0], rows[1:]
            if re.fullmatch(r"Question \S+", caption) and re.search(r"of \d+ answered", head[2]):
                assert sum(r[1] == HIDDEN for r in body) != 1, caption
            elif re.fullmatch(r"Question \S+ by .+", caption) and head[-1] == "n":
                for r in body:
                    if r[-1].isdigit():
                        assert sum(c == HIDDEN for c in r[1:-1]) != 1, (caption, r)
                for col in range(1, len(head) - 1):
                    assert sum(r[col] == HIDDEN for r in body) != 1, (caption, head[col])
            elif re.fullmatch(r"Question \S+ by .+", caption) and body[-1][0] == "Answered (n)":
                for col in range(1, len(head)):  # turned: a column per group, with its total in the last row
                    if body[-1][col].isdigit():
                        assert sum(r[col] == HIDDEN for r in body[:-1]) != 1, (caption, head[col])
                for r in body[:-1]:  # and a row per value, adding up to the value's count in the main table
                    assert sum(c == HIDDEN for c in r[1:]) != 1, (caption, r)
            elif re.fullmatch(r"Question \S+ by .+", caption) and head[1] == "Met" or caption.startswith("Audited cases by"):
                assert sum(r[1] == HIDDEN for r in body) != 1, caption

    def test_the_left_out_line_prints_no_small_count(self, which, request):
        """'left out: 1 answered N/A' would undo the table above it."""
        _ws, _found, text = request.getfixturevalue(which)
        assert not re.search(r"\b[1-4] (answered N/A|did not answer)\b", text)


class TestCasesBySuppression:
    def test_with_suppression_no_row_describes_one_child(self, case_suppressed):
        """The cases table keeps the reference and counts only; gender and quadrant are given in total."""
        _ws, found, text = case_suppressed
        assert found["The cases by reference"][0] == ["Case", "Agencies involved", "Complete returns", "Audited"]
        assert [r[0] for r in found["The cases by reference"][1:]] == ["A", "B", "C", "D"]
        assert "Audited cases by gender: not shown, as every count is below 5" in text and "described in total only" in text
        assert "Audited cases by gender" not in found  # no table listing which genders are present among four children

    def test_even_without_suppression_no_row_describes_one_child(self, case_report):
        """With suppression off too, the shareable report lists cases by reference and returns only: a case's
        profile (gender, quadrant, age) is in the restricted panel pack, never in one row of a shareable table."""
        _, found, _ = case_report
        assert found["The cases by reference"][0] == ["Case", "Agencies involved", "Complete returns", "Audited"]
