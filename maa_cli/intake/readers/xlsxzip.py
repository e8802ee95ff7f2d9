"""The parts of a workbook the Excel reader needs, read straight from the zip with lxml.

openpyxl builds the whole workbook (every style, every defined name, every sheet's
settings) through a pure-Python XML parser before the first cell is read, which made it
most of the time of collecting an Excel return. :class:`Book` reads only the workbook
part, the shared strings, the number formats that mark dates, the custom properties and
the rows of the one sheet asked for, and gives them the shape the reader used from
openpyxl (``sheetnames``, ``book[title]``, ``worksheets``, ``iter_rows``, cells with
``value`` and ``data_type``). Each value is made exactly as openpyxl's read-only mode
makes it, with openpyxl's own helpers for numbers, dates and text.

What this reader does not do as openpyxl does (shared, array or data-table formulas, a
workbook without the usual parts) raises :class:`NotPlain`, and
:mod:`maa_cli.intake.readers.excel` reads that workbook with openpyxl instead.
"""

from __future__ import annotations

import hashlib
import posixpath
import zipfile
from collections import namedtuple
from dataclasses import dataclass
from pathlib import Path

from ...office.ooxml import CUSTOM_PART
from ..safety import MAX_MEMBER_BYTES
from ..xmlcount import parsed

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_WORKSHEET_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
_STYLES_PART = "xl/styles.xml"  # where openpyxl looks for the styles, whatever the relationships say


def _m(tag: str) -> str:
    return f"{{{_MAIN}}}{tag}"


_ROW, _C, _V, _F, _IS, _T, _R, _SI = (_m(t) for t in ("row", "c", "v", "f", "is", "t", "r", "si"))

Cell = namedtuple("Cell", "value data_type")
_EMPTY = Cell(None, "n")
CustomProperty = namedtuple("CustomProperty", "name value")
DefinedName = namedtuple("DefinedName", "attr_text")




@dataclass(frozen=True)
class _Workbook:
    """What the reader takes from a workbook part: (name, relationship id) of each sheet in order, whether
    dates count from 1904, and the workbook-level defined names (a later one of a name wins, as in openpyxl)."""

    sheets: tuple[tuple[str | None, str | None], ...]
    date1904: bool
    names: tuple[tuple[str, DefinedName], ...]

    @classmethod
    def of(cls, workbook) -> _Workbook:
        sheets = tuple((sheet.get("name"), sheet.get(f"{{{_REL}}}id")) for sheet in workbook.iter(_m("sheet")))
        pr = workbook.find(_m("workbookPr"))
        date1904 = pr is not None and (pr.get("date1904") or "").strip().lower() in ("1", "true")
        names: dict[str, DefinedName] = {}
        for dn in workbook.iter(_m("definedName")):
            if dn.get("localSheetId") is None and dn.get("name"):
                names[dn.get("name")] = DefinedName(dn.text)
        return cls(sheets, date1904, tuple(names.items()))


#: The workbook parts and the date and duration styles of the styles parts met, by digest of their
#: bytes (see Book._workbook and Book._formats).
_WORKBOOKS: dict[bytes, _Workbook] = {}
_FORMATS: dict[bytes, tuple[frozenset[int], frozenset[int]]] = {}
_KEPT = 64


class NotPlain(Exception):
    """The workbook uses something this reader leaves to openpyxl."""


def _parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


