"""Fixture audits for the report tests, built in code: a case audit and a questionnaire,
issued, filled the way respondents fill them, and collected.

Each fixture keeps what was typed (``plan``), so tests recompute every figure
from the typed answers, never from maa's own records.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from maa_cli.definitions.audit import FormType
from maa_cli.definitions.scales import BUILT_IN_SCALES
from maa_cli.forms.plan import issue_forms, plan_forms
from maa_cli.intake.collect import collect
from maa_cli.setup.workspace import NewAudit, audit_yaml, new_audit, open_workspace
from tests.conftest import build_files
from tests.fill import fill_excel

TODAY = dt.date(2026, 11, 25)
DEADLINE = dt.date(2026, 12, 31)
OFSTED = BUILT_IN_SCALES["ofsted"]

CASE_AGENCIES = """\
agency,contact_name,email,sector
Police,Amira Khan,amira.khan@police.example,Police
Children's Social Care,Ben Carter,ben.carter@council.example,Local authority
Health Visiting,Grace Mensah,grace.mensah@nhs.example,Health
Oakfield School,Helen Ward,dsl@oakfield.example,Education
"""
CASES = """\
case_ref,child_name,date_of_birth,agencies,last_involvement,gender,quadrant
A,Ellie Marsh,14/02/2019,Police;Children's Social Care;Health Visiting,03/09/2026,Female,South
B,Jayden Cole,01/08/2024,Children's Social Care;Health Visiting,21/07/2026,Male,West
C,Amelia Novak,30/11/2012,Police;Children's Social Care;Oakfield School,12/06/2026,Female,Mid
D,Noah Adeyemi,05/05/2021,Police;Health Visiting;Oakfield School,28/10/2026,Male,South
"""
CHILD_NAMES = ["Ellie Marsh", "Jayden Cole", "Amelia Novak", "Noah Adeyemi"]
CHILD_DOBS = [dt.date(2019, 2, 14), dt.date(2024, 8, 1), dt.date(2012, 11, 30), dt.date(2021, 5, 5)]
OTHER_NAMES = ["Kayleigh Stone", "Darren Pike"]  # mother and a stepfather, listed in audit.yaml's names_to_mask
GRADED = ["involvement", "assessment", "information_sharing", "voice_of_child", "planning", "management_oversight", "impact"]
FEATURES = {
    ("A", "Police"): ["Domestic abuse"],
    ("A", "Children's Social Care"): ["Domestic abuse", "Parental mental health"],
    ("B", "Children's Social Care"): ["Neglect"],
    ("C", "Children's Social Care"): ["Domestic abuse"],
    ("C", "Police"): ["Child exploitation"],  # an incomplete return: must not count
    ("D", "Police"): ["Domestic abuse"],
    ("D", "Health Visiting"): ["Parental mental health"],
}
NO_RETURN = {("D", "Oakfield School")}
INCOMPLETE = {("C", "Police")}
# Narrative that names people the audit knows, and text that must stay text in a workbook.
NARRATIVE = {
    ("A", "Police"): "Ellie's mother Kayleigh Stone said ELLIE (born 14/02/2019) was seen weekly; DARREN PIKE left in May.",
    ("A", "Health Visiting"): "Noted DOB 2019-02-14 and 14th February 2019 on the file; ellie marsh seen at home.",
    ("B", "Children's Social Care"): '=HYPERLINK("http://evil.example","click")',
    ("B", "Health Visiting"): "+44 7700 900000 was called {{ 7*7 }} {% raw %}",
    ("C", "Children's Social Care"): "-1 visits missed; @mention the team; \uff1d1+1",
}


def grade_for(i: int, j: int) -> str:
    """The grade typed for the i-th return on the j-th graded question (a fixed pattern, all four grades)."""
    return OFSTED[(i + 2 * j) % 4]


@dataclass
class Fixture:
    ws: object
    plan: dict = field(default_factory=dict)  # (case, agency) -> typed answers of returns that were made


def _case_units() -> list[tuple[str, str]]:
    out = []
    for line in CASES.splitlines()[1:]:
        ref, _n, _d, agencies, *_ = line.split(",")
        out += [(ref, a) for a in agencies.split(";")]
    return out


def case_answers(i: int, case: str, agency: str) -> dict:
    answers = {"auditor_role": "Safeguarding lead", "review_period": "1 Dec 2025 to 30 Nov 2026",
               "involvement_summary": NARRATIVE.get((case, agency), f"Routine involvement in case {case}."),
               "worked_well": "Strategy discussions were held promptly.", "could_be_better": "Minutes were late.",
               "urgent_concern": "No"}
    for j, key in enumerate(GRADED):
        answers[key] = grade_for(i, j)
        answers[f"{key}.why"] = f"Evidence on the file for {key}."
    if (case, agency) in INCOMPLETE:
        del answers["impact"]
    return answers


def make_case_audit(root: Path) -> Fixture:
    inputs = build_files(root / "inputs", {"agencies.csv": CASE_AGENCIES, "cases.csv": CASES})
    folder = root / "maca"
    new_audit(folder, NewAudit(
        title="MACA: neglect and domestic abuse", partnership="Northshire SCP", type="case_audit",
        theme="Neglect and domestic abuse", terms_of_reference="How agencies shared information.",
        deadline=DEADLINE, return_to="audits@northshire.example", agencies_csv=inputs["agencies.csv"],
        cases_csv=inputs["cases.csv"], today=TODAY,
        form_types=[FormType(name="case-tool", tool="multi-agency-case-audit", per="agency_case", format="xlsx")],
    ))
    ws = open_workspace(folder)
    # Figures are checked count by count here, so suppression is off (the partnership's decision, 0);
    # the suppression tests report the same audits with suppress_below=5.
    audit = ws.audit.model_copy(update={"names_to_mask": OTHER_NAMES, "suppress_below": 0})
    (folder / "audit.yaml").write_text(audit_yaml(audit), encoding="utf-8")
    ws = open_workspace(folder)
    issue_forms(ws)
    forms = {(f.case_ref, f.agency): f for f in plan_forms(ws)}
    tool = ws.tools["case-tool"]
    feature_choices = tool.field("case_features").choices
    fx = Fixture(ws)
    for i, unit in enumerate(_case_units()):
        if unit in NO_RETURN:
            continue
        answers = case_answers(i, *unit)
        fx.plan[unit] = answers
        typed = {k: v for k, v in answers.items()}
        for c in FEATURES.get(unit, []):
            typed[f"case_features#{feature_choices.index(c)}"] = "Yes"
        form = forms[unit]
        fill_excel(ws.forms_dir / form.relpath, ws.returns_dir / f"return {i:02d}.xlsx", typed)
    collect(ws, settle_seconds=0)
    return fx


SETTINGS = """\
agency,contact_name,email,setting_type,quadrant
Acorn Nursery,Priya Shah,dsl@acorn.example,Day nursery,South
Bluebell Pre-school,Tom Evans,office@bluebell.example,Pre-school,West
Church Lane Childminding,Mary Okafor,mary@cm.example,Childminder,Mid
Dandelion Nursery,Lee Wong,manager@dandelion.example,Day nursery,North East
Elm Tree Pre-school,Sara Hill,office@elmtree.example,Pre-school,South
Fern Childminding,Ola Ade,ola@cm.example,Childminder,West
Grange Nursery,Ann Bell,office@grange.example,Day nursery,Mid
"""
# Which yes/no answers are No, per setting (all others Yes, or N/A where a question does not apply).
NOES = {
    "Acorn Nursery": {"q1", "q3.b"},
    "Bluebell Pre-school": {"q3.a", "q3.b", "q7.a"},
    "Church Lane Childminding": set(),
    "Dandelion Nursery": {"q1"},
    "Elm Tree Pre-school": {"q12"},
    "Fern Childminding": {"q3.c"},
}
Q_NO_RETURN = {"Grange Nursery"}
Q_INCOMPLETE = {"Fern Childminding"}  # a No without its action points


def questionnaire_answers(tool, name: str, attributes: dict) -> dict:
    out: dict = {}
    for f in tool.fields():
        q = f.question
        applies = q.applies_to is None or q.applies_to.applies(attributes)
        if f.role == "answer" and f.type == "yes_no":
            out[f.key] = "N/A" if not applies else ("No" if f.key in NOES[name] else "Yes")
        elif f.role == "answer" and f.type == "multiple_choice":
            out[f"{f.key}#0"] = "Yes"
        elif f.role == "answer" and f.required:
            out[f.key] = "Answered"
    for key in NOES[name]:
        qid = key.split(".")[0]
        if name not in Q_INCOMPLETE:
            out[f"{qid}.action"] = f"Fix {qid} at {name}; Kayleigh Stone to check" if name == "Acorn Nursery" else f"Review {qid} with staff"
            out[f"{qid}.when_who"] = "By March - manager"
    return out


def make_questionnaire(root: Path, deadline: dt.date = DEADLINE, saved: dict[str, dt.datetime] | None = None,
                       collected: dt.datetime | None = None) -> Fixture:
    """The questionnaire fixture; ``saved`` sets the day each setting's return was saved (its file's
    modification time) and ``collected`` when ``maa collect`` first ran."""
    import os

    inputs = build_files(root / "inputs", {"settings.csv": SETTINGS})
    folder = root / "ey"
    new_audit(folder, NewAudit(return_to="audits@northshire-scp.example", title="EY self-assessment", partnership="Northshire SCP", type="questionnaire",
                               tool="early-years-safeguarding", agencies_csv=inputs["settings.csv"],
                               deadline=deadline, today=TODAY, allow_past_deadline=True))
    ws = open_workspace(folder)
    # Figures are checked count by count here, so suppression is off (the partnership's decision, 0);
    # the suppression tests report the same audits with suppress_below=5.
    audit = ws.audit.model_copy(update={"names_to_mask": OTHER_NAMES, "suppress_below": 0})
    (folder / "audit.yaml").write_text(audit_yaml(audit), encoding="utf-8")
    ws = open_workspace(folder)
    issue_forms(ws)
    tool = ws.tools[ws.audit.form_types[0].name]
    fx = Fixture(ws)
    for form in plan_forms(ws):
        if form.agency in Q_NO_RETURN:
            continue
        attributes = ws.audit.agency(form.agency).attributes
        answers = questionnaire_answers(tool, form.agency, attributes)
        fx.plan[form.agency] = answers
        target = ws.returns_dir / f"{form.agency}.xlsx"
        fill_excel(ws.forms_dir / form.relpath, target, answers)
        if saved and form.agency in saved:
            os.utime(target, (saved[form.agency].timestamp(), saved[form.agency].timestamp()))
    collect(ws, settle_seconds=0, now=collected.timestamp() if collected else None)
    return fx


def enable_findings(ws) -> None:
    """Let collect judge the findings form, as the workspace does once it knows the form type.

    The workspace lists the findings form among its tools (see the report package's notes);
    until then this puts it there for the test's open workspace.
    """
    from maa_cli.definitions.catalog import load_builtin
    from maa_cli.report.context import FINDINGS_FORM_TYPE, FINDINGS_TOOL

    if FINDINGS_FORM_TYPE not in ws.tools:
        ws.__dict__["tools"] = {**ws.tools, FINDINGS_FORM_TYPE: load_builtin(FINDINGS_TOOL)}


def xml_text(path: Path) -> str:
    """Every XML part of a .docx or .xlsx, with tags removed and runs joined, plus the file name."""
    parts = [path.name]
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                data = z.read(name).decode("utf-8", errors="replace")
                parts.append(data)  # attributes too (alt text, titles, properties)
                parts.append(re.sub(r"<[^>]+>", "", data))
    return "\n".join(parts)


def shareable_outputs(ws) -> list[Path]:
    return [p for p in sorted(ws.reports_dir.rglob("*")) if p.is_file() and "restricted" not in p.relative_to(ws.reports_dir).parts]


def tamper_record(ws, form_id: str, key: str, value) -> None:
    """Change one stored answer, as a Word return could have carried it (Excel cannot)."""
    for path in (ws.restricted_dir / "responses").glob(f"{form_id}*.json"):
        record = json.loads(path.read_text(encoding="utf-8"))
        record["answers"][key] = value
        path.write_text(json.dumps(record), encoding="utf-8")


@pytest.fixture(scope="module")
def case_audit(tmp_path_factory) -> Fixture:
    return make_case_audit(tmp_path_factory.mktemp("case"))


@pytest.fixture(scope="module")
def ey(tmp_path_factory) -> Fixture:
    return make_questionnaire(tmp_path_factory.mktemp("ey"))


class TestFixtures:
    def test_the_case_audit_fixture_collects_as_planned(self, case_audit):
        """Nine complete returns, one incomplete, one never sent back."""
        from maa_cli.intake.collect import load_responses

        records = load_responses(case_audit.ws, statuses=("accepted", "incomplete"))
        statuses = sorted(r["status"] for r in records)
        assert statuses.count("accepted") == 9 and statuses.count("incomplete") == 1

    def test_the_questionnaire_fixture_collects_as_planned(self, ey):
        """Five complete returns, one incomplete (a No without action points), one never sent back."""
        from maa_cli.intake.collect import load_responses

        records = load_responses(ey.ws, statuses=("accepted", "incomplete"))
        assert sorted(r["status"] for r in records) == ["accepted"] * 5 + ["incomplete"]


FINDINGS = {
    "worked_well": "Agencies met quickly. Kayleigh Stone said Ellie felt safe.",
    "development": "Minutes were shared late; Jayden's voice was lost among his siblings.",
    "scrutineer": "The process was sound; probation should be asked next time.",
    "practice": "Record the child's own words. Share minutes within five days.",
    "rec1.action": "=SUM(1) Review how minutes of core groups are shared",
    "rec1.lead": "Children's Social Care",
    "rec1.owner": "Head of Safeguarding",
    "rec2.action": "Refresh training on the voice of the baby",
    "rec2.lead": "Health Visiting",
    "rec2.owner": "Named nurse",
    "contact": "audits@northshire.example",
}
FINDINGS_DUE = {"rec1.due": dt.date(2026, 10, 1), "rec2.due": dt.date(2027, 6, 30)}


def fill_findings_like_word(path: Path, answers: dict, dates: dict, checked: bool = True) -> None:
    """Complete the findings form the way Word saves it (see test_word_forms for the technique)."""
    from tests.test_word_forms import rewrite, word_fill

    def edit(root):
        for key, text in answers.items():
            word_fill(root, key, text)
        for key, day in dates.items():
            word_fill(root, key, day.strftime("%d/%m/%Y"), full_date=day)
        if checked:
            word_fill(root, "checked", "Yes")

    rewrite(path, edit)


def return_findings(ws, filled: Path) -> None:
    """Save the completed findings form into returns/ and collect it."""
    import shutil

    enable_findings(ws)
    shutil.copy(filled, ws.returns_dir / "findings FINAL v2.docx")
    collect(ws, settle_seconds=0)
