"""Reading a returned Excel form into a :class:`RawReturn`.

Each answer is located by, in order: the workbook's defined name for it (names
survive Excel and LibreOffice and move with the cell when a respondent inserts
rows or columns), the hidden key column, and finally the visible question
number and text of its row (for a sheet pasted into a new workbook, which keeps
neither). Columns are found from the heading row ("No.", "Question", "Your
answer"), so an inserted or deleted column does not misplace them.

Only the cells the form can hold are read: a styled cell in row 1,048,576, or a
defined name pointing at column XFD, must not make the reader walk a million
rows or pad three thousand rows to 16,384 cells each. It reads three times the
rows of the longest form 'maa tools check' accepts (:data:`MAX_FORM_ROWS`), to
leave room for rows a respondent inserts; an answer box moved past them is
reported, never read as empty. Dates come back as ``datetime.date`` from real
date cells (in the 1900 or 1904 date system) and as typed text otherwise.
Nothing here raises on a strange workbook: what cannot be read goes in
``RawReturn.unreadable``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ...definitions.tool import MAX_FORM_ROWS, Tool
from ...forms.excel import (
    ANSWER_COL,
    FORM_SHEET,
    HEADINGS,
    KEY_COL,
    NOT_APPLICABLE,
    NUM_COL,
    TEXT_COL,
    defined_name,
    excel_rows_for_tool,
    row_label,
)
from ...forms.identity import FormIdentity, find_reference
from .raw import RawAnswer, RawReturn

#: Rows read: the longest form a tool may have, and room for twice as many rows inserted by a respondent.
MAX_ROWS = 3 * MAX_FORM_ROWS
#: Columns always read (the form uses five), and the furthest right a moved answer box is looked for.
MAX_COLS = 16
MAX_NAMED_COLS = 64
_UNTICKED = {"", "no", "n", "false", "0", "☐"}
_REF = re.compile(r"^'?(?P<sheet>[^!']+)'?!\$?(?P<col>[A-Z]{1,3})\$?(?P<row>\d+)$")


_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    if isinstance(value, str) and "_x" in value:
        # Excel writes characters XML cannot hold as _xHHHH_ (and a typed "_x" as _x005F_x);
        # openpyxl leaves them escaped, so decode them here, left to right.
        return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)
    return value


def _open(path: Path):
    import io

    from openpyxl import load_workbook

    # From bytes, not the path: openpyxl refuses a workbook whose name does not end .xlsx
    # (people rename files), and the type was already decided by content in maa_cli.intake.safety.
    return load_workbook(io.BytesIO(Path(path).read_bytes()), read_only=True, data_only=False, keep_links=False)


def read_excel(path: Path, tool: Tool | None = None) -> RawReturn:
    """Read every answer of an Excel form. Never raises on a strange workbook.

    The workbook is read straight from its zip (:mod:`.xlsxzip`); one that uses what that
    reader leaves alone is read with openpyxl, to the same result.

    Args:
        path: the returned file (any name: people rename files).
        tool: the audit tool the form was made from; without it only the identity is read.
    """
    from .xlsxzip import Book

    try:
        book = Book(path)
    except Exception:  # noqa: BLE001 - openpyxl opens it, or says why it cannot
        return read_excel_openpyxl(path, tool)
    result = RawReturn(Path(path), "xlsx")
    try:
        _read(book, result, tool)
    except Exception:  # noqa: BLE001 - openpyxl reads it, or says what it could not read
        return read_excel_openpyxl(path, tool)
    finally:
        book.close()
    return result


def read_excel_openpyxl(path: Path, tool: Tool | None = None) -> RawReturn:
    """:func:`read_excel` through openpyxl: for workbooks the zip reader leaves alone, and to check it against."""
    result = RawReturn(Path(path), "xlsx")
    try:
        wb = _open(path)
    except Exception as exc:  # noqa: BLE001 - report, never crash collection
        result.unreadable.append(f"the workbook could not be opened ({type(exc).__name__})")
        return result
    try:
        _read(wb, result, tool)
    except Exception as exc:  # noqa: BLE001
        result.unreadable.append(f"part of the workbook could not be read ({type(exc).__name__}: {exc})")
    finally:
        wb.close()
    return result


def excel_identity(path: Path) -> tuple[FormIdentity | None, str | None]:
    """Just the identity of an Excel form (custom properties, else reference line)."""
    raw = read_excel(path, None)
    return raw.identity, raw.identity_source


@dataclass
class _Sheet:
    """The cells of the form sheet that matter, by row number."""

    title: str
    values: dict[int, list]
    types: dict[int, list]

    def value(self, row: int, col: int):
        cells = self.values.get(row, [])
        return cells[col - 1] if 0 < col <= len(cells) else None

    def is_formula(self, row: int, col: int) -> bool:
        cells = self.types.get(row, [])
        return 0 < col <= len(cells) and cells[col - 1] == "f"


def _read(wb, result: RawReturn, tool: Tool | None) -> None:
    if FORM_SHEET in wb.sheetnames:
        ws = wb[FORM_SHEET]
    else:
        ws = wb.worksheets[0]
        result.notes.append(f"the sheet '{FORM_SHEET}' was renamed or removed; read '{ws.title}' instead")
    names = _names_on(wb, ws.title)
    max_col = max([MAX_COLS, *(c for _r, c in names.values() if c <= MAX_NAMED_COLS)])
    if hasattr(ws, "table"):  # the zip reader: the same rows, without a cell object per cell
        values, types = ws.table(MAX_ROWS, max_col, _plain)
    else:
        values, types = {}, {}
        for i, row in enumerate(ws.iter_rows(min_row=1, max_row=MAX_ROWS, max_col=max_col), 1):
            values[i] = [_plain(c.value) for c in row]
            types[i] = [getattr(c, "data_type", None) for c in row]
    sheet = _Sheet(ws.title, values, types)
    result.printed = _printed(sheet)
    result.identity, result.identity_source = _identity(wb, result.printed)
    if tool is None:
        return
    located = _locate(tool, sheet, names)
    for key in _wanted_keys(tool):
        if key not in located:
            result.unreadable.append(_not_found(key, names.get(defined_name(key))))
            continue
        r, c, how = located[key]
        if sheet.is_formula(r, c):
            result.notes.append(f"{key}: a formula was typed in the answer; it is kept as text")
        result.answers[key] = RawAnswer(key, sheet.value(r, c), f"{sheet.title}!{_col_letter(c)}{r}", how)
    _gather_ticks(tool, result)


def _not_found(key: str, named: tuple[int, int] | None) -> str:
    if named is None or _within(*named):
        return f"the answer box for {key} could not be found"
    return (f"the answer box for {key} was moved to {_col_letter(named[1])}{named[0]}, beyond the first {MAX_ROWS:,} rows "
            f"and {MAX_NAMED_COLS} columns that maa reads; ask the agency to delete the rows or columns they inserted, "
            "or copy their answers into a fresh copy of the form")


def _within(row: int, col: int) -> bool:
    return row <= MAX_ROWS and col <= MAX_NAMED_COLS


def _identity(wb, printed: FormIdentity | None) -> tuple[FormIdentity | None, str | None]:
    try:
        props = {p.name: str(p.value) for p in wb.custom_doc_props}
    except Exception:  # noqa: BLE001 - a damaged properties part is not fatal; fall back to the line
        props = {}
    ident = FormIdentity.from_properties(props)
    if ident:
        return ident, "custom_properties"
    return (printed, "reference_line") if printed else (None, None)


def _printed(sheet: _Sheet) -> FormIdentity | None:
    """The reference line printed near the top of the form."""
    for r in sorted(sheet.values)[:40]:
        for value in sheet.values[r]:
            if isinstance(value, str) and ":" in value:  # every reference line has one ("maa form ref:")
                found = find_reference(value)
                if found:
                    return found
    return None


def _names_on(wb, title: str) -> dict[str, tuple[int, int]]:
    """Defined names that point at one cell of the form sheet: name -> (row, column)."""
    out = {}
    try:
        items = list(wb.defined_names.items())
    except Exception:  # noqa: BLE001 - a damaged names part: fall back to the other strategies
        return out
    for name, dn in items:
        ref = _reference(getattr(dn, "attr_text", None) or "")
        if ref is not None and ref[0] == title:
            out[name] = ref[1]
    return out


#: What each defined name's text points at, once worked out: the forms of a run share their names' texts.
_REFERENCES: dict[str, tuple[str, tuple[int, int]] | None] = {}
_REFERENCES_KEPT = 50_000


def _reference(text: str) -> tuple[str, tuple[int, int]] | None:
    """(sheet, (row, column)) of a defined name's text that points at one cell, else None."""
    if text in _REFERENCES:
        return _REFERENCES[text]
    match = _REF.match(text.strip())
    found = (match["sheet"], (int(match["row"]), _col_index(match["col"]))) if match else None
    if len(_REFERENCES) >= _REFERENCES_KEPT:
        _REFERENCES.clear()
    _REFERENCES[text] = found
    return found


