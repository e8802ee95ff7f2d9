"""The restricted store: the only place identifying details live.

Children's names, dates of birth and dates of involvement, answers to
``identifying`` questions and copies of returned forms (``collected/``) are kept
here and nowhere else; so are the children replaced in a sample (``replaced.csv``),
who must still be masked. The folder can sit outside the audit folder
(``restricted_store:`` in audit.yaml), e.g. on a more tightly controlled share.
Nothing written here is ever printed, logged or put in a shareable report, and an
audit with cases is not worked on at all while its store cannot be reached.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .. import atomic
from ..dates import parse_uk_date
from ..errors import ErrorCode, InputFileError, Problem, RestrictedStoreError, problem
from .csvtable import read_csv

CASES_FILE = "cases.csv"
#: Children replaced in a sample ('maa replace-case'): no longer audited, but still masked.
REPLACED_FILE = "replaced.csv"
COLUMNS = ("case_ref", "child_name", "date_of_birth", "last_involvement")
ANSWERS_DIR = "answers"
#: The audit's form key (hex): seals every issued form; never copied anywhere else.
FORM_KEY_FILE = "form-key.txt"
README = (
    "This folder holds identifying details (children's names, dates of birth, answers marked\n"
    "identifying, and in collected/ copies of the returned forms). Keep access to the people who\n"
    "issue forms. maa never copies these details into reports, logs or --json output.\n"
)


@dataclass(frozen=True)
class CaseIdentity:
    case_ref: str
    child_name: str
    date_of_birth: dt.date
    last_involvement: dt.date | None = None


def write_cases(folder: Path, cases: list[CaseIdentity]) -> Path:
    """Write the identifying details of the audit's cases (``cases.csv``); returns its path."""
    return _write(folder, CASES_FILE, cases)


def write_replaced(folder: Path, cases: list[CaseIdentity]) -> Path:
    """Write the identifying details of the children replaced in the sample (``replaced.csv``)."""
    return _write(folder, REPLACED_FILE, cases)


def _write(folder: Path, name: str, cases: list[CaseIdentity]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    atomic.write_text(folder / "README.txt", README)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for c in cases:
        writer.writerow([c.case_ref, c.child_name, c.date_of_birth.isoformat(),
                         c.last_involvement.isoformat() if c.last_involvement else ""])
    path = folder / name
    # utf-8-sig so Excel on Windows shows names with accents correctly.
    atomic.write_bytes(path, buf.getvalue().encode("utf-8-sig"))
    return path


def read_cases(folder: Path, expected: Iterable[str] = ()) -> dict[str, CaseIdentity]:
    """Identifying details by case reference.

    Args:
        folder: the restricted store.
        expected: the audit's case references. When there are any, the cases file
            must be there: without it no child's name could be masked.

    Returns:
        The cases in ``cases.csv`` (empty when the store has none and none are expected).

    Raises:
        RestrictedStoreError: cases are expected but the store or ``cases.csv`` cannot be reached.
        InputFileError: the file cannot be read as written (e.g. a date Excel rewrote in a way
            maa cannot read); the row and column are named, the value never is.
    """
    return _read(folder, CASES_FILE, required=any(True for _ in expected))


def read_replaced(folder: Path) -> dict[str, CaseIdentity]:
    """The children replaced in the sample, by case reference (empty when none were)."""
    return _read(folder, REPLACED_FILE, required=False)


def _read(folder: Path, name: str, required: bool) -> dict[str, CaseIdentity]:
    path = folder / name
    try:
        present = path.is_file()
    except OSError as exc:  # a share that has gone away can fail even to be looked at
        raise _unreachable(folder, path, f"{name} cannot be looked at ({exc.strerror or type(exc).__name__})") from None
    if not present:
        if not required:
            return {}
        where = f"{name} is missing from it" if folder.is_dir() else "the folder is missing or not connected"
        raise _unreachable(folder, path, where)
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise _unreachable(folder, path, f"{name} cannot be opened ({exc.strerror or type(exc).__name__})") from None
    table = read_csv(path)
    title = f"{path} cannot be used as written:"
    problems: list[Problem] = [
        Problem(ErrorCode.CSV_MISSING_COLUMN, file=str(path), row=table.header_row,
                params={"column": column, "found": ", ".join(table.columns) or "(none)"})
        for column in ("case_ref", "child_name", "date_of_birth") if column not in table.columns]
    if problems:
        raise InputFileError(problems, title=title)
    out = {}
    for row in table.rows:
        ref = row.get("case_ref")
        if not ref:
            problems.append(Problem(ErrorCode.CSV_EMPTY_VALUE, file=str(path), row=row.row, params={"column": "case_ref"}))
            continue
        dob = _date(path, row, "date_of_birth", problems)
        last = _date(path, row, "last_involvement", problems) if row.get("last_involvement") else None
        if dob is not None:
            out[ref] = CaseIdentity(ref, row.get("child_name"), dob, last)
    if problems:
        raise InputFileError(problems, title=title)
    return out


def _date(path: Path, row, column: str, problems: list[Problem]) -> dt.date | None:
    """A date as Excel or maa wrote it (19/03/2016 or 2016-03-19). A problem never repeats the value."""
    try:
        return parse_uk_date(row.get(column))
    except ValueError:
        problems.append(Problem(ErrorCode.RESTRICTED_BAD_DATE, file=str(path), row=row.row, params={"column": column}))
        return None


def _unreachable(folder: Path, path: Path, detail: str) -> RestrictedStoreError:
    return RestrictedStoreError(problem(ErrorCode.RESTRICTED_UNREACHABLE, file=path, store=str(folder), detail=detail))


def ensure_form_key(folder: Path, make_key) -> Path:
    """Keep a new audit's form key (``make_key()``), unless the store already has one: a key is never
    replaced, since forms already sent carry its seals (a store shared by audits shares the key,
    which is safe: a seal covers the form id, and form ids differ between audits)."""
    path = folder / FORM_KEY_FILE
    if path.is_file():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    atomic.write_text(folder / "README.txt", README)
    atomic.write_text(path, make_key().hex() + "\n")
    return path


def read_form_key(folder: Path) -> bytes:
    """The audit's form key.

    Raises:
        RestrictedStoreError: the key cannot be read, so no seal could be made or checked.
    """
    path = folder / FORM_KEY_FILE
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except FileNotFoundError:
        raise _unreachable(folder, path, f"{FORM_KEY_FILE} (the key that seals this audit's forms) is missing") from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise _unreachable(folder, path, f"{FORM_KEY_FILE} cannot be read ({getattr(exc, 'strerror', None) or type(exc).__name__})") from None
    if len(key) < 16:
        raise _unreachable(folder, path, f"{FORM_KEY_FILE} has been damaged (the key is too short)")
    return key


def write_answers(folder: Path, form_id: str, answers: dict[str, object]) -> None:
    """Keep the answers to identifying questions of one form."""
    target = folder / ANSWERS_DIR / f"{form_id}.json"
    atomic.write_text(target, json.dumps(answers, default=str, indent=1, ensure_ascii=False))


def read_answers(folder: Path) -> dict[str, dict]:
    """The identifying answers of each form's current return, by form id.

    Raises:
        RestrictedStoreError: a file cannot be read, so what it holds could not be masked.
    """
    base = folder / ANSWERS_DIR
    if not base.is_dir():
        return {}
    out = {}
    for p in sorted(base.glob("*.json")):
        try:
            out[p.stem] = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            detail = f"{ANSWERS_DIR}/{p.name} cannot be read ({getattr(exc, 'strerror', None) or type(exc).__name__})"
            raise _unreachable(folder, p, detail) from None
    return out
