"""Recognise and contain hostile or broken returned files before any parser sees them.

Returns arrive in a folder that dozens of outside organisations write to, and
``maa collect`` runs unattended, so every file is judged here first, by its
bytes and never by its name. :func:`inspect_file` never raises on a strange
file: it returns an :class:`Inspection` whose ``reason`` tells an officer what
is wrong and what to ask the agency for. Only a ``docx``/``xlsx`` that passed
every check is ``ok`` and may be handed to python-docx or openpyxl.

Every check is bounded: the file size is checked before reading, the zip index
before it is parsed, declared sizes before anything is unpacked, and unpacking
is streamed and stopped past the limit, so no file can make a check slow or big.

Bytes alone do not bound what a parser does with a file: 50 MB of XML can hold
eight million elements, elements nested a million deep or one tag of 50 MB, and
the readers build a tree of every element. So while each part is unpacked, its
elements, attributes, nesting and longest tag are counted without building
anything (:mod:`maa_cli.intake.xmlcount`), and a file far past any form is
refused before a reader sees it. The limits, and the time and memory they keep
a file within, are in the README's "Limits" section.

The returns of one audit share most of their parts byte for byte (styles, theme,
settings). A file of up to 8 MB is read in one read, and each part is first
known by a digest of its packed bytes and the fields zipfile unpacks them by
(:mod:`maa_cli.intake.packed`): a part unpacked, scanned and measured before in
this process is counted from that measurement, against this file's totals, as
if unpacked again; zipfile still checks its header. A part with new packed
bytes, even one forged to keep another's CRC and sizes, is unpacked and
checked in full.
"""

from __future__ import annotations

import errno
import io
import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from .packed import inflate, lookup, packed, packed_key, remember
from .xmlcount import WHOLE_BYTES, PackageCount, PartCount, PartRefused, forget_trees

MB = 1024 * 1024
#: A filled-in form is well under 5 MB; 50 MB leaves room for pasted photos and scans.
MAX_FILE_BYTES = 50 * MB
#: Our forms hold ~15-40 parts and a workbook with a hundred sheets a few hundred.
MAX_ENTRIES = 1_000
#: No single part of a form (a sheet, the document body, a photo) unpacks to more.
MAX_MEMBER_BYTES = 50 * MB
#: Everything unpacked together; also bounds the DOCTYPE scan to well under a second.
MAX_TOTAL_BYTES = 200 * MB
#: Office XML deflates 5-30:1; zip bombs reach 1000:1. Small parts are exempt.
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 1 * MB
#: zipfile reads the whole zip index in one go; 1,000 honest entries need ~100 KB.
MAX_INDEX_BYTES = 1 * MB
#: The largest built-in form as maa writes it (early-years-safeguarding, in Word) has 13,864 XML
#: elements in all, 9,081 in its largest part (the styles) and 4,215 in its body, nested at most
#: 11 deep. A return typed into Word or LibreOffice, with long answers and a pasted table, has
#: a few times that. The limits allow about 25-35 times the built-in form, and keep reading the
#: largest file they accept to a few seconds and a few hundred MB (see the README's "Limits").
MAX_PART_ELEMENTS = 250_000
MAX_FILE_ELEMENTS = 500_000
#: Nested tables in a Word form reach 20-30 levels; libxml2 stops at 256 without being asked to.
MAX_DEPTH = 128
#: Attributes cost the readers memory too (a dict entry each): the same form has 16,944 (21,901
#: once LibreOffice saves it). One element has at most 18 in maa's forms and about 40 in Word's
#: (the document root, declaring its namespaces); thousands of distinct names on one element
#: make ElementTree crawl (2 million took 18 s and 600 MB).
MAX_PART_ATTRIBUTES = 500_000
MAX_FILE_ATTRIBUTES = 1_000_000
MAX_ELEMENT_ATTRIBUTES = 1_000
#: The longest single tag, comment or processing instruction. expat re-reads an unfinished one
#: from its start each time more bytes arrive, so one of 8 MB fed in 64 KB pieces takes 2 s, and
#: openpyxl feeds it 16 KB pieces. The longest tag in a built-in form is 1.2 KB.
MAX_TAG_BYTES = 256 * 1024
_MANIFEST_BYTES = 1 * MB  # [Content_Types].xml is a few KB in every real file
#: A zip up to this size is read into memory in one read and unpacked from there: zipfile seeks
#: and reads a file some ten times per part. Every form maa issues, filled in, is far smaller.
_HELD_BYTES = 8 * MB
_CHUNK = 64 * 1024
_OLE_MAX_DIR_ENTRIES = 20_000  # real .doc/.xls/.msg files have tens to hundreds


