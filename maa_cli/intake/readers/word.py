"""Reading a returned Word (.docx) form into a :class:`RawReturn`.

The XML is read directly (zipfile + lxml, with no DTD, entities or network), not
through python-docx: it is faster, and returns come back from Word *and* LibreOffice, which rewrites the
controls. LibreOffice 7.4 drops every control's tag and lock when it saves, and
the title of drop-down and date controls; it moves each ``bookmarkStart``
inside the control while the ``bookmarkEnd`` stays outside; dates keep only
their display text. So each answer is located by, in order: the control's tag,
its title (alias), the bookmark named after the answer key, and finally the
question number in the first cell of the row (for forms whose controls were
lost). The answer is the whole answer cell, read as the *accepted* view of any
tracked changes, because people type beside the box.

Nothing here raises on a strange file: what cannot be read goes in
``RawReturn.unreadable``.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ...definitions.tool import AnswerField, Tool
from ...forms.identity import FormIdentity, find_reference
from ...office.ooxml import (
    BOX_EMPTY,
    CUSTOM_PART,
    PLACEHOLDERS,
    TICK_GLYPHS,
    answer_boxes,
    bookmark_names,
    checkbox_tag,
    control_alias,
    custom_properties_in,
    parse_custom_properties,
    split_checkbox_tag,
    w,
    w14,
)
from ..safety import MAX_MEMBER_BYTES
from ..xmlcount import parsed
from .raw import RawAnswer, RawReturn

_MAX_PART_BYTES = MAX_MEMBER_BYTES  # the same bound as the safety checks; a real form's body is well under 1 MB
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_TRACKED = frozenset(w(t) for t in ("ins", "del", "moveFrom", "moveTo"))
# Never part of what a reader sees: deleted text, field codes, properties.
_HIDDEN = frozenset(
    [w(t) for t in ("del", "moveFrom", "delText", "delInstrText", "instrText", "pPr", "rPr", "sdtPr", "tblPr", "trPr", "tcPr", "sectPr", "fldData")]
    + ["{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"]
)
_TRUE = {"1", "true", "on"}
# Looked up once per element read: built once here.
_T, _TAB, _P, _TC, _TR, _SDT, _BOOKMARK = w("t"), w("tab"), w("p"), w("tc"), w("tr"), w("sdt"), w("bookmarkStart")
_SDT_PR, _SDT_CONTENT, _TAG, _ALIAS, _DATE, _VAL, _NAME = (
    w("sdtPr"), w("sdtContent"), w("tag"), w("alias"), w("date"), w("val"), w("name"))
_FULL_DATE, _CHECKBOX, _CHECKBOX_14, _CHECKED, _DEFAULT = (
    w("fullDate"), w("checkBox"), w14("checkbox"), w("checked"), w("default"))
_BREAKS = frozenset((w("br"), w("cr")))
_NO_GLYPHS = {ord(g): None for g in TICK_GLYPHS | {BOX_EMPTY}}
#: The first word of any placeholder: text without one holds no placeholder.
_PLACEHOLDER_WORD = re.compile("|".join(sorted({re.escape(phrase.split()[0]) for phrase in PLACEHOLDERS})))
_HEADER_PART = re.compile(r"word/(header|footer)\d*\.xml")


def read_word(path: Path, tool: Tool | None) -> RawReturn:
    """Read every answer of a returned Word form.

    Args:
        path: the returned file (any name: people rename files).
        tool: the audit tool the form was made from. Without it, only answers
            in controls that still carry their tag can be read.

    Returns:
        What the file holds, as typed; unreadable parts are listed, not raised.
    """
    result = RawReturn(path=Path(path), format="docx")
    try:
        package = _Package.open(Path(path))
        result.identity, result.identity_source = package.identity()
        result.printed = package.reference
        body = _Body(package.xml("word/document.xml"))
    except _Unreadable as exc:
        result.unreadable.append(str(exc))
        return result
    except Exception as exc:  # noqa: BLE001  a strange file must never stop a collection run
        result.unreadable.append(f"{Path(path).name}: the file could not be read as a Word document ({type(exc).__name__}: {exc}).")
        return result
    result.tracked_changes = body.tracked
    result.unreadable += package.damaged
    if result.identity and package.reference and package.reference.form_id != result.identity.form_id:
        result.notes.append(
            f"The custom properties say form {result.identity.form_id} but the reference line says "
            f"{package.reference.form_id}; the custom properties were used."
        )
    try:
        if tool is None:
            _read_by_tags(body, result)
        else:
            _read_fields(body, tool, result)
    except Exception as exc:  # noqa: BLE001
        result.unreadable.append(f"{Path(path).name}: reading the answers failed part-way ({type(exc).__name__}: {exc}).")
    return result


def word_identity(path: Path) -> tuple[FormIdentity | None, str | None]:
    """Which issued form a Word file is, and where that was found.

    Returns:
        ``(identity, "custom_properties" | "reference_line")``, or ``(None, None)``.
    """
    try:
        return _Package.open(Path(path)).identity()
    except Exception:  # noqa: BLE001
        return None, None


# -- the package -------------------------------------------------------------------


class _Unreadable(Exception):
    """The file is not something this reader can open; the message says what to do."""


class _Package:
    def __init__(self, path: Path, archive: zipfile.ZipFile):
        self.path, self.zip = path, archive
        self.names = set(archive.namelist())
        self.reference: FormIdentity | None = None
        self.damaged: list[str] = []
        self.parsed: dict[str, object] = {}

    @classmethod
    def open(cls, path: Path) -> _Package:
        try:
            with open(path, "rb") as handle:
                magic = handle.read(4)
            if magic == _OLE_MAGIC:
                raise _Unreadable(
                    f"{path.name}: this is an old-style .doc file or an encrypted document (e.g. a sensitivity label). "
                    "Ask the agency to save it as a Word Document (.docx) without encryption and send it again."
                )
            archive = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise _Unreadable(f"{path.name}: not a Word (.docx) file ({exc}). Ask the agency to save it as a Word Document (.docx).") from None
        if "word/document.xml" not in archive.namelist():
            raise _Unreadable(f"{path.name}: a zip file but not a Word document (no word/document.xml). Ask for the .docx form.")
        return cls(path, archive)

    def xml(self, name: str):
        """The parsed part, parsed once however often it is asked for (the body is searched for the reference line too)."""
        if name not in self.parsed:
            self.parsed[name] = self._parse(name)
        return self.parsed[name]

    def _parse(self, name: str):
        from lxml import etree

        info = self.zip.getinfo(name)
        if info.file_size > _MAX_PART_BYTES:
            raise _Unreadable(f"{self.path.name}: {name} is implausibly large ({info.file_size} bytes); the file was not read.")
        data = self.zip.read(name)
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:  # maa_cli.intake.safety refused these already; never parse one
            raise _Unreadable(f"{self.path.name}: {name} declares a DOCTYPE; the file was not read.")
        root = parsed(data)  # the safety check's tree of these very bytes, if it has one
        if root is not None:
            return root
        try:
            return etree.fromstring(data, _strict_parser())
        except etree.XMLSyntaxError as exc:
            root = _recover(data)
            if root is None:
                raise
            self.damaged.append(
                f"{self.path.name}: {name} is damaged ({exc}); it was read in recovery mode, so answers near the damage may be wrong. "
                "LibreOffice 7.4 writes such files when Track Changes is on while someone types in an answer box: "
                "check the answers with the agency, or ask for the form again filled in with Track Changes off."
            )
            return root

    def identity(self) -> tuple[FormIdentity | None, str | None]:
        self.reference = self._reference_line()
        if CUSTOM_PART in self.names:
            try:
                found = FormIdentity.from_properties(_custom_properties(self.zip.read(CUSTOM_PART)))
            except Exception:  # noqa: BLE001  damaged properties: the reference line may still do
                found = None
            if found:
                return found, "custom_properties"
        return (self.reference, "reference_line") if self.reference else (None, None)

    def _reference_line(self) -> FormIdentity | None:
        headers = sorted(n for n in self.names if _HEADER_PART.fullmatch(n))
        for name in [*headers, "word/document.xml"]:
            try:
                found = find_reference(accepted_text(self.xml(name)))
            except Exception:  # noqa: BLE001
                continue
            if found:
                return found
        return None


def _custom_properties(data: bytes) -> dict[str, str]:
    """The custom properties, from the safety check's tree of these bytes when it has one (no DTD, comments or
    instructions: the same tree defusedxml would build, for a tenth of the time), else parsed as always."""
    tree = None if b"<!DOCTYPE" in data or b"<!ENTITY" in data else parsed(data)
    return custom_properties_in(tree) if tree is not None else parse_custom_properties(data)


def _strict_parser():
    """libxml2 with nothing from outside the part (no DTD, entities or network), keeping what
    ElementTree kept: elements and text, not comments or processing instructions."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


