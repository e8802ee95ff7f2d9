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

# Not a speed test (speed is measured in benchmarks/bench_hostile.py): a guard against a file that makes
# inspection hang or loop, generous enough never to fail on a loaded CI machine. Memory is the real bound.
HANG_GUARD_S = 60.0
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
    assert elapsed < HANG_GUARD_S, f"{path.name}: inspection took {elapsed:.2f} s"
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



# --- element and depth budget ------------------------------------------------------------


def _body(elements: bytes) -> bytes:
    """A Word body holding ``elements`` (a real namespace, so the readers would parse it)."""
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            + elements + b"</w:body></w:document>")


def _flat(n: int, seed: int = 1) -> bytes:
    # A random mix of four empty elements deflates about 20:1: legal by size and by ratio.
    return b"".join(random.Random(seed).choices([b"<w:p/>", b"<w:r/>", b"<w:b/>", b"<w:i/>"], k=n))


def _nested(depth: int) -> bytes:
    return b"<w:sdt>" * depth + b"</w:sdt>" * depth


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_every_builtin_form_passes_with_a_tenth_of_the_element_budget(tmp_path, kind):
    """The largest real forms are far inside the budget: each built-in tool's issued form passes limits ten times tighter."""
    sys.path.insert(0, str(Path(__file__).parent))
    from forms_fixtures import form_content

    from maa_cli.definitions.catalog import builtin_ids, load_builtin
    from maa_cli.forms.excel import write_excel_form
    from maa_cli.forms.word import write_word_form
    d = DEFAULT_LIMITS
    tight = Limits(max_part_elements=d.max_part_elements // 10, max_file_elements=d.max_file_elements // 10, max_depth=d.max_depth // 8,
                   max_part_attributes=d.max_part_attributes // 10, max_file_attributes=d.max_file_attributes // 10,
                   max_element_attributes=d.max_element_attributes // 10, max_tag_bytes=d.max_tag_bytes // 10)
    for tool_id in builtin_ids():
        path = tmp_path / f"{tool_id}.{kind}"
        (write_word_form if kind == "docx" else write_excel_form)(form_content(load_builtin(tool_id)), path)
        assert inspect_bounded(path, tight).ok, tool_id


def test_a_body_of_300000_tiny_elements_is_refused_for_its_content(forms, tmp_path):
    """A 2 MB body of 300,000 empty elements (legal by size and ratio) is refused at the default budget, naming the part."""
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "flat.docx", {"word/document.xml": _body(_flat(300_000))})
    result = inspect_file(path)  # not timed here: tracemalloc makes each of the 250,000 elements costly to count
    assert (result.ok, result.code, result.kind) == (False, "too_many_elements", "docx")
    assert "word/document.xml" in result.reason and "250,000" in result.reason
    assert "far more than an audit form can have" in result.reason and "fresh copy of the form" in result.reason


def test_a_body_past_a_tightened_element_budget_is_refused(forms, tmp_path):
    """The element budget is a limit like the others: a body of 3,000 elements is refused under a budget of 2,000."""
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "flat.docx", {"word/document.xml": _body(_flat(3_000))})
    assert "2,000" in refused(path, "too_many_elements", "docx", limits=Limits(max_part_elements=2_000)).reason


def test_elements_of_all_parts_count_together(forms, tmp_path):
    """Parts each under the per-part budget are refused when together they pass the file's budget."""
    parts = {f"customXml/item{n}.xml": _body(_flat(400, seed=n)) for n in range(4)}
    path = hostile.rewrite_zip(forms["xlsx"], tmp_path / "many.xlsx", parts)
    result = refused(path, "too_many_elements", "xlsx", limits=Limits(max_part_elements=500, max_file_elements=1_200))
    assert result.reason.startswith("The parts of the file hold more than 1,200")


@pytest.mark.parametrize("member", ["word/document.xml", "word/styles.xml", "customXml/item1.xml"])
def test_nesting_deeper_than_any_form_is_refused(forms, tmp_path, member):
    """Elements nested 200 deep (forms nest 11) are refused as 'too_deep' in the body or any other part."""
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "deep.docx", {member: _body(_nested(200))})
    result = refused(path, "too_deep", "docx")
    assert member in result.reason and "128 levels" in result.reason


def test_nesting_a_million_deep_is_refused_without_building_it(forms, tmp_path):
    """A sheet nested a million levels deep (1.5 MB packed) is refused at level 129, within the time and memory bounds."""
    chain = random.Random(2).choices([f"x{c}".encode() for c in "0123456789abcdef"], k=1_000_000)
    deep = b"".join(b"<" + t + b">" for t in chain) + b"".join(b"</" + t + b">" for t in reversed(chain))
    path = hostile.rewrite_zip(forms["xlsx"], tmp_path / "deep.xlsx", {"xl/worksheets/sheet1.xml": deep})
    refused(path, "too_deep", "xlsx")


def test_utf16_parts_are_counted_too(forms, tmp_path):
    """Re-encoding a deep body as UTF-16 (which Word can write) does not hide it from the count."""
    data = "\ufeff".encode("utf-16-le") + _body(_nested(200)).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-le")
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "utf16.docx", {"word/document.xml": data})
    refused(path, "too_deep", "docx")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_parts_without_a_byte_order_mark_are_counted_too(forms, tmp_path, encoding):
    """UTF-16 with no byte-order mark (which libxml2 still reads) does not pass for a picture or for UTF-8."""
    data = _body(_nested(200)).split(b"?>", 1)[1].decode().encode(encoding)
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "utf16.docx", {"word/document.xml": data})
    refused(path, "too_deep", "docx")


