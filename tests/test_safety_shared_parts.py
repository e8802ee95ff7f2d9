"""Parts that many returns share are unpacked once per process, and nothing else can pass for them.

The returns of one audit share most of their parts byte for byte (styles, theme, settings), so the
safety check remembers each part it unpacked and measured by a digest of its *packed* bytes and the
fields zipfile unpacks them by (see maa_cli/intake/packed.py). These tests hold it to two promises:
a part recognised that way gives exactly the verdict, and adds exactly the counts, that unpacking it
gives; and a different part is never taken for it, even one forged to keep its CRC and sizes.

Every test starts and ends with nothing remembered, so a "cold" inspection is a fresh worker's.
"""

from __future__ import annotations

import random
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/ has no package or conftest to find hostile.py

import hostile  # noqa: E402

from maa_cli.intake import safety, xmlcount  # noqa: E402
from maa_cli.intake.packed import packed, packed_key  # noqa: E402
from maa_cli.intake.safety import DEFAULT_LIMITS, Limits, inspect_file  # noqa: E402

SHARED = {"docx": ["word/styles.xml", "word/theme/theme1.xml", "word/settings.xml", "word/fontTable.xml"],
          "xlsx": ["xl/styles.xml", "xl/theme/theme1.xml", "xl/workbook.xml"]}
BODY = {"docx": "word/document.xml", "xlsx": "xl/worksheets/sheet1.xml"}


def _forget() -> None:
    safety._UNPACKED.clear()
    safety._MANIFESTS.clear()
    xmlcount._MEASURED.clear()
    xmlcount.forget_trees()


@pytest.fixture(autouse=True)
def nothing_remembered():
    _forget()
    yield
    _forget()


