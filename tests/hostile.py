"""Build hostile and odd returned files in code, so no binary fixtures are committed.

Each builder writes the smallest file that has the property under test, in the
shape the real thing has (a real zip layout, a real OLE2 directory), so the
checks in :mod:`maa_cli.intake.safety` are exercised on realistic bytes.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import docx
import openpyxl

FREE, END, FATSECT, DIFSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFC

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<root>&lol9;</root>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE root [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<root>&xxe;</root>
"""



def good_docx(path: Path) -> Path:
    """A small Word form as python-docx writes it."""
    document = docx.Document()
    document.add_heading("Case audit return", 1)
    document.add_paragraph("Agency: Example Health Trust")
    document.core_properties.title = "Audit"
    document.save(path)
    return path


def good_xlsx(path: Path) -> Path:
    """A small Excel form as openpyxl writes it, with shared strings."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Question", "Answer"])
    sheet.append(["Was the child seen?", "Yes"])
    workbook.save(path)
    return path


def rewrite_zip(src: Path, dst: Path, replace: dict[str, bytes | None]) -> Path:
    """Copy a zip, replacing (or with ``None`` dropping) members and adding new ones."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename not in replace:
                zout.writestr(info.filename, zin.read(info))
        for name, data in replace.items():
            if data is not None:
                zout.writestr(name, data)
    return dst


def patch_central_directory(data: bytes, name: str, **fields: int) -> bytes:
    """Overwrite fields of one central directory record: ``flags``, ``crc``, ``compress_size``, ``file_size``."""
    offsets = {"flags": (8, "<H"), "crc": (16, "<L"), "compress_size": (20, "<L"), "file_size": (24, "<L")}
    pos = data.index(b"PK\x01\x02")
    out = bytearray(data)
    while pos >= 0:
        name_len = struct.unpack_from("<H", out, pos + 28)[0]
        if out[pos + 46 : pos + 46 + name_len].decode() == name:
            for field, value in fields.items():
                offset, fmt = offsets[field]
                struct.pack_into(fmt, out, pos + offset, value)
            return bytes(out)
        pos = out.find(b"PK\x01\x02", pos + 46)
    raise KeyError(name)


def zeros_member(path: Path, name: str, size: int, *, base: Path | None = None) -> Path:
    """A zip (optionally a copy of ``base``) with ``size`` bytes of zeros deflated into ``name``.

    Streams through ``ZipFile.open(name, "w")`` so only the compressed bytes (about a
    thousandth of ``size``) ever reach memory or disk.
    """
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        if base is not None:
            with zipfile.ZipFile(base) as zin:
                for info in zin.infolist():
                    zout.writestr(info.filename, zin.read(info))
        with zout.open(name, "w", force_zip64=size >= (1 << 31)) as member:
            for start in range(0, size, len(chunk)):
                member.write(chunk[: min(len(chunk), size - start)])
    return path


def _dir_entry(name: str, kind: int, left: int = FREE, right: int = FREE, child: int = FREE) -> bytes:
    encoded = name.encode("utf-16-le") + b"\0\0" if name else b""
    return struct.pack(
        "<64sHBB3L16sL16sLQ",
        encoded,
        len(encoded),
        kind,
        1,  # black: a right-leaning chain of black nodes is a valid (if lopsided) tree
        left,
        right,
        child,
        bytes(16),
        0,
        bytes(16),
        END,
        0,
    )


