"""Hostile and broken returns are recognised by content and contained before any parser sees them.

Every file is built in code (see tests/hostile.py). Every inspection goes through
:func:`inspect_bounded`, which asserts the stated bounds: under 2 s wall time, under
50 MB of peak Python memory, and the input file byte-for-byte unchanged.
"""

from __future__ import annotations

import gc
import hashlib
import os
import random
import shutil
import sys
import time
import tracemalloc
import zipfile
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/ has no package or conftest to find hostile.py

import hostile  # noqa: E402

from maa_cli.intake.safety import (  # noqa: E402
    DEFAULT_LIMITS,
    MAX_ENTRIES,
    MB,
    Inspection,
    Limits,
    UnsafeFile,
    inspect_file,
    open_part,
    safe_xml,
)

TIME_BOUND_S = 2.0
MEMORY_BOUND_BYTES = 50 * MB
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def _digest(path: Path) -> str | None:
    if not path.is_file() or path.is_symlink():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def inspect_bounded(path: Path, limits: Limits = DEFAULT_LIMITS) -> Inspection:
    """Inspect ``path`` and assert the time, memory and no-change bounds."""
    before = _digest(path)
    gc.collect()
    tracemalloc.start()
    try:
        start = time.perf_counter()
        result = inspect_file(path, limits)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < TIME_BOUND_S, f"{path.name}: inspection took {elapsed:.2f} s"
    assert peak < MEMORY_BOUND_BYTES, f"{path.name}: inspection peaked at {peak / MB:.1f} MB"
    assert _digest(path) == before, f"{path.name} was changed by inspection"
    assert isinstance(result, Inspection)
    assert result.ok == (result.code is None) == (result.reason is None)
    return result


def refused(path: Path, code: str, kind: str | None = None, limits: Limits = DEFAULT_LIMITS) -> Inspection:
    """Inspect within bounds and assert the file is refused with ``code`` (and ``kind``)."""
    result = inspect_bounded(path, limits)
    assert (result.ok, result.code) == (False, code), result
    if kind is not None:
        assert result.kind == kind, result
    assert result.reason and result.reason.endswith("."), result
    return result


@pytest.fixture(scope="module")
def forms(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("forms")
    return {"docx": hostile.good_docx(folder / "good.docx"), "xlsx": hostile.good_xlsx(folder / "good.xlsx")}


def _with_content_type(src: Path, dst: Path, old: str, new: str, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(src) as z:
        types = z.read("[Content_Types].xml").replace(old.encode(), new.encode())
    return hostile.rewrite_zip(src, dst, {"[Content_Types].xml": types, **(extra or {})})


# --- files that pass -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_good_form_passes(forms, kind):
    """A form as python-docx / openpyxl write it passes with no reason, code or warning."""
    result = inspect_bounded(forms[kind])
    assert (result.ok, result.kind, result.reason, result.code, result.warnings) == (True, kind, None, None, ())


@pytest.mark.parametrize(("kind", "name"), [("xlsx", "return.docx"), ("docx", "return.xlsx"), ("docx", "return")])
def test_misnamed_form_passes_with_warning(forms, tmp_path, kind, name):
    """A workbook named .docx (or a document named .xlsx or unnamed) is judged by content: ok, with a warning."""
    path = shutil.copy(forms[kind], tmp_path / name)
    result = inspect_bounded(Path(path))
    assert (result.ok, result.kind) == (True, kind)
    assert len(result.warnings) == 1 and "maa went by its content" in result.warnings[0]


def test_form_at_the_size_limits_is_scanned_within_bounds(forms, tmp_path):
    """The most work an accepted file can ask for (4 x 45 MB parts at ~80:1) still fits the bounds."""
    block = bytearray(MB)
    block[:12_000] = random.Random(7).randbytes(12_000)  # enough noise to stay under 100:1
    path = tmp_path / "heavy.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        with zipfile.ZipFile(forms["docx"]) as zin:
            for info in zin.infolist():
                zout.writestr(info.filename, zin.read(info))
        for n in range(4):
            with zout.open(f"word/media/image{n}.png", "w") as member:
                for _ in range(45):
                    member.write(block)
    result = inspect_bounded(path)
    assert result.ok, result


# --- XML attacks -------------------------------------------------------------------------

ENTITY_TARGETS = [
    ("docx", "word/document.xml"),
    ("docx", "docProps/core.xml"),
    ("xlsx", "xl/worksheets/sheet1.xml"),
    ("xlsx", "xl/sharedStrings.xml"),
    ("xlsx", "docProps/core.xml"),
]


@pytest.mark.parametrize("payload", [hostile.BILLION_LAUGHS, hostile.EXTERNAL_ENTITY], ids=["billion_laughs", "external_entity"])
@pytest.mark.parametrize(("kind", "member"), ENTITY_TARGETS)
def test_entity_attack_in_part_is_refused(forms, tmp_path, kind, member, payload):
    """An entity bomb or external entity in a document, sheet, shared-strings or properties part is refused as 'doctype'."""
    path = hostile.rewrite_zip(forms[kind], tmp_path / f"attack.{kind}", {member: payload})
    result = refused(path, "doctype", kind)
    assert member in result.reason


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "cp037"])
def test_doctype_in_other_encoding_is_refused(forms, tmp_path, encoding):
    """A DOCTYPE hidden by re-encoding the part (UTF-16/32, which lxml reads; EBCDIC, which some libxml2 builds read) is found."""
    text = hostile.EXTERNAL_ENTITY.decode().replace('encoding="UTF-8"', f'encoding="{encoding}"')
    data = ("\ufeff" if encoding.startswith("utf") else "") + text
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "encoded.docx", {"word/document.xml": data.encode(encoding)})
    refused(path, "doctype", "docx")


