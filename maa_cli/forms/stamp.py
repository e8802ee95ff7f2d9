"""Issuing many forms fast: build each kind of form once, then stamp each respondent's copy.

All the forms of one form type differ only in a handful of values: who the form is for, the
case reference and identifying details, prefilled answers, the form reference and seal, and
the document properties. Building 1,500 of them one by one through python-docx and openpyxl
spends nearly all its time redoing the same layout (openpyxl hashes every style object of
every cell). So the slow writers (:mod:`maa_cli.forms.word`, :mod:`maa_cli.forms.excel`) lay
out one **base** per form type, file format and *shape* (which questions apply, whether the
form has a case reference, identifying details, a seal, which answers are prefilled), with a
unique marker in place of each value that differs. The base package is cut at the markers,
and each respondent's copy is written by putting the values, escaped for where each marker
sits, back between the pieces.

Deflating is the other cost. Every piece of a part between two markers is deflated once, with a
sync flush so it ends on a byte boundary; a copy's part is then the base's deflated pieces with
each value deflated on its own in between (a deflate stream may be any sequence of blocks, so
this is a valid stream, as parallel gzip tools write them). Parts with no marker (styles,
theme, settings) are copied as they were deflated for the base. Only the CRC of each changed
part is computed over its bytes.

A value that stamping cannot reproduce exactly (a line break, leading or trailing spaces, text
that Excel would take as a formula, a character XML cannot hold, a title the properties would
cut) is not stamped: that one form is written by the slow writer, so the result is always the
one the slow path gives. Rows of an Excel form whose height depends on a value (the "For:"
line, the identifying details) get the height the slow writer would give for the real text.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from ..office.cells import FORMULA_START, excel_escaped, safe_text

if TYPE_CHECKING:  # workers import this module: they need none of the form definitions
    from .content import FormContent

_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use characters around a marker's number: never in real text
# A marker in a part: as UTF-8, or as character references (openpyxl writes cell text that way).
_MARK = re.compile(rb"(?:\xee\x80\x80|&#57344;|&#xe000;)([0-9a-z]+)(?:\xee\x80\x81|&#57345;|&#xe001;)", re.IGNORECASE)
_HEADER_TAGS = (b"<oddHeader>", b"<evenHeader>", b"<firstHeader>", b"<oddFooter>", b"<evenFooter>", b"<firstFooter>")
_LEVEL = 6  # zlib's default: what python-docx and openpyxl write
_TITLE_ROOM = 255  # see maa_cli.office.ooxml.core_text: a longer title is cut, which stamping would not reproduce


def marker(n: int | str) -> str:
    return f"{_OPEN}{n}{_CLOSE}"


# -- the shape of a form, with markers ----------------------------------------------------------


@dataclass(frozen=True)
class Skeleton:
    """A form's content with a marker for each value that differs between respondents.

    ``key`` says which base the form is stamped from; ``values`` maps marker number to the real text.
    """

    key: tuple
    content: FormContent
    values: dict[str, str]


def skeleton(content: FormContent, fmt: str) -> Skeleton | None:
    """The form's skeleton, or None when a value cannot be stamped exactly (the slow writer writes that form)."""
    values: dict[str, str] = {}

    def slot(value: str) -> str:
        n = str(len(values))
        values[n] = value
        return marker(n)

    texts = [content.for_whom, content.identity.form_id]
    texts += [t for t in (content.case_ref, content.identity.seal) if t]  # absent ones are part of the shape
    texts += [v for _label, v in content.identifying]
    stamped = {k for k, v in content.prefill.items() if isinstance(v, str) and _free_text(content, k)}
    texts += [content.prefill[k] for k in stamped]
    if not all(_stampable(t) for t in texts):
        return None
    if len(content.form_title) + 3 + len(content.for_whom) > _TITLE_ROOM:
        return None
    identity = dataclasses.replace(content.identity, form_id=slot(content.identity.form_id),
                                   seal=slot(content.identity.seal) if content.identity.seal else None)
    prefill = {k: slot(v) if k in stamped else v for k, v in content.prefill.items()}
    shaped = dataclasses.replace(
        content, identity=identity, for_whom=slot(content.for_whom),
        case_ref=slot(content.case_ref) if content.case_ref else None,
        identifying=tuple((label, slot(v)) for label, v in content.identifying), prefill=prefill)
    questions = content.tool.questions()
    key = (
        fmt, id(content.tool), content.tool.id, content.tool.version, content.partnership, content.audit_title,
        content.form_title, content.deadline, content.return_to, str(content.word_template), content.marking,
        content.secure_email_hint, tuple(content.applies(q) for q in questions), bool(content.case_ref),
        tuple(label for label, _v in content.identifying), content.identity.seal is not None,
        content.identity.tool_id, content.identity.tool_version, content.identity.audit_id,
        tuple(sorted((k, "text") if k in stamped else (k, repr(v)) for k, v in content.prefill.items())),
    )
    return Skeleton(key, shaped, values)