def _locate(tool: Tool, sheet: _Sheet, names: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int, str]]:
    """Where each answer is: key -> (row, column, how it was found)."""
    wanted = _wanted_keys(tool)
    located: dict[str, tuple[int, int, str]] = {}
    for key, name in zip(wanted, _defined_names(tool), strict=True):
        if name in names and _within(*names[name]):
            located[key] = (*names[name], "name")
    if len(located) == len(wanted):
        return located  # every answer box found by its name: the other strategies would add nothing
    header_row, cols = _columns(sheet)
    for r in sorted(sheet.values):
        key = sheet.value(r, cols[KEY_COL]) if cols[KEY_COL] else None
        if isinstance(key, str) and key in wanted and key not in located and r != header_row:
            located[key] = (r, cols[ANSWER_COL], "key_column")
    if len(located) < len(wanted):
        for key, r in _rows_by_label(tool, sheet, cols, header_row).items():
            located.setdefault(key, (r, cols[ANSWER_COL], "row_number"))
    return located


def _columns(sheet: _Sheet) -> tuple[int, dict[int, int | None]]:
    """The heading row and where each column is now (a respondent may have inserted or deleted columns)."""
    wanted = {_norm(text): col for col, text in HEADINGS.items()}
    for r in sorted(sheet.values)[:60]:
        found = {}
        for i, value in enumerate(sheet.values[r], 1):
            if isinstance(value, str) and _norm(value) in wanted:
                found.setdefault(wanted[_norm(value)], i)
        if {NUM_COL, TEXT_COL, ANSWER_COL} <= found.keys():
            return r, {KEY_COL: found.get(KEY_COL), NUM_COL: found[NUM_COL], TEXT_COL: found[TEXT_COL], ANSWER_COL: found[ANSWER_COL]}
    return 0, {KEY_COL: KEY_COL, NUM_COL: NUM_COL, TEXT_COL: TEXT_COL, ANSWER_COL: ANSWER_COL}


