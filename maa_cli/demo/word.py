"""Filling an issued Word form in code the way Word saves it, for ``maa demo``.

Word replaces a content control's content with the typed runs and drops the
placeholder flag; a ticked box gets ``w14:checked="1"`` and the ☒ glyph. This
is demo data only: the tests prove the real round trip through LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from ..office.ooxml import W14, W, checkbox_tag

NS = {"w": W, "w14": W14}


def fill_word(form: Path, target: Path, answers: dict[str, object], choices: dict[str, tuple[str, ...]]) -> None:
    """Copy ``form`` to ``target`` with ``answers`` typed into their controls.

    ``choices`` maps a multiple-choice key to its options, so a list answer ticks the right boxes.
    """
    from lxml import etree

    with zipfile.ZipFile(form) as z:
        items = [(info, z.read(info.filename)) for info in z.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            if info.filename == "word/document.xml":
                root = etree.fromstring(data)
                for key, value in answers.items():
                    if isinstance(value, list):
                        for i, option in enumerate(choices.get(key, ())):
                            if option in value:
                                _tick(root, checkbox_tag(key, i + 1))  # Word tick boxes count from 1
                    elif value is not None:
                        _type(root, key, value)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            z.writestr(info, data)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(out.getvalue())


def _control(root, tag: str):
    found = root.xpath(f'//w:sdt[w:sdtPr/w:tag/@w:val="{tag}"]', namespaces=NS)
    return found[0] if found else None


def _type(root, tag: str, value) -> None:
    from lxml import etree

    sdt = _control(root, tag)
    if sdt is None:
        return
    for flag in sdt.xpath("w:sdtPr/w:showingPlcHdr", namespaces=NS):
        flag.getparent().remove(flag)
    if isinstance(value, dt.date):
        date = sdt.find("w:sdtPr/w:date", NS)
        if date is not None:
            date.set(f"{{{W}}}fullDate", f"{value.isoformat()}T00:00:00Z")
        value = value.strftime("%d/%m/%Y")
    content = sdt.find("w:sdtContent", NS)
    for child in list(content):
        content.remove(child)
    lines = str(value).split("\n")
    r = etree.SubElement(content, f"{{{W}}}r")
    for i, line in enumerate(lines):
        if i:
            etree.SubElement(r, f"{{{W}}}br")
        t = etree.SubElement(r, f"{{{W}}}t")
        t.text = line
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def _tick(root, tag: str) -> None:
    sdt = _control(root, tag)
    if sdt is None:
        return
    checked = sdt.find("w:sdtPr/w14:checkbox/w14:checked", NS)
    if checked is not None:
        checked.set(f"{{{W14}}}val", "1")
    text = sdt.find(".//w:t", NS)
    if text is not None:
        text.text = "\u2612"