@pytest.fixture(scope="module")
def forms(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("forms")
    return {"docx": hostile.good_docx(folder / "good.docx"), "xlsx": hostile.good_xlsx(folder / "good.xlsx")}


def _answered(src: Path, dst: Path, kind: str, answer: str) -> Path:
    """Another return of the same form: its body differs, every other part is packed byte for byte alike."""
    with zipfile.ZipFile(src) as z:
        body = z.read(BODY[kind])
    marker = b"Example Health Trust" if kind == "docx" else b"Was the child seen?"
    assert marker in body
    return hostile.rewrite_zip(src, dst, {BODY[kind]: body.replace(marker, answer.encode())})


class _Unpacked:
    """Names of the parts unpacked (scanned) since it was made, and the file totals each inspection counted."""

    def __init__(self, monkeypatch):
        self.names: list[str] = []
        self.totals: list[tuple[int, int]] = []
        scan, counts = safety._scan_part, self

        def scan_part(chunks, counter):
            counts.names.append(counter.name)
            return scan(chunks, counter)

        class Recording(xmlcount.PackageCount):
            def __init__(self, limits):
                super().__init__(limits)
                counts.packages.append(self)

        self.packages: list[xmlcount.PackageCount] = []
        monkeypatch.setattr(safety, "_scan_part", scan_part)
        monkeypatch.setattr(safety, "PackageCount", Recording)

    def inspect(self, path: Path, limits: Limits = DEFAULT_LIMITS):
        self.names.clear()
        self.packages.clear()
        verdict = inspect_file(path, limits)
        totals = [(p.elements, p.attributes) for p in self.packages]
        return (verdict.ok, verdict.code, verdict.kind, verdict.reason), totals


def _cold_and_warm(spy: _Unpacked, first: Path, second: Path, limits: Limits = DEFAULT_LIMITS):
    """``second`` inspected by a fresh process, then by one that has just inspected ``first``."""
    _forget()
    cold = spy.inspect(second, limits)
    _forget()
    inspect_file(first, limits)
    warm = spy.inspect(second, limits)
    return cold, warm


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_a_shared_part_known_by_its_packed_bytes_counts_exactly_as_when_unpacked(forms, tmp_path, monkeypatch, kind):
    """A second return's shared parts are not unpacked again, and its verdict and element/attribute totals are unchanged."""
    first = _answered(forms[kind], tmp_path / f"first.{kind}", kind, "Northshire Police")
    second = _answered(forms[kind], tmp_path / f"second.{kind}", kind, "Northshire Community Health")
    spy = _Unpacked(monkeypatch)
    (cold, cold_totals), (warm, warm_totals) = _cold_and_warm(spy, first, second)
    assert cold[0] and warm == cold
    assert warm_totals == cold_totals and cold_totals[0][0] > 0
    assert BODY[kind] in spy.names  # the part of its own is unpacked and measured
    assert not set(SHARED[kind]) & set(spy.names)  # the shared ones are known by their packed bytes


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
@pytest.mark.parametrize("limits", [
    Limits(max_file_elements=2_500), Limits(max_file_elements=4_000), Limits(max_file_attributes=1_500),
    Limits(max_part_elements=500), Limits(max_depth=6), Limits(max_element_attributes=5),
], ids=["file-elements-tight", "file-elements", "file-attributes", "part-elements", "depth", "element-attributes"])
def test_known_parts_meet_every_limit_as_unpacked_parts_do(forms, tmp_path, monkeypatch, kind, limits):
    """Under tightened limits, some of which refuse the file, a process that knows the shared parts gives the same verdict and totals."""
    first = _answered(forms[kind], tmp_path / f"first.{kind}", kind, "Northshire Police")
    second = _answered(forms[kind], tmp_path / f"second.{kind}", kind, "Northshire Community Health")
    (cold, cold_totals), (warm, warm_totals) = _cold_and_warm(_Unpacked(monkeypatch), first, second, limits)
    assert warm == cold
    assert warm_totals == cold_totals


def _same_crc(data: bytes, crc: int) -> bytes:
    """``data`` with its last four bytes chosen so that its CRC-32 is ``crc`` (CRC-32 is linear, so this is easy)."""
    base = bytearray(data[:-4] + b"\0\0\0\0")
    start = zlib.crc32(base)
    basis: dict[int, tuple[int, int]] = {}  # highest bit -> (effect on the CRC, bits of the last four bytes)
    for bit in range(32):
        probe = bytearray(base)
        probe[-4 + bit // 8] ^= 1 << (bit % 8)
        effect, bits = zlib.crc32(probe) ^ start, 1 << bit
        while effect:
            top = effect.bit_length() - 1
            if top not in basis:
                basis[top] = (effect, bits)
                break
            effect, bits = effect ^ basis[top][0], bits ^ basis[top][1]
    want, tail = crc ^ start, 0
    while want:
        effect, bits = basis[want.bit_length() - 1]
        want, tail = want ^ effect, tail ^ bits
    base[-4:] = tail.to_bytes(4, "little")
    assert zlib.crc32(base) == crc
    return bytes(base)


def _with_part(src: Path, dst: Path, name: str, data: bytes, method: int) -> Path:
    """A copy of ``src`` with ``name`` holding ``data``, stored or deflated without compression (so equal lengths pack to equal sizes)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if info.filename != name:
                zout.writestr(info.filename, zin.read(info), zipfile.ZIP_DEFLATED)
        zout.writestr(name, data, method, compresslevel=0 if method == zipfile.ZIP_DEFLATED else None)
    return dst


def _packed(path: Path, name: str) -> tuple[tuple, bytes]:
    data = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(name)
    found = packed(data, info)
    return (info.CRC, info.file_size, info.compress_size, info.compress_type), bytes(found)


def _doctype(benign: bytes) -> bytes:
    head = b'<?xml version="1.0"?><!DOCTYPE w:settings [<!ENTITY x "x">]>'
    return head + benign[len(head):]


def _deep(benign: bytes) -> bytes:
    deep = b"<w:a>" * 200 + b"</w:a>" * 200
    return deep + b" " * (len(benign) - len(deep))


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED], ids=["stored", "deflated"])
@pytest.mark.parametrize(("tamper", "code"), [(_doctype, "doctype"), (_deep, "too_deep")], ids=["doctype", "deep"])
def test_a_part_forged_to_keep_the_crc_and_sizes_is_not_taken_for_the_one_measured(forms, tmp_path, method, tamper, code):
    """A hostile part with the CRC, sizes and method of a part already passed is unpacked, scanned and refused."""
    name = "word/settings.xml"
    with zipfile.ZipFile(forms["docx"]) as z:
        benign = z.read(name)
    hostile_part = _same_crc(tamper(benign), zlib.crc32(benign))
    good = _with_part(forms["docx"], tmp_path / "good.docx", name, benign, method)
    forged = _with_part(forms["docx"], tmp_path / "forged.docx", name, hostile_part, method)
    (fields, good_bytes), (forged_fields, forged_bytes) = _packed(good, name), _packed(forged, name)
    assert forged_fields == fields and forged_bytes != good_bytes  # only the packed bytes tell them apart
    assert inspect_file(good).ok
    with zipfile.ZipFile(good) as z:
        assert (packed_key(memoryview(good_bytes), z.getinfo(name)), DEFAULT_LIMITS) in safety._UNPACKED  # remembered
    verdict = inspect_file(forged)
    assert (verdict.ok, verdict.code, verdict.kind) == (False, code, "docx")
    assert name in verdict.reason


def _patch_local_name(data: bytes, name: str, other: str) -> bytes:
    at = data.index(b"PK\x03\x04")
    at = data.index(name.encode(), at)  # local headers come first; the central directory, with the same name, last
    return data[:at] + other.encode() + data[at + len(name):]


def test_a_known_part_still_gets_zipfiles_header_checks(forms, tmp_path, monkeypatch):
    """A part whose packed bytes are known but whose local header names another part is damage, as zipfile says, known or not."""
    path = tmp_path / "renamed.docx"
    path.write_bytes(_patch_local_name(forms["docx"].read_bytes(), "word/styles.xml", "word/stylez.xml"))
    (cold, _), (warm, _) = _cold_and_warm(_Unpacked(monkeypatch), forms["docx"], path)
    assert warm == cold
    assert cold[:2] == (False, "corrupt") and "differ" in cold[3]


def test_a_part_whose_crc_does_not_match_is_refused_as_zipfile_refuses_it(forms, tmp_path, monkeypatch):
    """A wrong CRC is not smoothed over by the one-call inflate: the verdict names zipfile's complaint, known or not."""
    data = forms["xlsx"].read_bytes()
    with zipfile.ZipFile(forms["xlsx"]) as z:
        crc = z.getinfo("xl/styles.xml").CRC
    path = tmp_path / "crc.xlsx"
    path.write_bytes(hostile.patch_central_directory(data, "xl/styles.xml", crc=crc ^ 1))
    (cold, _), (warm, _) = _cold_and_warm(_Unpacked(monkeypatch), forms["xlsx"], path)
    assert warm == cold
    assert cold[:2] == (False, "corrupt") and "Bad CRC-32" in cold[3]


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_damaged_copies_get_the_same_verdict_whatever_was_inspected_before(forms, tmp_path, monkeypatch, kind):
    """60 random corruptions of a form each get one verdict, from a fresh process or one that knows the form's parts."""
    rng = random.Random(f"shared-{kind}")
    original = forms[kind].read_bytes()
    path = tmp_path / f"mutant.{kind}"
    spy = _Unpacked(monkeypatch)
    for _ in range(60):
        data = bytearray(original)
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data))
        (cold, cold_totals), (warm, warm_totals) = _cold_and_warm(spy, forms[kind], path)
        assert warm == cold
        assert warm_totals == cold_totals