def _recover(data: bytes):
    """Parse XML that is not well-formed (mismatched tags) as far as it goes; None if that is unsafe or hopeless."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return None  # never hand a DTD to a lenient parser
    from lxml import etree

    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return None


# -- text, the way a reader of the accepted document sees it --------------------------


def accepted_text(element) -> str:
    """Visible text of ``element`` with tracked insertions in and deletions out; paragraphs end in a newline."""
    out: list[str] = []
    try:
        _add_visible((element,), out.append)  # the element itself, as one of a parent's children
    except RecursionError:  # nesting deeper than Python's stack: libxml2 allows it with huge_tree only
        return _accepted_text_flat(element)
    return "".join(out)


def _add_visible(parent, add) -> None:
    # Called about a hundred times per return on small cells: recursion over the children is about
    # twice as fast as the explicit stack below, which gives the same text for any depth.
    for el in parent:
        tag = el.tag
        if tag in _HIDDEN:
            continue
        if tag == _T:
            add(el.text or "")
        elif tag == _TAB:
            add("\t")
        elif tag in _BREAKS:
            add("\n")
        if len(el):
            _add_visible(el, add)
        if tag == _P:
            add("\n")


def _accepted_text_flat(element) -> str:
    out: list[str] = []
    stack = [(element, False)]
    while stack:
        el, closing = stack.pop()
        if closing:
            out.append("\n")
            continue
        tag = el.tag
        if tag in _HIDDEN:
            continue
        if tag == _T:
            out.append(el.text or "")
        elif tag == _TAB:
            out.append("\t")
        elif tag in _BREAKS:
            out.append("\n")
        if tag == _P:
            stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))
    return "".join(out)


def _clean(text: str) -> str | None:
    if _PLACEHOLDER_WORD.search(text):  # else there is no placeholder to take out
        for phrase in PLACEHOLDERS:
            text = text.replace(phrase, "")
    text = text.replace("\u00a0", " ")
    head = text.rstrip("\n")
    if "\n" not in head:  # one line, as most answers are: stripping it is stripping each line
        return head.strip() or None
    lines = [line.strip() for line in text.split("\n")]
    cleaned = "\n".join(lines).strip()
    return cleaned or None


# -- the document body -----------------------------------------------------------------


@dataclass
class _Site:
    """Where an answer was found: the element holding it (a table cell, else a paragraph)."""

    container: object
    where: str
    how: str


class _Body:
    """Indexes of one ``document.xml``: controls by tag and title, bookmarks, table rows.

    Controls by tag are what a form saved by Word is read by; the titles and bookmarks are
    looked for only when a tag is missing (LibreOffice), so they are indexed on first use.
    """

    def __init__(self, root):
        self.root = root
        # lxml knows each element's parent (getparent), and finds tags in C.
        self.tracked = next(root.iter(*_TRACKED), None) is not None
        self.by_tag = self._controls(_TAG)
        self.copied = {tag for tag, controls in self.by_tag.items() if len(controls) > 1}
        self._by_alias: dict[str, list] | None = None
        self._bookmarks: dict[str, object] | None = None

    def _controls(self, key: str) -> dict[str, list]:
        """Controls by the value of their ``tag`` or ``alias`` (in the first ``sdtPr``), in document order."""
        index: dict[str, list] = {}
        for el in self.root.iter(_SDT):
            # As el.find(sdtPr).find(key), in plain loops: this runs for every control of every return.
            for pr in el:
                if pr.tag == _SDT_PR:
                    for found in pr:
                        if found.tag == key:
                            value = found.get(_VAL)
                            if value:
                                index.setdefault(value, []).append(el)
                            break
                    break
        return index

    @property
    def by_alias(self) -> dict[str, list]:
        if self._by_alias is None:
            self._by_alias = self._controls(_ALIAS)
        return self._by_alias

    @property
    def bookmarks(self) -> dict[str, object]:
        if self._bookmarks is None:
            self._bookmarks = {}
            for el in self.root.iter(_BOOKMARK):
                name = el.get(_NAME)
                if name and name not in self._bookmarks:
                    self._bookmarks[name] = el
        return self._bookmarks

    def container(self, el):
        """The answer cell around ``el`` (else its paragraph): people type beside the box."""
        paragraph = None
        node = el
        while node is not None:
            if node.tag == _TC:
                return node
            if node.tag == _P and paragraph is None:
                paragraph = node
            node = node.getparent()
        if paragraph is not None:
            return paragraph
        parent = el.getparent()
        return parent if parent is not None else el

    def rows(self):
        """Each table row as its list of cells (cells wrapped in a control included)."""
        for tr in self.root.iter(_TR):
            cells = []
            for child in tr:
                if child.tag == _TC:
                    cells.append(child)
                elif child.tag == _SDT:
                    cells.extend(child.iter(_TC))
            yield cells


def _first(parent, tag: str):
    """The first child of ``parent`` with ``tag``, or None (as ``find``, without its path parsing)."""
    for child in parent.iterchildren(tag):
        return child
    return None


def _number(text: str) -> str:
    return text.strip().rstrip(".:)").lstrip("Qq").strip().casefold()


# -- answers with the tool ------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """What reading any form of one tool needs from the tool: its fields, each field's boxes, their bookmarks."""

    fields: list[AnswerField]
    boxes: dict[str, list[str]]
    names: dict[str, str]