@dataclass(frozen=True)
class Limits:
    """Bounds applied while inspecting one file; the defaults are the constants above."""

    max_file_bytes: int = MAX_FILE_BYTES
    max_entries: int = MAX_ENTRIES
    max_member_bytes: int = MAX_MEMBER_BYTES
    max_total_bytes: int = MAX_TOTAL_BYTES
    max_ratio: int = MAX_RATIO
    ratio_floor_bytes: int = RATIO_FLOOR_BYTES
    max_index_bytes: int = MAX_INDEX_BYTES
    max_part_elements: int = MAX_PART_ELEMENTS
    max_file_elements: int = MAX_FILE_ELEMENTS
    max_depth: int = MAX_DEPTH
    max_part_attributes: int = MAX_PART_ATTRIBUTES
    max_file_attributes: int = MAX_FILE_ATTRIBUTES
    max_element_attributes: int = MAX_ELEMENT_ATTRIBUTES
    max_tag_bytes: int = MAX_TAG_BYTES


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Inspection:
    """The verdict on one returned file; ``ok`` only for a docx/xlsx that passed every check.

    ``kind`` is what the content shows (docx, xlsx, docm, xlsm, doc, xls, pdf, msg, zip,
    encrypted, empty, odt, rtf, ..., unknown). ``code`` is one of: empty, too_large,
    not_a_file, unreadable, pdf, msg, zip, encrypted_zip, encrypted, legacy_doc, legacy_xls,
    wrong_format, macro, doctype, zip_bomb, too_many_parts, unsafe_name, duplicate_part,
    too_many_elements, too_many_attributes, too_deep, huge_tag, bad_encoding, corrupt, unknown.
    ``warnings`` note what did not stop the file, e.g. a misleading name.
    """

    path: Path
    kind: str
    ok: bool
    reason: str | None
    code: str | None
    warnings: tuple[str, ...] = ()


class UnsafeFile(Exception):
    """A file (or part of one) that must not be parsed; ``code`` is stable, ``reason`` is for people."""

    def __init__(self, code: str, reason: str, kind: str | None = None):
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.kind = kind


# kind -> (what it is, what to save it as); the second is None where re-saving is not the fix.
_KINDS = {
    "docx": ("a Word document (.docx)", None),
    "xlsx": ("an Excel workbook (.xlsx)", None),
    "docm": ("a macro-enabled Word document (.docm)", "a Word Document (.docx)"),
    "xlsm": ("a macro-enabled Excel workbook (.xlsm)", "an Excel Workbook (.xlsx)"),
    "dotx": ("a Word template (.dotx)", "a Word Document (.docx)"),
    "dotm": ("a macro-enabled Word template (.dotm)", "a Word Document (.docx)"),
    "xltx": ("an Excel template (.xltx)", "an Excel Workbook (.xlsx)"),
    "xltm": ("a macro-enabled Excel template (.xltm)", "an Excel Workbook (.xlsx)"),
    "xlsb": ("an Excel binary workbook (.xlsb)", "an Excel Workbook (.xlsx)"),
    "doc": ("an old-style Word 97-2003 document (.doc)", "a Word Document (.docx)"),
    "xls": ("an old-style Excel 97-2003 workbook (.xls)", "an Excel Workbook (.xlsx)"),
    "rtf": ("a Rich Text file (.rtf)", "a Word Document (.docx)"),
    "odt": ("an OpenDocument text file (.odt)", "a Word Document (.docx)"),
    "ods": ("an OpenDocument spreadsheet (.ods)", "an Excel Workbook (.xlsx)"),
    "pptx": ("a PowerPoint presentation (.pptx)", None),
    "pptm": ("a macro-enabled PowerPoint presentation (.pptm)", None),
    "ppt": ("an old-style PowerPoint presentation (.ppt)", None),
    "pdf": ("a PDF (.pdf)", None),
    "msg": ("a saved Outlook email (.msg)", None),
    "zip": ("a zip archive (.zip)", None),
    "office": ("an Office file of a kind maa does not read", None),
}
_FRESH = "Ask the agency for a fresh copy of the form, and tell your IT security contact."
_TOO_MUCH = ("Ask the agency to copy their answers into a fresh copy of the form they were sent and send that; anything "
             "long they pasted in (a chronology, a report) can come as a separate attachment.")
