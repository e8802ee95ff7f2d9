"""Who has returned what (``maa status``): each form, each form type, and a chase list.

Status is read-only and quick: it reads the issued forms (the manifest) and what the
last ``maa collect`` decided (``.maa/files.json``). It opens no return and writes
nothing, so it can run while a collection is in progress. :func:`overview` lists
every audit under a parent folder (title, stage, returns, deadline).

The officer's own findings form is shown on its own (``findings``), never counted as
issued or outstanding nor chased; forms withdrawn when their case was replaced in the
sample are left out altogether (an urgent concern in a return of one is still shown).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import ErrorCode, MaaError, RestrictedStoreError, WorkspaceError, problem
from ..forms.manifest import counted_forms, read_manifest
from ..plain import plain_all
from ..setup.workspace import AUDIT_FILE, FINDINGS_FORM_TYPE, Workspace, open_workspace
from . import state as cs
from . import unmatched as loose
from .decision import Decision
from .run import output_masker

#: A form's state, from best to worst news; a form with several returns shows the first that applies.
FORM_STATES = ("accepted", "conflict", "incomplete", "rejected", "outstanding")
_NOT_AUDITS = {"forms", "returns", "reports", "restricted", "collected"}


@dataclass
class FormStatus:
    """One issued form: who owes it, and where it stands."""

    form_id: str
    form_type: str
    agency: str | None
    case_ref: str | None
    state: str
    files: list[str] = field(default_factory=list)
    detail: str = ""  # what is missing or wrong, for the chase list
    contact_name: str | None = None
    email: str | None = None
    days_to_deadline: int | None = None


@dataclass
class Counts:
    """Forms issued to one form type, respondent or case, and where they stand."""

    name: str
    title: str
    issued: int = 0
    returned: int = 0
    accepted: int = 0
    incomplete: int = 0
    rejected: int = 0
    conflict: int = 0
    outstanding: int = 0


@dataclass
class ChaseItem:
    """Everything one respondent still owes, with who to contact."""

    respondent: str
    contact_name: str | None
    email: str | None
    owes: list[str]


@dataclass
class AuditStatus:
    title: str
    deadline: dt.date | None
    days_to_deadline: int | None
    stage: str
    forms: list[FormStatus]
    by_type: list[Counts]
    by_respondent: list[Counts]
    by_case: list[Counts]
    chase: list[ChaseItem]
    to_decide: list[FormStatus]  # conflicts: the officer picks with 'maa choose'
    unmatched: list[dict]  # files not matched to an issued form (rejected, unverified, or still pending), with 'todo'
    urgent: list[dict]
    findings: FormStatus | None = None  # the officer's findings form, once 'maa report' has issued it
    #: A case's details are missing from the restricted store: file names and reasons are hidden (see collect).
    refusal: RestrictedStoreError | None = None
    #: Returns that came to the wrong place or from the wrong address (see :mod:`maa_cli.intake.unmatched`), with 'todo'.
    misdirected: list[dict] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        out = {"issued": len(self.forms)}
        out["returned"] = sum(1 for f in self.forms if f.state != "outstanding")
        for state in FORM_STATES:
            out[state] = sum(1 for f in self.forms if f.state == state)
        out["pending"] = sum(1 for u in self.unmatched if u["status"] == "pending")
        out["unmatched"] = sum(1 for u in self.unmatched if u["status"] == "rejected")
        out["unverified"] = sum(1 for u in self.unmatched + self.misdirected if u["status"] == "unverified")
        out["misdirected"] = len(self.misdirected)
        return out

    @property
    def needs_attention(self) -> bool:
        forms = self.forms + ([self.findings] if self.findings else [])
        if self.refusal is not None:
            return True
        return bool(self.urgent) or any(f.state in ("incomplete", "rejected", "conflict") for f in forms) or any(
            u["status"] in ("rejected", "unverified") for u in self.unmatched + self.misdirected)

    def to_json(self) -> dict:
        out = {"audit": {"title": self.title, "deadline": self.deadline, "days_to_deadline": self.days_to_deadline,
                          "stage": self.stage},
                "summary": self.summary, "urgent": self.urgent, "by_form_type": [asdict(t) for t in self.by_type],
                "by_respondent": [asdict(t) for t in self.by_respondent], "by_case": [asdict(t) for t in self.by_case],
                "forms": [asdict(f) for f in self.forms], "chase": [asdict(c) for c in self.chase],
                "to_decide": [asdict(f) for f in self.to_decide], "unmatched": self.unmatched,
                "misdirected": self.misdirected, "findings": asdict(self.findings) if self.findings else None}
        if self.refusal is not None:
            out["error"] = {"exit_code": self.refusal.exit_code, "problems": [p.to_dict() for p in self.refusal.problems]}
        return out


def audit_status(ws: Workspace, today: dt.date | None = None) -> AuditStatus:
    """Where every issued form of ``ws`` stands, as of the last collect run."""
    today = today or dt.date.today()
    manifest = read_manifest(ws)
    entries = cs.load_state(ws).files
    masker = output_masker(ws)
    by_form: dict[str, list[tuple[str, Decision, str]]] = {}
    unmatched, misdirected, urgent = [], [], []
    root = str(ws.root)
    for entry in sorted(entries.values(), key=lambda e: e.path or ""):
        d, path = entry.decision, masker.path(entry.path or "?")
        shown = (entry.shown or [d.status])[0]  # the status after comparing returns of the same form
        place = loose.kind(d, shown)
        if d.form_id in manifest and shown not in ("pending", "unverified"):
            by_form.setdefault(d.form_id, []).append((path, d, shown))
            if shown != "superseded":  # a withdrawn form's return still reports a child at risk now
                urgent += [plain_all(dict(u, file=path, form_id=d.form_id, case_ref=d.case_ref, agency=d.agency)) for u in d.urgent]
            if shown == "withdrawn":
                misdirected.append(dict(_loose(d, shown, path, root, masker, _withdrawn(manifest, d)), code="withdrawn"))
            elif (domain := loose.wrong_sender(d, shown, getattr(_agency(ws, d.agency), "email", None),
                                               ws.audit.listed_domains(d.agency or ""))) is not None:
                reason = f"used as {d.agency}'s return, but it came from an address at '{domain}', not their usual domain"
                misdirected.append(dict(_loose(d, shown, path, root, masker, [reason]), code="sender",
                                        todo=masker.text(loose.sender_todo(d, path, root))))
        elif place is not None:
            if shown == "unverified":  # never the claimed form's return, but a child at risk is still shown
                urgent += [plain_all(dict(u, file=path, form_id=d.form_id, case_ref=d.case_ref, agency=d.agency)) for u in d.urgent]
            (misdirected if place == "misdirected" else unmatched).append(_loose(d, shown, path, root, masker))
            if shown != "unverified":  # a file being re-saved (or unreadable) keeps its previous version's concerns
                urgent += [dict(u, file=path, form_id=d.form_id, case_ref=d.case_ref, agency=d.agency) for u in d.urgent]
    days = (ws.audit.deadline - today).days if ws.audit.deadline else None
    counted = counted_forms(manifest)
    forms = [_form(ws, form_id, entry, by_form.get(form_id, []), masker) for form_id, entry in counted.items()]
    findings = next((_form(ws, form_id, entry, by_form.get(form_id, []), masker) for form_id, entry in manifest.items()
                     if entry.get("form_type") == FINDINGS_FORM_TYPE and form_id not in counted), None)
    if findings is not None:
        findings.days_to_deadline = None
        if findings.state == "outstanding":
            findings.detail = "not returned yet: complete it after the panel meets, save it into returns/ and run 'maa collect'"
    forms.sort(key=lambda f: (_type_order(ws, f.form_type), _agency_order(ws, f.agency), f.case_ref or ""))
    for f in forms:
        f.days_to_deadline = days if f.state != "accepted" else None
    return AuditStatus(
        title=ws.audit.title, deadline=ws.audit.deadline, days_to_deadline=days, stage=_stage(ws, forms, days),
        forms=forms, by_type=_counts(ws, forms), by_respondent=_grouped(forms, lambda f: f.agency or _respondent(ws, f.form_type)),
        by_case=_grouped([f for f in forms if f.case_ref], lambda f: f.case_ref), chase=_chase(ws, forms),
        to_decide=[f for f in [*forms, *([findings] if findings else [])] if f.state == "conflict"],
        unmatched=unmatched, urgent=urgent, findings=findings, refusal=ws.identity_problem(), misdirected=misdirected,
    )


def _loose(d: Decision, shown: str, path: str, root: str, masker, reasons: list[str] | None = None) -> dict:
    """An unmatched or misdirected file as status lists it: where, why, and what to do."""
    return {"path": path, "status": shown, "code": d.code, "agency": d.agency,
            "reasons": reasons if reasons is not None else [masker.text(r) for r in d.reasons],
            "todo": masker.text(loose.todo(d, shown, path, root))}


def _withdrawn(manifest: dict, d: Decision) -> list[str]:
    entry = manifest.get(d.form_id or "") or {}
    return [f"a return of form {d.form_id}, withdrawn when case {entry.get('case_ref') or '?'} was replaced in the "
            "sample: it is not used"]


def _form(ws: Workspace, form_id: str, entry: dict, returns: list[tuple[str, Decision, str]], masker) -> FormStatus:
    agency = entry.get("agency")
    contact = _agency(ws, agency)
    shown = [s for _, _, s in returns if s != "superseded"]
    state = next((s for s in FORM_STATES if s in shown), "outstanding")
    status = FormStatus(form_id, entry.get("form_type") or "", agency, entry.get("case_ref"), state,
                        files=[p for p, _, s in returns if s != "superseded"],
                        contact_name=contact.contact_name if contact else None, email=contact.email if contact else None)
    if state == "incomplete":
        issues = [i for _, d, s in returns if s == "incomplete" for i in d.issues]
        numbers = list(dict.fromkeys(i["number"] for i in issues))
        status.detail = "returned incomplete: answers missing or invalid at question" + ("s " if len(numbers) > 1 else " ") + ", ".join(numbers)
    elif state == "rejected":
        reasons = [r for _, d, s in returns if s == "rejected" for r in d.reasons]
        status.detail = "the file sent could not be used: " + masker.text(reasons[0] if reasons else "see 'maa collect'")
    elif state == "conflict":
        status.detail = (f"returned {len(status.files)} times with different answers; choose one with: "
                         f"maa choose <audit folder> {form_id} FILE")
    elif state == "outstanding":
        status.detail = "not returned yet"
    return status


def _agency(ws: Workspace, name: str | None):
    if not name:
        return None
    try:
        return ws.audit.agency(name)
    except KeyError:
        return None


def _type_order(ws: Workspace, name: str) -> int:
    names = [ft.name for ft in ws.audit.form_types]
    return names.index(name) if name in names else len(names)


def _agency_order(ws: Workspace, name: str | None) -> int:
    names = [a.name for a in ws.audit.agencies]
    return names.index(name) if name in names else len(names)


def _counts(ws: Workspace, forms: list[FormStatus]) -> list[Counts]:
    out = {ft.name: Counts(ft.name, ft.title or ws.tools[ft.name].title) for ft in ws.audit.form_types}
    for f in forms:
        _add(out.setdefault(f.form_type, Counts(f.form_type, f.form_type)), f)
    return [c for c in out.values() if c.issued]


def _grouped(forms: list[FormStatus], key) -> list[Counts]:
    out: dict[str, Counts] = {}
    for f in forms:
        name = key(f)
        _add(out.setdefault(name, Counts(name, name)), f)
    return list(out.values())


def _add(counts: Counts, f: FormStatus) -> None:
    counts.issued += 1
    counts.returned += f.state != "outstanding"
    setattr(counts, f.state, getattr(counts, f.state) + 1)


def _chase(ws: Workspace, forms: list[FormStatus]) -> list[ChaseItem]:
    """Who owes what: forms not returned, returned incomplete, or returned in a form maa cannot use."""
    titles = {ft.name: ft.title or ws.tools[ft.name].title for ft in ws.audit.form_types}
    items: dict[str, ChaseItem] = {}
    for f in forms:
        if f.state not in ("outstanding", "incomplete", "rejected"):
            continue
        who = f.agency or _respondent(ws, f.form_type)
        item = items.setdefault(who, ChaseItem(who, f.contact_name, f.email, []))
        label = titles.get(f.form_type, f.form_type) + (f", case {f.case_ref}" if f.case_ref else "")
        item.owes.append(f"{label} ({f.form_id}): {f.detail}")
    return list(items.values())


def _respondent(ws: Workspace, form_type: str) -> str:
    try:
        ft = ws.form_type(form_type)
    except KeyError:
        return form_type
    return ft.respondent or {"case": "Each case (e.g. the family)", "once": "The person completing it"}.get(ft.per, form_type)


def _stage(ws: Workspace, forms: list[FormStatus], days: int | None) -> str:
    if not forms:
        return "set up (no forms issued yet)"
    if all(f.state == "accepted" for f in forms):
        reported = ws.reports_dir.is_dir() and any(p.is_file() for p in ws.reports_dir.iterdir())
        return "reported" if reported else "all returned"
    if days is not None and days < 0:
        return "overdue"
    if all(f.state == "outstanding" for f in forms):
        return "forms issued"
    return "collecting"


# -- every audit under a folder ------------------------------------------------------------------


@dataclass
class AuditSummary:
    """One audit in a folder of audits."""

    path: str
    title: str
    stage: str
    issued: int = 0
    returned: int = 0
    accepted: int = 0
    deadline: dt.date | None = None
    days_to_deadline: int | None = None
    needs_attention: bool = False
    problem: str | None = None  # the audit could not be opened: why


def find_audits(parent: Path, depth: int = 3) -> list[Path]:
    """Audit folders (holding audit.yaml) under ``parent``, not looking inside an audit or hidden folders."""
    found = []
    base = len(Path(parent).parts)
    for folder, dirs, _files in os.walk(parent):
        here = Path(folder)
        if (here / AUDIT_FILE).is_file():
            found.append(here)
            dirs[:] = []
            continue
        if len(here.parts) - base >= depth:
            dirs[:] = []
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "~")) and d not in _NOT_AUDITS)
    return found


def overview(parent: Path, today: dt.date | None = None) -> list[AuditSummary]:
    """Every audit under ``parent``: title, stage, returns and deadline.

    Raises:
        WorkspaceError: there is no audit under ``parent``.
    """
    today = today or dt.date.today()
    audits = find_audits(Path(parent))
    if not audits:
        raise WorkspaceError(problem(ErrorCode.WORKSPACE_MISSING, file=parent))
    out = []
    for root in audits:
        rel = root.relative_to(parent).as_posix() if root != Path(parent) else "."
        try:
            ws = open_workspace(root)
            st = audit_status(ws, today)
        except MaaError as exc:
            out.append(AuditSummary(rel, "?", "cannot be opened", needs_attention=True, problem=str(exc.problems[0])))
            continue
        s = st.summary
        out.append(AuditSummary(rel, st.title, st.stage, s["issued"], s["returned"], s["accepted"], st.deadline,
                                st.days_to_deadline, st.needs_attention))
    return out


def deadline_text(deadline: dt.date | None, days: int | None) -> str:
    """'31/01/2027 (12 days left)', '… (due today)', '… (3 days overdue)', or 'no deadline'."""
    if deadline is None or days is None:
        return "no deadline"
    when = deadline.strftime("%d/%m/%Y")
    if days > 0:
        return f"{when} ({days} day{'s' if days != 1 else ''} left)"
    if days == 0:
        return f"{when} (due today)"
    return f"{when} ({-days} day{'s' if days != -1 else ''} overdue)"
