"""Settling who a self-declared return is from (``maa assign AUDIT FILE[#ROW] RESPONDENT``).

A row of an online form's export, or a return of the open form, that could not be matched to the roster
(a misspelt name, an unknown URN, nothing typed) is listed by ``maa collect`` and ``maa status`` with the
command to run. :func:`assign` records the officer's answer in ``.maa/assignments.json`` — by the
response's ID for a row of an export (so every later export of that response keeps it), by the file's
content for a whole file (so renaming it does not undo it) — and collects again, which judges the
return as the respondent's.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from ..errors import ErrorCode, InputFileError, problem
from ..setup.workspace import Workspace, locked
from . import state as cs
from .collect import SETTLE_SECONDS, CollectResult
from .respondents import file_key, read_assignments, roster_for, write_assignments
from .run import match_file, output_masker, run

_ROW = re.compile(r"#\s*(?:row\s*)?(\d+)\s*$", re.IGNORECASE)


def assign(ws: Workspace, target: str | Path, respondent: str, *, now: float | None = None,
           settle_seconds: float = SETTLE_SECONDS) -> CollectResult:
    """Record that the self-declared return ``target`` is from ``respondent``, then collect.

    Args:
        target: the file as 'maa collect' lists it, with '#row N' (or '#N') for a row of an export.
        respondent: a name on the roster (case and spacing do not matter).

    Raises:
        InputFileError: ``respondent`` is not on the roster, or ``target`` is not a self-declared return
            the last collect saw (exit code 2).
        AuditLocked: another run holds the audit's lock.
    """
    now = time.time() if now is None else now
    with locked(ws):
        roster = roster_for(ws)
        agency = roster.find(respondent)
        if agency is None:
            close = roster.close(respondent)
            suggestion = f" — did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise InputFileError(problem(ErrorCode.NOT_ON_ROSTER, file=ws.root / "audit.yaml", given=respondent,
                                         suggestion=suggestion))
        masker = output_masker(ws)
        entries = cs.load_state(ws).files
        candidates = {k: e for k, e in entries.items() if e.decision.trust == "self_declared"}
        text = _ROW.sub(lambda m: f"#row {m[1]}", str(target).strip())
        key = match_file(ws, text, candidates, masker)
        if key is None:
            waiting = [masker.path(e.path or "?") for e in candidates.values() if e.decision.status == "rejected"]
            listed = (f"; those not matched yet are: {', '.join(repr(w) for w in sorted(waiting)[:5])}"
                      f"{'…' if len(waiting) > 5 else ''}") if waiting else ""
            raise InputFileError(problem(ErrorCode.NOT_SELF_DECLARED, file=ws.root, given=masker.path(text), listed=listed))
        decision = candidates[key].decision
        shown = masker.path(candidates[key].path or text)
        repairs = cs.Repairs(ws, now)
        data = dict(read_assignments(ws))
        data[decision.row_key or file_key(decision.sha256)] = {"respondent": agency.name, "file": shown,
                                                               "at": cs.now_iso(now)}
        write_assignments(ws, data)
        cs.append_log(ws, [{"at": cs.now_iso(now), "event": "assign", "file": shown, "respondent": agency.name}])
        return run(ws, now, settle_seconds, None, repairs)
