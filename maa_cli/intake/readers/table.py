"""Reading a table of responses: a CSV, or the first sheet of a workbook, with one heading row.

An online form's responses export (Microsoft Forms writes an Excel workbook; other tools and
Excel itself write CSV) is a table: one heading row, then one row per response. This reader turns
such a file into plain data — the headings, and each row's cells with its spreadsheet row number —
and decides nothing about what the columns mean (:mod:`maa_cli.intake.columns` does that).

CSV comes in every encoding Excel and the online tools write: UTF-8 with or without a byte-order
mark, Windows-1252 ("CSV (Comma delimited)" on a UK PC; also met with a UTF-8 byte-order mark in
front of it, after a round trip through another program), UTF-16 ("Unicode Text", tab separated),
separated by commas, semicolons (Excel in much of Europe) or tabs. Workbook cells keep their type:
a real date cell comes back as a ``datetime``.

Bounded like every input: at most :data:`MAX_ROWS` rows and :data:`MAX_COLUMNS` columns are read,
and a longer table is refused rather than read half-way (the file's size is already bounded by the
safety stage). Nothing here raises on a strange file except :class:`TableRefused`, with a reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

#: Rows of responses read from one export: a county's 1,500 settings answering several times over.
MAX_ROWS = 20_000
#: Columns read: a long questionnaire with action points and a few details takes a few hundred.
MAX_COLUMNS = 1_000
#: The longest cell kept: Excel's own limit on a cell (a longer CSV field is cut, and noted).
MAX_CELL = 32_767
_SEPARATORS = (",", ";", "\t")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_SNIFF_BYTES = 64 * 1024


class TableRefused(Exception):
    """A table maa will not read (too many rows or columns); ``code`` is stable, ``reason`` is for people."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


@dataclass
class Table:
    """The headings and rows of one export. Row numbers are the spreadsheet's (the heading row is ``header_row``)."""

    format: str  # "csv" or "xlsx"
    headings: list[str]
    rows: list[tuple[int, list]] = field(default_factory=list)
    header_row: int = 1
    notes: list[str] = field(default_factory=list)


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_table(path: Path, kind: str) -> Table | None:
    """The table in ``path`` (``kind`` is ``xlsx``, or anything else for text), or None when it is not one.

    A file is a table when its first non-blank line or row has at least two headings.

    Raises:
        TableRefused: the table is longer or wider than maa reads.
    """
    if kind == "xlsx":
        return _from_workbook(Path(path))
    return _from_text(Path(path))


# -- CSV ---------------------------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str] | None:
    """The text of a CSV and a word on its encoding, or None when the bytes are not text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            return None
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    if b"\x00" in body[:_SNIFF_BYTES]:
        return None  # a binary file, or UTF-16 without its mark
    try:
        return body.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    return _cp1252(body), "Windows-1252" + (" (after a UTF-8 byte-order mark)" if bom else "")


def _cp1252(data: bytes) -> str:
    """Windows-1252 text; its five undefined bytes (which Excel never writes) are read as Latin-1."""
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in data)


def _from_text(path: Path) -> Table | None:
    decoded = decode_text(path.read_bytes())
    if decoded is None:
        return None
    text, encoding = decoded
    separator = _separator(text)
    if separator is None:
        return None
    csv.field_size_limit(4 * MAX_CELL)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    records: list[tuple[int, list]] = []
    header: tuple[int, list] | None = None
    cut = False
    try:
        for number, cells in enumerate(reader, 1):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > MAX_COLUMNS:
                raise _too_wide(len(cells))
            row = []
            for c in cells:
                if len(c) > MAX_CELL:
                    c, cut = c[:MAX_CELL], True
                row.append(c if c.strip() else None)
            if header is None:
                header = (number, row)
                continue
            if len(records) >= MAX_ROWS:
                raise _too_long()
            records.append((number, row))
    except csv.Error:
        return None  # not a CSV after all (an unterminated quote across the whole file, say)
    if header is None or sum(1 for h in header[1] if h) < 2:
        return None
    notes = [] if encoding == "UTF-8" else [f"read as {encoding} text"]
    if cut:
        notes.append(f"a cell longer than {MAX_CELL:,} characters was cut there (Excel's limit)")
    return Table("csv", _headings(header[1]), records, header[0], notes)


def _separator(text: str) -> str | None:
    """The separator of the first line that has one: the one giving most columns (quoted text aside)."""
    for line in text[:_SNIFF_BYTES].splitlines()[:5]:
        if not line.strip():
            continue
        bare = re.sub(r'"[^"]*"', "", line)
        counts = {s: bare.count(s) for s in _SEPARATORS}
        best = max(counts, key=lambda s: counts[s])
        return best if counts[best] else None
    return None


# -- workbook ----------------------------------------------------------------------------------------


def _from_workbook(path: Path) -> Table | None:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=False, keep_links=False)
    except Exception:  # noqa: BLE001 - a workbook openpyxl cannot open is not a table maa can read
        return None
    try:
        if not wb.worksheets:
            return None
        sheet = wb.worksheets[0]
        # The sheet's own dimension says how wide it is (a sheet that does not say is read to the limit).
        declared = sheet.max_column if isinstance(sheet.max_column, int) and sheet.max_column > 1 else MAX_COLUMNS + 1
        width = min(declared, MAX_COLUMNS + 1)
        header: tuple[int, list] | None = None
        records: list[tuple[int, list]] = []
        for number, cells in enumerate(sheet.iter_rows(max_col=width, values_only=True), 1):
            if cells and cells[-1] is not None and len(cells) > MAX_COLUMNS:
                raise _too_wide(MAX_COLUMNS + 1)
            row = [_cell(c) for c in cells[:MAX_COLUMNS]]
            while row and row[-1] is None:
                row.pop()
            if not row:
                if header is None and number > 10:
                    return None  # ten blank rows first: not a table of responses
                continue
            if header is None:
                header = (number, row)
                continue
            if len(records) >= MAX_ROWS:
                raise _too_long()
            records.append((number, row))
    finally:
        wb.close()
    if header is None or sum(1 for h in header[1] if h is not None) < 2:
        return None
    return Table("xlsx", _headings(header[1]), records, header[0])


def _cell(value):
    if isinstance(value, str):
        if "_x" in value:  # characters XML cannot hold, as Excel escapes them
            value = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)
        return value if value.strip() else None
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value


def _headings(cells: list) -> list[str]:
    return [" ".join(str(c).split()) if c is not None else "" for c in cells]


def _too_long() -> TableRefused:
    return TableRefused("too_many_rows", f"the table has more than {MAX_ROWS:,} rows of responses, more than maa reads "
                                         "from one file: save the export in parts (e.g. by date) and put each in returns/")


def _too_wide(columns: int) -> TableRefused:
    return TableRefused("too_many_columns", f"the table has {columns:,} columns or more, more than maa reads from one file "
                                            f"({MAX_COLUMNS:,}): check that it is the export of the audit's questions")
