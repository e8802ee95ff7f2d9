"""``maa demo``: the whole audit cycle on bundled example data.

Two audits are created side by side: an early years safeguarding questionnaire
sent to twelve settings, and a multi-agency case audit of five sampled cases.
Returns are filled in programmatically the way respondents do (lower-case
"yes", a forgotten answer, a name typed into a narrative answer, one urgent
concern), then collected and reported.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..definitions.tool import NA, NO, YES, AnswerField
from ..errors import ErrorCode, WorkspaceError, problem
from ..forms.excel import defined_name, excel_rows
from ..forms.plan import PlannedForm, issue_forms, plan_forms
from ..resources import bundled
from ..setup.workspace import NewAudit, Workspace, new_audit, open_workspace

TODAY = dt.date(2026, 11, 25)


@dataclass
class DemoResult:
    where_to_look: list[tuple[str, Path]] = field(default_factory=list)


def _example(name: str) -> Path:
    return Path(str(bundled("examples") / name))


def run_demo(root: Path, log: Callable[[str], None] = print, today: dt.date = TODAY) -> DemoResult:
    """Create, issue, fill, collect and report two example audits under ``root``."""
    from ..intake.collect import collect
    from ..report import build_reports

    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise WorkspaceError(problem(ErrorCode.NEED_INPUT, file=root, what="an empty or new folder for the demo",
                                     hint="Give a new folder name, e.g. 'maa demo maa-demo-2'."))
    result = DemoResult()
    for name, spec in _specs(today):
        folder = root / name
        log(spec.title)
        new_audit(folder, spec)
        ws = open_workspace(folder)
        issued = issue_forms(ws)
        log(f"  issued {len(issued.written)} forms")
        filled = _fill_returns(ws, random.Random(2026))
        log(f"  {filled} returns filled in and saved to returns/")
        outcome = collect(ws, settle_seconds=0)
        log("  collected: " + ", ".join(f"{k} {v}" for k, v in outcome.summary.items() if v))
        for u in outcome.urgent:
            log(f"  URGENT case {u.get('case_ref')}, {u.get('agency')}: question {u['number']}")
        reports = build_reports(ws, today=today)
        form = next((p for p in reports.written if p.name == "findings-form.docx"), None)
        if form is not None:
            # After the panel meets, the officer completes the findings form and saves it into returns/.
            _complete_findings(ws, form, name)
            collect(ws, settle_seconds=0)
            reports = build_reports(ws, today=today)
            log("  findings form completed after the panel: briefing (DRAFT until an officer checks it) and action plan written")
        result.where_to_look += [(f"{name}: forms", ws.forms_dir), (f"{name}: returns", ws.returns_dir)]
        respondents = [p for p in reports.written if p.parent.name == "respondents"]
        result.where_to_look += [(f"{name}: report", p) for p in reports.written if p not in respondents]
        if respondents:
            result.where_to_look.append((f"{name}: {len(respondents)} respondent action plans", respondents[0].parent))
    return result


# What each panel agreed, in the words of its own audit: the officer completes the findings form with these.
FINDINGS = {
    "early-years": {
        "worked_well": "Every setting that replied has a named designated safeguarding lead (DSL), and most DSLs "
        "have refreshed their Level 3 training in the last two years. New staff learn the setting's safeguarding "
        "policy in their first week, as the EYFS statutory framework expects.",
        "development": "Policies did not always match the partnership's current procedures, and few set out how to "
        "report low-level concerns about staff. Safer recruitment checks were not always recorded for adults who "
        "live or work on the premises, such as a childminder's household members.",
        "scrutineer": "A good response from day nurseries and pre-schools; childminders replied less often and "
        "should be reached through the childminding network. The self-assessment relies on each setting's own "
        "view: a sample of policies should be read against it next year.",
        "rec1": "Policies",
        "rec1.action": "Early years settings to update their safeguarding policy to the partnership's current "
        "procedures, including how to report low-level concerns and allegations to the LADO.",
        "rec1.lead": "Early Years and Childcare Service",
        "rec1.owner": "Early years safeguarding adviser",
        "rec2": "Safer recruitment",
        "rec2.action": "A safer recruitment checklist for childminders and small settings, covering DBS checks "
        "of everyone aged 16 or over who lives or works on the premises.",
        "rec2.lead": "Early Years and Childcare Service",
        "rec2.owner": "Childminding development officer",
        "practice": "DSLs: check your policy against the partnership's procedures this term and tell staff what "
        "changed. Managers: keep a record of every suitability check, including household members.",
        "briefing_title": "Safeguarding in early years settings: what the self-assessment found",
        "contact": "The partnership's business unit",
    },
    "case-audit": {
        "worked_well": "Police and children's social care shared domestic abuse notifications quickly, and MARAC "
        "actions reached the school and health visitor within days. Health visitors asked about the mother's "
        "mental health at every contact.",
        "development": "Adult mental health services were rarely invited to strategy discussions or core groups, so "
        "plans did not take account of a parent's treatment. The child's own experience of living with domestic "
        "abuse was seldom written down.",
        "scrutineer": "The audit heard from every statutory partner. Adult mental health and the domestic abuse "
        "service should be at the next panel from the start, and families' views sought where it is safe to do so.",
        "rec1": "Adult mental health",
        "rec1.action": "Invite adult mental health services to every strategy discussion and core group where a "
        "parent is known to them, and record their contribution in the plan.",
        "rec1.lead": "Children's Social Care",
        "rec1.owner": "Head of Service, Safeguarding",
        "rec2": "Voice of the child",
        "rec2.action": "Child protection plans where there is domestic abuse to record what the child says about "
        "home life, in the child's own words.",
        "rec2.lead": "Children's Social Care",
        "rec2.owner": "Child protection chairs' manager",
        "practice": "Ask whether a parent is in touch with mental health services and invite them to the next "
        "meeting. Write down what the child tells you about home, in their words.",
        "briefing_title": "Domestic abuse and parental mental health: what our case audit found",
        "contact": "The partnership's business unit",
    },
}


def _complete_findings(ws: Workspace, form: Path, audit: str) -> None:
    from .word import fill_word

    answers = dict(FINDINGS[audit])
    answers["rec1.due"] = TODAY + dt.timedelta(days=180)
    answers["rec2.due"] = TODAY + dt.timedelta(days=90)
    saved = ws.returns_dir / "findings agreed at panel.docx"
    fill_word(form, saved, answers, {})
    # The demo's story happens on its own day: the form is saved on the day the report is dated, so
    # "recorded on" in the executive summary is never later than the report itself.
    noon = dt.datetime.combine(TODAY, dt.time(12)).timestamp()
    os.utime(saved, (noon, noon))


def _specs(today: dt.date) -> list[tuple[str, NewAudit]]:
    return [
        ("early-years", NewAudit(
            title="Early years safeguarding self-assessment 2026",
            partnership="Northshire Safeguarding Children Partnership",
            type="questionnaire", theme="Safeguarding arrangements in early years settings",
            terms_of_reference="Whether early years settings have the safeguarding arrangements that the EYFS statutory "
            "framework and the partnership's procedures require: policies, a designated safeguarding lead, training, "
            "records and safer recruitment.",
            deadline=today + dt.timedelta(days=28), return_to="audits@northshire-scp.example",
            tool="early-years-safeguarding", agencies_csv=_example("early-years/settings.csv"), today=today,
        )),
        ("case-audit", NewAudit(
            title="MACA: domestic abuse and parental mental health",
            partnership="Northshire Safeguarding Children Partnership",
            type="case_audit", theme="Domestic abuse and parental mental health",
            terms_of_reference="How well agencies shared information and kept the child's voice central.",
            deadline=today + dt.timedelta(days=56), return_to="audits@northshire-scp.example",
            tool="multi-agency-case-audit", agencies_csv=_example("case-audit/agencies.csv"),
            cases_csv=_example("case-audit/cases.csv"), sample=5, seed=7, today=today,
        )),
    ]


def _fill_returns(ws: Workspace, rng: random.Random) -> int:
    forms = plan_forms(ws)
    count = 0
    for i, form in enumerate(forms):
        if i % 6 == 5:
            continue  # some respondents never reply
        answers = _answers(form, rng, forgetful=(i % 6 == 3), sloppy=(i % 3 == 1), urgent=(i == 2))
        target = ws.returns_dir / f"return {i + 1:02d} from {form.agency or 'respondent'}.{form.format}"
        if form.format == "docx":
            from .word import fill_word

            choices = {f.key: f.choices for f in form.content.tool.fields() if f.type == "multiple_choice"}
            fill_word(ws.forms_dir / form.relpath, target, answers, choices)
        else:
            _save_excel(ws, form, answers, target)
        count += 1
    return count


def _answers(form: PlannedForm, rng: random.Random, *, forgetful: bool, sloppy: bool, urgent: bool) -> dict[str, object]:
    content = form.content
    tool = content.tool
    out: dict[str, object] = {}
    rolled_no: set[str] = set()
    for f in tool.fields():
        if f.role != "answer":
            continue
        if not content.applies(f.question):
            out[f.key] = NA
            continue
        value = _typed_answer(f, rng, sloppy, urgent)
        if value == NO or (isinstance(value, str) and value.casefold() == "no"):
            rolled_no.add(f.question.id)
        out[f.key] = value
    for f in tool.fields():
        if f.role == "why" and out.get(f.question.id):
            out[f.key] = "The file shows regular contact after each domestic abuse notification; the mother's mental health was asked about."
        if f.role == "action" and f.question.id in rolled_no:
            section = next(s.id for s in tool.sections if f.question in s.questions)
            action, when_who = SETTING_ACTIONS.get(section, SETTING_ACTIONS["policy"])
            out[f.key] = action
            out[f.key.replace(".action", ".when_who")] = when_who
    if forgetful:
        first = next(f for f in tool.fields() if f.role == "answer" and f.required and not f.question.required_when)
        out.pop(first.key, None)
    return out


# What practitioners wrote about a case in the case audit (its theme: domestic abuse and parental mental health).
# One names the child of case A, as practitioners do: the reports must mask it.
CASE_NARRATIVE = [
    "Police shared the domestic abuse notification with children's social care and the school the next morning.",
    "Ellie's mother said she felt listened to; the health visitor asked about her low mood at every visit.",
    "Adult mental health services were not invited to the core group, so the plan did not reflect the father's treatment.",
    "The MARAC safety plan was shared, but nobody recorded what the children said about the arguments at home.",
]
# What an early years setting writes as its action points when it answers No, by section of the self-assessment.
SETTING_ACTIONS = {
    "policy": ("Update the safeguarding policy to the partnership's current procedures and share it with staff "
               "and parents.", "Before the next Ofsted inspection \u2014 manager"),
    "leadership": ("Name a deputy DSL and add both names to the policy and the staff room notice board.", "This half term \u2014 owner"),
    "training": ("Book Level 3 refresher training for the DSL and deputy, and Level 2 for new staff within five days "
                 "of starting (EYFS 3.5).", "By the end of term \u2014 DSL"),
    "partners": ("Sign up to the local authority's safeguarding briefings and attend the next termly DSL forum.", "Next term \u2014 DSL"),
    "records": ("Move child protection files to a locked cabinet and review each one every half term.", "This month \u2014 DSL"),
    "workforce": ("Add DBS checks of household members and a low-level concerns log to the safer recruitment "
                  "checklist.", "Within a month \u2014 manager"),
    "behaviour": ("Record every use of physical intervention and tell parents the same day.", "Now \u2014 room leaders"),
}


def _typed_answer(f: AnswerField, rng: random.Random, sloppy: bool, urgent: bool):
    if f.question.required_when is not None:
        return "The child disclosed new concerns on a home visit; a referral was made to children's social care the same day." if urgent else None
    if f.type == "yes_no":
        if (f.question.urgent or (f.part and f.part.urgent)):
            return YES if urgent else NO
        value = YES if rng.random() < 0.8 else NO
        return value.lower() if sloppy else value
    if f.type == "grade":
        return rng.choice(f.choices[:4])
    if f.type == "multiple_choice" and f.key == "case_features":
        # The audit's theme: domestic abuse in every case, parental mental health in most, now and then something more.
        features = ["Domestic abuse"] + (["Parental mental health"] if rng.random() < 0.75 else [])
        return features + (rng.sample(["Parental substance misuse", "Neglect", "Young carer"], k=1) if rng.random() < 0.3 else [])
    if f.type == "multiple_choice":
        return rng.sample(list(f.choices[:-1]), k=min(2, len(f.choices) - 1))
    if f.type == "single_choice":
        return rng.choice(f.choices)
    if f.type == "long_text":
        return rng.choice(CASE_NARRATIVE) if f.required or rng.random() < 0.6 else None
    if f.type == "short_text":
        return "Designated safeguarding lead"
    if f.type == "date":
        return dt.date(2026, 10, rng.randint(1, 28))
    if f.type == "number":
        return rng.randint(1, 12)
    return None


def _save_excel(ws: Workspace, form: PlannedForm, answers: dict[str, object], target: Path) -> None:
    from openpyxl import load_workbook

    from ..office.cells import put

    wb = load_workbook(ws.forms_dir / form.relpath)
    for key, field_, option in excel_rows(form.content):
        if option is not None:
            chosen = answers.get(field_.key) or []
            value = "Yes" if option in chosen else None
        else:
            value = answers.get(key)
        if value is None:
            continue
        dest = wb.defined_names[defined_name(key)].destinations
        sheet, coord = next(iter(dest))
        cell = wb[sheet][coord.replace("$", "")]
        put(wb[sheet], cell.row, cell.column, value)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
