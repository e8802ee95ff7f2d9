"""Building blocks for the Word reports: the same base as the forms, plus report furniture.

Every report starts from :func:`maa_cli.forms.word_base.open_base` (the
partnership's template, or an A4 en-GB document), so forms and reports look
alike. Tables get a repeating header row and a caption for screen readers;
pictures get alt text; text goes through the report's :class:`TextGuard` so a
stray control character in an answer never stops a report.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from .. import atomic
from ..forms.word_base import NS_DECL, open_base, xml
from ..office.ooxml import W, core_text

HEADER_FILL = "D9E2F3"
NOTE_FILL = "FFF2CC"
FLAG_FILL = "FCE4D6"
USABLE_CM = 17.0  # A4 less 2 cm margins
KEEP_TOGETHER = 15  # rows: a table this short stays on one page


class Doc:
    """A report being written: python-docx's document plus the run's text guard."""

    def __init__(self, ctx, title: str, subject: str = "", restricted: bool = False):
        from ..forms.plan import word_template  # the partnership's template named in audit.yaml

        self.ctx = ctx
        self.title, self.subject = title, subject
        self.doc = open_base(word_template(ctx.ws))
        self.sid = {s.name: s.style_id for s in self.doc.styles}
        self._contents = None  # the paragraph a contents list goes in, filled when the document is saved
        _ensure_report_styles(self.doc)
        self.sid = {s.name: s.style_id for s in self.doc.styles}
        if restricted:
            self.mark(f"{ctx.audit.protective_marking} · restricted: for the panel only".lstrip(" ·"))

    def mark(self, text: str) -> None:
        """Put a protective marking at the top right of every page's header."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        for section in self.doc.sections:
            header = section.header
            para = header.paragraphs[-1] if header.paragraphs and not header.paragraphs[-1].text else header.add_paragraph()
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = para.add_run(text)
            run.font.size, run.bold = Pt(8), True

    # -- text
    def heading(self, text: str, level: int = 1):
        style = "Title" if level == 0 else f"Heading {level}"
        return self.para(text, style=style)

    def para(self, text: str = "", style: str | None = None, bold: bool = False, italic: bool = False, where: str = ""):
        para = self.doc.add_paragraph()
        if style:
            para._p.style = self.sid.get(style, style)
        if text:
            self.runs(para, text, bold=bold, italic=italic, where=where)
        return para

    def runs(self, para, text: str, bold: bool = False, italic: bool = False, where: str = "", size: float | None = None):
        """Add ``text`` to ``para``; line breaks become breaks within the paragraph."""
        from docx.shared import Pt

        text = self.ctx.guard.xml(str(text), where)
        for i, line in enumerate(text.split("\n")):
            run = para.add_run(line)
            if i:
                run._r.insert(0 if run._r.rPr is None else 1, xml(f"<w:br {NS_DECL}/>"))
            run.bold, run.italic = bold or None, italic or None
            if size:
                run.font.size = Pt(size)
        return para

    def paragraphs(self, text: str, style: str | None = None, where: str = "") -> None:
        """Blank-line separated blocks as separate paragraphs."""
        for block in str(text).split("\n\n"):
            if block.strip():
                self.para(block.strip(), style=style, where=where)

    def bullets(self, items: list[str], where: str = "") -> None:
        style = "List Bullet" if "List Bullet" in self.sid else None
        for item in items:
            self.para(item if style else f"\u2022 {item}", style=style, where=where)

    def caption(self, text: str):
        """A table's visible caption, kept on the same page as the table."""
        from docx.shared import Pt

        para = self.para(text, style="Caption" if "Caption" in self.sid else "Form guidance")
        para.paragraph_format.keep_with_next = True
        para.paragraph_format.space_before, para.paragraph_format.space_after = Pt(8), Pt(3)
        return para

    def contents(self, title: str = "Contents") -> None:
        """A contents list here: headings 1 and 2, listed when the document is saved (see :func:`_contents_list`)."""
        para = self.para(title, style="TOC Heading" if "TOC Heading" in self.sid else None, bold="TOC Heading" not in self.sid)
        para.paragraph_format.keep_with_next = True
        self._contents = self.para()

    def note(self, text: str, fill: str = NOTE_FILL) -> None:
        """A boxed note (a one-cell table, so it stays a box in Word, LibreOffice and PDF)."""
        table = self.table(["Note"], [[text]], [USABLE_CM], caption="Note", with_header=False)
        shade(table.rows[0].cells[0], fill)
        self.doc.add_paragraph()

    # -- tables
    def table(self, header: list[str], rows: list[list], widths_cm: list[float], caption: str = "",
              with_header: bool = True, size: float | None = 9.5, where: str = "", keep_rows: bool = True):
        """A bordered table; the header row repeats on every page and is marked as a header for screen readers.

        A short table (up to :data:`KEEP_TOGETHER` rows) is kept on one page, with the paragraph after it (its
        note), so it never starts at the foot of a page; a longer one runs on, its header row repeated.
        """
        from docx.shared import Cm

        table = self.doc.add_table(rows=0, cols=len(widths_cm))
        _keep_lead_in(table)
        borders(table)
        if caption:
            table_property(table, xml(f'<w:tblCaption {NS_DECL} w:val="{_attr(self.ctx.guard.xml(caption))}"/>'))
        if with_header:
            cells = table.add_row().cells
            tr_pr = table.rows[0]._tr.get_or_add_trPr()
            tr_pr.append(xml(f"<w:cantSplit {NS_DECL}/>"))  # schema order: cantSplit before tblHeader
            tr_pr.append(xml(f"<w:tblHeader {NS_DECL}/>"))
            for cell, text in zip(cells, header, strict=True):
                self.cell(cell, text, bold=True, size=size)
                shade(cell, HEADER_FILL)
        for row in rows:
            cells = table.add_row().cells
            if keep_rows:  # short rows never break across a page; long narrative rows may
                table.rows[-1]._tr.get_or_add_trPr().append(xml(f"<w:cantSplit {NS_DECL}/>"))
            for cell, value in zip(cells, row, strict=True):
                self.cell(cell, "" if value is None else value, size=size, where=where)
        if keep_rows and len(rows) + with_header <= KEEP_TOGETHER:
            for tr in table.rows:
                for tc in tr.cells:
                    for para in tc.paragraphs:
                        para.paragraph_format.keep_with_next = True
        if with_header:  # a heading never breaks mid-word: narrow columns take room from roomy ones
            from .layout import fit_widths

            widths_cm = fit_widths([str(h) for h in header], list(widths_cm), size or 11)
        widths = [Cm(w) for w in widths_cm]
        table.autofit = False
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width
        for tr in table._tbl.tr_lst:
            for tc, width in zip(tr.tc_lst, widths, strict=False):
                tc.width = width
        return table

    def cell(self, cell, value, bold: bool = False, italic: bool = False, size: float | None = 9.5, where: str = "") -> None:
        para = cell.paragraphs[0]
        style = self.sid.get("Form cell")  # resolved once: python-docx looks a style up by scanning them all
        if style:
            para._p.style = style
        blocks = str(value).split("\n\n")
        for i, block in enumerate(blocks):
            p = para if i == 0 else cell.add_paragraph()
            if i:
                p._p.style = para._p.style
            self.runs(p, block, bold=bold, italic=italic, where=where, size=size)

    # -- pictures
    def picture(self, png: bytes, alt: str, title: str, width_cm: float = 16.0) -> None:
        """An image with alt text (``descr``) and a title, as Word's accessibility checker expects."""
        from docx.shared import Cm

        self.doc.add_picture(io.BytesIO(png), width=Cm(width_cm))
        inline = self.doc.paragraphs[-1]._p.xpath(".//wp:docPr")[0]
        inline.set("descr", self.ctx.guard.xml(alt))
        inline.set("title", self.ctx.guard.xml(title))
        inline.set("name", self.ctx.guard.xml(title)[:60])

    # -- saving
    def save(self, path: Path) -> Path:
        """Set the package properties, then write atomically (a clear error if Word holds the file)."""
        from ..forms.word_base import set_settings  # compat mode 15, en-GB theme language, no protection

        set_settings(self.doc)
        if self._contents is not None:
            _contents_list(self.doc, self._contents, self.sid)
        props = self.doc.core_properties
        now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
        props.author = props.last_modified_by = core_text(self.ctx.partnership)
        props.title = core_text(self.title)
        props.subject = core_text(self.subject or self.ctx.audit.title)
        props.language = "en-GB"
        props.comments = props.keywords = props.category = props.content_status = ""
        props.created = props.modified = now
        props.revision = 1
        _document_language(self.doc)
        buffer = io.BytesIO()
        self.doc.save(buffer)
        atomic.write_bytes(Path(path), buffer.getvalue())
        return Path(path)