#: Plans by tool, each kept with its tool (so the id is not reused): a worker reads hundreds of returns of one tool.
_PLANS: dict[int, tuple[Tool, _Plan]] = {}
_PLANS_KEPT = 16


def _plan(tool: Tool) -> _Plan:
    kept = _PLANS.get(id(tool))
    if kept is not None and kept[0] is tool:
        return kept[1]
    fields = tool.fields()
    plan = _Plan(fields, {f.key: answer_boxes([f]) for f in fields}, bookmark_names(answer_boxes(fields)))
    if len(_PLANS) >= _PLANS_KEPT:
        _PLANS.pop(next(iter(_PLANS)))
    _PLANS[id(tool)] = (tool, plan)
    return plan


def _read_fields(body: _Body, tool: Tool, result: RawReturn) -> None:
    plan = _plan(tool)
    fields, boxes, names = plan.fields, plan.boxes, plan.names
    found_rows: list[dict] = []

    def rows() -> dict:
        """The last resort, worked out once and only if some box has neither tag, title nor bookmark."""
        if not found_rows:
            found_rows.append(_rows_by_field(body, tool, fields))
        return found_rows[0]

    for f in fields:
        site = _locate(body, f, boxes[f.key], names, rows)
        if site is None:
            result.unreadable.append(f"Question {f.number} ({f.label}): no answer box found for '{f.key}'.")
            continue
        if site.how == "tag" and body.copied and any(box in body.copied for box in boxes[f.key]):
            result.notes.append(f"Question {f.number}: the answer box appears more than once (copied?); the first one was read.")
        value = _multiple_choice(body, site.container, f, names, result) if f.type == "multiple_choice" else _single(site.container, f)
        result.answers[f.key] = RawAnswer(f.key, value, site.where, site.how)
    located = sum(1 for a in result.answers.values() if a.how in ("bookmark", "row_number"))
    if located and not any(a.how == "tag" for a in result.answers.values()):
        result.notes.append("The content controls had lost their tags (e.g. saved by LibreOffice); answers were found by bookmark or question number.")


