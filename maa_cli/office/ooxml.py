"""Small shared helpers for Office Open XML (.docx) packages.

Namespaces, the custom document properties part (python-docx has no API for
it), and the names maa gives to answer boxes in a Word form. Both the Word
writer and the Word reader use these, so a form and its reader cannot drift
apart. Nothing here imports python-docx.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from xml.sax.saxutils import escape, quoteattr

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"

CUSTOM_PART = "docProps/custom.xml"
CUSTOM_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
# The format id Word gives every user-defined custom property.
CUSTOM_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"

# Word's own placeholder wording (current and older versions): shown in an empty
# answer box and never part of an answer, even when a value is typed next to it.
PLACEHOLDER_DROPDOWN = "Choose an item."
PLACEHOLDER_TEXT = "Click or tap here to enter text."
PLACEHOLDER_DATE = "Click or tap to enter a date."
PLACEHOLDERS = (
    PLACEHOLDER_DROPDOWN,
    PLACEHOLDER_TEXT,
    PLACEHOLDER_DATE,
    "Click here to enter text.",
    "Click here to enter a date.",
    "Tap here to enter text.",
)
BOX_TICKED = "\u2612"  # ☒
BOX_EMPTY = "\u2610"  # ☐
TICK_GLYPHS = frozenset("\u2612\u2611\u2713\u2714\u2717\u2718")  # ☒ ☑ ✓ ✔ ✗ ✘

_BOOKMARK_UNSAFE = re.compile(r"[^A-Za-z0-9]")
_BOOKMARK_MAX = 40  # Word silently truncates longer bookmark names


def w(tag: str) -> str:
    """Clark name of a WordprocessingML element or attribute (``w("tc")``)."""
    return f"{{{W}}}{tag}"


def w14(tag: str) -> str:
    return f"{{{W14}}}{tag}"


def checkbox_tag(key: str, index: int) -> str:
    """Content-control tag of the ``index``-th (1-based) tick box of a multiple-choice answer."""
    return f"{key}#{index}"


def split_checkbox_tag(tag: str) -> tuple[str, int] | None:
    key, sep, index = tag.rpartition("#")
    return (key, int(index)) if sep and index.isdigit() else None


def control_alias(number: str, label: str) -> str:
    """The title Word shows on an answer box: ``Q<number> <label>``, the label cut to 40 characters."""
    short = label if len(label) <= 40 else label[:39].rstrip() + "\u2026"
    return f"Q{number} {short}"


def answer_boxes(fields: Iterable) -> list[str]:
    """Every box of a form in order: a field's key, or one tick-box tag per choice of a multiple-choice field."""
    out: list[str] = []
    for f in fields:
        if f.type == "multiple_choice":
            out += [checkbox_tag(f.key, i) for i in range(1, len(f.choices) + 1)]
        else:
            out.append(f.key)
    return out


def bookmark_names(boxes: Iterable[str]) -> dict[str, str]:
    """Bookmark name for each answer box (a field key, or a tick-box tag).

    Bookmarks are what survives a LibreOffice save (content-control tags do
    not), so every box gets one. Names must be unique, at most 40 characters,
    and letters, digits and underscores only; ``q3.a`` becomes ``maa_q3_a`` and
    tick box 2 of ``q4`` becomes ``maa_q4__2``. A name that would be too long or
    clash takes a short hash instead. The mapping depends only on the boxes, so
    the reader rebuilds it from the tool.
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for box in boxes:
        split = split_checkbox_tag(box)
        base = _BOOKMARK_UNSAFE.sub("_", split[0] if split else box)
        name = f"maa_{base}__{split[1]}" if split else f"maa_{base}"
        if len(name) > _BOOKMARK_MAX or name.casefold() in used:
            digest = hashlib.sha1(box.encode()).hexdigest()[:8]
            suffix = f"_{digest}" + (f"__{split[1]}" if split else "")
            name = f"maa_{base}"[: _BOOKMARK_MAX - len(suffix)] + suffix
        out[box] = name
        used.add(name.casefold())
    return out


def custom_properties_xml(props: dict[str, str], keep: Iterable[tuple[str, str]] = ()) -> bytes:
    """The ``docProps/custom.xml`` part holding ``props`` as text properties.

    ``keep`` is (name, inner XML) of properties already in a partnership
    template, written back unchanged unless ``props`` replaces them.
    """
    lines = []
    pid = 2  # Word numbers user properties from 2
    for name, inner in keep:
        if name in props:
            continue
        lines.append(f'<property fmtid="{CUSTOM_FMTID}" pid="{pid}" name={quoteattr(name)}>{inner}</property>')
        pid += 1
    for name, value in props.items():
        lines.append(f'<property fmtid="{CUSTOM_FMTID}" pid="{pid}" name={quoteattr(name)}><vt:lpwstr>{escape(value)}</vt:lpwstr></property>')
        pid += 1
    body = "".join(lines)
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        f'<Properties xmlns="{CUSTOM}" xmlns:vt="{VT}">{body}</Properties>'
    ).encode()


def parse_custom_properties(xml: bytes) -> dict[str, str]:
    """Name → text of every custom property (any value type), from ``docProps/custom.xml``."""
    from defusedxml import ElementTree

    return custom_properties_in(ElementTree.fromstring(xml))


def custom_properties_in(root) -> dict[str, str]:
    """Name → text of every custom property in an already parsed ``docProps/custom.xml`` (ElementTree or lxml)."""
    out = {}
    for prop in root.iter(f"{{{CUSTOM}}}property"):
        name = prop.get("name")
        if name:
            out[name] = "".join(prop.itertext()).strip()
    return out


CORE_PROPERTY_LIMIT = 255  # python-docx refuses longer core properties; Word shows them in one line anyway


def core_text(value: str | None) -> str:
    """A document property value (title, subject, author) cut to what the format allows."""
    value = value or ""
    return value if len(value) <= CORE_PROPERTY_LIMIT else value[: CORE_PROPERTY_LIMIT - 1] + "…"
