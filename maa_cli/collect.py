"""Collecting returns (``maa collect``): find, open safely, identify, read, judge, record.

Safe to run every hour from a scheduler: one bad file never stops the others,
a file whose size and modification time are unchanged is not read again, and
nothing in ``returns/`` is ever modified, moved or deleted. Decisions are kept
in ``.maa/`` (state written atomically) and appended to a run log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import atomic, restricted
from .errors import AuditLocked, ErrorCode, problem
from .forms.plan import read_manifest
from .privacy import Masker, masker_for
from .readers.raw import RawReturn
from .validate import judge
from .workspace import Workspace

STATE_FILE = "files.json"
RESPONSES_DIR = "responses"
RUN_LOG = "runlog.jsonl"
LOCK_FILE = "lock"
SETTLE_SECONDS = 5.0
STATUSES = ("accepted", "incomplete", "rejected", "pending", "superseded", "conflict", "unknown_form")


@dataclass
class FileDecision:
    """What collect decided about one file in returns/ (no identifying values)."""

    path: str  # relative to returns/, names masked
    status: str
    form_id: str | None = None
    form_type: str | None = None
    agency: str | None = None
    case_ref: str | None = None
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)
    urgent: list[dict] = field(default_factory=list)
    sha256: str | None = None


@dataclass
class CollectResult:
    files: list[FileDecision]
    issued: int
    outstanding: int
    read: int = 0
    reused: int = 0

    @property
    def summary(self) -> dict[str, int]:
        counts = {s: 0 for s in STATUSES}
        for f in self.files:
            counts[f.status] = counts.get(f.status, 0) + 1
        return {"issued": self.issued, **counts, "outstanding": self.outstanding}

    @property
    def urgent(self) -> list[dict]:
        return [dict(u, file=f.path, form_id=f.form_id, case_ref=f.case_ref, agency=f.agency)
                for f in self.files for u in f.urgent]

    @property
    def needs_attention(self) -> bool:
        return any(f.status in ("incomplete", "rejected", "conflict", "unknown_form") for f in self.files) or bool(self.urgent)

    def to_json(self) -> dict:
        return {"summary": self.summary, "urgent": self.urgent, "files": [asdict(f) for f in self.files]}


def find_returns(returns_dir: Path) -> list[Path]:
    """Every candidate file under returns/, skipping Office lock files, temp and hidden files."""
    out = []
    for path in sorted(returns_dir.rglob("*")):
        name = path.name
        if not path.is_file() or name.startswith(("~$", ".", "~")) or name.lower().endswith((".tmp", ".crdownload", ".part")):
            continue
        if any(part.startswith(".") for part in path.relative_to(returns_dir).parts[:-1]):
            continue
        out.append(path)
    return out


def collect(ws: Workspace, *, now: float | None = None, settle_seconds: float = SETTLE_SECONDS) -> CollectResult:
    """Collect every return under ``ws.returns_dir``. Raises AuditLocked when another run holds the lock."""
    from filelock import FileLock, Timeout

    ws.state_dir.mkdir(exist_ok=True)
    lock = FileLock(str(ws.state_dir / LOCK_FILE))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise AuditLocked(problem(ErrorCode.LOCKED, file=ws.root)) from None
    try:
        return _collect(ws, now if now is not None else time.time(), settle_seconds)
    finally:
        lock.release()


def _collect(ws: Workspace, now: float, settle: float) -> CollectResult:
    manifest = read_manifest(ws)
    masker = masker_for(ws)
    state_path = ws.state_dir / STATE_FILE
    state: dict = json.loads(state_path.read_text(encoding="utf-8")) if state_path.exists() else {}
    new_state: dict = {}
    decisions: list[FileDecision] = []
    fresh: list[FileDecision] = []
    result = CollectResult([], issued=len(manifest), outstanding=0)
    for path in find_returns(ws.returns_dir):
        rel = path.relative_to(ws.returns_dir).as_posix()
        stat = path.stat()
        sig = [stat.st_size, stat.st_mtime_ns]
        cached = state.get(rel)
        if cached and cached.get("sig") == sig and cached["decision"]["status"] != "pending":
            decision = FileDecision(**cached["decision"])
            result.reused += 1
        elif now - stat.st_mtime < settle:
            decision = FileDecision(masker.path(rel), "pending", reasons=["the file was saved moments ago; it will be read on the next run"])
        else:
            decision = _decide(ws, path, masker.path(rel), manifest, masker)
            result.read += 1
            fresh.append(decision)
        new_state[rel] = {"sig": sig, "decision": asdict(decision)}
        decisions.append(decision)
    _resolve_duplicates(ws, decisions)
    result.files = decisions
    returned = {d.form_id for d in decisions if d.status in ("accepted", "incomplete", "conflict", "superseded")}
    result.outstanding = len([fid for fid in manifest if fid not in returned])
    _record(ws, decisions, new_state, state)
    atomic.write_text(state_path, json.dumps(new_state, indent=1, sort_keys=True))
    _log(ws, result, fresh, now)
    return result


def _decide(ws: Workspace, path: Path, rel: str, manifest: dict, masker: Masker) -> FileDecision:
    from .safety import inspect_file

    inspection = inspect_file(path)
    digest = _sha256(path)
    if not inspection.ok:
        return FileDecision(rel, "rejected", reasons=[inspection.reason or "the file could not be read"], sha256=digest)
    raw = _read(path, inspection.kind, None)
    warnings = list(inspection.warnings)
    if raw.identity is None:
        return FileDecision(rel, "rejected", sha256=digest, reasons=[
            "maa cannot tell which form this is (its form reference line and properties are missing). "
            "Ask the sender to fill in the form that was sent to them, or copy the answers into it."])
    entry = manifest.get(raw.identity.form_id)
    if entry is None:
        return FileDecision(rel, "unknown_form", form_id=raw.identity.form_id, sha256=digest, reasons=[
            f"the form {raw.identity.form_id} was not issued for this audit; it may belong to another audit folder"])
    tool = ws.tools[entry["form_type"]]
    raw = _read(path, inspection.kind, tool)
    base = dict(form_id=raw.identity.form_id, form_type=entry["form_type"], agency=entry.get("agency"),
                case_ref=entry.get("case_ref"), sha256=digest)
    if raw.unreadable and len(raw.answers) == 0:
        return FileDecision(rel, "rejected", reasons=[masker.text(r) for r in raw.unreadable], **base)
    if raw.identity.tool_version and raw.identity.tool_version != tool.version:
        warnings.append(f"this form was issued with version {raw.identity.tool_version} of the tool; the audit now uses {tool.version}")
    if raw.tracked_changes:
        warnings.append("the file has tracked changes; the accepted view (insertions in, deletions out) was used")
    warnings += [masker.text(n) for n in raw.notes]
    attributes = ws.audit.agency(entry["agency"]).attributes if entry.get("agency") else {}
    judgement = judge(tool, raw, attributes)
    status = "accepted" if judgement.complete else "incomplete"
    issues = [i for i in judgement.issues if i.severity == "error"]
    warnings += [str(i) for i in judgement.issues if i.severity != "error"]
    decision = FileDecision(rel, status, reasons=[masker.text(str(i)) for i in issues], warnings=warnings,
                            issues=[i.to_dict() for i in issues], urgent=[i.to_dict() for i in judgement.urgent], **base)
    decision._answers = judgement.answers  # type: ignore[attr-defined]  # kept in memory only, for _record
    return decision


def _read(path: Path, kind: str, tool) -> RawReturn:
    if kind == "xlsx":
        from .readers.excel import read_excel

        return read_excel(path, tool)
    from .readers.word import read_word

    return read_word(path, tool)


def _resolve_duplicates(ws: Workspace, decisions: list[FileDecision]) -> None:
    """One form returned more than once: identical copies collapse, different ones are a conflict."""
    by_form: dict[str, list[FileDecision]] = {}
    for d in decisions:
        if d.form_id and d.status in ("accepted", "incomplete", "conflict", "superseded"):
            by_form.setdefault(d.form_id, []).append(d)
    choices = _choices(ws)
    for form_id, group in by_form.items():
        if len(group) < 2:
            continue
        chosen = choices.get(form_id)
        if chosen and any(d.path == chosen for d in group):
            for d in group:
                if d.path != chosen:
                    d.status, d.reasons = "superseded", [f"the officer chose {chosen} for this form"]
            continue
        hashes = {d.sha256 for d in group}
        if len(hashes) == 1:
            for d in group[1:]:
                d.status, d.reasons = "superseded", [f"an identical copy of {group[0].path}"]
            continue
        for d in group:
            d.status = "conflict"
            d.reasons = [f"form {form_id} was returned {len(group)} times with different content; "
                         f"choose one with: maa choose DIR {form_id} FILE"]


def _choices(ws: Workspace) -> dict[str, str]:
    path = ws.state_dir / "choices.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _record(ws: Workspace, decisions: list[FileDecision], new_state: dict, old_state: dict) -> None:
    """Write one record per accepted form; identifying answers go to the restricted store only."""
    out = ws.state_dir / RESPONSES_DIR
    for d in decisions:
        answers = getattr(d, "_answers", None)
        if answers is None or d.status not in ("accepted", "incomplete"):
            continue
        tool = ws.tools[d.form_type]
        identifying = {f.key for f in tool.fields() if (f.part or f.question).identifying}
        public = {k: v for k, v in answers.items() if k not in identifying}
        secret = {k: v for k, v in answers.items() if k in identifying}
        record = {
            "form_id": d.form_id, "form_type": d.form_type, "agency": d.agency, "case_ref": d.case_ref,
            "status": d.status, "source_file": d.path, "sha256": d.sha256,
            "collected_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "answers": public, "issues": d.issues, "warnings": d.warnings,
        }
        atomic.write_text(out / f"{d.form_id}--{d.sha256[:12]}.json", json.dumps(record, indent=1, default=str, ensure_ascii=False))
        if secret:
            restricted.write_answers(ws.restricted_dir, d.form_id, secret)


def load_responses(ws: Workspace, statuses: tuple[str, ...] = ("accepted",)) -> list[dict]:
    """The recorded returns that the latest collect run judged current, one per form."""
    state_path = ws.state_dir / STATE_FILE
    if not state_path.exists():
        return []
    state = json.loads(state_path.read_text(encoding="utf-8"))
    out = []
    for entry in state.values():
        d = entry["decision"]
        if d["status"] in statuses and d.get("sha256"):
            path = ws.state_dir / RESPONSES_DIR / f"{d['form_id']}--{d['sha256'][:12]}.json"
            if path.exists():
                out.append(json.loads(path.read_text(encoding="utf-8")))
    return sorted(out, key=lambda r: (r["form_type"], r.get("case_ref") or "", r.get("agency") or ""))


def _log(ws: Workspace, result: CollectResult, fresh: list[FileDecision], now: float) -> None:
    """Append what was seen and decided; file names are masked and no answer values are logged."""
    stamp = dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds")
    lines = [json.dumps({"at": stamp, "event": "run", "summary": result.summary, "read": result.read, "reused": result.reused})]
    for d in fresh:
        lines.append(json.dumps({"at": stamp, "file": d.path, "form_id": d.form_id, "status": d.status, "reasons": d.reasons}))
    path = ws.state_dir / RUN_LOG
    with path.open("a", encoding="utf-8", newline="\n") as handle:
        handle.write("\n".join(lines) + "\n")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
