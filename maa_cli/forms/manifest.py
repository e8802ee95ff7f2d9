"""The manifest of issued forms (``.maa/manifest.json``): the one module that reads and writes it.

One entry per form id: its form type, respondent, agency, case, tool and tool version,
and for each file format the file below ``forms/``, when it was issued and its SHA-256.
``issue-forms`` adds forms, ``maa report`` adds the officer's findings form, and
``replace-case`` marks the forms of a replaced case withdrawn (kept, so returns of them
are still recognised). Collect, status and reports only read it.

A lost or damaged manifest is rebuilt rather than trusted as "nothing was issued" (which
would reject every return and drop every response record). Form ids are stable
(:func:`~maa_cli.forms.identity.make_form_id` of the audit, form type, agency and case), so
``audit.yaml`` says what each form would be; a form counts as issued when there is evidence
of it: its file in ``forms/`` (whose document properties carry the form id), or a return of
it already collected. Forms of a case replaced in the sample come back withdrawn, as
``audit.yaml`` records the replacement.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import atomic
from ..errors import ErrorCode, WorkspaceError, problem
from ..setup.workspace import FINDINGS_FORM_TYPE, Workspace
from .identity import FormIdentity, make_form_id

MANIFEST = "manifest.json"
FINDINGS_TOOL = "findings-form"
_PROPERTIES_LIMIT = 1 << 20  # docProps/custom.xml is a few hundred bytes in every form


def manifest_path(ws: Workspace) -> Path:
    return ws.state_dir / MANIFEST


@dataclass
class ManifestRead:
    """The issued forms, and whether (and how) they had to be rebuilt: ``notes`` are for the officer."""

    forms: dict[str, dict]
    notes: list[str] = field(default_factory=list)
    rebuilt: bool = False


def read_manifest(ws: Workspace) -> dict[str, dict]:
    """The issued forms by form id (empty before the first ``issue_forms``).

    A missing or damaged manifest is rebuilt in memory (see :func:`load_manifest`); nothing is written.
    Until ``maa collect`` has kept anything that depends on it, a missing manifest is empty:
    ``issue-forms`` then adopts the forms a stopped run wrote but did not record.
    """
    return load_manifest(ws).forms


def load_manifest(ws: Workspace, *, repair: bool = False, now: float | None = None) -> ManifestRead:
    """The issued forms, rebuilt from ``audit.yaml``, ``forms/`` and the collected returns when the manifest is
    missing or cannot be read.

    Args:
        repair: set a damaged manifest aside (renamed ``manifest.json.unreadable-<time>``, kept) and save the
            rebuilt one. Only under the audit's lock.
        now: the time for the set-aside name (tests).

    Raises:
        WorkspaceError: with ``repair``, returns of forms that cannot be rebuilt were collected: going on
            would drop their records, so the officer must restore the manifest (exit 2).
    """
    path = manifest_path(ws)
    why = _damage(ws, path)
    if why is None:
        return ManifestRead(json.loads(path.read_bytes().decode("utf-8-sig")))
    missing = why == _MISSING
    if missing and not _ever_issued(ws, forms_too=repair):
        return ManifestRead({})  # nothing issued yet, or nothing collected that depends on it
    forms, lost, counts = rebuild_manifest(ws)
    if not forms and not lost:
        return ManifestRead({})  # e.g. collect run before any form was issued: nothing to rebuild
    if repair and lost:
        raise WorkspaceError(problem(ErrorCode.MANIFEST_LOST, file=path, why=why, count=len(lost),
                                     forms=", ".join(sorted(lost)[:5]) + ("…" if len(lost) > 5 else "")))
    note = (f"'.maa/{MANIFEST}', the list of issued forms, is {why}. It was rebuilt from audit.yaml, the forms in "
            f"forms/ ({counts['files']}) and the returns already collected ({counts['returned']}): {len(forms)} forms")
    note += f", {counts['withdrawn']} of them withdrawn (replaced cases)." if counts["withdrawn"] else "."
    if counts["unconfirmed"]:
        note += (f" {counts['unconfirmed']} form(s) in audit.yaml have no file in forms/ and no return, so they are not "
                 "counted or chased: if they were sent, run 'maa issue-forms' to issue them again.")
    if repair:
        if not missing:
            aside = atomic.set_aside(path, time.time() if now is None else now)
            note += (f" The damaged file was set aside as '{aside.name}' (kept)." if aside else
                     " The damaged file could not be renamed (is it open in another program?): close it.")
        if not (path.exists() or path.is_symlink()):
            save_manifest(ws, forms)
    return ManifestRead(forms, [note], rebuilt=True)


_MISSING = "missing (deleted or moved?)"


def _damage(ws: Workspace, path: Path) -> str | None:
    """None when the manifest can be used; else what is wrong, to follow "the manifest is"."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return _MISSING
    except OSError as exc:
        return "a folder, where a file should be" if path.is_dir() else f"unreadable ({exc.strerror or type(exc).__name__})"
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return "damaged (its bytes are not UTF-8 text)"
    except ValueError:
        return "damaged (not valid JSON: cut short, or edited by hand)"
    if not (isinstance(data, dict) and all(isinstance(e, dict) and isinstance(e.get("form_type"), str)
                                           for e in data.values())):
        return "damaged (it does not hold what maa writes there)"
    if not data and _collected(ws):
        return "empty, though returns of its forms were collected"
    return None


