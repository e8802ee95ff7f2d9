"""The findings form: the officer's record of what the panel agreed.

``maa report`` writes it as an ordinary maa Word form (built-in tool
``findings-form``, written by :func:`maa_cli.forms.word.write_word_form`),
prefilled with the audit process, the overview and suggested areas for
development computed from the returns. The officer completes it after the
findings meeting and saves it into ``returns/``; ``maa collect`` reads and judges
it like any other return (form type ``findings``), and the next ``maa report``
turns the accepted record into the 7-minute briefing and the partnership
action plan (:class:`Findings`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import atomic
from ..definitions.catalog import load_builtin
from ..forms.content import FormContent
from ..forms.identity import FormIdentity, make_form_id, make_seal
from ..forms.manifest import read_manifest, save_manifest
from . import text
from .context import FINDINGS_FORM_TYPE, FINDINGS_TOOL, ReportContext
from .summaries import overview_text, process_text, weakest_lines

FILE_NAME = "findings-form.docx"
STATE_FILE = "reports.json"  # in .maa/: what maa last wrote, so an officer's edits are never overwritten
RECOMMENDATIONS = 6


@dataclass(frozen=True)
class Recommendation:
    ref: str  # R1 … R6: the slot on the findings form (rec3 is always R3, whichever slots are filled)
    action: str
    lead: str
    owner: str
    due: dt.date | None


@dataclass
class Findings:
    """What the officer recorded on the returned findings form (respondent text: not yet masked)."""

    form_id: str
    audit_process: str = ""
    overview: str = ""
    worked_well: str = ""
    development: str = ""
    scrutineer: str = ""
    practice: str = ""
    checked: bool = False
    title: str = ""
    contact: str = ""
    recommendations: list[Recommendation] = field(default_factory=list)


def slot_ref(slot: int) -> str:
    """The action plan's Ref for recommendation slot ``slot`` of the findings form: rec3 is R3.

    Fixed by the slot, never by position among the filled ones, so emptying or moving one
    recommendation on the form never moves another's progress in the action plan.
    """
    return f"R{slot}"


def findings_from_record(record: dict) -> Findings:
    a = record["answers"]
    recs = []
    for i in range(1, RECOMMENDATIONS + 1):
        action = (a.get(f"rec{i}.action") or "").strip()
        if not action:
            continue
        due = a.get(f"rec{i}.due")
        recs.append(Recommendation(slot_ref(i), action, a.get(f"rec{i}.lead") or "", a.get(f"rec{i}.owner") or "",
                                   dt.date.fromisoformat(due) if isinstance(due, str) and due else None))
    return Findings(
        form_id=record["form_id"],
        audit_process=a.get("audit_process") or "", overview=a.get("overview") or "",
        worked_well=a.get("worked_well") or "", development=a.get("development") or "",
        scrutineer=a.get("scrutineer") or "", practice=a.get("practice") or "",
        checked=a.get("checked") == "Yes", title=a.get("briefing_title") or "", contact=a.get("contact") or "",
        recommendations=recs,
    )


def findings_form_id(ctx: ReportContext) -> str:
    return make_form_id(ctx.audit.audit_id, FINDINGS_FORM_TYPE, None, None)


# The answers maa prefills from the figures; the briefing prints them again, so they are re-checked there.
FIGURES_PREFILLED = ("audit_process", "overview", "development")
PREFILL_HISTORY = 20  # prefills remembered per answer (.maa/reports.json), newest last


def flowing(value: str) -> str:
    """One flowing paragraph, as the prefilled text is put on the form (and read back)."""
    return " ".join(value.split())


def prefill_paragraphs(ctx: ReportContext) -> dict[str, list[str]]:
    """The figures prefilled into each answer, computed now (with ``ctx.small``), line by line
    as the templates write them (a line is a sentence or two about one thing)."""
    out = {"audit_process": process_text(ctx), "overview": overview_text(ctx)}
    weakest = weakest_lines(ctx)
    if weakest:
        out["development"] = text.render("development-suggestions.txt.j2", ctx.ws.root, weakest=weakest)
    return {k: [flowing(ctx.guard.xml(line)) for line in v.splitlines() if line.strip()] for k, v in out.items()}


def findings_content(ctx: ReportContext) -> FormContent:
    """The findings form's content, prefilled with what the returns show."""
    from ..forms.plan import word_template  # the partnership's Word template named in audit.yaml

    tool = load_builtin(FINDINGS_TOOL)
    prefill = {k: " ".join(v) for k, v in prefill_paragraphs(ctx).items()}
    prefill["briefing_title"] = ctx.audit.title
    form_id, key = findings_form_id(ctx), ctx.ws.form_key
    return FormContent(
        tool=tool,
        identity=FormIdentity(form_id, tool.id, tool.version, ctx.audit.audit_id, make_seal(key, form_id) if key else None),
        partnership=ctx.partnership,
        audit_title=ctx.audit.title,
        form_title="Audit findings: for the 7-minute briefing and the action plan",
        for_whom="The audit business unit",
        # One flowing paragraph each: LibreOffice drops line breaks inside a text control when it saves.
        prefill={k: flowing(ctx.guard.xml(v)) for k, v in prefill.items()},
        return_to="this audit's returns folder",
        word_template=word_template(ctx.ws),
    )


