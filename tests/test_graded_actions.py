"""A graded self-assessment asks for actions where the rating falls short, and they reach every action plan."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from openpyxl import load_workbook

from maa_cli.definitions.scales import BUILT_IN_SCALES
from maa_cli.definitions.tool import Tool, not_met
from maa_cli.intake.judging import judge
from maa_cli.intake.readers.raw import RawAnswer, RawReturn
from maa_cli.report.figures import setting_actions
from tests.conftest import build_files
from tests.fill import fill_excel

RATED = {
    "id": "s11-mini", "title": "Section 11 self-assessment", "version": "1.0", "kind": "questionnaire",
    "scales": {"confidence": ["High", "Low"]},
    "sections": [{"id": "s2", "title": "Standard 2", "questions": [
        {"id": "s2_1", "number": "2.1", "text": "Senior leadership is accountable for safeguarding.", "type": "grade",
         "scale": "section11", "action_plan": True, "action_date": True},
        {"id": "s2_2", "number": "2.2", "text": "Staff training is up to date.", "type": "grade", "scale": "section11",
         "action_plan": True},
        {"id": "s2_3", "number": "2.3", "text": "Which checks are in place?", "type": "multiple_choice",
         "choices": ["DBS checks", {"value": "None yet", "rag": "red", "meets": False}], "action_plan": True},
        {"id": "s2_4", "number": "2.4", "text": "Is there a safeguarding policy?", "type": "yes_no", "action_plan": True},
        {"id": "s2_5", "number": "2.5", "text": "How confident are staff?", "type": "grade", "scale": "confidence"},
    ]}],
}


def rated() -> Tool:
    return Tool.model_validate(RATED)


def returned(answers: dict) -> RawReturn:
    raw = RawReturn(path=None, format="xlsx")
    raw.answers = {k: RawAnswer(k, v, f"Form!D{i}", "name") for i, (k, v) in enumerate(answers.items(), 5)}
    return raw


ALL_MET = {"s2_1": "Fully met", "s2_2": "Fully met", "s2_3": "DBS checks", "s2_4": "Yes", "s2_5": "Low"}


class TestScalesSayWhatTheyMean:
    def test_built_in_scales_carry_their_colour_and_whether_they_meet_the_standard(self):
        """Partly met is amber and does not meet; Good is green and meets; Red is red and does not."""
        levels = {str(level): level for scale in BUILT_IN_SCALES.values() for level in scale}
        assert (levels["Partly met"].rag, levels["Partly met"].meets) == ("amber", False)
        assert (levels["Not met"].rag, levels["Not met"].meets) == ("red", False)
        assert (levels["Good"].rag, levels["Good"].meets) == ("green", True)
        assert (levels["Requires improvement"].rag, levels["Red"].meets) == ("amber", False)

    def test_a_plain_list_scale_stays_valid_and_means_nothing(self):
        """An officer's own scale written as plain words works as before; none of its answers needs action."""
        tool = rated()
        assert tool.choices_for(tool.question("s2_5")) == ["High", "Low"]
        assert not_met(tool, tool.question("s2_5"), {"s2_5": "Low"}) == []

    def test_needs_action_is_one_rule_for_every_answer_type(self):
        """No, a level marked not met and a ticked choice marked not met all need action; N/A and blanks never do."""
        tool = rated()
        answers = {"s2_1": "Partly met", "s2_2": "Fully met", "s2_3": ["DBS checks", "None yet"], "s2_4": "No"}
        needing = {q.id: [str(n.level) for n in not_met(tool, q, answers)] for q in tool.questions()}
        assert needing == {"s2_1": ["Partly met"], "s2_2": [], "s2_3": ["None yet"], "s2_4": ["No"], "s2_5": []}