# -- rebuilding ----------------------------------------------------------------------------------


def rebuild_manifest(ws: Workspace) -> tuple[dict[str, dict], set[str], dict[str, int]]:
    """The manifest as far as it can be told from the audit folder.

    Returns ``(forms, lost, counts)``: the rebuilt entries; the ids of forms with a collected return
    that ``audit.yaml`` cannot describe (so cannot be rebuilt); and how many forms came from files,
    from returns, were withdrawn, and are in ``audit.yaml`` without any evidence of being issued.
    """
    units = _units(ws)
    files = _issued_files(ws)
    returned = _returned_ids(ws)
    forms: dict[str, dict] = {}
    for form_id, entry in units.items():
        if form_id not in files and form_id not in returned:
            continue
        entry = dict(entry)
        if form_id in files:
            entry["files"] = {fmt: info for fmt, (info, _version) in files[form_id].items()}
            version = next((v for _info, v in files[form_id].values() if v), None)
            entry["tool_version"] = version or returned.get(form_id) or entry["tool_version"]
        else:
            entry["files"] = {}
            entry["tool_version"] = returned.get(form_id) or entry["tool_version"]
        if entry.get("tool_sha256") and entry["tool_version"] != _copy_version(ws, entry["form_type"]):
            del entry["tool_sha256"]  # issued from another version than the audit's copy: which copy is not known
        entry["rebuilt"] = True
        forms[form_id] = entry
    counts = {"files": sum(1 for f in files if f in forms), "returned": sum(1 for f in returned if f in forms),
              "withdrawn": sum(1 for e in forms.values() if e.get("withdrawn")),
              "unconfirmed": sum(1 for f, e in units.items() if f not in forms and not e.get("withdrawn")
                                 and e["form_type"] != FINDINGS_FORM_TYPE)}
    return forms, set(returned) - set(forms), counts


def _copy_version(ws: Workspace, form_type: str) -> str | None:
    return ws.tool_record(form_type)[0]


def _units(ws: Workspace) -> dict[str, dict]:
    """Every form ``audit.yaml`` can describe, by form id: the audit's forms, the forms of cases replaced in the
    sample (withdrawn), and the officer's findings form."""
    audit = ws.audit
    out: dict[str, dict] = {}

    def add(ft, agency: str | None, case_ref: str | None, **extra) -> None:
        tool = ws.tools.get(ft.name)
        form_id = make_form_id(audit.audit_id, ft.name, agency, case_ref)
        out.setdefault(form_id, {"form_type": ft.name, "respondent": agency or ft.respondent or "The person completing this form",
                                 "agency": agency, "case_ref": case_ref, "tool": tool.id if tool else ft.tool,
                                 "tool_version": tool.version if tool else None, **extra})
        copy = ft.snapshot
        if copy is not None:  # the copy of the tool the form would have been issued from (see setup/snapshots.py)
            out[form_id]["tool_sha256"] = copy.sha256

    agencies = [a.name for a in audit.agencies]
    for ft in audit.form_types:
        if ft.name == FINDINGS_FORM_TYPE:
            continue
        if ft.per == "agency_case":
            for case in audit.cases:
                for name in case.agencies:
                    add(ft, audit.agency(name).name, case.case_ref)
        elif ft.per == "agency":
            for name in agencies:
                add(ft, name, None)
        elif ft.per == "case":
            for case in audit.cases:
                add(ft, None, case.case_ref)
        else:
            add(ft, None, None)
    swaps = audit.selection.replacements if audit.selection else []
    for swap in swaps:  # which agencies worked with a replaced case is no longer known: any of them
        withdrawn = {"withdrawn": swap.get("reason") or "case replaced in the sample", "replaced_by": swap.get("in")}
        for ft in audit.form_types:
            if ft.per == "agency_case":
                for name in agencies:
                    add(ft, name, swap.get("out"), **withdrawn)
            elif ft.per == "case":
                add(ft, None, swap.get("out"), **withdrawn)
    if FINDINGS_FORM_TYPE in ws.tools:
        form_id = make_form_id(audit.audit_id, FINDINGS_FORM_TYPE, None, None)
        out[form_id] = {"form_type": FINDINGS_FORM_TYPE, "agency": None, "case_ref": None, "tool": FINDINGS_TOOL,
                        "tool_version": ws.tools[FINDINGS_FORM_TYPE].version}
    return out