def _free_text(content: FormContent, key: str) -> bool:
    """A prefilled answer shown as it is, in a free-text box. A choice is not stamped: it ticks a box or
    picks an item, so it is part of the base's shape instead."""
    try:
        return content.tool.field(key).type in ("short_text", "long_text")
    except KeyError:
        return False


def _stampable(text: str) -> bool:
    """Text that, put in place of a marker, reads exactly as the slow writer would have written it (an empty
    box shows a placeholder instead)."""
    return (
        text != "" and _OPEN not in text and _CLOSE not in text and safe_text(text) == text and text == text.strip()
        and not any(ch in text for ch in "\n\r\t") and not text.startswith(FORMULA_START) and len(text) <= 1000
    )


# -- a base: one form laid out by the slow writer, cut at its markers ---------------------------------


@dataclass
class _Part:
    """One part of the package. ``pieces`` is None for a part with no marker (``deflated`` is the whole part)."""

    name: str
    date_time: tuple
    size: int = 0
    crc: int = 0
    deflated: bytes = b""
    pieces: list[bytes] | None = None  # the part's bytes between markers
    deflated_pieces: list[bytes] | None = None
    slots: list[tuple[str, str]] | None = None  # (marker name, how to escape: "xml", "cell", "header")


@dataclass
class Base:
    """One laid-out form, ready to stamp. Picklable: worker processes get it once."""

    fmt: str
    parts: list[_Part]
    heights: dict[str, tuple[str, int]] = field(default_factory=dict)  # marker "h<row>" -> (text with markers, font size)

    def computed(self, values: dict[str, str]) -> dict[str, str]:
        """``values`` and what follows from them: the height of each row that holds one (worked out in the
        calling process, so workers need not import the form writers)."""
        return values | {name: _row_height(_fill(text, values), size) for name, (text, size) in self.heights.items()}

    def render(self, values: dict[str, str]) -> bytes:
        """The package for one respondent: ``values`` (see :meth:`computed`) maps marker to text."""
        out = ZipWriter()
        for part in self.parts:
            if part.pieces is None:
                out.add(part.name, part.date_time, part.deflated, part.crc, part.size)
                continue
            raw, packed = [part.pieces[0]], [part.deflated_pieces[0]]
            for (slot, how), piece, deflated in zip(part.slots, part.pieces[1:], part.deflated_pieces[1:], strict=True):
                text = escaped(values[slot], how)
                raw += [text, piece]
                packed += [deflate(text, final=False), deflated]
            data = b"".join(raw)
            out.add(part.name, part.date_time, b"".join(packed), zlib.crc32(data), len(data))
        return out.finish()


def build_base(skel: Skeleton, fmt: str) -> Base:
    """Lay out ``skel`` with the slow writer and cut the package at its markers."""
    if fmt == "xlsx":
        package, heights = _excel_package(skel.content)
    else:
        package, heights = _word_package(skel.content), {}
    parts = []
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        for info in z.infolist():
            data = z.read(info.filename)
            if heights and info.filename.startswith("xl/worksheets/") and _MARK.search(data):  # the Form sheet
                data = _mark_heights(data, heights)
            parts.append(_cut(info, data))
    return Base(fmt, parts, {f"h{row}": spec for row, spec in heights.items()})


def _cut(info: zipfile.ZipInfo, data: bytes) -> _Part:
    part = _Part(info.filename, info.date_time)
    found = list(_MARK.finditer(data))
    if not found:
        part.size, part.crc, part.deflated = len(data), zlib.crc32(data), deflate(data, final=True)
        return part
    part.pieces, part.slots = cut_at_markers(data)
    last = len(part.pieces) - 1
    part.deflated_pieces = [deflate(p, final=i == last) for i, p in enumerate(part.pieces)]
    return part


def cut_at_markers(data: bytes) -> tuple[list[bytes], list[tuple[str, str]]]:
    """``data`` cut at its markers: the pieces around them, and for each marker its name and how a value put in
    its place must be escaped (for :func:`escaped`)."""
    found = list(_MARK.finditer(data))
    edges = [0] + [x for m in found for x in (m.start(), m.end())] + [len(data)]
    pieces = [data[edges[i]:edges[i + 1]] for i in range(0, len(edges), 2)]
    # A marker spelled as character references (openpyxl does so in cells, not in headers) gets its value
    # spelled the same way, as ASCII.
    slots = [(m.group(1).decode(), _context(data, m.start()) + ("/ascii" if m.group(0).startswith(b"&") else ""))
             for m in found]
    return pieces, slots


def _context(data: bytes, offset: int) -> str:
    """How a value at ``offset`` must be escaped: in a header or footer ('&' doubled), in a cell's text (Excel's
    ``_xHHHH_`` escapes too), or plain XML text."""
    start = data.rfind(b"<", 0, offset)
    tag = data[start:data.find(b">", start) + 1]
    if tag in _HEADER_TAGS:
        return "header"
    if tag == b"<t>" or tag.startswith((b"<t ", b"<is>")):
        return "cell" if b"spreadsheetml" in data[:400] else "xml"
    return "xml"


