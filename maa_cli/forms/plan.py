"""Which forms an audit needs, and issuing them (``maa issue-forms``).

Each form type is answered per agency-and-case, per agency, per case, or once.
Planning turns audit.yaml into a list of :class:`PlannedForm`; issuing writes
those not issued before and records them in the manifest
(``.maa/manifest.json``: form id → form type, respondent, case, tool version,
and for each file format the file, when it was issued and its SHA-256).

A form keeps its file name once issued: names are planned afresh on every run,
but a form already in the manifest keeps the file it was given, so adding an
agency whose name resembles another's never renames a form already sent.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .. import atomic
from ..definitions.audit import Audit, FormType
from ..definitions.tool import Tool
from ..errors import ErrorCode, WorkspaceError, problem
from ..setup import restricted
from ..setup.workspace import Workspace, locked
from .content import FormContent
from .identity import FormIdentity, make_form_id, make_seal
from .manifest import manifest_path, read_manifest, save_manifest
from .naming import MAX_RELPATH, NameAllocator, clean, collision_key
from .pool import write_forms

FORMS = "forms"
SAVE_EVERY_SECONDS = 2.0
_FOLDER_MAX = 40


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

    @property
    def respondent(self) -> str:
        return self.content.for_whom


@dataclass
class IssueResult:
    """What one ``issue_forms`` run did. ``warnings`` are for the officer, one line each."""

    written: list[PlannedForm] = field(default_factory=list)
    skipped: list[PlannedForm] = field(default_factory=list)
    adopted: list[PlannedForm] = field(default_factory=list)
    blocked: list[PlannedForm] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    manifest_path: Path | None = None


@dataclass
class _Unit:
    form_type: FormType
    tool: Tool
    agency: str | None
    case_ref: str | None
    form_id: str
    folder_owner: str  # whose folder the form goes in


def plan_forms(
    ws: Workspace, *, form_type: str | None = None, agency: str | None = None, fmt: str | None = None
) -> list[PlannedForm]:
    """Every form the audit needs, in a stable order, each with its file below ``forms/``.

    Raises:
        WorkspaceError: an unknown form type, agency or file format was asked for.
    """
    audit = ws.audit
    _check_filters(ws, form_type, agency, fmt)
    issued = read_manifest(ws)
    units = list(_all_units(ws))
    relpaths = _relpaths(units, issued, [fmt] if fmt else None)
    cases_ident = restricted.read_cases(ws.restricted_dir)
    template = word_template(ws)
    key = ws.form_key
    attributes: dict[str, dict] = {}
    for a in audit.agencies:  # looked up once: audit.agency() walks the list, and a county has 1,500 settings
        attributes.setdefault(a.name.casefold(), a.attributes)
    out: list[PlannedForm] = []
    for unit in units:
        ft = unit.form_type
        if form_type and ft.name != form_type:
            continue
        if agency and (unit.agency or "").casefold() != agency.casefold():
            continue
        ident = cases_ident.get(unit.case_ref) if (unit.agency and unit.case_ref) else None
        content = _content(audit, ft, unit.tool, unit.form_id, unit.agency, unit.case_ref, ident, template, key, attributes)
        for f in [fmt] if fmt else [ft.format]:
            out.append(PlannedForm(unit.form_id, ft.name, unit.agency, unit.case_ref, f, relpaths[unit.form_id, f], content))
    return out


FORMATS = ("docx", "xlsx")


def _check_filters(ws: Workspace, form_type: str | None, agency: str | None, fmt: str | None) -> None:
    """A typo in --form-type, --agency or --format must not silently issue nothing."""
    import difflib

    checks = [
        ("--form-type", form_type, [ft.name for ft in ws.audit.form_types]),
        ("--agency", agency, [a.name for a in ws.audit.agencies]),
        ("--format", fmt, list(FORMATS)),
    ]
    for option, given, allowed in checks:
        if given is None or given.casefold() in {a.casefold() for a in allowed}:
            continue
        close = difflib.get_close_matches(given, allowed, n=1, cutoff=0.6)
        suggestion = f" — did you mean '{close[0]}'?" if close else ""
        raise WorkspaceError(problem(ErrorCode.BAD_CHOICE, file=ws.root / "audit.yaml", value=given,
                                     what=f"value for {option}", suggestion=suggestion,
                                     allowed=", ".join(allowed) or "(none in this audit)"))


def _all_units(ws: Workspace) -> Iterator[_Unit]:
    audit = ws.audit
    for ft in audit.form_types:
        tool = ws.tools[ft.name]
        for agency_name, case_ref in _units(audit, ft):
            owner = agency_name or ft.respondent or ft.title or tool.title
            yield _Unit(ft, tool, agency_name, case_ref, make_form_id(audit.audit_id, ft.name, agency_name, case_ref), owner)


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


def _relpaths(units: list[_Unit], issued: dict, formats: list[str] | None) -> dict[tuple[str, str], str]:
    """The file of every unit in every format it may be issued in, below forms/.

    Forms in the manifest keep their file (the other format gets the same name);
    new ones get a clean, distinct name. Everything is planned at once, whatever
    the filters, so a name never depends on which forms one run happens to issue.
    """
    folders = NameAllocator()
    pinned: dict[str, PurePosixPath] = {}
    for unit in units:
        for info in issued.get(unit.form_id, {}).get("files", {}).values():
            path = _safe_relpath(info.get("file"))
            if path is not None:
                pinned.setdefault(unit.form_id, path)
                folders.reserve(unit.folder_owner, path.parts[0])
    taken = {collision_key(str(p.with_suffix(""))): fid for fid, p in pinned.items()}
    out: dict[tuple[str, str], str] = {}
    for unit in units:
        all_formats = formats or sorted({"docx", "xlsx", unit.form_type.format})
        if unit.form_id in pinned:
            base = pinned[unit.form_id].with_suffix("")
        else:
            folder = folders.name(unit.folder_owner, _FOLDER_MAX)
            base = PurePosixPath(folder, _stem(unit, MAX_RELPATH - len(FORMS) - len(folder) - 7))
            if taken.get(collision_key(str(base)), unit.form_id) != unit.form_id:
                # Another form has this name (two form types with one title): the form id tells them apart.
                room = MAX_RELPATH - len(FORMS) - len(folder) - 7 - len(unit.form_id) - 3
                base = base.with_name(f"{_stem(unit, room)} - {unit.form_id}")
            taken[collision_key(str(base))] = unit.form_id
        for f in all_formats:
            out[unit.form_id, f] = f"{base}.{f}"
    return out


def _safe_relpath(text: object) -> PurePosixPath | None:
    """A manifest's file, if it is a plain path inside forms/ (a hand-edited manifest must not point elsewhere)."""
    if not isinstance(text, str) or not text:
        return None
    path = PurePosixPath(text)
    if path.is_absolute() or len(path.parts) != 2 or any(p in ("", ".", "..") for p in path.parts) or ":" in text or "\\" in text:
        return None
    return path