class TestValidation:
    def test_a_rating_of_not_met_without_actions_makes_the_return_incomplete(self):
        """Rated Not met with no action points: incomplete, naming question 2.2 and the rating."""
        j = judge(rated(), returned(ALL_MET | {"s2_2": "Not met"}))
        (issue,) = j.errors
        assert (issue.number, issue.key) == ("2.2", "s2_2.action")
        assert "because the answer is Not met" in issue.message

    def test_partly_met_with_actions_is_accepted_but_the_target_date_is_asked_for(self):
        """Partly met with action points but no target date: the date is asked for where the tool wants one."""
        j = judge(rated(), returned(ALL_MET | {"s2_1": "Partly met", "s2_1.action": "Board to review", "s2_1.when_who": "Chair"}))
        assert [(i.key, i.number) for i in j.errors] == [("s2_1.due", "2.1")]
        j = judge(rated(), returned(ALL_MET | {"s2_1": "Partly met", "s2_1.action": "Board to review", "s2_1.due": "31/03/2027"}))
        assert j.complete and any("when or who" in i.message for i in j.warnings)

    def test_a_fully_met_rating_needs_no_actions(self):
        """Every standard met: complete, and nothing asked for in the action boxes."""
        assert judge(rated(), returned(ALL_MET)).complete

    def test_a_choice_marked_not_met_needs_actions_too(self):
        """Ticking 'None yet' (meets: false) asks for action points like a No would."""
        j = judge(rated(), returned(ALL_MET | {"s2_3": "None yet"}))
        assert [i.key for i in j.errors] == ["s2_3.action"]


class TestActionPlans:
    def test_graded_answers_become_rows_with_the_respondents_own_action_owner_and_date(self):
        """Partly met and Not met each give a row with the answer, the action, when/who and the target date."""
        record = {"form_id": "MAA-1", "agency": "Police", "status": "accepted", "answers": ALL_MET | {
            "s2_1": "Partly met", "s2_1.action": "Board to review", "s2_1.when_who": "Chair", "s2_1.due": "2027-03-31",
            "s2_2": "Not met", "s2_2.action": "Book training", "s2_4": "No", "s2_4.action": "Write one"}}
        rows = setting_actions(rated(), [record])
        assert [(r.number, r.answer, r.action, r.when_who, r.due, r.rag) for r in rows] == [
            ("2.1", "Partly met", "Board to review", "Chair", "2027-03-31", "amber"),
            ("2.2", "Not met", "Book training", "", None, "red"),
            ("2.4", "No", "Write one", "", None, "red"),
        ]


@pytest.fixture
def graded_audit(tmp_path):
    """A Section 11-style questionnaire audit, issued to three agencies (an officer's own tool file)."""
    import yaml

    from maa_cli.forms.plan import issue_forms
    from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace

    files = build_files(tmp_path / "in", {
        "s11.yaml": yaml.safe_dump(RATED, sort_keys=False),
        "agencies.csv": "agency,contact_name,email\nPolice,A,a@p.example\nHealth,B,b@h.example\nCouncil,C,c@c.example\n",
    })
    root = tmp_path / "s11"
    new_audit(root, NewAudit(title="S11 2027", partnership="Northshire SCP", tool=str(files["s11.yaml"]),
                             agencies_csv=files["agencies.csv"], deadline=dt.date(2030, 3, 31),
                             return_to="audits@northshire.example"))
    ws = open_workspace(root)
    issue_forms(ws)
    return ws


def _return(ws, agency: str, answers: dict):
    from maa_cli.forms.plan import plan_forms

    (planned,) = [f for f in plan_forms(ws) if f.agency == agency]
    choices = list(rated().field("s2_3").choices)
    answers = {k: v for k, v in answers.items() if k != "s2_3"} | {f"s2_3#{choices.index(answers['s2_3'])}": "Yes"}
    target = fill_excel(ws.forms_dir / planned.relpath, ws.returns_dir / f"{agency}.xlsx", answers)
    an_hour_ago = time.time() - 3600
    os.utime(target, (an_hour_ago, an_hour_ago))