def _locate(body: _Body, f: AnswerField, boxes: list[str], names: dict[str, str], rows: Callable[[], dict]) -> _Site | None:
    for box in boxes:
        if box in body.by_tag:
            return _Site(body.container(body.by_tag[box][0]), f"content control '{box}'", "tag")
    aliases = [control_alias(f.number, c) for c in f.choices] if f.type == "multiple_choice" else [control_alias(f.number, f.label)]
    for alias in aliases:
        if len(body.by_alias.get(alias, ())) == 1:
            return _Site(body.container(body.by_alias[alias][0]), f"content control titled '{alias}'", "alias")
    for box in boxes:
        if names[box] in body.bookmarks:
            return _Site(body.container(body.bookmarks[names[box]]), f"bookmark '{names[box]}'", "bookmark")
    by_row = rows()
    if f.key in by_row:
        return _Site(by_row[f.key], f"table row for question {f.number}", "row_number")
    return None


def _rows_by_field(body: _Body, tool: Tool, fields: list[AnswerField]) -> dict[str, object]:
    """Answer cell of each field found by the number in the row's first cell (last resort)."""
    by_number = {_number(f.number): f for f in fields if f.role == "answer"}
    question_numbers = {_number(q.number or q.id): q for q in tool.questions()}
    out: dict[str, object] = {}
    current = None
    for cells in body.rows():
        if len(cells) < 3:
            continue
        number = _number(accepted_text(cells[0]))
        if number in by_number:
            f = by_number[number]
            current = f.question
            out.setdefault(f.key, cells[-1])
        elif number in question_numbers:
            current = question_numbers[number]
        elif not number and current is not None:
            label = accepted_text(cells[1]).strip().casefold()
            for f in fields:
                if f.question is current and f.role != "answer" and label.startswith(f.label.casefold()):
                    out.setdefault(f.key, cells[-1])
        else:
            current = None
    return out