def _stem(unit: _Unit, room: int) -> str:
    """The file name an officer recognises: 'Case A - Multi-agency case audit - Police'."""
    parts = []
    if unit.case_ref:
        ref = unit.case_ref
        parts.append(clean(ref if ref.casefold().startswith("case") else f"Case {ref}", 24))
    parts.append(clean(unit.form_type.title or unit.tool.title, 50))
    if unit.agency:
        parts.append(clean(unit.agency, 40))
    return clean(" - ".join(parts), max(room, 12))


def word_template(ws: Workspace) -> Path | None:
    """The partnership's Word template named in audit.yaml (relative to the audit folder)."""
    if not ws.audit.word_template:
        return None
    path = Path(ws.audit.word_template)
    path = path if path.is_absolute() else ws.root / path
    if not path.is_file():
        raise WorkspaceError(problem(ErrorCode.NEED_INPUT, file=ws.root / "audit.yaml",
                                     what=f"the Word template {ws.audit.word_template}",
                                     hint="Put the partnership's .docx or .dotx there, or remove 'word_template:'."))
    return path


def _content(audit: Audit, ft: FormType, tool: Tool, form_id: str, agency_name, case_ref, ident,
             template: Path | None = None, key: bytes | None = None, by_name: dict[str, dict] | None = None) -> FormContent:
    if not agency_name:
        attributes = {}
    elif by_name is not None and agency_name.casefold() in by_name:
        attributes = by_name[agency_name.casefold()]
    else:
        attributes = audit.agency(agency_name).attributes
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
        identity=FormIdentity(form_id, tool.id, tool.version, audit.audit_id, make_seal(key, form_id) if key else None),
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
        marking=audit.protective_marking or None,
        secure_email_hint=audit.secure_email_hint,
    )


