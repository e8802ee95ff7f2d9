"""Read the CSVs an officer gives ``maa new-audit``: agencies, cases, nominations.

The files come out of Excel, so the readers expect what Excel writes: UTF-8
with a byte-order mark ("CSV UTF-8") or Windows-1252 ("CSV (Comma delimited)"),
headings in any case with stray spaces, blank rows, dates day-first. Every
problem in a file is collected and reported at once, each with its row, the
column and what to do, so an officer can fix the file in one pass.

Children's data: a cases file carries a child's name and date of birth so
forms can be addressed to agencies, but error messages never repeat either
(they end up in logs), and only a short allow-list of non-identifying profile
columns (:data:`PROFILE_FIELDS`) is kept. Any other column is refused rather
than silently carried along.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .audit import Agency
from .dates import age_on, parse_uk_date
from .errors import ErrorCode, InputFileError, Problem, problem

MAX_ROWS = 100_000
# Far above any real roster (100,000 rows of a few hundred characters); stops a wrong file being read into memory.
MAX_BYTES = 64 * 1024 * 1024
ENCODINGS = ("utf-8-sig", "cp1252")

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


@dataclass(frozen=True)
class CsvRow:
    """One non-blank row: its spreadsheet row number (heading row is 1) and values by column."""

    row: int
    values: dict[str, str] = field(hash=False)

    def get(self, column: str) -> str:
        """The stripped value in ``column`` ('' if the column is absent)."""
        return self.values.get(column, "")


@dataclass(frozen=True)
class CsvTable:
    """A CSV as plain data: normalised column names and non-blank rows."""

    path: Path
    columns: tuple[str, ...]
    rows: tuple[CsvRow, ...]
    encoding: str
    header_row: int = 1


def normalise_header(text: str) -> str:
    """``' Date of Birth '`` → ``'date_of_birth'``: stripped, lower-case, spaces and hyphens as ``_``."""
    return re.sub(r"[\s\-]+", "_", text.replace("\ufeff", "").strip().lower())


def read_csv(path: str | Path) -> CsvTable:
    """Read a CSV saved from Excel into a :class:`CsvTable`.

    Tries UTF-8 (with or without a byte-order mark), then Windows-1252. Blank
    rows are skipped but still counted, so row numbers match the spreadsheet.
    Values are stripped of surrounding spaces, including non-breaking ones.

    Raises:
        InputFileError: the file is missing, is an Excel workbook rather than a
            CSV, cannot be decoded or parsed, has more than :data:`MAX_ROWS`
            rows, or has values without a heading or two columns with the same
            heading.
    """
    path = Path(path)
    text, encoding = _decode(path, _read_bytes(path))
    try:
        records = list(_records(path, text))
    except csv.Error as exc:
        raise InputFileError(problem(ErrorCode.CSV_UNREADABLE, file=path, detail=str(exc)), title=_title(path)) from None

    problems: list[Problem] = []
    header_at = next((i for i, cells in records if not _blank(cells)), None)
    if header_at is None:
        raise InputFileError(
            problem(ErrorCode.CSV_BAD_VALUE, file=path, detail="the file is empty", hint="Save the spreadsheet again with its heading row."),
            title=_title(path),
        )
    headers = [normalise_header(cell) for cell in dict(records)[header_at]]
    _check_separator(path, headers)
    problems += _header_problems(path, header_at, headers)

    rows = []
    for number, cells in records:
        if number <= header_at or _blank(cells):
            continue
        values = {}
        for index, cell in enumerate(cells):
            value = cell.strip()
            heading = headers[index] if index < len(headers) else ""
            if heading:
                values[heading] = value
            elif value:
                problems.append(_unheaded(path, number, index))
        rows.append(CsvRow(number, {h: values.get(h, "") for h in headers if h}))
    if problems:
        raise InputFileError(problems, title=_title(path))
    return CsvTable(path, tuple(h for h in headers if h), tuple(rows), encoding, header_at)


def _read_bytes(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise _file_error(path, "there is no file here", "Check the path and file name.") from None
    except IsADirectoryError:
        raise _file_error(path, "this is a folder, not a CSV file", "Give the path of the CSV file.") from None
    except OSError as exc:
        raise InputFileError(problem(ErrorCode.CSV_UNREADABLE, file=path, detail=exc.strerror or str(exc)), title=_title(path)) from None
    if len(data) > MAX_BYTES:
        raise _file_error(path, f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB, far more than a roster", "Check that this is the right file.")
    return data


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    workbook = "this is an Excel workbook, not a CSV: in Excel use Save As → CSV UTF-8"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _file_error(path, workbook, "Then give maa the .csv file.")
    if b"\x00" in data:
        raise _file_error(
            path,
            "the file contains NUL bytes, so it is an Excel workbook or 'Unicode Text', not a CSV: in Excel use Save As → CSV UTF-8",
            "Then give maa the .csv file.",
        )
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise InputFileError(
        problem(ErrorCode.CSV_UNREADABLE, file=path, detail="its characters are in an encoding maa does not recognise"),
        title=_title(path),
    )


def _records(path: Path, text: str) -> Iterable[tuple[int, list[str]]]:
    """(spreadsheet row, cells) for every record, blank ones included, up to MAX_ROWS data rows."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    for number, cells in enumerate(reader, start=1):
        if number > MAX_ROWS + 1:
            raise _file_error(path, f"the file has more than {MAX_ROWS:,} rows", "Check that this is the right file, or split it.")
        yield number, cells


