"""``maa tools update``: an audit's copy of each tool against its original, and the forms issued from each version.

The audit reads only its own copy (:mod:`maa_cli.setup.snapshots`). :func:`compare` finds, for
each form type, the original (the built-in tool of the installed maa, or the file the copy was
taken from), checks it as strictly as ``maa tools check``, and says what changed — questions
added, removed and reworded, and the text line by line — and how many forms were issued from
which copy (the manifest records each form's copy). :func:`apply` takes the new versions.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .. import atomic
from ..definitions.audit import Audit, FormType, ToolSnapshot
from ..definitions.catalog import BUILT_IN, ToolSource, find_tool
from ..definitions.tool import Tool
from ..errors import DefinitionError, ErrorCode, WorkspaceError, problem
from ..setup.snapshots import load_form_type_tool, snapshot_path, take
from ..setup.workspace import AUDIT_FILE, Workspace, audit_yaml, locked
from .manifest import read_manifest


@dataclass
class ToolUpdate:
    """One form type's copy compared with its original: what would change, and what was issued from which version."""

    form_type: str
    record: ToolSnapshot | None
    source: str  # where the original is: "built-in <id>" or a path
    current: Tool | None
    new: Tool | None = None
    new_source: ToolSource | None = None
    diff: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    reworded: list[str] = field(default_factory=list)
    issued: dict[str, int] = field(default_factory=dict)  # "version 1.0 (copy ab12cd34)" -> forms
    warnings: list[str] = field(default_factory=list)
    problem: DefinitionError | None = None  # the original cannot be found or used

    @property
    def changed(self) -> bool:
        return bool(self.diff) and self.problem is None


def compare(ws: Workspace, form_type: str | None = None, from_file: Path | None = None) -> list[ToolUpdate]:
    """Each form type's copy against its original (or ``from_file``), with the forms issued from each version.

    Raises:
        WorkspaceError: ``form_type`` is not a form type of the audit.
    """
    names = [ft.name for ft in ws.audit.form_types]
    if form_type is not None and form_type not in names:
        raise WorkspaceError(problem(ErrorCode.BAD_CHOICE, file=ws.root / AUDIT_FILE, value=form_type,
                                     what="form type", suggestion="", allowed=", ".join(names)))
    manifest = read_manifest(ws)
    out = []
    for ft in ws.audit.form_types:
        if form_type is not None and ft.name != form_type:
            continue
        out.append(_compare_one(ws, ft, manifest, from_file))
    return out


def _compare_one(ws: Workspace, ft: FormType, manifest: dict, from_file: Path | None) -> ToolUpdate:
    current_text = snapshot_path(ws.root, ft).read_text(encoding="utf-8") if ft.snapshot else None
    current = load_form_type_tool(ws.root, ft)
    where = from_file or (ft.tool if ft.snapshot is None or ft.snapshot.source == BUILT_IN else ft.snapshot.source)
    update = ToolUpdate(ft.name, ft.snapshot, f"built-in {ft.tool}" if ft.snapshot and ft.snapshot.source == BUILT_IN
                        and from_file is None else str(where), current)
    update.issued = _issued(manifest, ft.name)
    try:
        source = find_tool(str(where), ws.root) if from_file is None else find_tool(str(from_file))
    except DefinitionError:
        update.problem = DefinitionError(problem(ErrorCode.TOOL_ORIGINAL_MISSING, file=ws.root / "audit.yaml",
                                                 form_type=ft.name, source=str(where)))
        return update
    try:
        update.new = source.load()  # the new version must pass every check, as 'maa tools check' does
    except DefinitionError as exc:
        update.problem = exc
        return update
    update.new_source = source
    before = current_text if current_text is not None else find_tool(ft.tool, ws.root).text
    if before == source.text and ft.snapshot is not None:
        return update
    update.diff = list(difflib.unified_diff(before.splitlines(), source.text.splitlines(), lineterm="",
                                            fromfile=f"the audit's copy (version {current.version})",
                                            tofile=f"{update.source} (version {update.new.version})"))
    if ft.snapshot is None and not update.diff:
        update.diff = ["(no copy kept yet: the audit will keep one of this version)"]
    _summarise(update, current, update.new)
    return update


def _summarise(update: ToolUpdate, old: Tool, new: Tool) -> None:
    old_fields = {f.key: f for f in old.fields()}
    new_fields = {f.key: f for f in new.fields()}
    update.added = [f"{f.number} ({f.key})" for k, f in new_fields.items() if k not in old_fields]
    update.removed = [f"{f.number} ({f.key})" for k, f in old_fields.items() if k not in new_fields]
    update.reworded = [f"{f.number} ({f.key})" for k, f in new_fields.items()
                       if k in old_fields and (f.label != old_fields[k].label or f.choices != old_fields[k].choices)]
    if update.diff and new.version == old.version:
        update.warnings.append(f"the version is still {new.version}: give the changed tool a new version (e.g. "
                               f"'version: \"{_next(new.version)}\"') so each return shows which questions it answered")
    issued = sum(update.issued.values())
    if update.removed and issued:
        update.warnings.append(f"{issued} form(s) were issued with questions this version removes "
                               f"({', '.join(update.removed[:6])}): their answers to those would no longer be read")
    if (update.added or update.reworded) and issued:
        update.warnings.append(f"{issued} form(s) already issued keep the questions they were issued with; returns "
                               "are read against the new version. Re-issue them with 'maa issue-forms --force' if "
                               "respondents should answer the new questions")


def _next(version: str) -> str:
    head, _, last = version.rpartition(".")
    return f"{head}.{int(last) + 1}" if last.isdigit() and head else f"{version}.1"


def _issued(manifest: dict, form_type: str) -> dict[str, int]:
    counts: Counter = Counter()
    for entry in manifest.values():
        if entry.get("form_type") != form_type or entry.get("withdrawn"):
            continue
        version = entry.get("tool_version") or "?"
        sha = entry.get("tool_sha256")
        counts[f"version {version}" + (f" (copy {sha[:8]})" if sha else " (issued before copies were kept)")] += 1
    return dict(sorted(counts.items()))


def apply(ws: Workspace, updates: list[ToolUpdate], today: dt.date | None = None) -> Audit:
    """Take the new version of every changed tool: write the copies and record them in audit.yaml.

    Holds the audit's lock. Returns the audit as written.

    Raises:
        AuditLocked: another maa run is working on this audit.
    """
    today = today or dt.date.today()
    chosen = {u.form_type: u for u in updates if u.changed and u.new_source is not None}
    with locked(ws):
        form_types = [take(ws.root, ft, chosen[ft.name].new_source, today) if ft.name in chosen else ft
                      for ft in ws.audit.form_types]
        audit = ws.audit.model_copy(update={"form_types": form_types})
        atomic.write_text(ws.root / AUDIT_FILE, audit_yaml(audit))
    return audit
