"""The audit folder: creating it (``maa new-audit``) and opening it for every other command.

Layout::

    DIR/audit.yaml      the audit definition (no child's name or date of birth)
    DIR/forms/          forms to send, one folder per respondent
    DIR/returns/        where returned files are saved; maa only ever reads it
    DIR/reports/        outputs (shareable; reports/restricted/ is for the panel)
    DIR/restricted/     identifying details, and read-only copies of accepted returns in
                        collected/ (unless audit.yaml's restricted_store points elsewhere)
    DIR/.maa/           maa's own state (manifest, collected answers, run log)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .. import atomic
from ..definitions.audit import Audit, Case, FormType, Selection
from ..definitions.catalog import find_tool, resolve_tool
from ..definitions.load import load_model
from ..definitions.tool import Tool
from ..definitions.yamlio import dump, read_located
from ..errors import (
    WINDOWS_PATH_LIMIT,
    AuditLocked,
    EnvironmentStopped,
    ErrorCode,
    InputFileError,
    RestrictedStoreError,
    WorkspaceError,
    problem,
)
from ..forms.identity import new_form_key
from ..forms.naming import MAX_RELPATH
from . import restricted

AUDIT_FILE = "audit.yaml"
LOCK_FILE = "lock"  # in .maa/
FINDINGS_FORM_TYPE = "findings"
FOLDERS = ("forms", "returns", "reports", "restricted", ".maa")
DEFAULT_FORMAT = {"questionnaire": "xlsx", "case_audit": "docx", "reflection": "docx", "record": "docx"}
DEFAULT_PER = {"questionnaire": "agency", "case_audit": "agency_case", "reflection": "agency_case", "record": "agency_case"}


@dataclass
class Workspace:
    """An opened audit folder."""

    root: Path
    audit: Audit

    @property
    def forms_dir(self) -> Path:
        return self.root / "forms"

    @property
    def returns_dir(self) -> Path:
        return self.root / "returns"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def state_dir(self) -> Path:
        return self.root / ".maa"

    @property
    def restricted_dir(self) -> Path:
        return self.audit.restricted_dir(self.root)

    @cached_property
    def tools(self) -> dict[str, Tool]:
        """The tool of each form type, by form type name: the audit's own copy (``tools/``), with the
        audit's local terms filled in, plus the officer's findings form (issued by 'maa report',
        collected from returns/ like any return). See :mod:`maa_cli.setup.snapshots`."""
        from .snapshots import load_tools

        return load_tools(self.root, self.audit)

    def tool_record(self, form_type: str) -> tuple[str | None, str | None]:
        """The version and SHA-256 of the audit's copy of a form type's tool (None before copies were kept)."""
        try:
            snap = self.form_type(form_type).snapshot
        except KeyError:
            return None, None
        return (snap.version, snap.sha256) if snap else (None, None)

    @cached_property
    def form_key(self) -> bytes | None:
        """The key that seals this audit's forms, or None for an audit made before seals.

        Raises:
            RestrictedStoreError: the audit seals its forms but the key cannot be read.
        """
        if not self.audit.sealed_forms:
            return None
        return restricted.read_form_key(self.restricted_dir)

    def identity_problem(self) -> RestrictedStoreError | None:
        """Cases in audit.yaml whose row (child's name, date of birth) is missing from the restricted store.

        Such a child's name could not be masked, nor put on the forms of the agencies that need it:
        the commands that write anything shareable refuse (fail closed), naming each case.

        Raises:
            RestrictedStoreError: the store or its cases file cannot be reached at all.
        """
        refs = [c.case_ref for c in self.audit.cases]
        if not refs:
            return None
        have = restricted.read_cases(self.restricted_dir, expected=refs)
        missing = [ref for ref in refs if ref not in have]
        if not missing:
            return None
        path = self.restricted_dir / restricted.CASES_FILE
        return RestrictedStoreError([problem(ErrorCode.RESTRICTED_CASE_MISSING, file=path, case_ref=ref,
                                             file_name=restricted.CASES_FILE) for ref in missing])

    def form_type(self, name: str) -> FormType:
        for ft in self.audit.form_types:
            if ft.name == name:
                return ft
        raise KeyError(name)


def open_workspace(root: Path) -> Workspace:
    """Open an audit folder, validating audit.yaml and every tool it names.

    Raises:
        WorkspaceError: there is no audit here.
        DefinitionError: audit.yaml or a tool cannot be used as written.
        RestrictedStoreError: the audit has cases, but the restricted store (or its
            cases file) cannot be reached.
        InputFileError: the restricted cases file cannot be read as written.
    """
    root = Path(root)
    path = root / AUDIT_FILE
    if not path.is_file():
        raise WorkspaceError(problem(ErrorCode.WORKSPACE_MISSING, file=root))
    ws = Workspace(root, load_model(read_located(path, cache=root / ".maa" / "cache" / "audit-yaml.json"), Audit))
    check_store_placement(root, ws.audit)
    ws.tools  # noqa: B018 - validate every tool up front so errors surface before any work
    # Without the restricted store no child's name could be masked or put on a form: refuse now, not later.
    restricted.read_cases(ws.restricted_dir, expected=[c.case_ref for c in ws.audit.cases])
    return ws


@dataclass
class NewAudit:
    """What ``new_audit`` needs. Paths are CSV files; see the README for their columns."""

    title: str
    partnership: str
    type: str | None = None  # None: a questionnaire tool makes a questionnaire audit, else a case audit
    theme: str | None = None
    terms_of_reference: str | None = None
    lookback_months: int = 12
    deadline: dt.date | None = None
    return_to: str | None = None
    tool: str | None = None
    form_types: list[FormType] = field(default_factory=list)
    agencies_csv: Path | None = None
    cases_csv: Path | None = None
    nominations_csv: Path | None = None
    sample: int | None = None
    seed: int | None = None
    per: str | None = None
    restricted_store: str = "restricted"
    today: dt.date = field(default_factory=dt.date.today)
    allow_past_deadline: bool = False  # recording an audit that has already run
    local_terms: dict[str, str] = field(default_factory=dict)  # the partnership's wording for the tools' local terms


@dataclass
class NewAuditResult:
    root: Path
    audit: Audit
    excluded: dict[str, str]
    restricted_file: Path | None


def new_audit(root: Path, spec: NewAudit) -> NewAuditResult:
    """Create an audit folder. Nothing is created unless every input is valid.

    Raises:
        WorkspaceError: the folder already holds an audit.
        InputFileError: a CSV has problems (all of them are listed).
        DefinitionError: the named tool is unknown or invalid.
        EnvironmentStopped: the folder's path leaves no room for the forms' paths under Windows' limit.
    """
    from . import rosters, sampling, snapshots

    root = Path(root)
    if (root / AUDIT_FILE).exists():
        raise WorkspaceError(problem(ErrorCode.WORKSPACE_EXISTS, file=root / AUDIT_FILE))
    _check_room(root)
    form_types = spec.form_types or [_default_form_type(spec)]
    # Every tool is found and checked (as strictly as 'maa tools check') before anything is written.
    sources = {ft.name: find_tool(ft.tool, root) for ft in form_types}
    kinds = [sources[ft.name].load().kind for ft in form_types]
    _check_start(spec, form_types)
    audit_type = spec.type or ("questionnaire" if "questionnaire" in kinds else "case_audit")

    agencies = rosters.read_agencies(spec.agencies_csv) if spec.agencies_csv else []
    names = [a.name for a in agencies]
    rows, selection, excluded = [], None, {}
    if spec.nominations_csv:
        rows, _register = rosters.read_nominations(spec.nominations_csv, names)
        selection = Selection(method="nominations", source_file=spec.nominations_csv.name,
                              source_sha256=sampling.sha256_file(spec.nominations_csv))
    elif spec.cases_csv:
        rows = rosters.read_cases(spec.cases_csv, names)
        selection = Selection(method="listed", source_file=spec.cases_csv.name,
                              source_sha256=sampling.sha256_file(spec.cases_csv))
        if spec.sample:
            # No seed given: pick one and record it, so the draw can still be repeated.
            seed = spec.seed if spec.seed is not None else secrets.randbelow(1_000_000)
            eligible, excluded = sampling.check_eligibility(rows, spec.today, spec.lookback_months)
            drawn = sampling.draw_sample(eligible, spec.sample, seed, per=spec.per, today=spec.today)
            rows = drawn.chosen
            selection = Selection(
                method="sample", source_file=spec.cases_csv.name, source_sha256=selection.source_sha256,
                n=spec.sample, seed=seed, per=spec.per,
                eligibility=sampling.eligibility_rules(spec.lookback_months), excluded=excluded,
            )
    elif spec.sample:
        raise InputFileError(problem(ErrorCode.NEED_INPUT, what="a cases file (--cases) to sample from",
                                     hint="Give --cases FILE.csv with the cases to draw from."))

    cases = [Case(case_ref=r.case_ref, agencies=list(r.agencies), attributes=r.profile(spec.today)) for r in rows]
    audit = Audit(
        audit_id=str(uuid.uuid4()),
        title=spec.title,
        partnership=spec.partnership,
        type=audit_type,
        theme=spec.theme,
        terms_of_reference=spec.terms_of_reference,
        lookback_months=spec.lookback_months,
        deadline=spec.deadline,
        created=spec.today,
        return_to=spec.return_to,
        restricted_store=spec.restricted_store,
        sealed_forms=True,
        agencies=agencies,
        cases=cases,
        selection=selection,
        form_types=form_types,
        local_terms=dict(spec.local_terms),
    )
    check_store_placement(root, audit)
    for folder in FOLDERS:
        (root / folder).mkdir(parents=True, exist_ok=True)
    # The audit keeps its own copy of each tool: later commands read it from any folder, and neither an
    # edit of the original nor an upgrade of maa changes the audit until 'maa tools update'.
    audit = audit.model_copy(update={"form_types": [snapshots.take(root, ft, sources[ft.name], spec.today)
                                                    for ft in form_types]})
    restricted.ensure_form_key(audit.restricted_dir(root), new_form_key)
    restricted_file = None
    if rows:
        restricted_file = restricted.write_cases(
            audit.restricted_dir(root),
            [restricted.CaseIdentity(r.case_ref, r.child_name, r.date_of_birth, r.last_involvement) for r in rows],
        )
    atomic.write_text(root / AUDIT_FILE, audit_yaml(audit))
    return NewAuditResult(root, audit, excluded, restricted_file)


#: An address a form can be sent back to: something@domain.tld (no spaces, one @).
EMAIL = re.compile(r"[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")


def is_email(text: str | None) -> bool:
    """Whether ``text`` looks like one e-mail address."""
    return bool(text) and EMAIL.fullmatch(text.strip()) is not None


def _check_start(spec: NewAudit, form_types: list[FormType]) -> None:
    """Refuse an audit whose forms would go out wrong: every problem at once, before anything is created.

    Raises:
        InputFileError: no deadline, a deadline already past, no return address or one that is not an
            e-mail address, or a form answered per case with no cases to answer it about.
    """
    problems = []
    if spec.deadline is None:
        problems.append(problem(ErrorCode.NEED_INPUT, what="a return deadline (--deadline)",
                                hint="Give the date forms must be back by, day first (e.g. --deadline 31/03/2027): "
                                     "it is printed on every form and used to chase and to judge late returns."))
    elif spec.deadline < spec.today and not spec.allow_past_deadline:
        problems.append(problem(ErrorCode.DEADLINE_PAST, deadline=spec.deadline.strftime("%d/%m/%Y"),
                                today=spec.today.strftime("%d/%m/%Y")))
    if not spec.return_to:
        problems.append(problem(ErrorCode.NEED_INPUT, what="a return address (--return-to)",
                                hint="Give the e-mail address respondents send forms back to (e.g. --return-to "
                                     "audits@partnership.example): it is printed on every form."))
    elif not is_email(spec.return_to):
        problems.append(problem(ErrorCode.BAD_EMAIL, value=spec.return_to, what="--return-to"))
    if not (spec.cases_csv or spec.nominations_csv):
        for ft in form_types:
            if ft.per in ("agency_case", "case"):
                problems.append(problem(ErrorCode.NEED_INPUT, what=f"cases for the form type '{ft.name}'",
                                        hint=f"Its tool ({ft.tool}) is answered about each case: give --cases FILE.csv "
                                             "(with --sample to draw some) or --nominations FILE.csv."))
    if problems:
        raise InputFileError(problems, title="The audit was not created:")


def _check_room(root: Path) -> None:
    """Refuse a folder so deep that the forms' paths would pass Windows' limit (before anything is made)."""
    need = len("/forms/") + MAX_RELPATH + 8  # a form's path below the audit folder, and its temporary twin
    length = len(str(root.absolute()))
    if length + need > WINDOWS_PATH_LIMIT:
        raise EnvironmentStopped(problem(ErrorCode.AUDIT_PATH_TOO_LONG, file=root, length=length, need=need,
                                         limit=WINDOWS_PATH_LIMIT, room=WINDOWS_PATH_LIMIT - need))


#: Folders of an audit whose contents are shared or sent out: identifying details may never live there.
SHARED_FOLDERS = ("forms", "returns", "reports", "outbox")


def check_store_placement(root: Path, audit: Audit) -> None:
    """Refuse a restricted store placed inside a folder that is sent out or shared.

    Raises:
        WorkspaceError: ``restricted_store`` points into forms/, returns/, reports/ or outbox/.
    """
    store = audit.restricted_dir(root).resolve()
    for folder in SHARED_FOLDERS:
        base = (root / folder).resolve()
        if store == base or base in store.parents:
            raise WorkspaceError(problem(ErrorCode.RESTRICTED_STORE_PLACEMENT, file=root / AUDIT_FILE,
                                         store=audit.restricted_store, folder=f"{folder}/"))


def _default_form_type(spec: NewAudit) -> FormType:
    if not spec.tool:
        raise InputFileError(problem(ErrorCode.NEED_INPUT, what="an audit tool",
                                     hint="Give --tool with a built-in tool id ('maa tools list') or a YAML file."))
    tool = resolve_tool(spec.tool)
    name = tool.id if len(tool.id) <= 40 else tool.id[:40].rstrip("-")
    return FormType(name=name, tool=spec.tool, per=DEFAULT_PER.get(tool.kind, "agency"),
                    format=DEFAULT_FORMAT.get(tool.kind, "docx"))


HEADER = """\
# maa audit definition. Edit with care: 'maa issue-forms' checks it before doing anything.
# This file holds no child's name or date of birth: those are in the restricted store
# (restricted_store below). Cases appear by reference only.
"""


def audit_yaml(audit: Audit) -> str:
    """The text of audit.yaml for ``audit``."""
    data = audit.model_dump(mode="json", by_alias=True, exclude_none=True)
    return HEADER + dump(data)


@contextlib.contextmanager
def locked(ws: Workspace, name: str = LOCK_FILE) -> Iterator[None]:
    """Hold the audit's lock (or its lock ``name``), or raise :class:`AuditLocked` at once if another run has it.

    The lock is an OS lock (released by the OS when a killed run's process ends), so
    a stale lock file never blocks the next scheduled run.
    """
    from filelock import FileLock, Timeout

    ws.state_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(ws.state_dir / name))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise AuditLocked(problem(ErrorCode.LOCKED, file=ws.root)) from None
    try:
        yield
    finally:
        lock.release()