def write_findings_form(ctx: ReportContext) -> Path | None:
    """Write ``reports/findings-form.docx`` unless the officer has edited the copy there.

    Returns the path written, or None when it was kept (a note says why).
    """
    from ..forms.word import write_word_form

    path = ctx.ws.reports_dir / FILE_NAME
    state = _state(ctx)
    if path.exists() and state.get(FILE_NAME) != atomic.sha256_file(path):
        ctx.notes.append(f"{path.name} was kept: it has been changed since maa wrote it. Save the completed form into "
                         "returns/ and run 'maa collect'; delete reports/findings-form.docx to get a fresh copy.")
        return None
    content = findings_content(ctx)
    write_word_form(content, path)
    state[FILE_NAME] = atomic.sha256_file(path)
    # What was prefilled, by digest (it holds figures only), so the briefing can tell an answer
    # left as maa wrote it, whose figures it then prints afresh, suppressed as the run says.
    history = state.setdefault("prefilled", {})
    for key in FIGURES_PREFILLED:
        if content.prefill.get(key):
            seen = [d for d in history.get(key, []) if d != text_digest(content.prefill[key])]
            history[key] = (seen + [text_digest(content.prefill[key])])[-PREFILL_HISTORY:]
    atomic.write_text(ctx.ws.state_dir / STATE_FILE, json.dumps(state, indent=1, sort_keys=True))
    _register(ctx, path)
    return path


def _register(ctx: ReportContext, path: Path) -> None:
    """Record the findings form among the issued forms, so collect recognises it in returns/.

    Only when the workspace knows the findings form type (else collect could not judge it).
    Called under the audit's lock, which :func:`maa_cli.report.build_reports` holds for the
    whole run, so a collect run never reads or writes the manifest at the same time.
    """
    if FINDINGS_FORM_TYPE not in ctx.ws.tools:
        ctx.notes.append("this version of maa cannot collect the findings form yet; the briefing needs it")
        return
    manifest = read_manifest(ctx.ws)
    form_id = findings_form_id(ctx)
    old = manifest.get(form_id) or {}
    # A stable entry (no hash or time of each rewrite): collect re-judges every return when the manifest changes.
    entry = {"form_type": FINDINGS_FORM_TYPE, "agency": None, "case_ref": None, "tool": FINDINGS_TOOL,
             "tool_version": ctx.ws.tools[FINDINGS_FORM_TYPE].version,
             "files": {"docx": {"file": f"../reports/{path.name}",
                                "issued_at": (old.get("files", {}).get("docx") or {}).get("issued_at")
                                or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}}}
    if old != entry:
        manifest[form_id] = entry
        save_manifest(ctx.ws, manifest)


def text_digest(value: str) -> str:
    return hashlib.sha256(flowing(value).encode("utf-8")).hexdigest()[:32]


def was_prefilled(ctx: ReportContext, key: str, value: str) -> bool:
    """Whether ``value`` is, word for word, what maa once prefilled into answer ``key``."""
    return text_digest(value) in (_state(ctx).get("prefilled") or {}).get(key, [])


def _state(ctx: ReportContext) -> dict:
    path = ctx.ws.state_dir / STATE_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except ValueError:
        return {}