# -- issuing ---------------------------------------------------------------------------------


def issue_forms(
    ws: Workspace,
    *,
    form_type: str | None = None,
    agency: str | None = None,
    fmt: str | None = None,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    now: dt.datetime | None = None,
    workers: int | None = None,
) -> IssueResult:
    """Write every planned form not issued before (all of them with ``force``).

    Never touches ``returns/``. Forms already issued are left alone, so adding an
    agency or a case and re-running issues just the new forms. Each form is written
    atomically and the manifest is saved as the run goes; a form a stopped run
    wrote but did not record is recognised by its identity and adopted.

    The forms of one kind are stamped from one laid-out base (:mod:`maa_cli.forms.stamp`),
    in ``workers`` processes (default: every core when there are many forms; see
    :func:`maa_cli.forms.pool.write_forms`).

    Raises:
        AuditLocked: another maa run is working on this audit.
        RestrictedStoreError: a case's details are missing from the restricted store.
    """
    gap = ws.identity_problem()
    if gap is not None:  # the forms for that case would go out without the child's details
        raise gap
    with locked(ws):
        warnings = _keep_tool_copies(ws)
        result = _issue(ws, plan_forms(ws, form_type=form_type, agency=agency, fmt=fmt), force, progress, now, workers)
        result.warnings[:0] = warnings
        return result


def _keep_tool_copies(ws: Workspace) -> list[str]:
    """Take the audit's own copy of any tool it has none of yet (an older audit, a form type added later).

    Forms are issued from the copy, and every later command reads it (see :mod:`maa_cli.setup.snapshots`).
    """
    from ..setup import snapshots
    from ..setup.workspace import AUDIT_FILE, audit_yaml

    notes = snapshots.unused_terms(ws.audit, ws.tools)
    todo = snapshots.missing(ws.audit)
    if not todo:
        return notes
    ws.audit = snapshots.take_missing(ws.root, ws.audit)
    atomic.write_text(ws.root / AUDIT_FILE, audit_yaml(ws.audit))
    names = ", ".join(ft.name for ft in todo)
    return notes + [f"the audit now keeps its own copy of the tool of {names} in tools/: later changes to the original "
                    "reach this audit only through 'maa tools update'"]