def _issued_files(ws: Workspace) -> dict[str, dict[str, tuple[dict, str | None]]]:
    """Forms found in ``forms/`` (and the findings form in ``reports/``), by the form id in their document
    properties: ``{form_id: {format: (file info, tool version)}}``."""
    out: dict[str, dict[str, tuple[dict, str | None]]] = {}
    candidates = [(p, p.relative_to(ws.forms_dir).as_posix()) for p in _files(ws.forms_dir)]
    findings = ws.reports_dir / "findings-form.docx"
    if findings.is_file():
        candidates.append((findings, f"../reports/{findings.name}"))
    for path, rel in candidates:
        identity = properties_identity(path)
        if identity is None or (identity.audit_id and identity.audit_id != ws.audit.audit_id):
            continue
        fmt = path.suffix.lower().lstrip(".")
        with contextlib.suppress(OSError):
            issued = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).isoformat(timespec="seconds")
            info = {"file": rel, "issued_at": issued, "sha256": atomic.sha256_file(path)}
            out.setdefault(identity.form_id, {}).setdefault(fmt, (info, identity.tool_version))
    return out


def _files(folder: Path) -> list[Path]:
    found = []
    for here, dirs, names in os.walk(folder):
        dirs.sort()
        found += [Path(here) / n for n in sorted(names)
                  if n.lower().endswith((".docx", ".xlsx")) and not n.startswith(("~$", ".~maa-"))]
    return found


def properties_identity(path: Path) -> FormIdentity | None:
    """The form identity in a form's custom document properties, or None for anything else."""
    from ..office.ooxml import CUSTOM_PART, parse_custom_properties

    try:
        with zipfile.ZipFile(path) as z:
            if z.getinfo(CUSTOM_PART).file_size > _PROPERTIES_LIMIT:
                return None
            return FormIdentity.from_properties(parse_custom_properties(z.read(CUSTOM_PART)))
    except Exception:  # noqa: BLE001 - a damaged or foreign file in forms/ is simply not evidence
        return None


def _returned_ids(ws: Workspace) -> dict[str, str | None]:
    """Forms with a return already collected: ``{form_id: tool version}`` from the records in the restricted store
    (and the decisions in ``.maa/files.json``, for returns whose record is gone)."""
    out: dict[str, str | None] = {}
    for folder in (ws.restricted_dir / "records", ws.restricted_dir / "responses"):
        for path in sorted(folder.glob("MAA-*.json")) if folder.is_dir() else []:
            data = _json(path)
            if isinstance(data, dict) and isinstance(data.get("form_id"), str):
                out.setdefault(data["form_id"], data.get("tool_version"))
    state = _json(ws.state_dir / "files.json")
    for entry in (state.get("files") or {}).values() if isinstance(state, dict) and isinstance(state.get("files"), dict) else []:
        decision = entry.get("decision") if isinstance(entry, dict) else None
        if isinstance(decision, dict) and isinstance(decision.get("form_id"), str):
            out.setdefault(decision["form_id"], None)
    return out


def _ever_issued(ws: Workspace, forms_too: bool) -> bool:
    """Any sign that forms were issued: state that collect keeps (or, with ``forms_too``, a form in forms/)."""
    return (forms_too and bool(_files(ws.forms_dir))) or (ws.state_dir / "files.json").exists() or bool(_returned_ids(ws))


def _collected(ws: Workspace) -> bool:
    """``maa collect`` has recorded a return: an empty manifest then means it was emptied, not never filled."""
    records = ws.restricted_dir / "records"
    return records.is_dir() and any(records.glob("MAA-*.json"))


def _json(path: Path):
    try:
        return json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, ValueError):
        return None


def save_manifest(ws: Workspace, manifest: dict[str, dict]) -> None:
    """Replace the manifest in one step (see :mod:`maa_cli.atomic`)."""
    atomic.write_text(manifest_path(ws), json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False))


def is_withdrawn(entry: dict) -> bool:
    """A manifest entry for a form withdrawn when its case was replaced in the sample."""
    return bool(entry.get("withdrawn"))


def live_forms(manifest: dict[str, dict]) -> dict[str, dict]:
    """The issued forms still part of the audit (not withdrawn)."""
    return {form_id: entry for form_id, entry in manifest.items() if not is_withdrawn(entry)}


def counted_forms(manifest: dict[str, dict]) -> dict[str, dict]:
    """The issued forms that count as issued, returned or outstanding (and are chased): all but the
    officer's findings form and forms withdrawn when their case was replaced in the sample."""
    return {fid: e for fid, e in live_forms(manifest).items() if e.get("form_type") != FINDINGS_FORM_TYPE}


def withdraw_case_forms(ws: Workspace, case_ref: str, replaced_by: str, reason: str) -> None:
    """Mark every form issued for ``case_ref`` withdrawn (kept, so returns are still recognised)."""
    manifest = read_manifest(ws)
    changed = False
    for entry in manifest.values():
        if entry.get("case_ref") == case_ref and not entry.get("withdrawn"):
            entry.update({"withdrawn": reason, "withdrawn_on": dt.date.today().isoformat(), "replaced_by": replaced_by})
            changed = True
    if changed:
        save_manifest(ws, manifest)
