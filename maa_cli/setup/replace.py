"""Replacing a sampled case found out of scope (``maa replace-case``).

The replacement is the next case of the same reproducible draw, so the same seed, file
and recorded replacements always give the same result.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .. import atomic
from ..definitions.audit import Case
from ..errors import ErrorCode, InputFileError, problem
from ..forms.manifest import withdraw_case_forms
from . import restricted, rosters, sampling
from .workspace import AUDIT_FILE, Workspace, audit_yaml, locked, open_workspace


def replace_case(root: Path, case_ref: str, reason: str, cases_csv: Path, today: dt.date | None = None) -> tuple[str, str]:
    """Swap a sampled case found out of scope for the next case in the same reproducible order.

    The cases file must be the one the sample was drawn from (its SHA-256 is checked).
    The same seed, file and recorded replacements always give the same result.
    The replaced child's identity moves to ``replaced.csv`` in the restricted store
    (so it is still masked everywhere), and the forms already issued for the case are
    marked withdrawn in the manifest (``"withdrawn": reason``), so they are no longer
    counted as issued or chased. Holds the audit's lock.
    Returns (case replaced, case drawn in).

    Raises:
        AuditLocked: another maa run is working on this audit.
        InputFileError: not a sampled audit, a different cases file, or no case to draw in.
    """
    with locked(open_workspace(root)):
        # Read again under the lock: audit.yaml and the manifest are what this run changes.
        return _replace_case(open_workspace(root), case_ref, reason, cases_csv, today)


def _replace_case(ws: Workspace, case_ref: str, reason: str, cases_csv: Path, today: dt.date | None) -> tuple[str, str]:
    root = ws.root
    sel = ws.audit.selection
    if sel is None or sel.method != "sample":
        raise InputFileError(problem(ErrorCode.NEED_INPUT, file=root / AUDIT_FILE, what="a sampled audit",
                                     hint="Only cases drawn with --sample can be replaced by a new draw."))
    if sampling.sha256_file(cases_csv) != sel.source_sha256:
        raise InputFileError(problem(ErrorCode.CSV_BAD_VALUE, file=cases_csv,
                                     detail="this is not the cases file the sample was drawn from (its contents differ)",
                                     hint=f"Give the original {sel.source_file}, unchanged."))
    today = today or ws.audit.created or dt.date.today()
    rows = rosters.read_cases(cases_csv, [a.name for a in ws.audit.agencies])
    eligible, _ = sampling.check_eligibility(rows, today, ws.audit.lookback_months)
    drawn = sampling.replay(sampling.draw_sample(eligible, sel.n, sel.seed, per=sel.per, today=today), sel.replacements)
    swapped = sampling.replace(drawn, case_ref, reason)
    swap = swapped.replacements[-1]
    by_ref = {r.case_ref: r for r in swapped.chosen}
    new_row = by_ref[swap["in"]]
    cases = [c for c in ws.audit.cases if c.case_ref != swap["out"]]
    cases.append(Case(case_ref=new_row.case_ref, agencies=list(new_row.agencies), attributes=new_row.profile(today)))
    order = {r.case_ref: i for i, r in enumerate(swapped.chosen)}
    cases.sort(key=lambda c: order.get(c.case_ref, len(order)))
    audit = ws.audit.model_copy(update={
        "cases": cases,
        "selection": sel.model_copy(update={"replacements": swapped.replacements}),
    })
    # Written in this order so a run stopped part-way never leaves a child unmasked: the replaced
    # child's identity is kept before it leaves cases.csv, and audit.yaml (which a re-run repeats
    # the swap from) changes last.
    identities = restricted.read_cases(ws.restricted_dir)
    out_row = next((r for r in rows if r.case_ref == swap["out"]), None)
    gone = identities.pop(swap["out"], None) or (out_row and restricted.CaseIdentity(
        out_row.case_ref, out_row.child_name, out_row.date_of_birth, out_row.last_involvement))
    if gone is not None:
        replaced = restricted.read_replaced(ws.restricted_dir)
        replaced[gone.case_ref] = gone
        restricted.write_replaced(ws.restricted_dir, list(replaced.values()))
    identities[new_row.case_ref] = restricted.CaseIdentity(new_row.case_ref, new_row.child_name, new_row.date_of_birth,
                                                           new_row.last_involvement)
    restricted.write_cases(ws.restricted_dir, [identities[c.case_ref] for c in cases if c.case_ref in identities])
    withdraw_case_forms(ws, swap["out"], swap["in"], reason.strip())
    atomic.write_text(root / AUDIT_FILE, audit_yaml(audit))
    return swap["out"], swap["in"]