def test_each_respondents_own_plan_and_the_data_workbook_list_its_graded_actions(graded_audit):
    """Police rated 2.1 Partly met and 2.2 Not met with actions: its plan and the actions sheet list both; Health's plan says nothing needs action."""
    from maa_cli.intake.collect import collect
    from maa_cli.report import build_reports

    ws = graded_audit
    _return(ws, "Police", ALL_MET | {"s2_1": "Partly met", "s2_1.action": "Board to review", "s2_1.when_who": "Chair",
                                     "s2_1.due": dt.date(2027, 3, 31), "s2_2": "Not met", "s2_2.action": "Book training"})
    _return(ws, "Health", ALL_MET)
    _return(ws, "Council", ALL_MET | {"s2_2": "Not met"})
    decided = {f.agency: f for f in collect(ws).files}
    assert decided["Police"].status == "accepted", decided["Police"].reasons
    assert decided["Council"].status == "incomplete"
    assert any("2.2" in reason and "Not met" in reason for reason in decided["Council"].reasons)

    build_reports(ws)
    plan = load_workbook(ws.reports_dir / "respondents" / "Police.xlsx").active
    rows = [r for r in plan.iter_rows(values_only=True) if r[0] in ("2.1", "2.2")]
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [("2.1", "Partly met", "Board to review", "Chair; by 31/03/2027"),
                                                        ("2.2", "Not met", "Book training", None)]
    health = [c for row in load_workbook(ws.reports_dir / "respondents" / "Health.xlsx").active.iter_rows(values_only=True)
              for c in row if c]
    assert any("none of your answers needs action" in str(c) for c in health)
    data = load_workbook(ws.reports_dir / "restricted" / "data-workbook.xlsx")
    actions = next(data[name] for name in data.sheetnames if "action" in name.casefold())
    listed = [row for row in actions.iter_rows(values_only=True) if "Partly met" in row or "Not met" in row]
    assert len(listed) == 2 and any("Board to review" in row for row in listed)


def _collected(ws):
    from maa_cli.intake.collect import collect

    _return(ws, "Police", ALL_MET | {"s2_1": "Partly met", "s2_1.action": "Board to review", "s2_1.when_who": "Chair",
                                     "s2_1.due": dt.date(2027, 3, 31)})
    _return(ws, "Health", ALL_MET | {"s2_4": "No", "s2_4.action": "Write one"})
    _return(ws, "Council", ALL_MET | {"s2_2": "Not met"})
    collect(ws)
    return ws


def _report_text(ws) -> tuple[str, dict[tuple[str, str], str]]:
    """The findings report's text, and its matrix cells: (agency, question number) -> cell text."""
    from docx import Document

    doc = Document(ws.reports_dir / "findings-report.docx")
    cells, texts = {}, [p.text for p in doc.paragraphs]
    for table in doc.tables:
        rows = [[c.text for c in row.cells] for row in table.rows]
        texts += [" ".join(r) for r in rows]
        if rows[0][0] == "Respondent":
            cells |= {(r[0], rows[0][i]): t for r in rows[1:] for i, t in enumerate(r) if i}
    return "\n".join(texts), cells


def test_the_findings_report_compares_the_agencies_ratings_side_by_side(graded_audit):
    """Three agencies: the report shows each one's rating as word and colour, marks the incomplete one, gives no
    period looked at (a self-assessment rates today) and holds back no count (no child is counted)."""
    from maa_cli.report import build_reports

    ws = _collected(graded_audit)
    assert ws.audit.suppress_below is None
    build_reports(ws)
    text, cells = _report_text(ws)
    assert "Answers by agency" in text
    assert cells[("Police", "2.1")] == "Partly met · Amber" and cells[("Health", "2.1")] == "Fully met · Green"
    assert cells[("Health", "2.4")] == "No · Red" and cells[("Council", "2.1")] == "No return"
    assert "Period looked at" not in text and "fewer than" not in text and "not shown" not in text


def test_matrix_in_report_false_keeps_it_to_the_data_workbook(graded_audit):
    """A partnership whose respondents are named after people turns the report's matrix off; the workbook keeps it."""
    from maa_cli.report import build_reports
    from maa_cli.setup.workspace import audit_yaml, open_workspace

    ws = graded_audit
    audit = ws.audit.model_copy(update={"matrix_in_report": False})
    (ws.root / "audit.yaml").write_text(audit_yaml(audit), encoding="utf-8")
    ws = _collected(open_workspace(ws.root))
    build_reports(ws)
    text, cells = _report_text(ws)
    assert not cells and "Answers by agency" not in text
    sheet = load_workbook(ws.reports_dir / "restricted" / "data-workbook.xlsx")["Matrix"]
    rows = {row[0]: row[1:] for row in sheet.iter_rows(min_row=5, values_only=True)}
    assert rows["Police"][0] == "Partly met · Amber" and set(rows["Council"]) == {"No return"}


