"""Writing respondent text into workbooks so that it stays text.

A cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR (or their full-width
forms) would be a live formula in Excel — a classic injection route when a
report is opened. Such values are stored as strings with Excel's quote prefix.
Excel cells also hold at most 32,767 characters; longer answers are cut there
and marked, and kept whole in Word outputs.
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
EXCEL_LIMIT = 32_767
CUT_MARK = " […cut: the full answer is in the Word report]"
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TYPED_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def safe_text(value: str) -> str:
    """Text XML can hold and Excel can store."""
    value = _ILLEGAL.sub("\ufffd", value)
    if len(value) > EXCEL_LIMIT:
        value = value[: EXCEL_LIMIT - len(CUT_MARK)] + CUT_MARK
    return value


def excel_escaped(value: str) -> str:
    """``value`` with a typed ``_xHHHH_`` escaped as Excel does (``_x005F_xHHHH_``).

    Excel reads ``_xHHHH_`` in a cell's text as the character HHHH, and openpyxl writes text as it is:
    without this, a setting called "_x0041_ Nursery" would read back as "A Nursery".
    """
    return _TYPED_ESCAPE.sub("_x005F_", value) if "_x" in value else value


def put(ws, row: int, column: int, value):
    """Set a cell, keeping text that looks like a formula as literal text."""
    if isinstance(value, str):
        value = excel_escaped(safe_text(value))
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell
