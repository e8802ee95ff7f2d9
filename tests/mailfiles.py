"""Returns as they arrive by e-mail, built in code: .eml messages, zips, and Outlook .msg files.

The .msg files are written by :func:`compound_file`, a small Compound File Binary writer of our
own (regular sectors, the mini stream, a red-black directory), so the reader maa uses (olefile)
is tested against an independent writer, not against itself. The property tags follow the
[MS-OXMSG] layout Outlook writes: ``__substg1.0_<tag><type>`` streams, one storage per
attachment, an attached message in a ``__substg1.0_3701000D`` storage.
"""

from __future__ import annotations

import struct
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
SECTOR, MINI, CUTOFF = 512, 64, 4096


def eml(path: Path, attachments: dict[str, bytes], *, sender: str = "Amira Khan <amira.khan@police.example>",
        subject: str = "Audit return", date=None, nested: bytes | None = None, extra_parts=()) -> Path:
    """Save an e-mail with ``attachments`` (name -> bytes), optionally with a forwarded message attached."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "audits@northshire-scp.example", subject
    if date is not None:
        msg["Date"] = format_datetime(date)
    msg.set_content("Please find our completed form attached.")
    for name, data in attachments.items():
        main, _, sub = _mime(name).partition("/")
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    if nested is not None:
        from email import message_from_bytes, policy

        msg.add_attachment(message_from_bytes(nested, policy=policy.default), filename="forwarded.eml")
    for maintype, subtype, data, name in extra_parts:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    path.write_bytes(bytes(msg))
    return path


def _mime(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].casefold()
    return {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "zip": "application/zip", "png": "image/png", "pdf": "application/pdf"}.get(suffix, "application/octet-stream")


def zipped(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _text(value: str) -> bytes:
    return value.encode("utf-16-le")


def msg_tree(attachments: dict[str, bytes], *, sender: str = "grace.mensah@nhs.example", subject: str = "Audit return",
             nested: dict | None = None, message_class: str = "IPM.Note") -> dict:
    """The storages and streams of an Outlook message with ``attachments`` (and an attached message)."""
    tree: dict = {
        "__substg1.0_0037001F": _text(subject),
        "__substg1.0_001A001F": _text(message_class),
        "__substg1.0_5D01001F": _text(sender),
        "__substg1.0_0C1F001F": _text(sender),
        "__properties_version1.0": bytes(32),
        "__nameid_version1.0": {"__substg1.0_00020102": b""},
    }
    for i, (name, data) in enumerate(attachments.items()):
        tree[f"__attach_version1.0_#{i:08X}"] = {
            "__substg1.0_3707001F": _text(name),
            "__substg1.0_3704001F": _text(name[:12]),
            "__substg1.0_37010102": data,
            "__properties_version1.0": bytes(8),
        }
    if nested is not None:
        i = len(attachments)
        tree[f"__attach_version1.0_#{i:08X}"] = {
            "__substg1.0_3001001F": _text("Forwarded: audit return"),
            "__substg1.0_3701000D": nested,
            "__properties_version1.0": bytes(8),
        }
    return tree


def compound_file(tree: dict) -> bytes:
    """A Compound File Binary (version 3) holding ``tree``: name -> bytes (a stream) or dict (a storage)."""
    entries: list[dict] = [{"name": "Root Entry", "type": 5, "left": FREE, "right": FREE, "child": FREE,
                            "start": END, "size": 0}]

    def add(children: dict) -> int:
        # Siblings as a right-leaning chain of black nodes, in CFB order (shorter names first, then upper-case).
        names = sorted(children, key=lambda n: (len(n), n.upper()))
        ids = list(range(len(entries), len(entries) + len(names)))
        entries.extend({} for _ in names)
        for pos, (ident, name) in enumerate(zip(ids, names, strict=True)):
            value = children[name]
            entry = {"name": name, "left": FREE, "right": ids[pos + 1] if pos + 1 < len(ids) else FREE,
                     "child": FREE, "start": END, "size": 0}
            if isinstance(value, dict):
                entry["type"] = 1
                entry["child"] = add(value) if value else FREE
            else:
                entry["type"], entry["data"] = 2, value
            entries[ident] = entry
        return ids[0] if ids else FREE

    entries[0]["child"] = add(tree)
    sectors: list[bytes] = []
    fat: list[int] = []

    def chain(data: bytes) -> int:
        if not data:
            return END
        first = len(sectors)
        pieces = [data[i:i + SECTOR].ljust(SECTOR, b"\0") for i in range(0, len(data), SECTOR)]
        for n, piece in enumerate(pieces):
            sectors.append(piece)
            fat.append(first + n + 1 if n + 1 < len(pieces) else END)
        return first

    mini_stream, minifat = bytearray(), []
    for entry in entries:
        data = entry.get("data")
        if entry.get("type") != 2 or not data:
            continue
        entry["size"] = len(data)
        if len(data) >= CUTOFF:
            entry["start"] = chain(data)
        else:
            first = len(mini_stream) // MINI
            count = -(-len(data) // MINI)
            mini_stream += data.ljust(count * MINI, b"\0")
            minifat += [first + n + 1 if n + 1 < count else END for n in range(count)]
            entry["start"] = first
    entries[0]["start"] = chain(bytes(mini_stream)) if mini_stream else END
    entries[0]["size"] = len(mini_stream)
    minifat_bytes = struct.pack(f"<{len(minifat)}L", *minifat) if minifat else b""
    minifat_start = chain(minifat_bytes.ljust(-(-len(minifat_bytes) // SECTOR) * SECTOR, b"\xff")) if minifat else END
    n_minifat = -(-len(minifat_bytes) // SECTOR)
    while len(entries) % (SECTOR // 128):
        entries.append({"name": "", "type": 0, "left": FREE, "right": FREE, "child": FREE, "start": 0, "size": 0})
    directory = b"".join(_dir_entry(e) for e in entries)
    dir_start = chain(directory)
    per = SECTOR // 4
    n_fat = 1
    while n_fat * per < len(sectors) + n_fat:
        n_fat += 1
    fat_ids = list(range(len(sectors), len(sectors) + n_fat))
    fat += [FATSECT] * n_fat
    fat += [FREE] * (n_fat * per - len(fat))
    if n_fat > 109:
        raise ValueError("test files stay small")
    header = struct.pack(
        "<8s16s5H6s9L", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", bytes(16), 0x3E, 3, 0xFFFE, 9, 6, bytes(6),
        0, n_fat, dir_start, 0, CUTOFF, minifat_start, n_minifat, END, 0,
    ) + struct.pack("<109L", *(fat_ids + [FREE] * 109)[:109])
    body = b"".join(sectors) + struct.pack(f"<{len(fat)}L", *fat)
    return header.ljust(SECTOR, b"\0") + body


def _dir_entry(e: dict) -> bytes:
    encoded = e["name"].encode("utf-16-le") + b"\0\0" if e["name"] else b""
    return struct.pack("<64sHBB3L16sL16sLQ", encoded, len(encoded), e["type"], 1, e["left"], e["right"], e["child"],
                       bytes(16), 0, bytes(16), e["start"], e["size"])


def msg(path: Path, attachments: dict[str, bytes], **kw) -> Path:
    path.write_bytes(compound_file(msg_tree(attachments, **kw)))
    return path