def escaped(value: str, how: str) -> bytes:
    """``value`` as it goes in a part: XML-escaped as lxml and openpyxl escape text (``&``, ``<``, ``>``)."""
    where, _, spelling = how.partition("/")
    if where == "header":
        value = value.replace("&", "&&")
    elif where == "cell":
        value = excel_escaped(value)  # as office.cells.put: a typed "_x0041_" must not read back as "A"
    return escape(value).encode("ascii", "xmlcharrefreplace") if spelling else escape(value).encode("utf-8")


def _fill(text: str, values: dict[str, str]) -> str:
    return re.sub(f"{_OPEN}([0-9a-z]+){_CLOSE}", lambda m: values[m.group(1)], text)


def deflate(data: bytes, final: bool) -> bytes:
    """Raw deflate of ``data``; a piece that is not the last ends on a byte boundary so pieces can be joined."""
    packer = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH)


# -- Word and Excel bases --------------------------------------------------------------------------


def _word_package(content: FormContent) -> bytes:
    from .word import _FormBuilder
    from .word_base import finish_package, open_base

    doc = open_base(content.word_template)
    _FormBuilder(doc, content).build()
    finish_package(doc, content)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _excel_package(content: FormContent) -> tuple[bytes, dict[int, tuple[str, int]]]:
    from .excel import _FormBook, _without_library_name

    class _Book(_FormBook):
        """Notes the rows whose height the slow writer works out from a value that differs per respondent."""

        heights: dict[int, tuple[str, int]]

        def _merged(self, text: str, font: str, fill: str | None = None) -> None:
            if _OPEN in text:
                self.heights[self.row] = (text, int(self.font[font].size))
            super()._merged(text, font, fill)

    book = _Book(content)
    book.heights = {}
    buffer = io.BytesIO()
    book.build().save(buffer)
    return _without_library_name(buffer.getvalue()), book.heights


def _row_height(text: str, size: int) -> str:
    from .excel import _COLUMN_UNITS, GUIDE_COL, NUM_COL, _height

    units = sum(_COLUMN_UNITS[c] for c in range(NUM_COL, GUIDE_COL + 1))  # as _FormBook._merged measures a merged row
    return f"{_height([(text, units, size)]):.16g}"  # as openpyxl writes a row's height


def _mark_heights(sheet: bytes, heights: dict[int, tuple[str, int]]) -> bytes:
    """Put a marker in place of the height of each row that depends on a value."""
    for row in heights:
        match = re.search(rb'<row r="%d"[^>]*>' % row, sheet)
        tag = match.group(0)
        marked = re.sub(rb' ht="[^"]*"', b' ht="' + marker(f"h{row}").encode() + b'"', tag)
        if marked == tag:
            raise ValueError(f"row {row} of the form has no height to stamp")
        sheet = sheet[:match.start()] + marked + sheet[match.end():]
    return sheet


# -- a small zip writer that takes parts already deflated -------------------------------------------


class ZipWriter:
    """Writes a zip (no zip64: a form is far below 4 GB) from parts already deflated."""

    def __init__(self):
        self.body = io.BytesIO()
        self.central: list[bytes] = []

    def add(self, name: str, date_time: tuple, deflated: bytes, crc: int, size: int) -> None:
        encoded = name.encode("ascii")
        dos_time = (date_time[3] << 11) | (date_time[4] << 5) | (date_time[5] // 2)
        dos_date = ((date_time[0] - 1980) << 9) | (date_time[1] << 5) | date_time[2]
        offset = self.body.tell()
        common = struct.pack("<HHHHHIII", 20, 0, zipfile.ZIP_DEFLATED, dos_time, dos_date, crc, len(deflated), size)
        self.body.write(b"PK\x03\x04" + common + struct.pack("<HH", len(encoded), 0) + encoded)
        self.body.write(deflated)
        self.central.append(b"PK\x01\x02" + struct.pack("<H", 20) + common
                            + struct.pack("<HHHHHII", len(encoded), 0, 0, 0, 0, 0, offset) + encoded)

    def finish(self) -> bytes:
        start = self.body.tell()
        directory = b"".join(self.central)
        self.body.write(directory)
        self.body.write(b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(self.central), len(self.central),
                                                     len(directory), start, 0))
        return self.body.getvalue()


# -- writing: a job per form, run here or in worker processes ----------------------------------------


@dataclass(frozen=True)
class Job:
    """One form to write: stamped from base ``key`` with ``values``, or (``content`` set) by the slow writer."""

    path: str
    fmt: str
    key: tuple | None = None
    values: dict[str, str] | None = None
    content: FormContent | None = None


def run_job(job: Job, bases: dict[tuple, Base]) -> str:
    """Write one form atomically and return the SHA-256 of what was written."""
    from .. import atomic

    if job.content is None:
        data = bases[job.key].render(job.values)
        atomic.write_bytes(Path(job.path), data)
        return hashlib.sha256(data).hexdigest()
    if job.fmt == "xlsx":
        from .excel import write_excel_form as write
    else:
        from .word import write_word_form as write
    write(job.content, Path(job.path))
    return atomic.sha256_file(job.path)