def _keep_lead_in(table) -> None:
    """Keep the paragraph that introduces a table (a caption, a sentence, a heading) on the table's page."""
    from docx.oxml.ns import qn

    prev = table._tbl.getprevious()
    if prev is not None and prev.tag == qn("w:p") and "".join(t.text or "" for t in prev.iter(qn("w:t"))).strip():
        prev.get_or_add_pPr().keepNext_val = True


def shade(cell, fill: str) -> None:
    cell._tc.get_or_add_tcPr().append(xml(f'<w:shd {NS_DECL} w:val="clear" w:color="auto" w:fill="{fill}"/>'))


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


# Word rejects a table whose properties are out of schema order ("unreadable content").
_TBLPR_ORDER = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW", "jc",
                "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription")


def table_property(table, element) -> None:
    """Set one table property element, replacing any of the same kind, in schema order."""
    tbl_pr = table._tbl.tblPr
    for old in tbl_pr.findall(element.tag):
        tbl_pr.remove(old)
    name = element.tag.rpartition("}")[2]
    rank = _TBLPR_ORDER.index(name)
    for child in tbl_pr:
        other = child.tag.rpartition("}")[2]
        if other in _TBLPR_ORDER and _TBLPR_ORDER.index(other) > rank:
            child.addprevious(element)
            return
    tbl_pr.append(element)


