"""Reports (``maa report``): outputs built from collected answers, never from returned files.

Shareable, in ``reports/`` (cases by reference only, narrative masked):
  * ``findings-report.docx``      what the audit found, figure by figure, with charts
  * ``findings-form.docx``        the officer's form for what the panel agreed (prefilled)
  * ``7-minute-briefing.docx``    from the returned findings form
  * ``action-plan.xlsx``          the partnership's recommendations, with RAG, kept up to date
  * ``respondents/*.xlsx``        each setting's own action plan (questionnaires)
  * ``summary-workbook.xlsx``     each question's answers in counts and percentages, suppressed

Restricted, in ``reports/restricted/``: a panel pack per case (answers side by side,
narrative in full, the case's profile), for questionnaires the written answers grouped by
question, ``data-workbook.xlsx``, the officer's row-level working data (one row per return),
and ``masking-check.txt``, the masked words the officer should check before sharing.

One output that cannot be written (open in Word or Excel) does not stop the others:
it is listed in :attr:`ReportResult.busy` and the run can simply be repeated.

A report run holds the audit's lock (:func:`maa_cli.setup.workspace.locked`), like
``maa collect``: it records the findings form in ``.maa/manifest.json`` and reads
what collect writes, so while another run works on the audit it raises
:class:`maa_cli.errors.AuditLocked` (exit code 3) before writing anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ErrorCode, WorkspaceError
from ..setup.workspace import Workspace


@dataclass
class ReportResult:
    written: list[Path] = field(default_factory=list)
    responses: int = 0
    notes: list[str] = field(default_factory=list)
    busy: list[Path] = field(default_factory=list)  # outputs held open elsewhere: close them and run again
    briefing: Path | None = None
    unreadable: list[str] = field(default_factory=list)  # response records that could not be read: left out

    @property
    def restricted(self) -> list[Path]:
        return [p for p in self.written if "restricted" in p.parts]

    @property
    def shareable(self) -> list[Path]:
        return [p for p in self.written if "restricted" not in p.parts]

    @property
    def needs_attention(self) -> bool:
        return bool(self.busy) or bool(self.unreadable)


def build_reports(ws: Workspace, *, today: dt.date | None = None, suppress_below: int | None = None) -> ReportResult:
    """Write every report the collected answers allow.

    Args:
        today: the report date (and the date RAG is judged on); defaults to today.
        suppress_below: hide counts from 1 to this number minus one in shareable outputs
            (default: audit.yaml's ``suppress_below``, else off).

    Raises:
        AuditLocked: another maa run (a scheduled collect, say) is working on the audit; nothing was written.
    """
    from ..setup.workspace import locked

    with locked(ws):
        return _build(ws, today, suppress_below)


def _build(ws: Workspace, today: dt.date | None, suppress_below: int | None) -> ReportResult:
    problem = ws.identity_problem()
    if problem is not None:  # a child whose name could not be masked: nothing shareable is written
        raise problem
    from .context import FINDINGS_FORM_TYPE, build_context
    from .data_workbook import write_data_workbook

    ctx = build_context(ws, today=today, suppress_below=suppress_below)
    result = ReportResult(responses=len(ctx.accepted()), unreadable=[name for name, _why in ctx.unreadable])

    def attempt(write, *args):
        try:
            out = write(ctx, *args)
        except WorkspaceError as exc:
            if not any(p.code is ErrorCode.FILE_BUSY for p in exc.problems):
                raise
            path = Path(next(p.file for p in exc.problems if p.code is ErrorCode.FILE_BUSY))
            result.busy.append(path)
            ctx.notes.append(f"{path.name} could not be written: it is open in another program. Close it and run 'maa report' again.")
            return None
        for path in out if isinstance(out, list) else [out]:
            if path is not None:
                result.written.append(path)
        return out

    attempt(write_data_workbook)
    if result.responses:
        from .summary_workbook import write_summary_workbook

        attempt(write_summary_workbook)
        from .findings_form import write_findings_form
        from .findings_report import write_findings_report
        from .panel_pack import write_panel_packs
        from .respondent_plans import write_respondent_plans

        attempt(write_findings_report)
        attempt(write_respondent_plans)
        attempt(write_panel_packs)
        attempt(write_findings_form)
    else:
        ctx.notes.append("no accepted returns yet: run 'maa collect' first; the workbook has headings only")
    if ctx.findings is not None:
        from .action_plan import write_action_plan
        from .briefing import write_briefing
        from .findings_form import findings_from_record

        findings = findings_from_record(ctx.findings)
        result.briefing = attempt(write_briefing, findings)
        attempt(write_action_plan, findings)
    elif result.responses:
        waiting = _incomplete_findings(ws, FINDINGS_FORM_TYPE)
        if waiting:
            ctx.notes.append("the findings form in returns/ is incomplete (see 'maa collect'); the 7-minute briefing and action plan wait for it")
        else:
            ctx.notes.append("after the findings meeting, complete reports/findings-form.docx, save it into returns/ and run "
                             "'maa collect' then 'maa report' for the 7-minute briefing and the action plan")
    from .masking_check import write_masking_check
    attempt(write_masking_check)
    result.notes = ctx.notes + ctx.guard.notes()
    masked = sum(1 for r in ctx.accepted() for v in r["answers"].values() if isinstance(v, str) and ctx.masker.found(v))
    if masked:
        result.notes.append(f"names or dates of birth were masked in {masked} answer(s): read the quotations in the shareable reports before sharing them")
    return result


def _incomplete_findings(ws: Workspace, form_type: str) -> list[dict]:
    from ..intake.collect import load_responses

    return [r for r in load_responses(ws, statuses=("incomplete",)) if r["form_type"] == form_type]