def _single(container, f: AnswerField) -> object:
    text = _clean(accepted_text(container))
    if f.type == "date" and text:
        full = _full_date(container)
        if full and _date_shown(container) == text:
            return full
    return text


def _full_date(container) -> dt.date | None:
    for date in container.iter(_DATE):
        value = date.get(_FULL_DATE) or ""
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _date_shown(container) -> str | None:
    for sdt in container.iter(_SDT):
        pr = _first(sdt, _SDT_PR)
        content = _first(sdt, _SDT_CONTENT)
        if pr is not None and _first(pr, _DATE) is not None and content is not None:
            return _clean(accepted_text(content))
    return None


def _multiple_choice(body: _Body, container, f: AnswerField, names: dict[str, str], result: RawReturn) -> object:
    """Ticked choices, from each tick box's state (either namespace) or its glyph."""
    by_bookmark = {names[checkbox_tag(f.key, i)]: i for i in range(1, len(f.choices) + 1)}
    ticked: list[str] = []
    boxes_seen = False
    extra: list[str] = []
    for para in container.iter(_P):
        box = _tick_box(para)
        text = _clean(_without_glyphs(accepted_text(para))) or ""
        if box is None:
            if text:
                extra.append(text)
            continue
        boxes_seen = True
        state, sdt = box
        if not state:
            continue
        index = _box_index(para, sdt, f.key, by_bookmark)
        choice = f.choices[index - 1] if index and index <= len(f.choices) else _match_choice(text, f.choices)
        if choice not in ticked:
            ticked.append(choice)
    if not boxes_seen:
        return "\n".join(extra) or []
    if extra:
        # Not quoted: notes reach the run log and --json output, and typed text may name a child.
        result.notes.append(f"Question {f.number}: text was typed beside the tick boxes; only the ticks were read "
                            "as the answer, so look at the returned file for what it says")
    return ticked