_REASONS = {
    "empty": "The file is empty (0 bytes), usually a failed upload or copy. Ask the agency to send the form again.",
    "too_large": "{detail}, more than maa accepts ({limit}). Ask the agency to remove large pictures or attachments from the form and send it again.",
    "not_a_file": "This is {detail}, not an ordinary file, so maa did not open it. Put the form itself into the returns folder.",
    "unreadable": "maa could not read the file ({detail}). Check that it is not still being copied and that maa may read the folder, then run maa again.",
    "pdf": "This is a PDF, not the Word or Excel form, and maa cannot read answers from a PDF. Ask the agency to send back the .docx or .xlsx form they filled in, not a PDF print of it.",
    "msg": "This is a saved Outlook email (.msg), not the form. Open it, save the attached form into returns/, and remove the .msg file.",
    "zip": "This is a zip archive, not yet unpacked: save the attachment inside it into returns/ and remove the .zip file.",
    "encrypted_zip": "This is a password-protected zip archive, not yet unpacked: open it with the password the agency gave you, save the form inside it into returns/, and remove the .zip file.",
    "encrypted": "The file is locked with a password or an encrypting sensitivity label, so maa cannot read it. Ask the agency to send it again without a sensitivity label or password.",
    "legacy_doc": "This is {what}, which maa cannot read. {todo}",
    "legacy_xls": "This is {what}, which maa cannot read. {todo}",
    "wrong_format": "This is {what}, not a form maa can read. {todo}",
    "macro": "This is {what}: it contains macros, and maa never opens files with macros. {todo}",
    "doctype": "Part '{part}' inside the file declares a DOCTYPE, which Word and Excel never write and which is used to attack programs that read the file; maa did not open it. " + _FRESH,
    "zip_bomb": "Part '{part}' would unpack to {size} from {packed} (over {ratio}:1), the mark of a 'zip bomb' built to exhaust the computer; maa did not open it. " + _FRESH,
    "too_many_parts": "The file holds {detail}, far more than any form has; maa did not open it. " + _FRESH,
    "unsafe_name": "Part '{part}' inside the file has a name that points outside the file (a 'zip slip' attack); maa did not open it. " + _FRESH,
    "duplicate_part": "Two parts inside the file are both called '{part}', which Word and Excel never write and which can hide content from checks; maa did not open it. " + _FRESH,
    "too_many_elements": "{detail} more than {limit:,} pieces of content (XML elements), far more than an audit form can have (maa's largest form has about 14,000 in all); maa did not open it. " + _TOO_MUCH,
    "too_many_attributes": "{detail} more than {limit:,} settings on its content (XML attributes), far more than an audit form can have (maa's largest form has about 17,000 in all); maa did not open it. " + _TOO_MUCH,
    "huge_tag": "Part '{part}' inside the file has {detail}, which Word and Excel never write and which is used to make programs that read the file run for minutes; maa did not open it. " + _FRESH,
    "too_deep": "Part '{part}' inside the file nests its content more than {limit} levels deep; audit forms nest about 11 levels, and deeper nesting is used to exhaust programs that read the file, so maa did not open it. " + _FRESH,
    "bad_encoding": "Part '{part}' inside the file is written in a text encoding ({detail}) that Word and Excel never use, which can hide content from checks; maa did not open it. " + _FRESH,
    "corrupt": "The file is damaged or incomplete ({detail}). If it was still being copied, run maa again later; if it stays like this, ask the agency to send the form again.",
    "unknown": "maa cannot tell what this file is: it is not a Word (.docx) or Excel (.xlsx) form. Ask the agency to send back the form they were sent, as .docx or .xlsx.",
}
_LOCK_HINT = " Files whose names start with '~$' are temporary lock files that Word and Excel leave while a form is open; such a file can simply be deleted."


def _size(n: int) -> str:
    return f"{n / MB:,.0f} MB" if n >= MB else f"{n / 1024:,.0f} KB"


def _refuse(code: str, kind: str | None = None, **params) -> UnsafeFile:
    what, target = _KINDS.get(kind or "", (kind, None))
    todo = (
        f"Ask the agency to save it as {target} with File > Save As, and send it again."
        if target
        else "Ask the agency to send back the Word or Excel form they were sent."
    )
    return UnsafeFile(code, _REASONS[code].format(what=what, todo=todo, **params), kind)


