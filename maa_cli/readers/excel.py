"""Reading a returned Excel form into a :class:`RawReturn`.

Answers are located by the workbook's defined names first (they survive Excel
and LibreOffice, and rows moved by a respondent), then by the hidden key column.
Only the cells the form defines are read: a styled cell in row 1,048,576 must
not make the reader walk a million rows.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ..forms.excel import FORM_SHEET, KEY_COL, defined_name
from ..forms.identity import FormIdentity, find_reference
from ..tool import Tool
from .raw import RawAnswer, RawReturn

MAX_ROWS = 3000
_UNTICKED = {"", "no", "n", "false", "0", "☐"}
_REF = re.compile(r"^'?(?P<sheet>[^!']+)'?!\$?(?P<col>[A-Z]{1,3})\$?(?P<row>\d+)$")


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    return value


def _open(path: Path):
    import io

    from openpyxl import load_workbook

    # From bytes, not the path: openpyxl refuses a workbook whose name does not end .xlsx
    # (people rename files), and the type was already decided by content in maa_cli.safety.
    return load_workbook(io.BytesIO(Path(path).read_bytes()), read_only=True, data_only=False, keep_links=False)


def _identity(wb, ws_rows) -> tuple[FormIdentity | None, str | None]:
    props = {}
    try:
        props = {p.name: str(p.value) for p in wb.custom_doc_props}
    except Exception:  # noqa: BLE001 - a damaged properties part is not fatal; fall back to the line
        props = {}
    ident = FormIdentity.from_properties(props)
    if ident:
        return ident, "custom_properties"
    for row in ws_rows[:40]:
        for value in row:
            if isinstance(value, str):
                found = find_reference(value)
                if found:
                    return found, "reference_line"
    return None, None


def read_excel(path: Path, tool: Tool | None = None) -> RawReturn:
    """Read every answer of an Excel form. Never raises on a strange workbook."""
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


def _read(wb, result: RawReturn, tool: Tool | None) -> None:
    if FORM_SHEET in wb.sheetnames:
        ws = wb[FORM_SHEET]
    else:
        ws = wb.worksheets[0]
        result.notes.append(f"the sheet '{FORM_SHEET}' was renamed or removed; read '{ws.title}' instead")
    grid: dict[int, list] = {}
    types: dict[int, list] = {}
    for i, row in enumerate(ws.iter_rows(min_row=1, max_row=MAX_ROWS, max_col=6), 1):
        grid[i] = [_plain(c.value) for c in row]
        types[i] = [getattr(c, "data_type", None) for c in row]
    rows = [grid[i] for i in sorted(grid)]
    result.identity, result.identity_source = _identity(wb, rows)
    if tool is None:
        return

    wanted = _wanted_keys(tool)
    located: dict[str, tuple[int, int, str]] = {}
    for key in wanted:
        dn = wb.defined_names.get(defined_name(key))
        if dn is None:
            continue
        match = _REF.match(dn.attr_text or "")
        if match and match["sheet"] == ws.title:
            located[key] = (int(match["row"]), _col_index(match["col"]), "name")
    for r, values in grid.items():
        key = values[KEY_COL - 1] if values else None
        if isinstance(key, str) and key in wanted and key not in located:
            located[key] = (r, 4, "key_column")
    for key in wanted:
        if key not in located:
            result.unreadable.append(f"the answer box for {key} could not be found")
            continue
        r, c, how = located[key]
        values = grid.get(r, [])
        value = values[c - 1] if len(values) >= c else None
        if types.get(r) and len(types[r]) >= c and types[r][c - 1] == "f":
            result.notes.append(f"{key}: a formula was typed in the answer; it is kept as text")
        result.answers[key] = RawAnswer(key, value, f"{ws.title}!{_col_letter(c)}{r}", how)
    _gather_ticks(tool, result)


def _wanted_keys(tool: Tool) -> set[str]:
    keys = set()
    for f in tool.fields():
        if f.type == "multiple_choice" and f.role == "answer":
            keys.update(f"{f.key}#{i}" for i in range(len(f.choices)))
        else:
            keys.add(f.key)
    return keys


def _gather_ticks(tool: Tool, result: RawReturn) -> None:
    """Turn one row per option into a single multiple-choice answer (list of ticked options)."""
    for f in tool.fields():
        if not (f.type == "multiple_choice" and f.role == "answer"):
            continue
        ticked, where = [], []
        for i, choice in enumerate(f.choices):
            raw = result.answers.pop(f"{f.key}#{i}", None)
            if raw is None:
                continue
            where.append(raw.where)
            if str(raw.value if raw.value is not None else "").strip().casefold() not in _UNTICKED:
                ticked.append(choice)
        if where:
            result.answers[f.key] = RawAnswer(f.key, ticked, ", ".join(where[:1]) + ("…" if len(where) > 1 else ""), "name")


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