def borders(table, colour: str = "808080", size: int = 4) -> None:
    edges = "".join(f'<w:{e} w:val="single" w:sz="{size}" w:space="0" w:color="{colour}"/>'
                    for e in ("top", "left", "bottom", "right", "insideH", "insideV"))
    table_property(table, xml(f"<w:tblBorders {NS_DECL}>{edges}</w:tblBorders>"))


def _ensure_report_styles(doc) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt

    names = {s.name for s in doc.styles}
    if "Heading 3" not in names:
        style = doc.styles.add_style("Heading 3", WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        style.font.bold, style.font.size = True, Pt(11)
        style.paragraph_format.keep_with_next = True
        style.element.get_or_add_pPr().append(xml(f'<w:outlineLvl {NS_DECL} w:val="2"/>'))
    else:
        style = doc.styles["Heading 3"]
        style.font.name, style.font.size = "Arial", Pt(11)
        for fonts in style.element.get_or_add_rPr().findall(f"{{{W}}}rFonts"):
            for attr in [a for a in fonts.attrib if a.endswith("Theme")]:
                del fonts.attrib[attr]


def _document_language(doc) -> None:
    """en-GB as the default language of every run (a partnership template may say en-US)."""
    styles = doc.styles.element
    defaults = styles.find(f"{{{W}}}docDefaults")
    if defaults is None:
        return
    rpr = defaults.find(f"{{{W}}}rPrDefault/{{{W}}}rPr")
    if rpr is None:
        return
    lang = rpr.find(f"{{{W}}}lang")
    if lang is None:
        lang = xml(f'<w:lang {NS_DECL} w:val="en-GB"/>')
        rpr.append(lang)
    lang.set(f"{{{W}}}val", "en-GB")


# Word's settings children that come after w:updateFields, in schema order.
_AFTER_UPDATE_FIELDS = ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr", "attachedSchema",
                        "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures",
                        "forceUpgrade", "captions", "readModeInkLockDown", "smartTagType", "schemaLibrary", "shapeDefaults",
                        "doNotEmbedSmartTags", "decimalSymbol", "listSeparator")