def cfb(tree: dict, *, sector_shift: int = 9, cyclic_directory: bool = False, filler_sectors: int = 0) -> bytes:
    """A minimal OLE2 / Compound File Binary file with the given directory tree.

    ``tree`` maps names to ``None`` (an empty stream) or to a dict (a storage with
    children). Stream contents are not needed to tell the file types apart, so every
    stream is empty; the header, FAT, DIFAT and red-black directory are real.
    ``cyclic_directory`` makes the directory's sector chain loop back on itself;
    ``filler_sectors`` puts unused sectors before the directory, so a big enough
    number needs more than the header's 109 FAT sectors and so a DIFAT chain, as
    a real .doc of several MB does.
    """
    ssz = 1 << sector_shift
    per = ssz // 4
    entries: list[bytes | None] = [None]

    def add(children: dict) -> int:
        # Siblings as a right-leaning chain, in CFB order (shorter names first, then upper-case).
        names = sorted(children, key=lambda n: (len(n), n.upper()))
        ids = list(range(len(entries), len(entries) + len(names)))
        entries.extend([None] * len(names))
        for position, (ident, name) in enumerate(zip(ids, names, strict=True)):
            right = ids[position + 1] if position + 1 < len(ids) else FREE
            sub = children[name]
            child = add(sub) if isinstance(sub, dict) and sub else FREE
            entries[ident] = _dir_entry(name, 1 if isinstance(sub, dict) else 2, right=right, child=child)
        return ids[0] if ids else FREE

    entries[0] = _dir_entry("Root Entry", 5, child=add(tree))
    while len(entries) % (ssz // 128):
        entries.append(_dir_entry("", 0))
    directory = b"".join(entries)
    n_dir = len(directory) // ssz
    n_fat = n_difat = 0
    while True:  # the FAT must also cover the FAT and DIFAT sectors themselves
        total = n_fat + n_difat + filler_sectors + n_dir
        need_fat = -(-total // per)
        need_difat = -(-max(0, need_fat - 109) // (per - 1))
        if (need_fat, need_difat) == (n_fat, n_difat):
            break
        n_fat, n_difat = need_fat, need_difat
    fat_ids = list(range(n_fat))
    difat_ids = list(range(n_fat, n_fat + n_difat))
    dir_ids = list(range(total - n_dir, total))
    fat = [FREE] * (n_fat * per)
    for sector in fat_ids:
        fat[sector] = FATSECT
    for sector in difat_ids:
        fat[sector] = DIFSECT
    for sector, following in zip(dir_ids, dir_ids[1:] + [dir_ids[0] if cyclic_directory else END], strict=True):
        fat[sector] = following
    rest = fat_ids[109:]
    difat = b"".join(
        struct.pack(
            f"<{per}L",
            *(rest[j * (per - 1) : (j + 1) * (per - 1)] + [FREE] * (per - 1))[: per - 1],
            difat_ids[j + 1] if j + 1 < n_difat else END,
        )
        for j in range(n_difat)
    )
    header = struct.pack(
        "<8s16s5H6s9L",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        bytes(16),
        0x3E,
        3 if sector_shift == 9 else 4,
        0xFFFE,
        sector_shift,
        6,
        bytes(6),
        n_dir if sector_shift == 12 else 0,  # directory sector count (must be 0 for version 3)
        n_fat,
        dir_ids[0],
        0,
        4096,  # mini stream cutoff
        END,
        0,
        difat_ids[0] if difat_ids else END,
        n_difat,
    ) + struct.pack("<109L", *(fat_ids[:109] + [FREE] * 109)[:109])
    return header.ljust(ssz, b"\0") + struct.pack(f"<{len(fat)}L", *fat) + difat + bytes(filler_sectors * ssz) + directory


LEGACY_DOC = {"WordDocument": None, "1Table": None, "\x05SummaryInformation": None, "\x01CompObj": None}
LEGACY_XLS = {"Workbook": None, "\x05SummaryInformation": None, "\x05DocumentSummaryInformation": None}
ENCRYPTED_PACKAGE = {
    "\x06DataSpaces": {"Version": None, "DataSpaceMap": None, "DataSpaceInfo": {"StrongEncryptionDataSpace": None}},
    "EncryptionInfo": None,
    "EncryptedPackage": None,
}
OUTLOOK_MSG = {
    "__substg1.0_0037001F": None,
    "__substg1.0_1000001F": None,
    "__properties_version1.0": None,
    "__nameid_version1.0": {"__substg1.0_00020102": None},
    # An attached Word 97 file: its streams sit inside the attachment, not at the top.
    "__attach_version1.0_#00000000": {"__substg1.0_3701000D": LEGACY_DOC},
}


def pdf_bytes() -> bytes:
    """A small, well-formed one-page PDF (correct xref offsets), as 'Print to PDF' would send."""
    content = b"BT /F1 12 Tf 72 770 Td (Audit return: Example Health Trust) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def buffer_zip(members: dict[str, bytes]) -> bytes:
    """A zip with the given members, in memory."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in members.items():
            zout.writestr(zipfile.ZipInfo(name), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()



def _mixed_section(n: int) -> dict:
    return {"id": f"s{n}", "title": f"Section {n}", "intro": "About this part of the work.", "questions": [
        {"id": f"q{n}a", "number": f"{n}.1", "text": "Do the procedures cover", "type": "yes_no", "na": True,
         "parts": [{"id": "a", "label": "a", "text": "concerns about a child?"},
                   {"id": "b", "label": "b", "text": "allegations against staff?"},
                   {"id": "annual", "text": "Are they reviewed every year?"}]},
        {"id": f"q{n}b", "number": f"{n}.2", "text": "How is training delivered?", "type": "multiple_choice",
         "choices": ["In house", "External course", "E-learning"], "other": True},
        {"id": f"q{n}c", "number": f"{n}.3", "text": "Grade the supervision", "type": "grade", "why": True},
        {"id": f"q{n}d", "number": f"{n}.4", "text": "Is there a deputy DSL?", "type": "yes_no", "action_plan": True},
        {"id": f"q{n}e", "number": f"{n}.5", "text": "When was the policy last reviewed?", "type": "date"},
        {"id": f"q{n}f", "number": f"{n}.6", "text": "What worked well?", "type": "long_text", "required": False},
    ]}


def _tool_data(sections: int, yes_no: int) -> dict:
    last = {"id": "last", "title": "Last questions", "questions": [
        {"id": f"y{i}", "number": f"Y{i}", "text": f"Yes or no {i}?", "type": "yes_no"} for i in range(yes_no)]}
    return {"id": "long-tool", "title": "A long tool", "version": "1", "kind": "questionnaire",
            "instructions": "Answer every question.", "sections": [_mixed_section(n + 1) for n in range(sections)] + [last]}


def long_tool_data(rows: int) -> dict:
    """A questionnaire (as YAML data) whose Excel form takes exactly ``rows`` rows, with every kind of row in it.

    Sections of mixed questions (parts, multiple choice with 'other', grade with 'why', action
    points, dates, long text) fill it most of the way; single yes/no questions fill the rest.
    """
    from maa_cli.definitions.tool import Tool

    base = Tool.model_validate(_tool_data(0, 1)).form_rows()  # the frame, the last section, one question
    per = Tool.model_validate(_tool_data(1, 1)).form_rows() - base
    sections = max(0, (rows - base) // per - 1)
    return _tool_data(sections, 1 + rows - base - sections * per)


def long_tool(rows: int):
    """:func:`long_tool_data` as a validated tool."""
    from maa_cli.definitions.tool import Tool

    tool = Tool.model_validate(long_tool_data(rows))
    assert tool.form_rows() == rows, (tool.form_rows(), rows)
    return tool
