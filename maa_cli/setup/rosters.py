"""Read the CSVs an officer gives ``maa new-audit``: agencies, cases, nominations.

The files come out of Excel, so the readers expect what Excel writes: UTF-8
with a byte-order mark ("CSV UTF-8") or Windows-1252 ("CSV (Comma delimited)"),
headings in any case with stray spaces, blank rows, dates day-first. Every
problem in a file is collected and reported at once, each with its row, the
column and what to do, so an officer can fix the file in one pass.

Every value is refused if it holds a control character (a vertical tab from a
line break pasted out of Word, say) or a bidirectional override: such a value
would stop a form being written, or show a name as something else. They are
refused, not cleaned, so what goes on a form is what the officer can see in
the file; and they are reported before anything else, since other messages
quote values.

Children's data: a cases file carries a child's name and date of birth so
forms can be addressed to agencies, but error messages never repeat either
(they end up in logs), and only a short allow-list of non-identifying profile
columns (:data:`PROFILE_FIELDS`) is kept. Any other column is refused rather
than silently carried along.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..dates import age_on, parse_uk_date
from ..definitions.audit import Agency
from ..errors import ErrorCode, Problem, problem
from .csvtable import (  # noqa: F401 - re-exported
    ENCODINGS,
    MAX_BYTES,
    MAX_ROWS,
    CsvRow,
    CsvTable,
    _blank,
    _cell,
    _check_separator,
    _decode,
    _file_error,
    _header_problems,
    _key,
    _letter,
    _missing_columns,
    _raise_if,
    _read_bytes,
    _records,
    _title,
    _unheaded,
    hidden_characters,
    normalise_header,
    read_csv,
)

AGENCY_COLUMNS = ("agency", "contact_name", "email")
CASE_COLUMNS = ("case_ref", "child_name", "date_of_birth", "agencies")
OPTIONAL_CASE_COLUMNS = ("last_involvement",)
#: Extra columns of a cases file that maa keeps. They describe a child without
#: identifying one, and are what overview reports and stratified samples use.
#: Anything else (address, NHS number, school, siblings …) is refused: when
#: unsure, maa leaves it out.
PROFILE_FIELDS = ("gender", "ethnicity", "age_band", "quadrant", "legal_status", "plan_type", "school_year")
NOMINATION_COLUMNS = ("nominator", "nominated_on", "decision")
OPTIONAL_NOMINATION_COLUMNS = ("reason",)
#: Age bands as (under this age, label); the last band has no upper bound.
AGE_BANDS: tuple[tuple[int | None, str], ...] = ((1, "under 1"), (5, "1-4"), (10, "5-9"), (16, "10-15"), (18, "16-17"), (None, "18+"))
UNBORN = "unborn"
MAX_CASE_REF = 40

Decision = Literal["accepted", "declined", "pending"]
_DECISIONS: dict[str, Decision] = {
    "accepted": "accepted", "accept": "accepted", "yes": "accepted", "y": "accepted",
    "declined": "declined", "decline": "declined", "rejected": "declined", "no": "declined", "n": "declined",
    "pending": "pending", "": "pending",
}  # fmt: skip
# Headings officers use for the columns maa expects; offered as a rename, never applied silently.
_COLUMN_ALIASES = {
    "dob": "date_of_birth", "d_o_b": "date_of_birth", "birth_date": "date_of_birth", "date_of_birth_(dd/mm/yyyy)": "date_of_birth",
    "name": "child_name", "child": "child_name", "childs_name": "child_name", "child's_name": "child_name", "full_name": "child_name",
    "ref": "case_ref", "reference": "case_ref", "case_reference": "case_ref", "case_number": "case_ref", "case_no": "case_ref", "case_id": "case_ref",
    "agency": "agencies", "agencies_involved": "agencies", "involved_agencies": "agencies",
    "last_contact": "last_involvement", "date_of_last_involvement": "last_involvement", "last_involved": "last_involvement",
    "nominated_by": "nominator", "date_nominated": "nominated_on", "nomination_date": "nominated_on", "outcome": "decision",
}  # fmt: skip
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
_DOB_HINT = (
    "Write it day-first, e.g. 03/07/2024 or 3 July 2024; if Excel shows a number such as 45476, format the column "
    "as a date first. (The value is not repeated here because it identifies the child.)"
)


# --- The CSV itself ----------------------------------------------------------


def read_agencies(path: str | Path) -> list[Agency]:
    """Read an agencies file: ``agency, contact_name, email`` and any extra columns.

    ``contact_name`` and ``email`` may be empty but the columns must exist.
    Extra columns (quadrant, setting_type, ofsted_urn …) are kept in
    ``Agency.attributes``; empty values are left out.

    Raises:
        InputFileError: listing every problem: missing columns, empty or
            repeated agency names (compared ignoring case), names containing
            ``;``, e-mail addresses that are not plausible, no agencies at all.
    """
    table = read_csv(path)
    _raise_if(hidden_characters(table), table.path)
    problems = _missing_columns(table, AGENCY_COLUMNS)
    _raise_if(problems, table.path)
    agencies, first_row = [], {}
    for row in table.rows:
        name = row.get("agency")
        if not name:
            problems.append(_cell(ErrorCode.CSV_EMPTY_VALUE, table.path, row.row, "agency"))
            continue
        if ";" in name:
            problems.append(
                _cell(
                    ErrorCode.CSV_BAD_VALUE,
                    table.path,
                    row.row,
                    "agency",
                    detail=f"the agency name '{name}' contains ';'",
                    hint="Remove the ';': the cases file uses ';' to separate agencies.",
                )
            )
        if _key(name) in first_row:
            problems.append(
                _cell(ErrorCode.CSV_DUPLICATE, table.path, row.row, "agency", value=name, first_row=first_row[_key(name)])
            )
        first_row.setdefault(_key(name), row.row)
        email = row.get("email")
        if email and (email_problem := _email_problem(table.path, row.row, email)):
            problems.append(email_problem)
        attributes = {k: v for k, v in row.values.items() if k not in AGENCY_COLUMNS and v}
        agencies.append(Agency(name=name, contact_name=row.get("contact_name") or None, email=email or None, attributes=attributes))
    if not table.rows:
        problems.append(_no_rows(table, "agencies", "agency"))
    _raise_if(problems, table.path)
    return agencies


def _email_problem(path: Path, row: int, email: str) -> Problem | None:
    if _EMAIL.fullmatch(email) and len(email) <= 254:
        return None
    if email.count("@") > 1 or any(sep in email for sep in ";, "):
        hint = "Give one address per agency; put any others in an extra column."
    elif "<" in email or ":" in email:
        hint = "Write the address only, e.g. name@agency.gov.uk."
    else:
        hint = "Check for a typing slip; an address looks like name@agency.gov.uk."
    return _cell(ErrorCode.CSV_BAD_VALUE, path, row, "email", detail=f"'{email}' in 'email' is not an e-mail address", hint=hint)


def _no_rows(table: CsvTable, what: str, one: str) -> Problem:
    return problem(
        ErrorCode.CSV_BAD_VALUE,
        file=table.path,
        row=table.header_row,
        detail=f"the file has a heading row but no {what}",
        hint=f"Add one row per {one} below the headings.",
    )


# --- Cases -------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    """One case as read from a cases file or an accepted nomination.

    ``child_name`` and ``date_of_birth`` are kept out of ``repr`` so a case
    printed in a log or a traceback does not identify the child.
    """

    case_ref: str
    child_name: str = field(repr=False)
    date_of_birth: dt.date = field(repr=False)
    agencies: tuple[str, ...]
    last_involvement: dt.date | None
    attributes: dict[str, str] = field(hash=False)
    row: int

    def profile(self, today: dt.date) -> dict[str, str]:
        """The non-identifying profile: ``attributes`` plus an ``age_band`` on ``today`` if none was given."""
        out = dict(self.attributes)
        if not out.get("age_band"):
            out["age_band"] = age_band(self.date_of_birth, today)
        return out


def age_band(dob: dt.date, day: dt.date) -> str:
    """The :data:`AGE_BANDS` label for a child born on ``dob``, on ``day``."""
    if day < dob:
        return UNBORN
    age = age_on(dob, day)
    return next(label for limit, label in AGE_BANDS if limit is None or age < limit)


def read_cases(path: str | Path, agency_names: Iterable[str]) -> list[CaseRow]:
    """Read a cases file: ``case_ref, child_name, date_of_birth, agencies`` [, ``last_involvement``].

    ``agencies`` lists the agencies that worked with the child, separated by
    ``;``; each must be in ``agency_names`` (ignoring case and extra spaces)
    and is returned in that list's spelling. Dates are day-first. Besides
    these, only the columns in :data:`PROFILE_FIELDS` are accepted.

    Raises:
        InputFileError: listing every problem (row and column for each). No
            message repeats a child's name or date of birth.
    """
    table = read_csv(path)
    _raise_if(hidden_characters(table), table.path)
    problems = _case_columns(table, CASE_COLUMNS, OPTIONAL_CASE_COLUMNS)
    if not all(column in table.columns for column in CASE_COLUMNS):
        _raise_if(problems, table.path)
    index = {_key(name): name for name in agency_names}
    cases = [case for row in table.rows if (case := _case(table, row, index, problems))]
    problems += _duplicate_refs(table.path, cases)
    if not table.rows:
        problems.append(_no_rows(table, "cases", "case"))
    _raise_if(problems, table.path)
    return cases


def _case_columns(table: CsvTable, required: tuple[str, ...], optional: tuple[str, ...]) -> list[Problem]:
    """Missing required columns, misnamed ones (``dob`` for ``date_of_birth``), and refused extra columns."""
    known = required + optional
    problems, renamed = [], set()
    for column in table.columns:
        if column in known or column in PROFILE_FIELDS:
            continue
        meant = _meant_column(column, known + PROFILE_FIELDS)
        if meant and meant not in table.columns:
            renamed.add(meant)
            problems.append(
                _cell(
                    ErrorCode.CSV_BAD_VALUE,
                    table.path,
                    table.header_row,
                    column,
                    detail=f"the column '{column}' looks like '{meant}'",
                    hint=f"Rename the heading to '{meant}'.",
                )
            )
            continue
        problems.append(
            _cell(
                ErrorCode.CSV_BAD_VALUE,
                table.path,
                table.header_row,
                column,
                detail=f"the column '{column}' is not kept, because it may identify the child",
                hint=f"Delete the column. Besides {', '.join(known)}, maa keeps only these profile columns: {', '.join(PROFILE_FIELDS)}.",
            )
        )
    missing = [column for column in required if column not in renamed]
    return _missing_columns(table, missing) + problems


def _meant_column(column: str, known: tuple[str, ...]) -> str | None:
    if _COLUMN_ALIASES.get(column) in known:
        return _COLUMN_ALIASES[column]
    close = difflib.get_close_matches(column, known, n=1, cutoff=0.8)
    return close[0] if close else None


def _case(table: CsvTable, row: CsvRow, index: dict[str, str], problems: list[Problem]) -> CaseRow | None:
    """The case in ``row``, or None after adding its problems to ``problems``."""
    before = len(problems)
    path = table.path

    def empty(column: str) -> bool:
        if row.get(column):
            return False
        problems.append(_cell(ErrorCode.CSV_EMPTY_VALUE, path, row.row, column))
        return True

    ref = row.get("case_ref")
    if not empty("case_ref") and len(ref) > MAX_CASE_REF:
        problems.append(
            _cell(
                ErrorCode.CSV_BAD_VALUE,
                path,
                row.row,
                "case_ref",
                detail=f"the case reference in 'case_ref' is longer than {MAX_CASE_REF} characters",
                hint="Use a short reference, e.g. the case number or 'MACA-24-01'.",
            )
        )
    empty("child_name")
    dob = None
    if not empty("date_of_birth"):
        try:
            dob = parse_uk_date(row.get("date_of_birth"))
        except ValueError:
            problems.append(
                _cell(
                    ErrorCode.CSV_BAD_VALUE,
                    path,
                    row.row,
                    "date_of_birth",
                    detail="the date of birth in 'date_of_birth' is not a date maa can read",
                    hint=_DOB_HINT,
                )
            )
    last = _optional_date(path, row, "last_involvement", problems)
    if dob and last and dob > last:
        problems.append(
            _cell(
                ErrorCode.CSV_BAD_VALUE,
                path,
                row.row,
                "date_of_birth",
                detail="the date of birth in 'date_of_birth' is after 'last_involvement'",
                hint="Check both dates; both are read day-first.",
            )
        )
    agencies = _agencies(path, row, index, problems)
    if len(problems) > before or dob is None:
        return None
    attributes = {k: v for k, v in row.values.items() if k in PROFILE_FIELDS and v}
    return CaseRow(ref, row.get("child_name"), dob, agencies, last, attributes, row.row)


def _optional_date(path: Path, row: CsvRow, column: str, problems: list[Problem]) -> dt.date | None:
    text = row.get(column)
    if not text:
        return None
    try:
        return parse_uk_date(text)
    except ValueError:
        problems.append(_cell(ErrorCode.CSV_BAD_DATE, path, row.row, column, value=text))
        return None


def _agencies(path: Path, row: CsvRow, index: dict[str, str], problems: list[Problem]) -> tuple[str, ...]:
    names = [part.strip() for part in row.get("agencies").split(";") if part.strip()]
    if not names:
        problems.append(_cell(ErrorCode.CSV_EMPTY_VALUE, path, row.row, "agencies"))
    found: list[str] = []
    for name in names:
        if _key(name) in index:
            if index[_key(name)] not in found:
                found.append(index[_key(name)])
            continue
        close = difflib.get_close_matches(_key(name), list(index), n=1, cutoff=0.6)
        suggestion = f" (did you mean '{index[close[0]]}'?)" if close else ""
        problems.append(
            _cell(ErrorCode.CSV_UNKNOWN_AGENCY, path, row.row, "agencies", value=name, suggestion=suggestion)
        )
    return tuple(found)


def _duplicate_refs(path: Path, cases: Iterable[CaseRow]) -> list[Problem]:
    problems, first = [], {}
    for case in cases:
        key = case.case_ref.casefold()
        if key in first:
            problems.append(
                _cell(ErrorCode.CSV_DUPLICATE, path, case.row, "case_ref", value=case.case_ref, first_row=first[key])
            )
        first.setdefault(key, case.row)
    return problems


# --- Nominations -------------------------------------------------------------


@dataclass(frozen=True)
class Nomination:
    """One line of a nominations register. Holds no identifying details."""

    case_ref: str
    nominator: str
    nominated_on: dt.date | None
    decision: Decision
    reason: str
    row: int


def read_nominations(path: str | Path, agency_names: Iterable[str]) -> tuple[list[CaseRow], list[Nomination]]:
    """Read a nominations register: the cases columns plus ``nominator, nominated_on, decision`` [, ``reason``].

    ``decision`` is accepted, declined or pending (any case; "yes"/"y" mean
    accepted, "no"/"n"/"rejected" declined, empty pending). Only accepted
    nominations become cases, and only their case columns are checked: a
    declined or pending row's child details are neither needed nor kept. A
    case_ref may appear more than once (nominated twice) but be accepted once.

    Returns:
        (cases from accepted nominations, the whole register in file order).

    Raises:
        InputFileError: listing every problem.
    """
    table = read_csv(path)
    _raise_if(hidden_characters(table, free_text=OPTIONAL_NOMINATION_COLUMNS), table.path)
    required = CASE_COLUMNS + NOMINATION_COLUMNS
    problems = _case_columns(table, required, OPTIONAL_CASE_COLUMNS + OPTIONAL_NOMINATION_COLUMNS)
    if not all(column in table.columns for column in required):
        _raise_if(problems, table.path)
    index = {_key(name): name for name in agency_names}
    register, cases = [], []
    for row in table.rows:
        nomination = _nomination(table.path, row, problems)
        if nomination is None:
            continue
        register.append(nomination)
        if nomination.decision == "accepted" and (case := _case(table, row, index, problems)):
            cases.append(case)
    problems += _duplicate_refs(table.path, cases)
    if not table.rows:
        problems.append(_no_rows(table, "nominations", "nomination"))
    _raise_if(problems, table.path)
    return cases, register


def _nomination(path: Path, row: CsvRow, problems: list[Problem]) -> Nomination | None:
    before = len(problems)
    ref = row.get("case_ref")
    if not ref:
        problems.append(_cell(ErrorCode.CSV_EMPTY_VALUE, path, row.row, "case_ref"))
    decision = _DECISIONS.get(row.get("decision").casefold())
    if decision is None:
        problems.append(
            _cell(
                ErrorCode.CSV_BAD_VALUE,
                path,
                row.row,
                "decision",
                detail=f"'{row.get('decision')}' in 'decision' is not a decision maa knows",
                hint="Write accepted, declined or pending (yes and no also work).",
            )
        )
    nominated_on = _optional_date(path, row, "nominated_on", problems)
    if len(problems) > before or decision is None:
        return None
    return Nomination(ref, row.get("nominator"), nominated_on, decision, row.get("reason"), row.row)