def _rows_by_label(tool: Tool, sheet: _Sheet, cols: dict, header_row: int) -> dict[str, int]:
    """Answer rows found by their visible number and text, like the Word reader's row-number fallback.

    Companion rows ("Why this judgement", "Action points") and option rows carry no
    number of their own: they belong to the question whose number was seen last.
    The N/A note a form adds when a question does not apply is ignored.
    """
    expected: dict[tuple[str, str], str] = {}
    by_number: dict[str, list[str]] = {}
    question_of: dict[str, str] = {}  # a row's number ("3a") -> its question's number ("3")
    for key, f, option in excel_rows_for_tool(tool):
        number, text = row_label(f, option, tool=tool)
        question = _norm(f.question.number or f.question.id)
        question_of[question] = question
        expected.setdefault((question, _norm(text)), key)
        if number:
            question_of[_norm(number)] = question
            by_number.setdefault(_norm(number), []).append(key)
        if (f.part is not None and f.part is f.question.parts[0]) or (option is not None and option == f.choices[0]):
            by_number.setdefault(question, []).append("")  # the question's own row shows its number too
    note = _norm(f"({NOT_APPLICABLE})")
    out: dict[str, int] = {}
    context = ""
    for r in sorted(sheet.values):
        if r <= header_row:
            continue
        number = _norm(_text(sheet.value(r, cols[NUM_COL])))
        text = _norm(_text(sheet.value(r, cols[TEXT_COL])))
        if text.endswith(note):
            text = text[: -len(note)].rstrip()
        if number:
            context = question_of.get(number, number)
        key = expected.get((context, text))
        if key is None and len(by_number.get(number, [])) == 1:
            key = by_number[number][0] or None  # the question's text was edited, its number is unique
        if key is not None and key not in out:
            out[key] = r
    return out


def _text(value) -> str:
    return "" if value is None else str(value)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip().casefold()


def _wanted_keys(tool: Tool) -> list[str]:
    return list(_plan(tool)[0])


def _defined_names(tool: Tool) -> tuple[str, ...]:
    """The defined name of each of :func:`_wanted_keys`, in the same order."""
    return _plan(tool)[1]


#: (wanted keys, their defined names) by tool, each kept with its tool so that its id is not reused:
#: a worker reads hundreds of returns of one tool.
_PLANS: dict[int, tuple[Tool, tuple[tuple[str, ...], tuple[str, ...]]]] = {}
_PLANS_KEPT = 16


def _plan(tool: Tool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    kept = _PLANS.get(id(tool))
    if kept is not None and kept[0] is tool:
        return kept[1]
    keys: list[str] = []
    for f in tool.fields():
        if f.type == "multiple_choice" and f.role == "answer":
            keys += [f"{f.key}#{i}" for i in range(len(f.choices))]
        else:
            keys.append(f.key)
    plan = (tuple(keys), tuple(defined_name(k) for k in keys))
    if len(_PLANS) >= _PLANS_KEPT:
        _PLANS.pop(next(iter(_PLANS)))
    _PLANS[id(tool)] = (tool, plan)
    return plan


def _gather_ticks(tool: Tool, result: RawReturn) -> None:
    """Turn one row per option into a single multiple-choice answer (list of ticked options)."""
    for f in tool.fields():
        if not (f.type == "multiple_choice" and f.role == "answer"):
            continue
        ticked, found = [], []
        for i, choice in enumerate(f.choices):
            raw = result.answers.pop(f"{f.key}#{i}", None)
            if raw is None:
                continue
            found.append(raw)
            if str(raw.value if raw.value is not None else "").strip().casefold() not in _UNTICKED:
                ticked.append(choice)
        if found:
            where = found[0].where + ("…" if len(found) > 1 else "")
            result.answers[f.key] = RawAnswer(f.key, ticked, where, found[0].how)


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _col_letter(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out
