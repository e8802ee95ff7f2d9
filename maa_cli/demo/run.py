"""``maa demo``: the whole audit cycle on bundled example data.

Two audits are created side by side: an early years safeguarding questionnaire
sent to twelve settings, and a multi-agency case audit of five sampled cases.
Returns are filled in programmatically the way respondents do (lower-case
"yes", a forgotten answer, a name typed into a narrative answer, one urgent
concern), then collected and reported.
"""

from __future__ import annotations

import datetime as dt
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
            _complete_findings(ws, form)
            collect(ws, settle_seconds=0)
            reports = build_reports(ws, today=today)
            log("  findings form completed after the panel: briefing (DRAFT until an officer checks it) and action plan written")
        result.where_to_look += [(f"{name}: forms", ws.forms_dir), (f"{name}: returns", ws.returns_dir)]
        respondents = [p for p in reports.written if p.parent.name == "respondents"]
        result.where_to_look += [(f"{name}: report", p) for p in reports.written if p not in respondents]
        if respondents:
            result.where_to_look.append((f"{name}: {len(respondents)} respondent action plans", respondents[0].parent))
    return result


FINDINGS = {
    "worked_well": "Agencies shared information quickly once a strategy discussion was called, and schools "
    "offered children a trusted adult to talk to.",
    "development": "Plans rarely said what would change for the child. Core group minutes were not always "
    "circulated, so some agencies worked from an out-of-date plan.",
    "scrutineer": "The audit heard from every statutory partner. The voluntary sector should be invited to the "
    "next panel from the start, and families' views sought where it is safe to do so.",
    "rec1": "Plans",
    "rec1.action": "Child protection and child in need plans to state the change expected for the child and "
    "how agencies will know it has happened.",
    "rec1.lead": "Children's Social Care",
    "rec1.owner": "Head of Service, Safeguarding",
    "rec2": "Minutes",
    "rec2.action": "Core group minutes circulated to every agency within five working days.",
    "rec2.lead": "Children's Social Care",
    "rec2.owner": "Child protection chairs' manager",
    "practice": "Check the plan says what should change for the child; ask for the minutes if you have not had them.",
    # "checked" is left unanswered: only a person can read the briefing for names and small numbers, so the
    # demo's briefing honestly stays marked DRAFT.
    "briefing_title": "What our latest multi-agency audit found",
    "contact": "The partnership's business unit",
}


def _complete_findings(ws: Workspace, form: Path) -> None:
    from .word import fill_word

    answers = dict(FINDINGS)
    answers["rec1.due"] = TODAY + dt.timedelta(days=90)
    answers["rec2.due"] = TODAY - dt.timedelta(days=10)  # already overdue: shows as Red on the action plan
    fill_word(form, ws.returns_dir / "findings agreed at panel.docx", answers, {})


def _specs(today: dt.date) -> list[tuple[str, NewAudit]]:
    return [
        ("early-years", NewAudit(
            title="Early years safeguarding self-assessment 2026",
            partnership="Northshire Safeguarding Children Partnership",
            type="questionnaire", theme="Safeguarding arrangements in early years settings",
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
            out[f.key] = "Records show regular contact and timely visits; the child's views were written down in their own words."
        if f.role == "action" and f.question.id in rolled_no:
            out[f.key] = "Review the policy with staff at the next team meeting and update it."
            out[f.key.replace(".action", ".when_who")] = "By end of term — setting manager"
    if forgetful:
        first = next(f for f in tool.fields() if f.role == "answer" and f.required and not f.question.required_when)
        out.pop(first.key, None)
    return out


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
    if f.type == "multiple_choice":
        return rng.sample(list(f.choices[:-1]), k=min(2, len(f.choices) - 1))
    if f.type == "single_choice":
        return rng.choice(f.choices)
    if f.type == "long_text":
        return rng.choice([
            "Information was shared promptly at the strategy discussion and agencies attended core groups.",
            "Ellie's mother said she felt listened to; the health visitor saw the baby at every visit.",
            "Minutes of meetings were not always circulated, so some agencies were unaware of the plan.",
        ]) if f.required or rng.random() < 0.6 else None
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