def test_a_small_part_of_tiny_elements_is_counted_exactly_by_the_quick_road(forms, tmp_path):
    """A body under the byte bound that still holds too many elements for a tightened budget is refused, naming it."""
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "flat.docx", {"word/document.xml": _body(_flat(3_000))})
    assert inspect_file(path).ok  # within the default limits, measured in one parse
    assert "1,000" in refused(path, "too_many_elements", "docx", limits=Limits(max_part_elements=1_000)).reason


def test_leading_blanks_do_not_hide_a_part_from_the_count(forms, tmp_path):
    """100 KB of blank lines before the body (which parsers skip) do not make it look like a picture."""
    body = _body(_nested(200)).split(b"?>", 1)[1]  # an XML declaration must come first, so there is none
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "blank.docx", {"word/document.xml": b"\r\n" * 50_000 + body})
    refused(path, "too_deep", "docx")


def test_counting_goes_on_past_damage(forms, tmp_path):
    """A body broken near its start (which the Word reader recovers) is still refused for the elements after the break."""
    broken = _body(b"<w:p></w:r>" + _flat(2_000))
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "broken.docx", {"word/document.xml": broken})
    refused(path, "too_many_elements", "docx", limits=Limits(max_part_elements=1_000))


@pytest.mark.parametrize(("encoding", "prefix"), [("utf-32-le", "\ufeff"), ("utf-32-be", ""), ("cp037", "")])
def test_xml_in_an_encoding_office_never_writes_is_refused(forms, tmp_path, encoding, prefix):
    """A body in UCS-4 or EBCDIC, which libxml2 reads but the count cannot, is refused as 'bad_encoding'."""
    text = prefix + _body(b"<w:p/>").decode().replace('encoding="UTF-8"', f'encoding="{encoding}"')
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "odd.docx", {"word/document.xml": text.encode(encoding)})
    assert "word/document.xml" in refused(path, "bad_encoding", "docx").reason


def test_xml_declaring_a_multibyte_encoding_is_refused(forms, tmp_path):
    """A part declaring UTF-7 (where '<' can be written '+ADw-') is refused as 'bad_encoding'."""
    data = b'<?xml version="1.0" encoding="UTF-7"?><w:document>+ADw-w:p/+AD4-</w:document>'
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "utf7.docx", {"word/document.xml": data})
    refused(path, "bad_encoding", "docx")


def test_pictures_are_not_counted_as_xml(forms, tmp_path):
    """A binary part full of '<' bytes (a picture) is not XML to any reader and does not use the budget."""
    picture = b"\x89PNG\r\n\x1a\n" + b"<a>" * 50_000
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "picture.docx", {"word/media/image1.png": picture})
    assert inspect_bounded(path, Limits(max_part_elements=20_000, max_file_elements=40_000)).ok


def test_an_element_with_thousands_of_attributes_is_refused(forms, tmp_path):
    """One paragraph with 5,000 attributes (Word's busiest tag has about 40) is refused as 'huge_tag'."""
    tag = b"<w:p " + b" ".join(b'w:a%d="%d"' % (i, i) for i in range(5_000)) + b"/>"
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "attrs.docx", {"word/document.xml": _body(tag)})
    assert "more than 1,000 attributes" in refused(path, "huge_tag", "docx").reason


@pytest.mark.parametrize("markup", [b'<w:p w:val="%s"/>', b"<!--%s-->", b"<?pi %s?>"], ids=["attribute", "comment", "instruction"])
def test_one_tag_or_comment_of_megabytes_is_refused_before_expat_rereads_it(forms, tmp_path, markup):
    """A 2 MB attribute value, comment or processing instruction (parsers re-read it for every piece that arrives) is refused as 'huge_tag'."""
    filler = bytes(random.Random(5).choices(b"abcdefghijklmnopqrstuvwxyz", k=2 * MB))
    path = hostile.rewrite_zip(forms["xlsx"], tmp_path / "long.xlsx", {"xl/worksheets/sheet1.xml": _body(markup % filler)})
    assert "over 256 KB long" in refused(path, "huge_tag", "xlsx").reason


def test_long_text_is_not_a_long_tag(forms, tmp_path):
    """A 2 MB answer typed in one cell is text, which parsers read as it comes: it passes."""
    text = b" ".join(random.Random(6).choices([b"the", b"child", b"was", b"seen", b"alone"], k=400_000))
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "essay.docx", {"word/document.xml": _body(b"<w:p><w:r><w:t>" + text + b"</w:t></w:r></w:p>")})
    assert inspect_bounded(path, Limits(max_tag_bytes=64 * 1024)).ok


def test_attributes_count_against_their_own_budget(forms, tmp_path):
    """Elements under their budget but carrying many attributes each are refused as 'too_many_attributes' past that budget."""
    rng = random.Random(7)
    tags = b"".join(b'<w:p w:a="%d" w:b="%d" w:c="%d"/>' % (rng.randrange(99), rng.randrange(99), rng.randrange(99)) for _ in range(8_000))
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "attrs.docx", {"word/document.xml": _body(tags)})
    result = refused(path, "too_many_attributes", "docx", limits=Limits(max_part_attributes=20_000))
    assert "word/document.xml" in result.reason and "20,000" in result.reason