def test_an_audit_about_cases_or_many_settings_still_suppresses_by_default():
    """Unset, suppress_below is 0 only for a few named agencies answering about themselves; an audit with forms per
    case, or a questionnaire whose respondents are many or childminders, holds back counts below 5; a value set is kept."""
    from maa_cli.definitions.audit import Audit
    from maa_cli.report.context import default_suppression

    base = {"audit_id": "abc123", "title": "T", "partnership": "P", "type": "case_audit"}
    per_case = Audit.model_validate(base | {"cases": [{"case_ref": "C1"}],
                                            "form_types": [{"name": "c", "tool": "multi-agency-case-audit", "per": "agency_case"}]})
    per_agency = Audit.model_validate(base | {"type": "questionnaire", "form_types": [{"name": "q", "tool": "x", "per": "agency"}]})
    assert default_suppression(per_case, ["workbook"]) == 5
    assert (default_suppression(per_agency, ["report"]), default_suppression(per_agency, ["workbook"])) == (0, 5)
    assert default_suppression(per_agency.model_copy(update={"suppress_below": 3}), ["report"]) == 3


def test_the_restricted_pack_puts_each_rating_beside_what_was_written_about_it(graded_audit):
    """Question by question, the panel pack has a row per agency that wrote something: its rating, action points,
    when / who and target date together; agencies that wrote nothing there, and boxes no one wrote in, are left out."""
    from docx import Document

    from maa_cli.report import build_reports

    ws = _collected(graded_audit)
    build_reports(ws)
    doc = Document(ws.reports_dir / "restricted" / "Panel pack - answers by question.docx")
    tables = {table.rows[0].cells[0].text + str(i): [[c.text for c in row.cells] for row in table.rows]
              for i, table in enumerate(doc.tables)}
    by_question = [rows for rows in tables.values() if rows[0][0] == "Respondent"]
    assert by_question[0] == [["Respondent", "Answer", "Action points", "When / who", "Target date"],
                              ["Police", "Partly met", "Board to review", "Chair", "31/03/2027"]]
    assert by_question[1] == [["Respondent", "Answer", "Action points"], ["Health", "No", "Write one"]]  # no one wrote when
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading 2")]
    assert headings == ["2.1 Senior leadership is accountable for safeguarding.", "2.4 Is there a safeguarding policy?"]


def test_a_grade_counts_as_good_by_what_its_level_means():
    """On a four-level scale where three levels meet the standard, three count as good, not the 'better half'."""
    from maa_cli.report.figures import positive_values, question_figures

    tool = Tool.model_validate(RATED | {"scales": {"four": [
        {"value": "Strong", "meets": True}, {"value": "Good", "meets": True}, {"value": "Adequate", "meets": True},
        {"value": "Weak", "meets": False}]}, "sections": [{"id": "s", "title": "S", "questions": [
            {"id": "g", "text": "Rate it", "type": "grade", "scale": "four"}]}]})
    assert positive_values(tool, tool.question("g")) == ("Strong", "Good", "Adequate")
    records = [{"form_id": f"F{i}", "form_type": "t", "status": "accepted", "answers": {"g": v}}
               for i, v in enumerate(["Adequate", "Weak", "Strong"])]
    (qf,) = question_figures("t", tool, records)
    assert (qf.positive.n, qf.positive.of, qf.positive_label) == (2, 3, "meeting the standard")