class Book:
    """One workbook, opened from a path; close it when done."""

    def __init__(self, path: Path):
        self.zip = zipfile.ZipFile(Path(path))
        try:
            self._load()
        except BaseException:
            self.zip.close()
            raise

    def close(self) -> None:
        self.zip.close()

    def _xml(self, name: str):
        return self._tree(self._bytes(name))

    def _bytes(self, name: str) -> bytes:
        info = self.zip.getinfo(name)
        if info.file_size > MAX_MEMBER_BYTES:
            raise NotPlain(f"{name} is too large")
        data = self.zip.read(name)
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise NotPlain(f"{name} declares a DOCTYPE")
        return data

    @staticmethod
    def _tree(data: bytes):
        from lxml import etree

        root = parsed(data)  # the safety check's tree of these very bytes, if it has one
        return root if root is not None else etree.fromstring(data, _parser())

    def _load(self) -> None:
        names = set(self.zip.namelist())
        types = self._xml("[Content_Types].xml")
        parts = {el.get("ContentType"): (el.get("PartName") or "").lstrip("/") for el in types.iter(f"{{{_CT}}}Override")}
        main = parts.get(_WORKBOOK_TYPE)
        if not main or main not in names or _STYLES_PART not in names:
            raise NotPlain("the workbook's parts are not where Excel puts them")
        workbook = self._workbook(main)
        folder = posixpath.dirname(main)
        rels_name = posixpath.join(folder, "_rels", posixpath.basename(main) + ".rels")
        targets = {}
        for rel in self._xml(rels_name).iter(f"{{{_PKG_REL}}}Relationship"):
            target = rel.get("Target") or ""
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            targets[rel.get("Id")] = (rel.get("Type"), path)
        self._sheets: dict[str, str] = {}
        self.sheetnames: list[str] = []
        for name, rid in workbook.sheets:
            kind, path = targets.get(rid, (None, None))
            if kind == _WORKSHEET_REL and path in names:
                self._sheets.setdefault(name, path)
                self.sheetnames.append(name)
            else:
                raise NotPlain("a sheet that is not a worksheet, or is missing")
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

        self.epoch = CALENDAR_MAC_1904 if workbook.date1904 else CALENDAR_WINDOWS_1900
        self._names = dict(workbook.names)
        strings = parts.get(_STRINGS_TYPE)
        self.shared_strings = self._strings(strings) if strings and strings in names else []
        self.date_formats, self.timedelta_formats = self._formats()

    def _workbook(self, name: str) -> _Workbook:
        """The workbook part's sheets, date system and names, worked out once per workbook part (by digest
        of its bytes): the forms of a run share theirs, with dozens of names each."""
        data = self._bytes(name)
        digest = hashlib.blake2b(data, digest_size=20).digest()
        if digest not in _WORKBOOKS:
            if len(_WORKBOOKS) >= _KEPT:
                _WORKBOOKS.pop(next(iter(_WORKBOOKS)))
            _WORKBOOKS[digest] = _Workbook.of(self._tree(data))
        return _WORKBOOKS[digest]

    def _strings(self, name: str) -> list[str]:
        return [_text(si).replace("x005F_", "") for si in self._xml(name).iter(_SI)]

    def _formats(self) -> tuple[frozenset[int], frozenset[int]]:
        """The styles (by index) whose number format shows a date or a duration, as openpyxl decides it.

        Worked out once per styles part: the forms of a run share theirs, and openpyxl's tests are
        regular expressions run on every style's format.
        """
        data = self._bytes(_STYLES_PART)
        digest = hashlib.blake2b(data, digest_size=20).digest()
        if digest not in _FORMATS:
            if len(_FORMATS) >= _KEPT:
                _FORMATS.pop(next(iter(_FORMATS)))
            _FORMATS[digest] = _date_formats(self._tree(data))
        return _FORMATS[digest]


    # -- what the reader asks for, shaped as openpyxl shapes it ---------------------------------

    def __getitem__(self, title: str) -> Sheet:
        return Sheet(self, title, self._sheets[title])

    @property
    def worksheets(self) -> list[Sheet]:
        return [self[title] for title in self.sheetnames]

    @property
    def defined_names(self) -> dict[str, DefinedName]:
        return self._names

    @property
    def custom_doc_props(self) -> list[CustomProperty]:
        if CUSTOM_PART not in self.zip.namelist():
            return []
        out = []
        for prop in self._xml(CUSTOM_PART).iter("{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}property"):
            if prop.get("name"):
                out.append(CustomProperty(prop.get("name"), "".join(prop.itertext()).strip()))
        return out


def _date_formats(styles) -> tuple[frozenset[int], frozenset[int]]:
    from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format

    custom = {}
    for fmt in styles.iter(_m("numFmt")):
        custom[int(fmt.get("numFmtId"))] = fmt.get("formatCode")
    dates, durations = set(), set()
    xfs = styles.find(_m("cellXfs"))
    for idx, xf in enumerate(xfs.iter(_m("xf")) if xfs is not None else ()):
        number = int(xf.get("numFmtId", 0))
        fmt = custom[number] if number in custom else builtin_format_code(number)
        if is_date_format(fmt):
            dates.add(idx)
        if is_timedelta_format(fmt):
            durations.add(idx)
    return frozenset(dates), frozenset(durations)


def _text(node) -> str:
    """The text of a string item (``si`` or ``is``): its own ``t`` and each run's ``t``, as openpyxl's ``Text.content``.

    That is: the first ``t`` child's text, then the first ``t`` of each ``r`` child, in order (children are
    walked in plain loops rather than ``find``, which parses its path on every call).
    """
    plain = None
    runs: list[str] = []
    for child in node:
        tag = child.tag
        if tag == _T:
            if plain is None:
                plain = child.text or ""
        elif tag == _R:
            for t in child:
                if t.tag == _T:
                    if t.text:
                        runs.append(t.text)
                    break
    if not runs:
        return plain or ""
    return (plain or "") + "".join(runs)


#: Column number of each cell reference met ('D12' -> 4), as openpyxl's coordinate_to_tuple gives it: the
#: forms of one run share their references, and the lookup is a tenth of the call.
_COLUMNS: dict[str, int] = {}
_COLUMNS_KEPT = 50_000


def _column(coordinate: str) -> int:
    column = _COLUMNS.get(coordinate)
    if column is None:
        from openpyxl.utils.cell import coordinate_to_tuple

        column = coordinate_to_tuple(coordinate)[1]  # raises on a reference openpyxl refuses, as before
        if len(_COLUMNS) >= _COLUMNS_KEPT:
            _COLUMNS.clear()
        _COLUMNS[coordinate] = column
    return column


