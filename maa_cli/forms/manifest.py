"""The manifest of issued forms (``.maa/manifest.json``): the one module that reads and writes it.

One entry per form id: its form type, respondent, agency, case, tool and tool version,
and for each file format the file below ``forms/``, when it was issued and its SHA-256.
``issue-forms`` adds forms, ``maa report`` adds the officer's findings form, and
``replace-case`` marks the forms of a replaced case withdrawn (kept, so returns of them
are still recognised). Collect, status and reports only read it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from .. import atomic
from ..setup.workspace import FINDINGS_FORM_TYPE, Workspace

MANIFEST = "manifest.json"


def manifest_path(ws: Workspace) -> Path:
    return ws.state_dir / MANIFEST


def read_manifest(ws: Workspace) -> dict[str, dict]:
    """The issued forms by form id (empty before the first ``issue_forms``)."""
    path = manifest_path(ws)
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


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