@pytest.mark.parametrize("paragraphs", [20, 10_000], ids=["small", "over-1MB"])
def test_the_body_tree_is_handed_to_the_reader_once_and_only_for_its_very_bytes(forms, tmp_path, paragraphs):
    """The reader gets the tree the check built of the body, once; bytes of the same length that differ get none.

    A body over 1 MB is known by its digest rather than kept beside its tree; one that big is measured
    in one parse only under raised element limits (else it could hold too many elements for them).
    """
    rng = random.Random(paragraphs)
    runs = b"".join(b"<w:p><w:r><w:t>" + bytes(rng.choices(b"abcdefghij ", k=120)) + b"</w:t></w:r></w:p>" for _ in range(paragraphs))
    body = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            + runs + b"</w:body></w:document>")
    path = hostile.rewrite_zip(forms["docx"], tmp_path / "long.docx", {BODY["docx"]: body})
    assert inspect_file(path, Limits(max_part_elements=1_000_000, max_file_elements=2_000_000)).ok
    at = body.index(b"<w:t>") + 5
    twin = body[:at] + (b"x" if body[at:at + 1] != b"x" else b"y") + body[at + 1:]
    assert len(twin) == len(body) and twin != body
    assert xmlcount.parsed(twin) is None
    root = xmlcount.parsed(body)
    assert root is not None and root.tag.endswith("}document") and len(root.findall(".//{*}p")) == paragraphs
    assert xmlcount.parsed(body) is None
    assert (len(body) > 1024 * 1024) == (paragraphs == 10_000)