@pytest.mark.parametrize("member", ["_rels/.rels", "word/_rels/document.xml.rels", "customXml/item1.dat"])
def test_doctype_in_any_part_is_refused(forms, tmp_path, member):
    """Relationship parts and parts with non-.xml names are scanned too, since the libraries follow links to any name."""
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "rels.docx", {member: hostile.BILLION_LAUGHS})
    refused(path, "doctype", "docx")


def test_doctype_in_content_types_is_refused(forms, tmp_path):
    """A DOCTYPE in [Content_Types].xml, which maa itself parses, is refused before expansion."""
    path = hostile.rewrite_zip(forms["xlsx"], tmp_path / "types.xlsx", {"[Content_Types].xml": hostile.BILLION_LAUGHS})
    result = refused(path, "doctype")
    assert "[Content_Types].xml" in result.reason


# --- zip structure attacks ---------------------------------------------------------------


def test_zip_bomb_of_200_mb_zeros_is_refused_quickly(forms, tmp_path):
    """A 200 MB run of zeros deflated to ~200 KB is refused as 'zip_bomb' from its declared sizes, without unpacking."""
    path = hostile.zeros_member(tmp_path / "bomb.docx", "word/media/image1.png", 200 * MB, base=forms["docx"])
    assert path.stat().st_size < MB
    result = refused(path, "zip_bomb")
    assert "word/media/image1.png" in result.reason


def test_zip_bomb_that_lies_about_its_size_is_cut_off(forms, tmp_path):
    """A bomb whose index claims 1 KB is unpacked only to the claimed size and refused as damaged."""
    path = hostile.zeros_member(tmp_path / "liar.docx", "word/media/image1.png", 200 * MB, base=forms["docx"])
    path.write_bytes(hostile.patch_central_directory(path.read_bytes(), "word/media/image1.png", file_size=1024))
    refused(path, "corrupt", "docx")


def test_several_medium_bombs_are_refused(tmp_path):
    """Four parts of 45 MB zeros each (each under the size limit) are caught by the compression ratio."""
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for n in range(4):
            with zout.open(f"xl/media/image{n}.png", "w") as member:
                for _ in range(45):
                    member.write(bytes(MB))
    refused(path, "zip_bomb")


def test_member_declaring_over_50_mb_is_refused(forms, tmp_path):
    """A part whose index entry declares 60 MB unpacked (at a plausible ratio) is refused as 'too_large' before reading."""
    data = hostile.rewrite_zip(forms["docx"], tmp_path / "src.docx", {"word/media/big.png": b"x" * 1000}).read_bytes()
    path = tmp_path / "big.docx"
    path.write_bytes(hostile.patch_central_directory(data, "word/media/big.png", file_size=60 * MB, compress_size=MB))
    result = refused(path, "too_large")
    assert "word/media/big.png" in result.reason and "60 MB" in result.reason


def test_total_declared_over_200_mb_is_refused(forms, tmp_path):
    """Five parts each declaring 45 MB (225 MB together) are refused as 'too_large' on the total."""
    names = [f"word/media/image{n}.png" for n in range(5)]
    data = hostile.rewrite_zip(forms["docx"], tmp_path / "src.docx", {name: b"x" * 1000 for name in names}).read_bytes()
    for name in names:
        data = hostile.patch_central_directory(data, name, file_size=45 * MB, compress_size=MB)
    path = tmp_path / "total.docx"
    path.write_bytes(data)
    assert "in total" in refused(path, "too_large").reason


def test_more_than_1000_entries_is_refused(forms, tmp_path):
    """A package with 1,001 parts is refused as 'too_many_parts'."""
    extra = {f"word/media/image{n}.png": b"" for n in range(MAX_ENTRIES + 1)}
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "parts.docx", extra)
    assert "1,0" in refused(path, "too_many_parts").reason


def test_huge_zip_index_is_refused_before_parsing(tmp_path):
    """40,000 entries (an index over 1 MB) are refused before zipfile builds an object per entry."""
    path = tmp_path / "index.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zout:
        for n in range(40_000):
            zout.writestr(f"p/{n:06}.xml", b"")
    refused(path, "too_many_parts")


@pytest.mark.parametrize(
    "name", ["../evil.xml", "word/../../evil.xml", "/etc/cron.d/evil", "word\\..\\..\\evil.xml", "C:/evil.xml", "word/new\nline.xml"]
)
def test_zip_slip_names_are_refused(forms, tmp_path, name):
    """Part names with '..', an absolute path, a drive, a backslash or a control character are refused as 'unsafe_name'."""
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "slip.docx", {name: b"<x/>"})
    refused(path, "unsafe_name")


def test_duplicate_part_names_are_refused(forms, tmp_path):
    """Two parts with the same name (case-insensitively), which readers resolve differently, are refused."""
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "dup.docx", {"WORD/document.xml": b"<x/>"})
    refused(path, "duplicate_part")


@pytest.mark.parametrize("cut", [0.5, 0.98], ids=["half", "index_cut"])
def test_truncated_zip_is_corrupt(forms, tmp_path, cut):
    """A package cut short (an interrupted copy) is refused as 'corrupt'."""
    data = forms["docx"].read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(data[: int(len(data) * cut)])
    refused(path, "corrupt")


def test_corrupt_deflate_stream_is_refused(forms, tmp_path):
    """Flipped bytes inside a compressed part are found by unpacking it (zlib or CRC error) and refused as 'corrupt'."""
    data = bytearray(forms["docx"].read_bytes())
    with zipfile.ZipFile(forms["docx"]) as z:
        info = z.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 10, start + info.compress_size - 10, 7):
        data[offset] ^= 0xA5
    path = tmp_path / "flipped.docx"
    path.write_bytes(bytes(data))
    refused(path, "corrupt", "docx")


def test_password_protected_zip_is_recognised(tmp_path):
    """A zip whose entries are encrypted is reported as a zip to unpack with the agency's password."""
    path = tmp_path / "secure.zip"
    path.write_bytes(hostile.patch_central_directory(hostile.buffer_zip({"form.docx": b"x" * 100}), "form.docx", flags=1))
    assert "password" in refused(path, "encrypted_zip", "zip").reason


def test_plain_zip_is_recognised(forms, tmp_path):
    """A zip with the form inside (not an Office package) is 'zip': unpack it into returns/."""
    path = tmp_path / "attachments.docx"
    path.write_bytes(hostile.buffer_zip({"return.docx": forms["docx"].read_bytes()}))
    result = refused(path, "zip", "zip")
    assert "returns/" in result.reason and result.warnings