def _issue(ws: Workspace, planned: list[PlannedForm], force: bool, progress, now, workers: int | None = None) -> IssueResult:
    copies = {ft.name: ws.tool_record(ft.name)[1] for ft in ws.audit.form_types}
    manifest = read_manifest(ws)
    result = IssueResult(manifest_path=manifest_path(ws))
    stamp = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    _remove_leftover_temp_files(ws.forms_dir)
    saver = _Saver(ws, manifest)
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        saver.maybe_save()
        if progress:
            progress(done, len(planned))

    try:
        to_write: list[PlannedForm] = []
        for form in planned:
            path = ws.forms_dir / form.relpath
            recorded = manifest.get(form.form_id, {}).get("files", {}).get(form.format)
            if recorded and not force:
                result.skipped.append(form)
                if recorded.get("file") == form.relpath and not path.exists():
                    result.warnings.append(f"{form.relpath} was issued on {recorded.get('issued_at', '?')[:10]} but is no "
                                           "longer in forms/; it was not written again (use --force to write it again).")
            elif path.exists() and not force:
                if _identity_of(path, form.format) == form.form_id:
                    _record(manifest, form, path, _mtime_stamp(path), adopted=True, tool_sha256=copies.get(form.form_type))
                    result.adopted.append(form)
                    saver.dirty = True
                else:
                    result.blocked.append(form)
                    result.warnings.append(f"{form.relpath} already exists but is not this form ({form.form_id}); it was "
                                           "left alone. Move it away and run again, or use --force to replace it.")
            else:
                to_write.append(form)
                continue
            step()
        # Every form of a kind is stamped from one base, on every core when there are many (see forms/pool.py).
        jobs = [(form.content, form.format, ws.forms_dir / form.relpath) for form in to_write]
        for form, sha256 in zip(to_write, write_forms(jobs, workers), strict=False):
            _record(manifest, form, ws.forms_dir / form.relpath, stamp, sha256=sha256, tool_sha256=copies.get(form.form_type))
            result.written.append(form)
            saver.dirty = True
            step()
    finally:
        # Also on Ctrl-C or an error part-way: every form written so far is recorded.
        if saver.dirty or not result.manifest_path.exists():
            save_manifest(ws, manifest)
    return result


class _Saver:
    """Saves the manifest every few seconds while forms are written, so a killed run leaves less to adopt."""

    def __init__(self, ws: Workspace, manifest: dict):
        self.ws, self.manifest = ws, manifest
        self.dirty, self.saved_at = False, time.monotonic()

    def maybe_save(self) -> None:
        if self.dirty and time.monotonic() - self.saved_at > SAVE_EVERY_SECONDS:
            save_manifest(self.ws, self.manifest)
            self.dirty, self.saved_at = False, time.monotonic()


def _record(manifest: dict, form: PlannedForm, path: Path, issued_at: str, adopted: bool = False,
            sha256: str | None = None, tool_sha256: str | None = None) -> None:
    entry = manifest.setdefault(form.form_id, {})
    entry.update({
        "form_type": form.form_type, "respondent": form.respondent, "agency": form.agency, "case_ref": form.case_ref,
        "tool": form.content.tool.id, "tool_version": form.content.tool.version,
    })
    if tool_sha256:  # which copy of the tool it was made from ('maa tools update' shows the forms of each)
        entry["tool_sha256"] = tool_sha256
    info = {"file": form.relpath, "issued_at": issued_at, "sha256": sha256 or atomic.sha256_file(path)}
    if adopted:
        info["adopted"] = True  # written by a run that stopped before recording it
    entry.setdefault("files", {})[form.format] = info


def _identity_of(path: Path, fmt: str) -> str | None:
    """The form id a file in forms/ carries: from its document properties (a few hundred bytes, read without
    opening the document: a killed run may leave a thousand forms to adopt), else from its reference line."""
    from .manifest import properties_identity

    found = properties_identity(path)
    if found is None:
        if fmt == "xlsx":
            from ..intake.readers.excel import excel_identity as identity
        else:
            from ..intake.readers.word import word_identity as identity
        found, _source = identity(path)
    return found.form_id if found else None


def _mtime_stamp(path: Path) -> str:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).isoformat(timespec="seconds")


def _remove_leftover_temp_files(forms_dir: Path) -> None:
    """Temporary files of a run that was killed mid-write must not be sent to an agency."""
    if not forms_dir.is_dir():
        return
    for tmp in forms_dir.glob("*/.~maa-*.tmp"):
        tmp.unlink(missing_ok=True)


