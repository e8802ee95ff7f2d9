"""An early report counts cases and returns one way: chosen, audited, sent, returned, complete."""

from __future__ import annotations

import re

import pytest

from maa_cli.definitions.audit import FormType
from maa_cli.forms.plan import issue_forms, plan_forms
from maa_cli.intake.collect import collect
from maa_cli.report import build_reports
from maa_cli.setup.workspace import NewAudit, audit_yaml, new_audit, open_workspace
from tests.conftest import build_files
from tests.fill import fill_excel
from tests.test_report_conclusions import document
from tests.test_report_fixtures import CASE_AGENCIES, DEADLINE, GRADED, TODAY, case_answers

THREE_CASES = """\
case_ref,child_name,date_of_birth,agencies,last_involvement,gender
A,Ellie Marsh,14/02/2019,Police;Children's Social Care,03/09/2026,Female
B,Jayden Cole,01/08/2024,Children's Social Care;Health Visiting,21/07/2026,Male
C,Amelia Novak,30/11/2012,Police;Oakfield School,12/06/2026,Female
"""


@pytest.fixture(scope="module")
def early(tmp_path_factory):
    """Three cases chosen; a week in, one complete return (case A), one incomplete (case B), nothing for case C."""
    root = tmp_path_factory.mktemp("early")
    inputs = build_files(root / "inputs", {"agencies.csv": CASE_AGENCIES, "cases.csv": THREE_CASES})
    new_audit(root / "maca", NewAudit(
        title="MACA: neglect", partnership="Northshire SCP", type="case_audit", theme="Neglect",
        deadline=DEADLINE, return_to="audits@northshire.example", agencies_csv=inputs["agencies.csv"],
        cases_csv=inputs["cases.csv"], today=TODAY,
        form_types=[FormType(name="case-tool", tool="multi-agency-case-audit", per="agency_case", format="xlsx")],
    ))
    ws = open_workspace(root / "maca")
    (ws.root / "audit.yaml").write_text(audit_yaml(ws.audit.model_copy(update={"suppress_below": 0})), encoding="utf-8")
    ws = open_workspace(root / "maca")
    issue_forms(ws)
    forms = {(f.case_ref, f.agency): f for f in plan_forms(ws)}
    complete = case_answers(0, "A", "Police")
    incomplete = {k: v for k, v in case_answers(1, "B", "Health Visiting").items() if k != GRADED[0]}
    fill_excel(ws.forms_dir / forms[("A", "Police")].relpath, ws.returns_dir / "a.xlsx", complete)
    fill_excel(ws.forms_dir / forms[("B", "Health Visiting")].relpath, ws.returns_dir / "b.xlsx", incomplete)
    collect(ws, settle_seconds=0)
    build_reports(ws, today=TODAY)
    return ws


def _numbers(pattern: str, text: str) -> set[str]:
    return set(re.findall(pattern, text))


class TestOneWayOfCounting:
    def test_the_report_never_says_more_cases_were_audited_than_have_a_complete_return(self, early):
        """Three cases chosen, one audited: every sentence that says how many were audited says 1."""
        texts, _title = document(early.reports_dir / "findings-report.docx")
        text = "\n".join(texts)
        audited = _numbers(r"audited (\d+) cases?", text) | _numbers(r"(\d+) (?:case was|cases were) audited", text) \
            | _numbers(r"So far (\d+) of them (?:has|have) been audited", text) | _numbers(r"(\d+) audited", text)
        assert audited == {"1"}, text
        assert "Northshire SCP chose 3 cases." in text
        assert "1 case was audited so far, of 3 chosen." in text

    def test_the_audit_details_say_chosen_audited_sent_returned_and_complete(self, early):
        """One row for the cases and one for the forms, in the same words as the text."""
        texts, _title = document(early.reports_dir / "findings-report.docx")
        cases = texts[texts.index("Cases") + 1]
        forms = texts[texts.index("Forms") + 1]
        assert cases.startswith("3 cases chosen; 1 audited so far (A, B, C)")
        assert forms == "6 forms sent; 2 returned; 1 complete and used in the results (1 incomplete, so not counted)"
        assert "From 1 complete return." in texts

    def test_the_interim_banner_counts_returns_the_same_way(self, early):
        """The banner's 'returns received' are the forms returned, complete or not."""
        texts, _title = document(early.reports_dir / "findings-report.docx")
        assert any(t.startswith("Interim report: 2 of 6 returns received by 25/11/2026") for t in texts)

    def test_the_findings_form_is_prefilled_with_the_same_counts(self, early):
        """Boxes 1 and 2 of the briefing start from the same figures as the report."""
        from maa_cli.definitions.catalog import load_builtin
        from maa_cli.intake.readers.word import read_word

        raw = read_word(early.reports_dir / "findings-form.docx", load_builtin("findings-form"))
        process, overview = raw.answers["audit_process"].value, raw.answers["overview"].value
        assert "chose 3 cases" in process and "So far 1 of them has been audited" in process
        assert overview.startswith("1 case was audited so far, of 3 chosen.")
        assert "3 cases were audited" not in overview and "audited 3 cases" not in process


# -- a county questionnaire: respondents counted, never named, in what may be shared ---------------

SETTINGS = 24  # more than NAMED_LIMIT


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """24 settings asked (one a childminder known by her own name); 3 replied, 21 did not."""
    from tests.fill import all_yes

    root = tmp_path_factory.mktemp("county")
    rows = ["agency,contact_name,email,setting_type"]
    rows += [f"Setting {n:02d} Nursery,Lead {n},dsl{n}@settings.example,Day nursery" for n in range(1, SETTINGS)]
    rows.append("Philippa Quennell-Ashby Childminder,Philippa Quennell-Ashby,pqa@cm.example,Childminder")
    inputs = build_files(root / "inputs", {"settings.csv": "\n".join(rows) + "\n"})
    new_audit(root / "ey", NewAudit(
        title="EY checklist", partnership="Northshire SCP", type="questionnaire", tool="early-years-safeguarding",
        deadline=DEADLINE, return_to="audits@northshire.example", agencies_csv=inputs["settings.csv"], today=TODAY))
    ws = open_workspace(root / "ey")
    issue_forms(ws)
    forms = sorted(plan_forms(ws), key=lambda f: f.agency)
    for f in forms[:3]:
        fill_excel(ws.forms_dir / f.relpath, ws.returns_dir / f"{f.agency}.xlsx", all_yes(ws.tools[f.form_type]))
    collect(ws, settle_seconds=0)
    build_reports(ws, today=TODAY)
    return ws


def test_a_county_questionnaire_counts_who_did_not_reply_and_names_none_of_them(county):
    """With 24 settings, the findings report and the findings form (whose first box becomes the briefing's)
    say how many replied and how many did not, and name no setting."""
    shared = sorted(county.reports_dir.glob("*.docx"))
    assert {p.name for p in shared} >= {"findings-report.docx", "findings-form.docx"}
    for path in shared:
        text = "\n".join(document(path)[0])
        assert "3 respondents replied and 21 did not." in text, path.name
        assert "Nursery" not in text.replace("Day nursery", "") and "Quennell" not in text, path.name