# --- macros and other Office formats -----------------------------------------------------


def test_docm_is_refused(forms, tmp_path):
    """A macro-enabled Word document is refused as 'macro'."""
    path = _with_content_type(
        forms["docx"], tmp_path / "form.docm", WORD_MAIN, "application/vnd.ms-word.document.macroEnabled.main+xml",
        {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"},
    )
    result = refused(path, "macro", "docm")
    assert ".docx" in result.reason and result.warnings == ()


def test_xlsm_is_refused(forms, tmp_path):
    """A macro-enabled workbook is refused as 'macro'."""
    path = _with_content_type(forms["xlsx"], tmp_path / "form.xlsm", EXCEL_MAIN, "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    refused(path, "macro", "xlsm")


def test_macro_workbook_renamed_xlsx_is_refused(forms, tmp_path):
    """A macro workbook renamed .xlsx is judged by content: refused as 'macro', kind xlsm, with a name warning."""
    path = _with_content_type(
        forms["xlsx"], tmp_path / "renamed.xlsx", EXCEL_MAIN, "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"},
    )
    assert refused(path, "macro", "xlsm").warnings


def test_vba_part_in_plain_docx_is_refused(forms, tmp_path):
    """A vbaProject.bin part in a package that claims to be a plain docx is refused as 'macro'."""
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "sneaky.docx", {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"})
    refused(path, "macro", "docm")


@pytest.mark.parametrize(
    ("kind", "new_type"),
    [
        ("dotx", "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"),
        ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
        ("office", "application/vnd.example.unknown+xml"),
    ],
)
def test_other_office_packages_are_refused(forms, tmp_path, kind, new_type):
    """Templates, presentations and unknown Office packages are refused as 'wrong_format'."""
    path = _with_content_type(forms["docx"], tmp_path / "other.docx", WORD_MAIN, new_type)
    refused(path, "wrong_format", kind)


def test_missing_main_part_is_corrupt(forms, tmp_path):
    """A package whose content types name a main part that is not there is refused as 'corrupt'."""
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "hollow.docx", {"word/document.xml": None})
    refused(path, "corrupt", "docx")


@pytest.mark.parametrize(("kind", "mimetype"), [("odt", "text"), ("ods", "spreadsheet")])
def test_opendocument_is_refused(tmp_path, kind, mimetype):
    """A LibreOffice OpenDocument file is refused as 'wrong_format', naming what to save it as."""
    path = tmp_path / f"form.{kind}"
    path.write_bytes(hostile.buffer_zip({"mimetype": f"application/vnd.oasis.opendocument.{mimetype}".encode(), "content.xml": b"<x/>"}))
    refused(path, "wrong_format", kind)


def test_rtf_is_refused(tmp_path):
    """A Rich Text file is refused as 'wrong_format', asking for a .docx."""
    path = tmp_path / "form.doc"
    path.write_bytes(b"{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Calibri;}} Audit return\\par }")
    result = refused(path, "wrong_format", "rtf")
    assert ".docx" in result.reason and result.warnings


# --- OLE2 (legacy, encrypted, Outlook) ---------------------------------------------------

OLE_CASES = [
    ("legacy.doc", hostile.LEGACY_DOC, "legacy_doc", "doc"),
    ("legacy.xls", hostile.LEGACY_XLS, "legacy_xls", "xls"),
    ("labelled.docx", hostile.ENCRYPTED_PACKAGE, "encrypted", "encrypted"),
    ("labelled.xlsx", hostile.ENCRYPTED_PACKAGE, "encrypted", "encrypted"),
    ("email.msg", hostile.OUTLOOK_MSG, "msg", "msg"),
    ("mystery.bin", {"Contents": None}, "unknown", "unknown"),
]


@pytest.mark.parametrize("sector_shift", [9, 12], ids=["v3", "v4"])
@pytest.mark.parametrize(("name", "tree", "code", "kind"), OLE_CASES, ids=[c[0] for c in OLE_CASES])
def test_ole_files_are_told_apart(tmp_path, name, tree, code, kind, sector_shift):
    """OLE2 files are classified by their top-level streams: .doc, .xls, encrypted package, .msg (even with a .doc attached)."""
    path = tmp_path / name
    path.write_bytes(hostile.cfb(tree, sector_shift=sector_shift))
    refused(path, code, kind)


def test_encrypted_reason_asks_for_unlabelled_copy(tmp_path):
    """The reason for an encrypted package tells the officer to ask for a copy without label or password."""
    path = tmp_path / "labelled.docx"
    path.write_bytes(hostile.cfb(hostile.ENCRYPTED_PACKAGE))
    assert "without a sensitivity label or password" in refused(path, "encrypted").reason


def test_ole_with_cyclic_directory_chain_finishes(tmp_path):
    """An OLE2 file whose directory sector chain loops is refused as 'corrupt' instead of hanging."""
    path = tmp_path / "loop.doc"
    path.write_bytes(hostile.cfb(hostile.LEGACY_DOC, cyclic_directory=True))
    refused(path, "corrupt")


def test_large_legacy_doc_with_difat_is_recognised(tmp_path):
    """A 10 MB .doc whose allocation table continues past the header (a DIFAT chain) is still told apart."""
    path = tmp_path / "big.doc"
    path.write_bytes(hostile.cfb(hostile.LEGACY_DOC, filler_sectors=20_000))
    refused(path, "legacy_doc", "doc")


@pytest.mark.parametrize("keep", [8, 512, 700])
def test_truncated_ole_is_corrupt(tmp_path, keep):
    """An OLE2 file cut short anywhere is refused without an exception."""
    path = tmp_path / "cut.doc"
    path.write_bytes(hostile.cfb(hostile.LEGACY_DOC)[:keep])
    assert not inspect_bounded(path).ok


# --- other content -----------------------------------------------------------------------


def test_pdf_is_refused_asking_for_the_form(tmp_path):
    """A PDF print is refused as 'pdf', asking for the Word/Excel form back; a .docx name only adds a warning."""
    path = tmp_path / "return.docx"
    path.write_bytes(hostile.pdf_bytes())
    result = refused(path, "pdf", "pdf")
    assert ".docx or .xlsx" in result.reason and result.warnings


def test_zero_bytes_is_empty(tmp_path):
    """A zero-byte file is refused as 'empty'."""
    path = tmp_path / "empty.docx"
    path.write_bytes(b"")
    refused(path, "empty", "empty")


@pytest.mark.parametrize("prefix", [b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"], ids=["plain", "zip_magic", "ole_magic"])
def test_random_bytes_are_refused(tmp_path, prefix):
    """Random bytes, even behind a zip or OLE2 signature, are refused without an exception."""
    path = tmp_path / "noise.docx"
    path.write_bytes(prefix + random.Random(3).randbytes(200_000))
    result = inspect_bounded(path)
    assert not result.ok and result.code in {"unknown", "corrupt"}


def test_office_lock_file_is_explained(tmp_path):
    """A '~$' owner file left by Word is 'unknown', with a hint that it is a lock file."""
    path = tmp_path / "~$turn.docx"
    path.write_bytes(b"\x0bJane Smith" + bytes(151))
    assert "lock files" in refused(path, "unknown", "unknown").reason


def test_file_over_50_mb_is_refused_unread(tmp_path):
    """A file over the size limit is refused as 'too_large' from its size alone (a sparse file, not 51 MB written)."""
    path = tmp_path / "huge.docx"
    with open(path, "wb") as fh:
        fh.write(b"PK\x03\x04")
        fh.truncate(51 * MB)
    assert "51 MB" in refused(path, "too_large").reason


def test_folder_and_symlink_are_not_files(forms, tmp_path):
    """A folder or a symbolic link in the returns folder is refused as 'not_a_file', the link not followed."""
    (tmp_path / "folder.docx").mkdir()
    refused(tmp_path / "folder.docx", "not_a_file")
    link = tmp_path / "link.docx"
    link.symlink_to(forms["docx"])
    refused(link, "not_a_file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
def test_named_pipe_does_not_hang(tmp_path):
    """A named pipe is refused as 'not_a_file' at once, not read (which would block forever)."""
    os.mkfifo(tmp_path / "pipe.docx")
    refused(tmp_path / "pipe.docx", "not_a_file")


def test_missing_file_is_unreadable(tmp_path):
    """A file that vanished before inspection gives an 'unreadable' verdict, not an exception."""
    refused(tmp_path / "gone.docx", "unreadable")


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_mutated_forms_never_raise(forms, tmp_path, kind):
    """120 random corruptions of a good form (flipped bytes, cuts) each give a verdict within the bounds."""
    rng = random.Random(kind)
    original = forms[kind].read_bytes()
    path = tmp_path / f"mutant.{kind}"
    for _ in range(120):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[: rng.randrange(len(data))]
        path.write_bytes(bytes(data))
        inspect_bounded(path)


def test_custom_limits_are_honoured(forms):
    """Limits can be tightened: a good docx has more parts than max_entries=3 allows."""
    refused(forms["docx"], "too_many_parts", limits=Limits(max_entries=3))


def test_inspection_is_immutable(forms):
    """An Inspection cannot be altered after the verdict."""
    with pytest.raises(FrozenInstanceError):
        inspect_file(forms["docx"]).ok = False  # type: ignore[misc]


# --- open_part and safe_xml --------------------------------------------------------------


def test_open_part_reads_a_member(forms):
    """open_part returns a member's bytes, the same as zipfile reads them."""
    with zipfile.ZipFile(forms["docx"]) as z:
        expected = z.read("word/document.xml")
    assert open_part(forms["docx"], "word/document.xml") == expected


def test_open_part_enforces_its_limit(forms):
    """open_part refuses a member larger than its limit as 'too_large'."""
    with pytest.raises(UnsafeFile) as caught:
        open_part(forms["docx"], "word/document.xml", limit=100)
    assert caught.value.code == "too_large"


def test_open_part_missing_member_is_corrupt(forms):
    """open_part on a member that is not there raises UnsafeFile 'corrupt', not KeyError."""
    with pytest.raises(UnsafeFile) as caught:
        open_part(forms["docx"], "word/nothing.xml")
    assert caught.value.code == "corrupt"


def test_open_part_on_lying_bomb_stays_bounded(forms, tmp_path):
    """open_part on a bomb that under-declares its size stops at the declared size and reports 'corrupt'."""
    path = hostile.zeros_member(tmp_path / "liar.docx", "word/media/image1.png", 100 * MB, base=forms["docx"])
    path.write_bytes(hostile.patch_central_directory(path.read_bytes(), "word/media/image1.png", file_size=4096))
    tracemalloc.start()
    try:
        with pytest.raises(UnsafeFile) as caught:
            open_part(path, "word/media/image1.png")
        assert tracemalloc.get_traced_memory()[1] < MEMORY_BOUND_BYTES
    finally:
        tracemalloc.stop()
    assert caught.value.code == "corrupt"


def test_safe_xml_parses_plain_xml():
    """safe_xml returns the root element of ordinary XML."""
    assert safe_xml(b'<?xml version="1.0"?><w:document xmlns:w="urn:w"><w:body/></w:document>').tag == "{urn:w}document"


@pytest.mark.parametrize("payload", [hostile.BILLION_LAUGHS, hostile.EXTERNAL_ENTITY, b'<!DOCTYPE x SYSTEM "http://example.invalid/x.dtd"><x/>'])
def test_safe_xml_refuses_doctype(payload):
    """safe_xml raises UnsafeFile 'doctype' for entity bombs, external entities and external DTDs, before expanding them."""
    with pytest.raises(UnsafeFile) as caught:
        safe_xml(payload)
    assert caught.value.code == "doctype"


def test_safe_xml_refuses_malformed_xml():
    """safe_xml raises UnsafeFile 'corrupt' for XML that does not parse."""
    with pytest.raises(UnsafeFile) as caught:
        safe_xml(b"<a><b></a>")
    assert caught.value.code == "corrupt"