def _tick_box(para) -> tuple[bool, object] | None:
    """(ticked, control) for the tick box in this paragraph, or None if it has none."""
    for sdt in para.iter(_SDT):
        pr = _first(sdt, _SDT_PR)
        checkbox = _first(pr, _CHECKBOX_14) if pr is not None else None
        if checkbox is None and pr is not None:
            checkbox = next((c for c in pr if str(c.tag).endswith("}checkbox")), None)
        if checkbox is None:
            continue
        state = next((c for c in checkbox if str(c.tag).endswith("}checked")), None)
        flag = state is not None and any(v.strip().lower() in _TRUE for v in state.attrib.values())
        content = _first(sdt, _SDT_CONTENT)
        shown = accepted_text(sdt if content is None else content)
        glyph = any(g in shown for g in TICK_GLYPHS)
        return flag or glyph, sdt
    for legacy in para.iter(_CHECKBOX):
        state = _first(legacy, _CHECKED)
        if state is None:
            state = _first(legacy, _DEFAULT)
        return state is not None and (state.get(_VAL) or "1").lower() in _TRUE, None
    text = accepted_text(para).lstrip()
    if text[:1] in TICK_GLYPHS:
        return True, None
    if text[:1] == BOX_EMPTY:
        return False, None
    return None


def _box_index(para, sdt, key: str, by_bookmark: dict[str, int]) -> int | None:
    if sdt is not None:
        pr = _first(sdt, _SDT_PR)
        tag = _first(pr, _TAG) if pr is not None else None
        split = split_checkbox_tag(tag.get(_VAL) or "") if tag is not None else None
        if split and split[0] == key:
            return split[1]
    for mark in para.iter(_BOOKMARK):
        name = mark.get(_NAME)
        if name in by_bookmark:
            return by_bookmark[name]
    return None


def _without_glyphs(text: str) -> str:
    return text.translate(_NO_GLYPHS)


def _match_choice(text: str, choices: tuple[str, ...]) -> str:
    folded = text.strip().casefold()
    for choice in choices:
        if choice.casefold() == folded:
            return choice
    return text.strip()


# -- answers without the tool ---------------------------------------------------------------


def _read_by_tags(body: _Body, result: RawReturn) -> None:
    """Without a tool, read only what the tags say (Word kept them)."""
    ticks: dict[str, list[str]] = {}
    for tag, sdts in body.by_tag.items():
        split = split_checkbox_tag(tag)
        if split:
            para = _paragraph_of(body, sdts[0])
            box = _tick_box(para)
            chosen = ticks.setdefault(split[0], [])
            if box and box[0]:
                chosen.append(_clean(_without_glyphs(accepted_text(para))) or str(split[1]))
            result.answers[split[0]] = RawAnswer(split[0], chosen, f"content control '{split[0]}'", "tag")
        else:
            result.answers[tag] = RawAnswer(tag, _clean(accepted_text(body.container(sdts[0]))), f"content control '{tag}'", "tag")


def _paragraph_of(body: _Body, el):
    node = el
    while node is not None and node.tag != _P:
        node = node.getparent()
    return node if node is not None else el
