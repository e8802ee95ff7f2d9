"""Collecting returns (``maa collect``): find, judge, resolve duplicates, record.

Safe to run every hour from a scheduler: one bad file never stops the others, a
file whose size and modification time are unchanged is not read again, and
nothing in ``returns/`` is ever modified, moved or deleted (it is only opened for
reading, once per new version of a file; see :mod:`maa_cli.intake.examine`).

Each file ends up in one status:

* **accepted** — every required answer is there (warnings may say it was late,
  left optional questions blank, or had tracked changes);
* **incomplete** — each missing or invalid answer named by question number and text;
* **rejected** — not a form maa can read, with what to ask the agency for instead;
* **pending** — probably still being written: saved in the last few seconds, changed
  since the last run within the last two minutes, changed while being read, or empty
  or damaged and saved in the last five minutes. Looked at again next run, never
  rejected for it;
* **superseded** — a copy with the same answers as another return of the same form,
  or a return the officer did not choose;
* **conflict** — one form returned more than once with different answers (e.g. in both
  formats, or two OneDrive conflict copies). Nothing is chosen silently: every copy is
  listed until the officer picks one with ``maa choose`` (:func:`choose`);
* **withdrawn** — a return of a form withdrawn when its case was replaced in the sample
  (``maa replace-case``): its answers are not used, but an urgent concern in it is still reported.

Counts of issued, returned and outstanding forms leave out withdrawn forms and the
officer's own findings form (which is still collected: the reports read it).

State, records and the run log are kept by :mod:`maa_cli.intake.state`. A state file that
cannot be read is set aside and rebuilt, never a reason for the run to stop; what was set aside
is listed in :attr:`CollectResult.warnings`.

A run that finds nothing changed since the last one (no return, record, choice or setting, see
:mod:`maa_cli.intake.unchanged`) reads nothing at all: the last run's outcome is its outcome.

A file whose size or time changed is hashed before anything else: if its content is what was
judged (a copied or moved audit folder gives every file a new time), the decision is kept. An
urgent concern is never hidden by a run: while a file that carried one cannot be judged afresh
(pending, unreadable, damaged), the concern from its previous version is still reported.
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import ErrorCode, InputFileError, problem
from ..setup.workspace import Workspace, locked
from . import state as cs
from . import unchanged
from .outcome import CollectResult, FileDecision  # noqa: F401 - part of this module's public API
from .state import load_responses  # noqa: F401 - part of this module's public API (reports use it)

SETTLE_SECONDS = 5.0


def collect(ws: Workspace, *, now: float | None = None, settle_seconds: float = SETTLE_SECONDS,
            progress: Callable[[int, int], None] | None = None, workers: int | None = None) -> CollectResult:
    """Collect every return under ``ws.returns_dir``.

    Args:
        ws: the opened audit.
        now: the time to judge "recent" against (tests); defaults to the clock.
        settle_seconds: a file saved more recently than this is pending.
        progress: called with (files done, files found) as the run goes.
        workers: processes reading returns ahead (:mod:`maa_cli.intake.ahead`); default: every core when
            many files are new. 0 or 1: this process only. The outcome is the same either way.

    Raises:
        AuditLocked: another run holds the audit's lock (exit code 3).
    """
    with locked(ws):
        returns = unchanged.returns_digest(ws)
        kept = unchanged.recall(ws, unchanged.audit_digest(ws, returns))
        if kept is not None:  # nothing the last run's outcome depends on has changed: read nothing
            with contextlib.suppress(KeyError, TypeError, ValueError):  # else a damaged record of it: run
                return CollectResult.from_kept(kept)
        inputs = unchanged.inputs_digest(ws)
        unchanged.record(ws, None, None)  # a run stopped part-way leaves nothing to recall
        from .run import run  # the readers, safety checks and masking: only for a run with something to do

        result = run(ws, time.time() if now is None else now, settle_seconds, progress, workers=workers)
        settled = (result.refusal is None and not result.warnings
                   and not any(f.status == "pending" or f.code == "unreadable" for f in result.files))
        # Recorded only if nothing it was worked out from changed while it ran: no return, no input, and
        # audit.yaml and the tools still say what this run was opened with (the digest then describes what was judged).
        if (settled and unchanged.returns_digest(ws) == returns and unchanged.inputs_digest(ws) == inputs
                and unchanged.as_opened(ws)):
            unchanged.record(ws, unchanged.audit_digest(ws, returns), result.to_json())
        return result


def choose(ws: Workspace, form_id: str, file: str | Path, *, now: float | None = None,
           settle_seconds: float = SETTLE_SECONDS) -> CollectResult:
    """Settle a conflict: use ``file`` for ``form_id`` (recorded in ``.maa/choices.json``), then collect.

    ``file`` is the return as ``maa collect`` lists it (relative to returns/), or a path to it.

    Raises:
        InputFileError: no such form, or ``file`` is not one of its returns (exit code 2).
        AuditLocked: another run holds the audit's lock.
    """
    from ..forms.manifest import read_manifest
    from .run import match_file, output_masker, run

    now = time.time() if now is None else now
    with locked(ws):
        manifest = read_manifest(ws)
        form_id = form_id.strip().upper()
        if form_id not in manifest:
            raise InputFileError(problem(ErrorCode.NO_SUCH_FORM, file=ws.root, form_id=form_id))
        masker = output_masker(ws)
        entries = cs.load_state(ws).files
        candidates = {key: e for key, e in entries.items() if e.decision.form_id == form_id and e.decision.judged}
        key = match_file(ws, str(file), candidates, masker)
        if key is None:
            shown = ", ".join(f"'{masker.path(e.path or '?')}'" for e in candidates.values()) or "none yet: run 'maa collect' first"
            raise InputFileError(problem(ErrorCode.NOT_A_RETURN_OF, file=ws.root, given=masker.path(str(file)),
                                         form_id=form_id, files=shown))
        shown = masker.path(candidates[key].path or "?")
        repairs = cs.Repairs(ws, now)
        choices = cs.read_choices(ws, repairs)
        choices[form_id] = {"sha256": candidates[key].decision.sha256, "file": shown, "at": cs.now_iso(now)}
        cs.write_choices(ws, choices)
        cs.append_log(ws, [{"at": cs.now_iso(now), "event": "choice", "form_id": form_id, "file": shown}])
        return run(ws, now, settle_seconds, None, repairs)