def safe_xml(data: bytes, part: str = "(unnamed)"):
    """Parse XML with defusedxml, refusing any DOCTYPE, entity or external reference.

    Args:
        data: The raw bytes of one XML part, already read with a size limit.
        part: The part's name inside the package, used in the reason.

    Returns:
        The root ``xml.etree.ElementTree.Element``.

    Raises:
        UnsafeFile: code ``"doctype"`` for a DOCTYPE/entity/external reference,
            ``"corrupt"`` for XML that does not parse.
    """
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise _refuse("doctype", part=part) from exc
    except (ParseError, ValueError) as exc:
        raise _refuse("corrupt", detail=f"part '{part}' does not parse: {exc}") from exc


class _IndexCap:
    """The open file, refusing any single read over the cap: zipfile reads the whole zip index in
    one read and builds an object per entry, while member data comes in 64 KB pieces."""

    def __init__(self, fh, size: int, cap: int):
        self._fh, self._size, self._cap = fh, size, cap

    def read(self, n: int = -1) -> bytes:
        left = self._size - self._fh.tell()
        if (left if n is None or n < 0 else min(n, left)) > self._cap:
            raise _refuse("too_many_parts", "zip", detail=f"a table of contents of over {_size(self._cap)}")
        return self._fh.read(n)

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 0 and offset < 0:  # a doctored offset, not an I/O failure
            raise zipfile.BadZipFile("a part's position is before the start of the file")
        return self._fh.seek(offset, whence)

    def tell(self) -> int:
        return self._fh.tell()

    def seekable(self) -> bool:
        return True


class _Held(io.BytesIO):
    """A zip's bytes, read into memory; a doctored negative offset is damage, as :class:`_IndexCap` says."""

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 0 and offset < 0:
            raise zipfile.BadZipFile("a part's position is before the start of the file")
        return super().seek(offset, whence)


def _open_zip(fh, size: int, limits: Limits) -> zipfile.ZipFile:
    # A zip held in memory and no bigger than the cap cannot be read past it: no need to watch each read.
    held = isinstance(fh, _Held) and size <= limits.max_index_bytes
    zf = zipfile.ZipFile(fh if held else _IndexCap(fh, size, limits.max_index_bytes))
    if len(zf.infolist()) > limits.max_entries:
        zf.close()
        raise _refuse("too_many_parts", "zip", detail=f"{len(zf.infolist()):,} parts (the limit is {limits.max_entries:,})")
    return zf


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int):
    """Yield a member's unpacked bytes, stopping as soon as they pass ``limit``."""
    seen = 0
    with zf.open(info) as member:
        while chunk := member.read(_CHUNK):
            seen += len(chunk)
            if seen > limit:
                raise _refuse("too_large", detail=f"Part '{info.filename}' unpacks to over {_size(limit)}", limit=_size(limit))
            yield chunk


def open_part(path: Path, member: str, limit: int = MAX_MEMBER_BYTES) -> bytes:
    """Read one member of a zip package, enforcing ``limit`` while it is unpacked.

    Args:
        path: The package, normally one that :func:`inspect_file` passed.
        member: The member's exact name, e.g. ``"word/document.xml"``.
        limit: Most unpacked bytes accepted; unpacking stops just past it.

    Returns:
        The member's unpacked bytes.

    Raises:
        UnsafeFile: ``"too_large"``, ``"too_many_parts"``, ``"corrupt"`` (missing member,
            bad data), or the file-level codes of :func:`inspect_file` (``"not_a_file"``, ...).
    """
    fh, size = _open_regular(Path(path), DEFAULT_LIMITS)
    try:
        with fh, _open_zip(*_held(fh, size)[:2], DEFAULT_LIMITS) as zf:
            info = zf.getinfo(member)
            if info.file_size > limit:
                raise _refuse("too_large", detail=f"Part '{member}' unpacks to {_size(info.file_size)}", limit=_size(limit))
            return b"".join(_chunks(zf, info, limit))
    except KeyError as exc:
        raise _refuse("corrupt", detail=f"part '{member}' is missing") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise _refuse("corrupt", detail=f"part '{member}' does not unpack: {exc or type(exc).__name__}") from exc
    except OSError as exc:
        raise _refuse("unreadable", detail=exc.strerror or str(exc)) from exc


_CONTROL = re.compile("[\x00-\x1f]")


def _unsafe_name(name: str) -> bool:
    # Backslashes and drive letters are path separators to Windows tools that may unpack it later.
    return name.startswith("/") or "\\" in name or name[1:2] == ":" or ".." in name.split("/") or bool(_CONTROL.search(name))


