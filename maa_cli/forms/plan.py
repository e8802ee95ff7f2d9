"""Which forms an audit needs, and issuing them (``maa issue-forms``).

Each form type is answered per agency-and-case, per agency, per case, or once.
Planning turns audit.yaml into a list of :class:`PlannedForm`; issuing writes
those that are not yet on disk and records them in the manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .. import atomic, restricted
from ..audit import Audit, FormType
from ..tool import Tool
from ..workspace import Workspace
from .content import FormContent
from .identity import FormIdentity, make_form_id
from .naming import NameAllocator, clean

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class PlannedForm:
    """One form to issue (in one file format)."""

    form_id: str
    form_type: str
    agency: str | None
    case_ref: str | None
    format: str
    relpath: str  # below forms/, with '/' separators
    content: FormContent


@dataclass
class IssueResult:
    written: list[PlannedForm] = field(default_factory=list)
    skipped: list[PlannedForm] = field(default_factory=list)
    manifest_path: Path | None = None


def plan_forms(
    ws: Workspace, *, form_type: str | None = None, agency: str | None = None, fmt: str | None = None
) -> list[PlannedForm]:
    """Every form the audit needs, in a stable order."""
    audit = ws.audit
    cases_ident = restricted.read_cases(ws.restricted_dir)
    folders = NameAllocator()
    folder_of = {a.name: folders.name(a.name) for a in audit.agencies}
    template = _word_template(ws)
    out: list[PlannedForm] = []
    for ft in audit.form_types:
        if form_type and ft.name != form_type:
            continue
        tool = ws.tools[ft.name]
        for agency_name, case_ref in _units(audit, ft):
            if agency and (agency_name or "").casefold() != agency.casefold():
                continue
            form_id = make_form_id(audit.audit_id, ft.name, agency_name, case_ref)
            ident = cases_ident.get(case_ref) if (agency_name and case_ref) else None
            content = _content(audit, ft, tool, form_id, agency_name, case_ref, ident, template)
            folder = folder_of.get(agency_name) if agency_name else clean(ft.respondent or "Forms for each case")
            title = clean(ft.title or tool.title, 40)
            stem = f"{clean(case_ref, 20)} - {title}" if case_ref else title
            if agency_name:
                stem = f"{stem} - {clean(agency_name, 30)}"
            for f in [fmt] if fmt else [ft.format]:
                out.append(PlannedForm(form_id, ft.name, agency_name, case_ref, f, f"{folder}/{stem}.{f}", content))
    return out


def _units(audit: Audit, ft: FormType) -> Iterator[tuple[str | None, str | None]]:
    if ft.per == "agency_case":
        for case in audit.cases:
            for name in case.agencies:
                yield audit.agency(name).name, case.case_ref
    elif ft.per == "agency":
        for a in audit.agencies:
            yield a.name, None
    elif ft.per == "case":
        for case in audit.cases:
            yield None, case.case_ref
    else:
        yield None, None


def _word_template(ws: Workspace) -> Path | None:
    """The partnership's Word template named in audit.yaml (relative to the audit folder)."""
    if not ws.audit.word_template:
        return None
    path = Path(ws.audit.word_template)
    path = path if path.is_absolute() else ws.root / path
    if not path.is_file():
        from ..errors import ErrorCode, WorkspaceError, problem

        raise WorkspaceError(problem(ErrorCode.NEED_INPUT, file=ws.root / "audit.yaml",
                                     what=f"the Word template {ws.audit.word_template}",
                                     hint="Put the partnership's .docx or .dotx there, or remove 'word_template:'."))
    return path


def _content(audit: Audit, ft: FormType, tool: Tool, form_id: str, agency_name, case_ref, ident,
             template: Path | None = None) -> FormContent:
    attributes = audit.agency(agency_name).attributes if agency_name else {}
    identifying: tuple = ()
    prefill: dict = {}
    if ident is not None:
        # Identifying details go only on forms for an agency that worked with the case.
        identifying = (("Child's name", ident.child_name), ("Date of birth", ident.date_of_birth.strftime("%d/%m/%Y")))
        known = {"child_name": ident.child_name, "date_of_birth": ident.date_of_birth, "case_ref": case_ref, "agency": agency_name}
        for q in tool.questions():
            if q.prefill and known.get(q.prefill) is not None:
                prefill[q.id] = known[q.prefill]
    elif agency_name or case_ref:
        known = {"case_ref": case_ref, "agency": agency_name}
        for q in tool.questions():
            if q.prefill in ("case_ref", "agency") and known.get(q.prefill):
                prefill[q.id] = known[q.prefill]
    for_whom = agency_name or ft.respondent or "The person completing this form"
    return FormContent(
        tool=tool,
        identity=FormIdentity(form_id, tool.id, tool.version, audit.audit_id),
        partnership=audit.partnership,
        audit_title=audit.title,
        form_title=ft.title or tool.title,
        for_whom=for_whom,
        case_ref=case_ref,
        identifying=identifying,
        prefill=prefill,
        deadline=audit.deadline,
        return_to=audit.return_to,
        respondent_attributes=attributes,
        word_template=template,
    )


def read_manifest(ws: Workspace) -> dict[str, dict]:
    path = ws.state_dir / MANIFEST
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def issue_forms(
    ws: Workspace,
    *,
    form_type: str | None = None,
    agency: str | None = None,
    fmt: str | None = None,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    now: dt.datetime | None = None,
) -> IssueResult:
    """Write every planned form that is not yet on disk (all of them with ``force``).

    Never touches ``returns/``. Forms already issued are left alone, so adding an
    agency or a case and re-running issues just the new forms.
    """
    from .excel import write_excel_form

    writers = {"xlsx": write_excel_form}
    try:
        from .word import write_word_form

        writers["docx"] = write_word_form
    except ImportError:  # the Word writer is optional until it lands
        pass
    planned = plan_forms(ws, form_type=form_type, agency=agency, fmt=fmt)
    manifest = read_manifest(ws)
    result = IssueResult()
    stamp = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    for i, form in enumerate(planned, 1):
        path = ws.forms_dir / form.relpath
        if path.exists() and not force:
            result.skipped.append(form)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            writers[form.format](form.content, path)
            result.written.append(form)
        entry = manifest.setdefault(form.form_id, {
            "form_type": form.form_type, "agency": form.agency, "case_ref": form.case_ref,
            "tool": form.content.tool.id, "tool_version": form.content.tool.version, "files": {},
        })
        known = entry["files"].get(form.format)
        if known is None or known.get("file") != form.relpath or path.stat().st_mtime_ns != known.get("mtime_ns"):
            entry["files"][form.format] = {
                "file": form.relpath, "issued_at": stamp, "sha256": _sha256(path), "mtime_ns": path.stat().st_mtime_ns,
            }
        if progress:
            progress(i, len(planned))
    result.manifest_path = ws.state_dir / MANIFEST
    atomic.write_text(result.manifest_path, json.dumps(manifest, indent=1, sort_keys=True))
    return result


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
