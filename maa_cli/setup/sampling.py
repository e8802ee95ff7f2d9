"""Choose cases for a case audit: who is eligible, a reproducible random draw, replacements.

A draw must be repeatable by anyone who has the same cases file and seed, so
that a scrutineer can confirm the cases were not hand-picked. The recipe is:
sort the eligible cases by case reference (ignoring case), shuffle that list
with ``random.Random(seed)``, and take the first ``n`` (from each stratum when
sampling per quadrant or another profile field). A case found to be out of
scope (say, live court proceedings) is swapped for the next case in the same
stratum's shuffled order, and the swap is recorded with its reason.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..atomic import sha256_file  # noqa: F401 - part of this module's API (the draw's evidence)
from ..dates import add_months, age_on, format_uk, months_between
from ..errors import ErrorCode, InputFileError, Problem, problem
from .rosters import PROFILE_FIELDS, CaseRow, normalise_header

ADULT_AGE = 18
#: The stratum of cases that do not give the field sampled per.
NOT_GIVEN = "(not given)"
#: The single stratum of an unstratified sample.
ALL_CASES = "(all cases)"


# --- Eligibility -------------------------------------------------------------


def eligibility_rules(lookback_months: int) -> list[str]:
    """The rules :func:`check_eligibility` applies, in words, for the audit record."""
    return [
        f"under {ADULT_AGE} on the day of last involvement",
        f"last involvement within the {_months(lookback_months)} before the draw",
        "cases with no last involvement date are treated as still open: eligible if under 18 on the day of the draw",
    ]


def check_eligibility(
    cases: Iterable[CaseRow], today: dt.date, lookback_months: int
) -> tuple[list[CaseRow], dict[str, str]]:
    """Split cases into those eligible for the audit and those excluded, with reasons.

    A case is eligible when the child was under 18 on the day of last
    involvement and that day falls within the lookback period (on or after
    ``today`` minus ``lookback_months``). A case with no last involvement date
    is taken to be still open: it is eligible if the child is under 18 today.
    Dates after ``today`` are typing slips until shown otherwise, so such
    cases are excluded with a reason asking for a check.

    Args:
        cases: the cases read from the cases or nominations file.
        today: the day of the draw.
        lookback_months: the audit's lookback period, e.g. 12.

    Returns:
        (eligible cases in their original order, {case_ref: reason} for the rest).
        Reasons are plain English and never mention a date of birth.
    """
    if lookback_months < 1:
        raise ValueError("lookback_months must be at least 1")
    start = add_months(today, -lookback_months)
    eligible, excluded = [], {}
    for case in cases:
        reasons = _exclusions(case, today, start, lookback_months)
        if reasons:
            excluded[case.case_ref] = "; ".join(reasons)
        else:
            eligible.append(case)
    return eligible, excluded


def _exclusions(case: CaseRow, today: dt.date, start: dt.date, lookback_months: int) -> list[str]:
    last = case.last_involvement
    if case.date_of_birth > today:
        return ["the date of birth is after today: check it in the cases file"]
    if last is not None and last > today:
        return [f"last involvement {format_uk(last)} is after today: check it in the cases file"]
    reasons = []
    if age_on(case.date_of_birth, last or today) >= ADULT_AGE:
        reasons.append(f"aged {ADULT_AGE} or over at last involvement" if last else f"aged {ADULT_AGE} or over today, with no last involvement date")
    if last is not None and last < start:
        months = months_between(last, today)
        ago = _months(months) if months > lookback_months else f"more than {_months(lookback_months)}"
        reasons.append(f"last involvement {ago} ago, outside the {lookback_months}-month lookback")
    return reasons


def _months(n: int) -> str:
    return f"{n} month" if n == 1 else f"{n} months"


# --- The draw ----------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """A drawn sample and everything needed to reproduce or extend it.

    Attributes:
        chosen: the cases in the sample, stratum by stratum (strata in name
            order), each stratum in drawn order. A replacement takes the place
            of the case it replaces.
        order: for each stratum, the case references of all its eligible
            cases in shuffled order; the first ``n`` were drawn.
        replacements: ``{"out", "in", "reason"}`` for each swap, in order.
    """

    seed: int
    n: int
    per: str | None
    chosen: list[CaseRow]
    order: dict[str, list[str]]
    replacements: list[dict[str, str]] = field(default_factory=list)
    pool: dict[str, CaseRow] = field(default_factory=dict, repr=False)
    stratum_of: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def refs(self) -> list[str]:
        """The chosen case references, in order."""
        return [case.case_ref for case in self.chosen]


def draw_sample(
    cases: Iterable[CaseRow], n: int, seed: int, per: str | None = None, *, today: dt.date | None = None
) -> Sample:
    """Draw ``n`` cases at random, reproducibly; with ``per``, ``n`` from each stratum.

    Args:
        cases: the eligible cases (see :func:`check_eligibility`); case
            references must be unique ignoring case.
        n: how many cases to draw (from each stratum when ``per`` is given).
        seed: the random seed, recorded in ``audit.yaml``.
        per: a profile field to stratify by, e.g. ``"quadrant"``. Values are
            grouped ignoring case and extra spaces; a case without the field
            falls in the stratum ``"(not given)"``, sorted last.
        today: when given, ``per="age_band"`` uses the age band derived from
            the date of birth for cases that do not state one.

    Raises:
        InputFileError: ``n`` is below 1; ``per`` is not a profile field or
            no case gives it; a stratum has fewer than ``n`` cases
            (``SAMPLE_TOO_LARGE``, one problem per short stratum).
    """
    if n < 1:
        raise InputFileError(problem(ErrorCode.BAD_VALUE, detail="the number of cases to draw must be at least 1"), title="Cannot draw a sample:")
    per = _check_per(per)
    pool = sorted(cases, key=lambda case: (case.case_ref.casefold(), case.case_ref))
    by_key = {case.case_ref.casefold(): case for case in pool}
    if len(by_key) != len(pool):
        raise ValueError("case references must be unique (ignoring case) before drawing a sample")
    stratum_of = _strata(pool, per, today)
    if per and all(label == NOT_GIVEN for label in stratum_of.values()):
        raise InputFileError(
            problem(
                ErrorCode.CSV_BAD_VALUE,
                detail=f"none of the cases gives a value for '{per}'",
                hint=f"Add a '{per}' column to the cases file, or draw without stratifying.",
            ),
            title="Cannot draw a sample:",
        )

    shuffled = list(pool)
    random.Random(seed).shuffle(shuffled)
    labels = sorted(set(stratum_of.values()), key=lambda label: (label == NOT_GIVEN, label.casefold(), label))
    order = {label: [c.case_ref for c in shuffled if stratum_of[c.case_ref.casefold()] == label] for label in labels}

    short = [
        problem(ErrorCode.SAMPLE_TOO_LARGE, eligible=len(refs), where=_where(per, label), wanted=n)
        for label, refs in order.items()
        if len(refs) < n
    ]
    if short:
        raise InputFileError(short, title="Cannot draw a sample:")
    chosen = [by_key[ref.casefold()] for refs in order.values() for ref in refs[:n]]
    return Sample(seed=seed, n=n, per=per, chosen=chosen, order=order, pool=by_key, stratum_of=stratum_of)


def _check_per(per: str | None) -> str | None:
    if per is None or not per.strip():
        return None
    field_name = normalise_header(per)
    if field_name not in PROFILE_FIELDS:
        close = difflib.get_close_matches(field_name, PROFILE_FIELDS, n=1)
        raise InputFileError(
            problem(
                ErrorCode.BAD_CHOICE,
                value=per,
                what="field to sample per",
                suggestion=f" (did you mean '{close[0]}'?)" if close else "",
                allowed=", ".join(PROFILE_FIELDS),
            ),
            title="Cannot draw a sample:",
        )
    return field_name


def _strata(pool: list[CaseRow], per: str | None, today: dt.date | None) -> dict[str, str]:
    """{casefolded case_ref: stratum label}; a label is spelled as in the first case (by case_ref) that gives it."""
    if per is None:
        return {case.case_ref.casefold(): ALL_CASES for case in pool}
    labels: dict[str, str] = {}
    out = {}
    for case in pool:
        values = case.profile(today) if today else case.attributes
        value = " ".join(values.get(per, "").split())
        label = labels.setdefault(value.casefold(), value) if value else NOT_GIVEN
        out[case.case_ref.casefold()] = label
    return out


def _where(per: str | None, label: str) -> str:
    if per is None:
        return ""
    return f" with no {per} given" if label == NOT_GIVEN else f" in {per} '{label}'"


# --- Replacements ------------------------------------------------------------


def replace(sample: Sample, case_ref: str, reason: str) -> Sample:
    """Swap an out-of-scope case for the next unused case in its stratum's shuffled order.

    The same seed, cases file and replacements (in the same order) always
    give the same sample. The new case takes the old one's place in
    ``chosen``; the swap is added to ``replacements``.

    Raises:
        InputFileError: the case is not in the sample, ``reason`` is empty, or
            the stratum has no unused eligible case left.
    """
    title = f"Cannot replace case '{case_ref}':"
    keys = [case.case_ref.casefold() for case in sample.chosen]
    key = case_ref.strip().casefold()
    if key not in keys:
        raise InputFileError(
            problem(
                ErrorCode.CSV_BAD_VALUE,
                detail=f"the case '{case_ref}' is not in the sample",
                hint=f"Give one of the sampled cases: {', '.join(sample.refs)}.",
            ),
            title=title,
        )
    if not reason.strip():
        raise InputFileError(
            problem(ErrorCode.NEED_INPUT, what="a reason for replacing the case", hint="Say why it is out of scope, e.g. 'live care proceedings'."),
            title=title,
        )
    stratum = sample.stratum_of[key]
    used = set(keys) | {swap["out"].casefold() for swap in sample.replacements}
    incoming = next((ref for ref in sample.order[stratum] if ref.casefold() not in used), None)
    if incoming is None:
        raise InputFileError(
            problem(
                ErrorCode.CSV_BAD_VALUE,
                detail=f"there is no eligible case left{_where(sample.per, stratum)} to take its place",
                hint="Keep the case, or draw again with a longer lookback period.",
            ),
            title=title,
        )
    position = keys.index(key)
    outgoing = sample.chosen[position].case_ref
    chosen = list(sample.chosen)
    chosen[position] = sample.pool[incoming.casefold()]
    swap = {"out": outgoing, "in": incoming, "reason": reason.strip()}
    return dataclasses.replace(sample, chosen=chosen, replacements=[*sample.replacements, swap])


def replay(sample: Sample, replacements: Iterable[dict[str, str]]) -> Sample:
    """Apply recorded replacements (``{"out", "reason"}``; ``"in"`` is checked if present) to a fresh draw.

    Raises:
        InputFileError: a replacement no longer brings in the case it recorded,
            so the cases file or seed has changed since the draw.
    """
    problems: list[Problem] = []
    for swap in replacements:
        sample = replace(sample, swap["out"], swap.get("reason", ""))
        got = sample.replacements[-1]["in"]
        if swap.get("in") and swap["in"].casefold() != got.casefold():
            problems.append(
                problem(
                    ErrorCode.CSV_BAD_VALUE,
                    detail=f"replacing '{swap['out']}' now brings in '{got}', not '{swap['in']}' as recorded",
                    hint="The cases file or seed has changed since the draw; use the original file and seed.",
                )
            )
    if problems:
        raise InputFileError(problems, title="The recorded replacements do not reproduce:")
    return sample


# --- Evidence ----------------------------------------------------------------