def _check_entries(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    if any(info.flag_bits & 0x1 for info in infos):
        raise _refuse("encrypted_zip", "zip")
    seen: set[str] = set()
    total = 0
    for info in infos:
        name, size, packed = info.filename, info.file_size, max(info.compress_size, 1)
        if _unsafe_name(name):
            raise _refuse("unsafe_name", "zip", part=name)
        if name.casefold() in seen:  # part names are case-insensitive in Office packages
            raise _refuse("duplicate_part", "zip", part=name)
        seen.add(name.casefold())
        if size > limits.ratio_floor_bytes and size > limits.max_ratio * packed:
            raise _refuse("zip_bomb", "zip", part=name, size=_size(size), packed=_size(packed), ratio=limits.max_ratio)
        if size > limits.max_member_bytes:
            raise _refuse("too_large", "zip", detail=f"Part '{name}' unpacks to {_size(size)}", limit=_size(limits.max_member_bytes))
        total += size
    if total > limits.max_total_bytes:
        raise _refuse("too_large", "zip", detail=f"The parts unpack to {_size(total)} in total", limit=_size(limits.max_total_bytes))


_MAIN_TYPES = {  # main-part content type (lower case) -> kind; macro kinds first so they win
    "application/vnd.ms-word.document.macroenabled.main+xml": "docm",
    "application/vnd.ms-excel.sheet.macroenabled.main+xml": "xlsm",
    "application/vnd.ms-word.template.macroenabledtemplate.main+xml": "dotm",
    "application/vnd.ms-excel.template.macroenabled.main+xml": "xltm",
    "application/vnd.ms-excel.sheet.binary.macroenabled.main": "xlsb",
    "application/vnd.ms-powerpoint.presentation.macroenabled.main+xml": "pptm",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": "dotx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": "xltx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
_MACRO_KINDS = {"docm", "xlsm", "dotm", "xltm", "xlsb", "pptm"}
_WITH_MACROS = {"docx": "docm", "xlsx": "xlsm", "dotx": "dotm", "xltx": "xltm", "pptx": "pptm"}
_DOCTYPE = b"<!DOCTYPE"
_EBCDIC_DOCTYPE = "DOCTYPE".encode("cp037")  # libxml2 (python-docx) also reads EBCDIC parts
_KEEP = len("<!DOCTYPE".encode("utf-32-le")) - 1  # so a marker split across two chunks is seen


def _scan_part(chunks, counter: PartCount) -> bool:
    """Feed one part's unpacked bytes to its count (:mod:`maa_cli.intake.xmlcount`); True if it declares a DOCTYPE.

    A part up to :data:`~maa_cli.intake.xmlcount.WHOLE_BYTES` is gathered and counted whole (one
    parse in C); a bigger one is streamed, so no more than that is ever held here.
    """
    tail, held, size = b"", [], 0
    for chunk in chunks:
        window = tail + chunk
        # Deleting NULs turns UTF-16 and UTF-32 text into ASCII, so one fast search covers
        # every Unicode encoding the XML parsers accept, whatever the part is called.
        plain = window.translate(None, b"\0") if b"\0" in window else window  # UTF-8 has none: no copy
        # Each search is first made for one byte of the marker, far quicker and seldom found in a form.
        if (b"!" in plain and _DOCTYPE in plain) or (_EBCDIC_DOCTYPE[:1] in window and _EBCDIC_DOCTYPE in window):
            return True
        tail = window[-_KEEP:]
        if held is not None:
            held.append(chunk)
            size += len(chunk)
            if size <= WHOLE_BYTES:
                continue
            for piece in held:  # only after the DOCTYPE search: expat never sees a declaration first
                counter.feed(piece)
            held = None
        else:
            counter.feed(chunk)
    if held is not None:
        counter.whole(b"".join(held))
    else:
        counter.close()
    return False


#: Parts unpacked, scanned and measured whole in this process: (packed key (see
#: :func:`~maa_cli.intake.packed.packed_key`), limits) -> their :attr:`PartCount.measured`. The
#: returns of one audit share most of their parts byte for byte, so each is unpacked once per process.
_UNPACKED: dict[tuple, tuple] = {}
_UNPACKED_KEPT = 512
#: The (ContentType, PartName) pairs of the [Content_Types].xml files read, by packed key.
_MANIFESTS: dict[bytes, tuple] = {}
_MANIFESTS_KEPT = 64


class _Part:
    """One part of an open zip, with its packed bytes and their key when the zip's bytes are held."""

    def __init__(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes | None):
        self.zf, self.info = zf, info
        self.packed = packed(data, info) if data is not None else None
        self.key = packed_key(self.packed, info) if self.packed is not None else None
        self.checked = False

    def check_header(self) -> None:
        """zipfile's own checks of the part's header, which unpacking it would make first (once: they come out the same)."""
        if not self.checked:
            self.zf.open(self.info).close()
            self.checked = True

    def chunks(self, limit: int):
        """The unpacked bytes, in the pieces :func:`_chunks` yields; inflated in one call when it can vouch for them."""
        if self.packed is not None and self.info.file_size <= min(limit, WHOLE_BYTES):
            self.check_header()
            out = inflate(self.packed, self.info)
            if out is not None:
                return (out[i:i + _CHUNK] for i in range(0, len(out), _CHUNK))
        return _chunks(self.zf, self.info, limit)


def _content_types(part: _Part) -> tuple:
    """The (ContentType, PartName) of each entry of [Content_Types].xml: read once per process for each one seen."""
    pairs = lookup(_MANIFESTS, part.key) if part.key is not None else None
    if pairs is not None:
        part.check_header()
        return pairs
    root = safe_xml(b"".join(part.chunks(_MANIFEST_BYTES)), part.info.filename)
    pairs = tuple((el.get("ContentType"), el.get("PartName")) for el in root)
    if part.key is not None:
        remember(_MANIFESTS, part.key, pairs, _MANIFESTS_KEPT)
    return pairs


def _classify(by_name: dict[str, _Part]) -> str:
    """Decide docx/xlsx/... from [Content_Types].xml, refusing anything but a macro-free docx/xlsx."""
    manifest = by_name.get("[content_types].xml")
    if manifest is None:
        mimetype = by_name.get("mimetype")  # OpenDocument (LibreOffice) packages start with one
        if mimetype and mimetype.info.file_size < 256:
            odf = b"".join(_chunks(mimetype.zf, mimetype.info, 256))
            for suffix, kind in ((b".text", "odt"), (b".spreadsheet", "ods")):
                if odf.startswith(b"application/vnd.oasis.opendocument") and odf.endswith(suffix):
                    raise _refuse("wrong_format", kind)
        raise _refuse("zip", "zip")
    mains, macros = {}, False
    for content_type, part_name in _content_types(manifest):
        ctype = (content_type or "").strip().casefold()
        macros = macros or "vbaproject" in ctype
        if ctype in _MAIN_TYPES:
            mains[_MAIN_TYPES[ctype]] = (part_name or "").lstrip("/").casefold()
    kind = next((k for k in _MAIN_TYPES.values() if k in mains), None)
    if kind is None:
        raise _refuse("wrong_format", "office")
    if mains[kind] and mains[kind] not in by_name:
        raise _refuse("corrupt", kind, detail=f"its main part '{mains[kind]}' is missing")
    macros = macros or any(name.rsplit("/", 1)[-1] == "vbaproject.bin" for name in by_name)
    if kind in _MACRO_KINDS or macros:
        raise _refuse("macro", _WITH_MACROS.get(kind, kind))
    if kind not in ("docx", "xlsx"):
        raise _refuse("wrong_format", kind)
    return kind


def _scan_member(part: _Part, limit: int, counter: PartCount) -> bool:
    """Scan and count one part (see :func:`_scan_part`); True if it declares a DOCTYPE.

    A part whose packed bytes were seen before is counted from what unpacking them gave then,
    without unpacking them again: the same measurement, checked against this file's totals exactly
    as if it were unpacked. Only a part that passed every check and was measured whole is remembered.
    """
    known = lookup(_UNPACKED, (part.key, counter.owner.limits)) if part.key is not None else None
    if known is not None and known[4] <= limit:  # its size, within what unpacking it would allow
        part.check_header()
        if counter.recall(known):
            return False
    if _scan_part(part.chunks(limit), counter):
        return True
    if part.key is not None and counter.measured is not None:
        remember(_UNPACKED, (part.key, counter.owner.limits), counter.measured, _UNPACKED_KEPT)
    return False


def _zip_kind(source, size: int, data: bytes | None, limits: Limits) -> str:
    """The kind of a zip package that passed every check (else :class:`UnsafeFile`); ``data`` is its bytes, if held."""
    kind, where = "zip", "its table of contents is broken"
    try:
        with _open_zip(source, size, limits) as zf:
            _check_entries(zf.infolist(), limits)
            parts = [_Part(zf, i, data) for i in zf.infolist() if not i.is_dir()]
            kind = _classify({part.info.filename.casefold(): part for part in parts})
            # Every part, not only *.xml: the libraries follow relationships to any name.
            budget = limits.max_total_bytes
            counts = PackageCount(limits)
            forget_trees()
            for part in parts:
                info = part.info
                where = f"part '{info.filename}' does not unpack"
                try:
                    if _scan_member(part, min(limits.max_member_bytes, budget), counts.part(info.filename, keyed=part.key is not None)):
                        raise _refuse("doctype", kind, part=info.filename)
                except PartRefused as refused:
                    raise _refuse(refused.code, kind, **refused.params) from None
                budget -= info.file_size
            return kind
    except UnsafeFile as exc:
        exc.kind = exc.kind or kind
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise _refuse("corrupt", kind, detail=f"{where}: {exc or type(exc).__name__}") from exc


_ENDCHAIN = 0xFFFFFFFA  # sector numbers above this are markers (end of chain, free, ...)


def _ole_top_names(fh, size: int) -> set[str]:
    """Names of the streams and storages at the top of an OLE2 (CFB) file, lower-cased.

    Reads only the header, the FAT sectors that the directory chain passes through and the
    directory itself; every loop is bounded by the file's sector count and a visited set.
    """
    fh.seek(0)
    header = fh.read(512)
    shift = struct.unpack_from("<H", header, 30)[0] if len(header) == 512 else 0
    if shift not in (9, 12):
        raise _refuse("corrupt", detail="its OLE header is invalid")
    ssz = 1 << shift
    sectors = (size - 1) // ssz  # whole or partial sectors after the header

    def sector(n: int) -> bytes:
        if n >= sectors:
            raise _refuse("corrupt", detail="its OLE directory points past the end of the file")
        fh.seek(ssz * (n + 1))  # the header occupies sector "-1"
        return fh.read(ssz).ljust(ssz, b"\0")

    n_fat, first_dir = struct.unpack_from("<2L", header, 44)
    first_difat, n_difat = struct.unpack_from("<2L", header, 68)
    per = ssz // 4
    n_fat = min(n_fat, sectors // per + 1)  # more FAT sectors than the file needs is a lie
    fat = list(struct.unpack_from("<109L", header, 76))
    seen: set[int] = set()
    while len(fat) < n_fat and first_difat <= _ENDCHAIN and first_difat not in seen and len(seen) < n_difat:
        seen.add(first_difat)
        *more, first_difat = struct.unpack(f"<{per}L", sector(first_difat))
        fat += more
    fat = fat[:n_fat]
    entries, seen, current = [], set(), first_dir
    while current <= _ENDCHAIN:
        if current in seen or len(entries) > _OLE_MAX_DIR_ENTRIES:
            raise _refuse("corrupt", detail="its OLE directory loops or is far too long")
        seen.add(current)
        data = sector(current)
        for off in range(0, ssz, 128):
            name_len, kind, _, left, right, child = struct.unpack_from("<HBB3L", data, off + 64)
            name = data[off : off + max(0, min(name_len, 64) - 2)].decode("utf-16-le", "replace")
            entries.append((name.casefold(), kind, left, right, child))
        if current // per >= len(fat) or fat[current // per] > _ENDCHAIN:
            raise _refuse("corrupt", detail="its OLE allocation table is incomplete")
        current = struct.unpack_from("<L", sector(fat[current // per]), 4 * (current % per))[0]
    if not entries or entries[0][1] != 5:
        raise _refuse("corrupt", detail="its OLE root entry is missing")
    # Walk only the root's children: an attachment's streams must not decide the kind.
    names, stack, visited = set(), [entries[0][4]], set()
    while stack:
        i = stack.pop()
        if i < len(entries) and i not in visited:
            visited.add(i)
            name, kind, left, right, _ = entries[i]
            if kind in (1, 2):
                names.add(name)
            stack += [left, right]
    return names


def _refuse_ole(fh, size: int) -> UnsafeFile:
    names = _ole_top_names(fh, size)
    if {"encryptioninfo", "encryptedpackage"} <= names:  # what passwords and sensitivity labels produce
        return _refuse("encrypted", "encrypted")
    if "worddocument" in names:
        return _refuse("legacy_doc", "doc")
    if names & {"workbook", "book"}:
        return _refuse("legacy_xls", "xls")
    if any(n.startswith("__substg1.0_") for n in names):
        return _refuse("msg", "msg")
    if "powerpoint document" in names:
        return _refuse("wrong_format", "ppt")
    return _refuse("unknown", "unknown")


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def _open_regular(path: Path, limits: Limits):
    """Open a regular, non-empty file within the size limit, never following a link or blocking on a pipe."""
    try:
        if stat.S_ISLNK(os.lstat(path).st_mode):
            raise _refuse("not_a_file", "unknown", detail="a link to somewhere else")
        # O_NOFOLLOW/O_NONBLOCK: a link or pipe swapped in after that check cannot redirect or hang us.
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):
            raise _refuse("not_a_file", "unknown", detail="a link to somewhere else") from exc
        raise _refuse("unreadable", "unknown", detail=exc.strerror or str(exc)) from exc
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_size == 0 or st.st_size > limits.max_file_bytes:
        os.close(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _refuse("not_a_file", "unknown", detail="a folder" if stat.S_ISDIR(st.st_mode) else "a device or pipe")
        if st.st_size == 0:
            raise _refuse("empty", "empty")
        raise _refuse("too_large", "unknown", detail=f"The file is {_size(st.st_size)}", limit=_size(limits.max_file_bytes))
    return os.fdopen(fd, "rb"), st.st_size


def _held(fh, size: int) -> tuple:
    """(source, size, data) to open a zip from: the file's bytes in memory when it is small, else the file itself.

    A file that is not ``size`` bytes long any more is changing under us, and is read from the file
    as it is, as before.
    """
    if size > _HELD_BYTES:
        return fh, size, None
    fh.seek(0)
    data = fh.read(size + 1)
    if len(data) != size:
        return fh, size, None
    return _Held(data), size, data


def _inspect(path: Path, limits: Limits) -> str:
    fh, size = _open_regular(path, limits)
    with fh:
        head = fh.read(1024)
        if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
            return _zip_kind(*_held(fh, size), limits)
        if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise _refuse_ole(fh, size)
        if b"%PDF-" in head:  # readers accept the marker anywhere in the first 1 KB
            raise _refuse("pdf", "pdf")
        if head.startswith(b"{\\rtf"):
            raise _refuse("wrong_format", "rtf")
        refusal = _refuse("unknown", "unknown")
        if path.name.startswith("~$"):
            refusal.reason += _LOCK_HINT
        raise refusal


def _name_warnings(path: Path, kind: str, code: str | None) -> tuple[str, ...]:
    # A damaged zip may be any Office file, so only a zip known to be a plain archive is named one.
    if kind not in _KINDS or (kind == "zip" and code not in ("zip", "encrypted_zip")) or path.suffix.casefold() == f".{kind}":
        return ()
    named = f"ends in '{path.suffix}'" if path.suffix else "has no extension"
    return (
        f"The file's name {named} but the file is {_KINDS[kind][0]}; maa went by its content. "
        "Ask the agency to keep the form's original name and extension.",
    )


def inspect_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> Inspection:
    """Judge a returned file by its content before any library parses it.

    Checks, in order: not a link/folder/pipe, not empty, not over the size limit; the
    type from its first bytes (zip, OLE2, PDF, RTF); for zips the index size, entry
    count, part names, encryption, declared and compressed sizes, ``[Content_Types].xml``,
    macros and a bounded DOCTYPE scan of every part; for OLE2 the top-level stream names.

    Args:
        path: The file to judge. It is only read, never changed.
        limits: Bounds to apply; :data:`DEFAULT_LIMITS` unless testing.

    Returns:
        An :class:`Inspection`; ``ok`` only for a docx or xlsx that passed every check.
        It never raises for a strange or hostile file.
    """
    path = Path(path)
    try:
        verdict = Inspection(path, _inspect(path, limits), True, None, None)
    except UnsafeFile as exc:
        verdict = Inspection(path, exc.kind or "unknown", False, exc.reason, exc.code)
    except Exception as exc:  # the contract is a verdict on every file, never a crash
        if isinstance(exc, OSError):  # e.g. the network share went away mid-read
            refusal = _refuse("unreadable", detail=exc.strerror or str(exc))
        else:
            refusal = _refuse("corrupt", detail=f"unexpected {type(exc).__name__}")
        verdict = Inspection(path, "unknown", False, refusal.reason, refusal.code)
    return replace(verdict, warnings=_name_warnings(path, verdict.kind, verdict.code))