CONTENTS_LEVELS = 2


def _contents_list(doc, at, sid: dict[str, str]) -> None:
    """Fill the contents paragraph ``at``: a Word TOC field (Word brings it up to date, with page
    numbers, when the document opens) whose stored result lists the headings as links, which is
    what LibreOffice and a PDF made from the file show."""
    from docx.oxml.ns import qn

    headings = []
    for p in doc.element.body.iter(qn("w:p")):
        style = p.pPr.pStyle.val if p.pPr is not None and p.pPr.pStyle is not None else ""
        level = next((n for n in range(1, CONTENTS_LEVELS + 1) if style == sid.get(f"Heading {n}")), None)
        text = "".join(t.text or "" for t in p.iter(qn("w:t")))
        if level and text.strip():
            headings.append((level, text.strip(), p))
    if not headings:
        at._p.getparent().remove(at._p)
        return
    entries = []
    for i, (level, text, p) in enumerate(headings):
        name = f"_Toc{i + 1:04d}"
        p.insert(1 if p.pPr is not None else 0, xml(f'<w:bookmarkStart {NS_DECL} w:id="{900 + i}" w:name="{name}"/>'))
        p.append(xml(f'<w:bookmarkEnd {NS_DECL} w:id="{900 + i}"/>'))
        style = _toc_style(doc, sid, level)
        link = (f'<w:hyperlink w:anchor="{name}" w:history="1"><w:r><w:t xml:space="preserve">{_escape(text)}</w:t></w:r></w:hyperlink>')
        entries.append((style, link))
    begin = (f'<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
             f'<w:r><w:instrText xml:space="preserve"> TOC \\o "1-{CONTENTS_LEVELS}" \\h \\z \\u </w:instrText></w:r>'
             f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>')
    end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    paragraphs = []
    for k, (style, link) in enumerate(entries):
        ppr = f'<w:pPr><w:pStyle w:val="{style}"/><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="9628"/></w:tabs></w:pPr>'
        body = (begin if k == 0 else "") + link + (end if k == len(entries) - 1 else "")
        paragraphs.append(xml(f"<w:p {NS_DECL}>{ppr}{body}</w:p>"))
    for para in paragraphs:
        at._p.addprevious(para)
    at._p.getparent().remove(at._p)
    settings = doc.settings.element
    if settings.find(qn("w:updateFields")) is None:
        update = xml(f'<w:updateFields {NS_DECL} w:val="true"/>')
        later = [el for el in settings if el.tag.rpartition("}")[2] in _AFTER_UPDATE_FIELDS]
        later[0].addprevious(update) if later else settings.append(update)


def _toc_style(doc, sid: dict[str, str], level: int) -> str:
    """The style id of Word's built-in "toc N" style, added (indented by level) when the template lacks it."""
    from docx.shared import Cm, Pt

    name = f"toc {level}"
    for style in doc.styles:
        if style.name.casefold() == name:
            return style.style_id
    element = xml(f'<w:style {NS_DECL} w:type="paragraph" w:styleId="TOC{level}"><w:name w:val="{name}"/>'
                  f'<w:basedOn w:val="{sid.get("Normal", "Normal")}"/><w:next w:val="{sid.get("Normal", "Normal")}"/>'
                  '<w:uiPriority w:val="39"/><w:unhideWhenUsed/></w:style>')
    doc.styles.element.append(element)
    style = next(s for s in doc.styles if s.style_id == f"TOC{level}")
    style.paragraph_format.left_indent = Cm(0.6 * (level - 1))
    style.paragraph_format.space_after = Pt(2 if level > 1 else 3)
    if level == 1:
        style.font.bold = True
    return style.style_id


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