def test_a_number_question_is_broken_down_by_respondent_attribute_too():
    """Every question type has its breakdown: a number's median, lowest and highest per sector."""
    from maa_cli.report.figures import question_figures

    tool = Tool.model_validate(RATED | {"sections": [{"id": "s", "title": "S", "questions": [
        {"id": "staff", "text": "How many staff?", "type": "number"}]}]})
    records = [{"form_id": f"F{i}", "form_type": "t", "status": "accepted", "answers": {"staff": n}}
               for i, n in enumerate([4, 10, 7, 30])]
    sector = {"F0": "Health", "F1": "Health", "F2": "Police", "F3": "Police"}
    (qf,) = question_figures("t", tool, records, {"sector": sector})
    assert qf.numbers_by_group == {"sector": {"Health": [4, 10], "Police": [7, 30]}}


def test_the_report_breaks_a_number_down_by_sector(tmp_path):
    """Six agencies in two sectors: the findings report gives each sector's median, lowest and highest staff count."""
    import yaml
    from docx import Document

    from maa_cli.forms.plan import issue_forms, plan_forms
    from maa_cli.intake.collect import collect
    from maa_cli.report import build_reports
    from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace

    tool = RATED | {"sections": [{"id": "s", "title": "About you", "questions": [
        {"id": "staff", "number": "1", "text": "How many staff work with children?", "type": "number"}]}]}
    staff = {"Police": 40, "Probation": 12, "Youth Justice": 9, "Health": 300, "GP Federation": 25, "Hospice": 18}
    sector = {"Police": "Justice", "Probation": "Justice", "Youth Justice": "Justice"}
    rows = "".join(f"{a},x,{i}@a.example,{sector.get(a, 'Health')}\n" for i, a in enumerate(staff))
    files = build_files(tmp_path / "in", {"t.yaml": yaml.safe_dump(tool, sort_keys=False),
                                          "agencies.csv": "agency,contact_name,email,sector\n" + rows})
    new_audit(tmp_path / "a", NewAudit(title="Staffing", partnership="Northshire SCP", tool=str(files["t.yaml"]),
                                       agencies_csv=files["agencies.csv"], deadline=dt.date(2030, 3, 31),
                                       return_to="audits@northshire.example"))
    ws = open_workspace(tmp_path / "a")
    issue_forms(ws)
    for f in plan_forms(ws):
        fill_excel(ws.forms_dir / f.relpath, ws.returns_dir / f"{f.agency}.xlsx", {"staff": staff[f.agency]})
        os.utime(ws.returns_dir / f"{f.agency}.xlsx", (time.time() - 3600,) * 2)
    collect(ws)
    build_reports(ws)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in Document(ws.reports_dir / "findings-report.docx").tables]
    assert [["Sector", "Answers", "Median", "Lowest", "Highest"], ["Health", "3", "25", "18", "300"],
            ["Justice", "3", "12", "9", "40"]] in tables


def test_without_action_points_the_report_says_why_there_are_no_respondent_plans(tmp_path):
    """A rated tool without 'action_plan': no reports/respondents/, and 'maa report' says why and what to add."""
    import yaml

    from maa_cli.forms.plan import issue_forms, plan_forms
    from maa_cli.intake.collect import collect
    from maa_cli.report import build_reports
    from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace

    tool = RATED | {"sections": [{"id": "s", "title": "S", "questions": [
        {"id": "g", "number": "1", "text": "Rate leadership", "type": "grade", "scale": "section11"}]}]}
    files = build_files(tmp_path / "in", {"t.yaml": yaml.safe_dump(tool, sort_keys=False),
                                          "agencies.csv": "agency,contact_name,email\nPolice,A,a@p.example\n"})
    new_audit(tmp_path / "a", NewAudit(title="S11", partnership="Northshire SCP", tool=str(files["t.yaml"]),
                                       agencies_csv=files["agencies.csv"], deadline=dt.date(2030, 3, 31),
                                       return_to="audits@northshire.example"))
    ws = open_workspace(tmp_path / "a")
    issue_forms(ws)
    (form,) = plan_forms(ws)
    fill_excel(ws.forms_dir / form.relpath, ws.returns_dir / "police.xlsx", {"g": "Not met"})
    os.utime(ws.returns_dir / "police.xlsx", (time.time() - 3600,) * 2)
    collect(ws)
    result = build_reports(ws)
    assert not (ws.reports_dir / "respondents").exists()
    assert any("no respondent action plans" in note and "action_plan: true" in note for note in result.notes)
