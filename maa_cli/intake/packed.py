"""A part of a zip held in memory, known by its packed bytes and unpacked without zipfile's reader.

:mod:`maa_cli.intake.safety` unpacks, searches and measures every part of every return, yet
the returns of one audit share most of their parts byte for byte (styles, theme, settings,
numbering). So a part is first known by its packed bytes: :func:`packed_key` hashes them together
with every field zipfile unpacks them by, and a key seen before stands for the same unpacked
bytes. A part seen for the first time is unpacked by :func:`inflate` in one call, where zipfile's
reader takes a dozen; whenever it cannot vouch for giving exactly the bytes zipfile would, it
gives nothing, and zipfile unpacks the part (and reports any damage) as before.

Nothing here reads a file: the caller holds the zip's bytes and has checked its index.
"""

from __future__ import annotations

import hashlib
import struct
import zipfile
import zlib

_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then the lengths of the part's name and extra field
_HOW_PACKED = struct.Struct("<HHQQL")  # method, flags, packed and unpacked sizes, CRC


def packed(data: bytes, info: zipfile.ZipInfo) -> memoryview | None:
    """The part's packed bytes within the zip's bytes, where zipfile reads them; None if they are not all there."""
    start = info.header_offset
    if start < 0 or len(data) < start + _LOCAL_HEADER.size:
        return None
    signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(data, start)
    begin = start + _LOCAL_HEADER.size + name_length + extra_length
    found = memoryview(data)[begin:begin + info.compress_size]
    return found if signature == b"PK\x03\x04" and len(found) == info.compress_size else None


def packed_key(found: memoryview, info: zipfile.ZipInfo) -> bytes:
    """A digest of a part's packed bytes and of every field zipfile unpacks them by.

    zipfile unpacks a part from exactly these bytes and fields, so two parts with one key unpack
    to the same bytes, or fail alike. A cryptographic digest, not the CRC: a part made to pass
    for another would need a blake2b collision, not just the same CRC and sizes.
    """
    key = hashlib.blake2b(found, digest_size=20)
    key.update(_HOW_PACKED.pack(info.compress_type, info.flag_bits, info.compress_size, info.file_size, info.CRC))
    return key.digest()


def inflate(found: memoryview, info: zipfile.ZipInfo) -> bytes | None:
    """A deflated part's unpacked bytes in one call; None unless they are certainly what zipfile gives.

    zipfile inflates the same bytes with the same decompressor, stops at the declared size and
    checks the CRC. So a stream that ends within the packed bytes, gives exactly the declared size
    and matches the CRC gives zipfile these very bytes; anything else (another method, a short or
    long stream, a wrong CRC, damage) is left to zipfile.
    """
    if info.compress_type != zipfile.ZIP_DEFLATED:
        return None
    inflater = zlib.decompressobj(-15)
    try:
        out = inflater.decompress(found, info.file_size + 1)
    except zlib.error:
        return None
    if inflater.eof and len(out) == info.file_size and zlib.crc32(out) == info.CRC:
        return out
    return None


def remember(memo: dict, key, value, kept: int) -> None:
    """Keep ``value`` under ``key``, forgetting the entry used least lately once ``kept`` are held."""
    if len(memo) >= kept:
        memo.pop(next(iter(memo)))
    memo[key] = value


def lookup(memo: dict, key):
    """The value kept under ``key`` (None if there is none), now the one used most lately.

    The parts every return shares are used again and again, while each return brings a few of its
    own that are never seen again; without this, those would push the shared ones out.
    """
    value = memo.pop(key, None)
    if value is not None:
        memo[key] = value
    return value
