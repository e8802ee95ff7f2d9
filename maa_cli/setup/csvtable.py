"""Reading a CSV as Excel writes it: encodings, headings, blank rows, row numbers.

Excel saves "CSV UTF-8" (with a byte-order mark) or "CSV (Comma delimited)" in
Windows-1252, with headings in any case and stray spaces. :func:`read_csv`
turns such a file into rows that remember their spreadsheet row number, so
every problem can be reported by row and column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ErrorCode, InputFileError, Problem, problem

MAX_ROWS = 100_000
#: Characters refused anywhere in a roster: C0 and C1 control characters (Word's manual line break
#: arrives in Excel as a vertical tab, which XML, and so a Word or Excel form, cannot hold) and the
#: bidirectional embeddings, overrides and isolates, which make a name display as something else.
HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: In free-text columns a tab or a line break (Alt+Enter in Excel) is ordinary.
_TEXT_BREAKS = frozenset("\t\n\r")
_CHARACTER_NAMES = {
    "\t": "tab", "\n": "line break", "\r": "line break", "\x0b": "line break copied from Word (a vertical tab)",
    "\x0c": "page break", "\x7f": "delete character", "\x85": "line break",
    "\u202a": "left-to-right embedding", "\u202b": "right-to-left embedding", "\u202c": "pop directional formatting",
    "\u202d": "left-to-right override", "\u202e": "right-to-left override", "\u2066": "left-to-right isolate",
    "\u2067": "right-to-left isolate", "\u2068": "first strong isolate", "\u2069": "pop directional isolate",
}  # fmt: skip
# Far above any real roster (100,000 rows of a few hundred characters); stops a wrong file being read into memory.
MAX_BYTES = 64 * 1024 * 1024
ENCODINGS = ("utf-8-sig", "cp1252")


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


def hidden_characters(table: CsvTable, free_text: Iterable[str] = ()) -> list[Problem]:
    """A problem for each heading or value holding a control or bidirectional character.

    The value itself is never repeated: in a cases file it may be a child's name.
    ``free_text`` columns may hold tabs and line breaks.

    Args:
        table: The CSV as read by :func:`read_csv`.
        free_text: Columns of running text (e.g. a nomination's reason).
    """
    problems = []
    for index, heading in enumerate(table.columns):
        if found := HIDDEN.search(heading):
            problems.append(_hidden(table.path, table.header_row, f"heading of column {_letter(index)}", found.group()))
    for row in table.rows:
        for column, value in row.values.items():
            allowed = _TEXT_BREAKS if column in free_text else frozenset()
            character = next((m.group() for m in HIDDEN.finditer(value) if m.group() not in allowed), None)
            if character is not None:
                problems.append(_hidden(table.path, row.row, f"value in '{column}'", character))
    return problems


def _hidden(path: Path, row: int, cell: str, character: str) -> Problem:
    name = _CHARACTER_NAMES.get(character, "control character")
    return Problem(ErrorCode.CSV_HIDDEN_CHARACTER, file=str(path), row=row,
                   params={"cell": cell, "character": f"{name} (U+{ord(character):04X})"})


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