def _blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def _check_separator(path: Path, headers: list[str]) -> None:
    if len(headers) == 1 and (";" in headers[0] or "\t" in headers[0]):
        separator = "semicolons" if ";" in headers[0] else "tabs"
        raise _file_error(
            path,
            f"the columns are separated by {separator}, not commas",
            "In Excel use Save As → CSV UTF-8 (Comma delimited).",
        )


def _header_problems(path: Path, header_at: int, headers: list[str]) -> list[Problem]:
    problems, first = [], {}
    for index, heading in enumerate(headers):
        if not heading:
            continue
        if heading in first:
            problems.append(
                problem(
                    ErrorCode.CSV_BAD_VALUE,
                    file=path,
                    row=header_at,
                    detail=f"columns {_letter(first[heading])} and {_letter(index)} are both headed '{heading}'",
                    hint="Keep one of them, or rename the other.",
                )
            )
        first.setdefault(heading, index)
    return problems


def _unheaded(path: Path, row: int, index: int) -> Problem:
    return problem(
        ErrorCode.CSV_BAD_VALUE,
        file=path,
        row=row,
        detail=f"there is a value in column {_letter(index)}, which has no heading",
        hint="Give the column a heading, or delete the value.",
    )


def _letter(index: int) -> str:
    """0 → 'A', 26 → 'AA': how Excel names a column."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _cell(code: ErrorCode, path: Path, row: int, column: str, **params) -> Problem:
    """A problem in one cell. The column name goes in ``params``: ``problem()`` would take
    ``column=`` as the (numeric) YAML column."""
    return Problem(code, file=str(path), row=row, params={"column": column, **params})


def _title(path: Path) -> str:
    return f"{path} cannot be used as written:"


def _file_error(path: Path, detail: str, hint: str) -> InputFileError:
    return InputFileError(problem(ErrorCode.CSV_BAD_VALUE, file=path, detail=detail, hint=hint), title=_title(path))


def _missing_columns(table: CsvTable, required: Iterable[str]) -> list[Problem]:
    found = ", ".join(table.columns) or "(none)"
    return [
        _cell(ErrorCode.CSV_MISSING_COLUMN, table.path, table.header_row, column, found=found)
        for column in required
        if column not in table.columns
    ]


def _raise_if(problems: list[Problem], path: Path) -> None:
    if problems:
        raise InputFileError(sorted(problems, key=lambda p: p.row or 0), title=_title(path))


def _key(name: str) -> str:
    """How names are compared: case and runs of spaces do not matter."""
    return " ".join(name.split()).casefold()


# --- Agencies ----------------------------------------------------------------


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