class Sheet:
    """One worksheet of a :class:`Book`."""

    def __init__(self, book: Book, title: str, part: str):
        self.book, self.title, self.part = book, title, part

    def iter_rows(self, min_row: int, max_row: int, max_col: int):
        """Rows ``min_row``..``max_row`` (only as far as the sheet goes), each ``max_col`` cells wide, as openpyxl's read-only mode gives them."""
        if min_row != 1:
            raise ValueError("rows are read from the first")
        empty = (_EMPTY,) * max_col
        counter, last = 1, 0
        for index, cells in self._rows():
            last = index
            if index > max_row:
                break
            while counter < index:
                counter += 1
                yield empty
            if counter <= index:
                row = [_EMPTY] * max_col
                for column, value, data_type in cells:
                    if 1 <= column <= max_col:
                        row[column - 1] = Cell(value, data_type)
                counter += 1
                yield tuple(row)
        if max_row < last:
            for _ in range(counter, max_row + 1):
                yield empty

    def table(self, max_row: int, max_col: int, convert) -> tuple[dict[int, list], dict[int, list]]:
        """The values and data types of :meth:`iter_rows`, by row number, in two lists per row.

        The same rows and cells as ``iter_rows(1, max_row, max_col)``, without a :class:`Cell` per cell
        or padding cell. ``convert`` is applied to each value but None and text without '_x' (the
        reader's ``_plain``, which leaves those as they are, is the only caller).
        """
        values: dict[int, list] = {}
        types: dict[int, list] = {}
        counter, last = 1, 0
        for index, cells in self._rows():
            last = index
            if index > max_row:
                break
            while counter < index:
                values[counter], types[counter] = [None] * max_col, ["n"] * max_col
                counter += 1
            if counter <= index:
                row_values, row_types = [None] * max_col, ["n"] * max_col
                for column, value, data_type in cells:
                    if 1 <= column <= max_col:
                        if value is not None and (value.__class__ is not str or "_x" in value):
                            value = convert(value)
                        row_values[column - 1] = value
                        row_types[column - 1] = data_type
                values[counter], types[counter] = row_values, row_types
                counter += 1
        if max_row < last:
            for number in range(counter, max_row + 1):
                values[number], types[number] = [None] * max_col, ["n"] * max_col
        return values, types

    def _rows(self):
        """(row number, [(column, value, data type), ...]) for each row of the sheet, in order."""
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        number = 0
        for row in self.book._xml(self.part).iter(_ROW):
            if "r" in row.attrib:
                try:
                    number = int(row.get("r"))
                except ValueError:
                    as_float = float(row.get("r"))
                    if not as_float.is_integer():
                        raise NotPlain("a row number that is not whole") from None
                    number = int(as_float)
            else:
                number += 1
            yield number, self._cells(row, from_excel, from_ISO8601)

    def _cells(self, row, from_excel, from_ISO8601) -> list[tuple[int, object, str]]:
        """Each cell of ``row`` as (column, value, data type), each value made as openpyxl's read-only mode makes it.

        This runs for every cell of every Excel return, so it is one loop with the lookups it needs
        bound beforehand, and reads a cell's children in one pass rather than with ``find``.
        """
        book = self.book
        dates, strings, columns = book.date_formats, book.shared_strings, _COLUMNS
        out = []
        column = 0
        for c in row:
            if c.tag != _C:
                raise NotPlain("a row holding something other than cells")
            coordinate = c.get("r")
            if coordinate:
                column = columns.get(coordinate) or _column(coordinate)
            else:
                column += 1
            data_type = c.get("t", "n")
            style = c.get("s", 0)
            if style:
                style = int(style)
            v = formula = inline = None  # the first of each child, as find() gives it
            if len(c):
                for child in c:
                    tag = child.tag
                    if tag == _V:
                        if v is None:
                            v = child
                    elif tag == _F:
                        if formula is None:
                            formula = child
                    elif tag == _IS and inline is None:
                        inline = child
            if formula is not None:
                if formula.get("t") not in (None, "normal"):
                    raise NotPlain("a shared, array or data-table formula")
                out.append((column, "=" + (formula.text or ""), "f"))
                continue
            value = None if data_type == "inlineStr" or v is None else (v.text or None)
            if value is not None:
                if data_type == "n":
                    value = float(value) if ("." in value or "E" in value or "e" in value) else int(value)
                    if style in dates:
                        data_type = "d"
                        try:
                            value = from_excel(value, book.epoch, timedelta=style in book.timedelta_formats)
                        except (OverflowError, ValueError):
                            data_type, value = "e", "#VALUE!"
                elif data_type == "s":
                    value = strings[int(value)]
                elif data_type == "b":
                    value = bool(int(value))
                elif data_type == "str":
                    data_type = "s"
                elif data_type == "d":
                    value = from_ISO8601(value)
            elif data_type == "inlineStr" and inline is not None:
                data_type, value = "s", _text(inline)
            out.append((column, value, data_type))
        return out
