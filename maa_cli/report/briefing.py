"""The 7-minute briefing (.docx, published): seven short numbered boxes on one page.

Written from the returned findings form, on the partnership's Word template (its
letterhead and logo; ``word_template`` in audit.yaml) when it has one. The title
names the audit's theme. The boxes follow the order partnerships use: the audit
process, the cases, two headline boxes (what worked well, what needs to change),
the independent scrutineer's reflections, the recommendations, and what it means
for practice. The boxes are cells of a two-column table, so a screen reader meets
them in number order; each starts with a real heading. The four rows share the
height left on the page below the title, so the boxes fill one A4 page; when the
words would not fit, the text is set a little smaller, and if even that is not
enough the officer is told which boxes to shorten.

The words come from :func:`maa_cli.report.conclusions.conclusions`: masked again
for known names, prefilled figures as this run prints them. The briefing says
DRAFT on every page until the officer confirms on the form that it has been
checked for publication.
"""

from __future__ import annotations

from pathlib import Path

from ..forms.word_base import NS_DECL, xml
from . import text
from .conclusions import Conclusions, conclusions
from .context import ReportContext
from .docx_kit import HEADER_FILL, NOTE_FILL, Doc, borders, shade, table_property
from .findings_form import Findings
from .layout import text_lines, width_factor
from .summaries import key_figures

FILE_NAME = "7-minute-briefing.docx"
DRAFT = "DRAFT \u2014 not yet checked for publication"
BOX_WIDTH_CM = 8.5
BOX_PADDING_CM = 0.25  # the cell margins set in _box_borders (140 twips), each side
BOX_TEXT_PT = (10.5, 10.0, 9.5, 9.0)  # the sizes tried, largest first, until the boxes fit the page
GUTTER_CM = 0.1
SAFETY_CM = 1.2  # what Word and LibreOffice may lay out taller than the estimate, in Arial
UNKNOWN_FONT_SAFETY_CM = 3.0  # and in a template font of unknown widths and line heights


def boxes(ctx: ReportContext, f: Findings | Conclusions) -> list[tuple[str, str]]:
    """The seven (heading, text) boxes, masked, with prefilled figures suppressed again."""
    c = f if isinstance(f, Conclusions) else conclusions(ctx, f)
    scrutiny = ("Independent scrutineer's reflections", c.scrutineer) if c.scrutineer else ("Key figures", "\n".join(key_figures(ctx)))
    recs = "\n".join(f"{r.ref}. {r.action}" + _lead(r) for r in c.recommendations) or "The recommendations will follow."
    return [
        ("The audit process", c.audit_process),
        ("The cases" if ctx.audit.cases else "Who took part", c.overview),
        ("What worked well", c.worked_well),
        ("Areas for development", c.development),
        scrutiny,
        ("Recommendations", recs),
        ("What this means for your practice", c.practice),
    ]


def _lead(r) -> str:
    bits = []
    if r.lead:
        bits.append(f"lead: {r.lead}")
    if r.due:
        bits.append(f"by {r.due.strftime('%B %Y')}")
    return f" ({'; '.join(bits)})" if bits else ""


def briefing_title(ctx: ReportContext) -> str:
    """'7-minute briefing: <the audit's theme>' (the audit's title when it has no theme)."""
    return f"7-minute briefing: {(ctx.audit.theme or ctx.audit.title).strip()}"


def write_briefing(ctx: ReportContext, findings: Findings) -> Path:
    c = conclusions(ctx, findings)
    title = briefing_title(ctx)
    subtitle = c.title if c.title and c.title.casefold() != (ctx.audit.theme or "").casefold() else ctx.audit.title
    doc = Doc(ctx, title, f"7-minute briefing: {subtitle}")
    _compact(doc)
    if not c.checked:
        _draft_header(doc)
    doc.para(ctx.partnership, bold=True)
    doc.heading(title, 0)
    dated = f"{subtitle} \u00b7 {ctx.today.strftime('%B %Y')}"
    # Not kept with the boxes: were they ever too tall for the page, the title would still head page one.
    doc.para(dated, style="Heading 1").paragraph_format.keep_with_next = False
    if not c.checked:
        doc.note(f"{DRAFT}. Answer Yes to question 8 of the findings form once every box has been read for names and small numbers.")
    items = boxes(ctx, c)
    items.append(("About this briefing", text.render("briefing-about.txt.j2", ctx.ws.root, audit=ctx.audit,
                                                    date=ctx.today.strftime("%B %Y"), contact=c.contact)))
    room = _room_for_boxes(doc, title, dated, draft=not c.checked)
    box = _box_width(doc)
    size, heights = _fit(doc, items, room, box)
    if size is None:
        size, heights = BOX_TEXT_PT[-1], _row_needs(doc, items, BOX_TEXT_PT[-1], box)
        long = sorted(range(7), key=lambda i: -len(items[i][1]))[:2]
        ctx.notes.append("the 7-minute briefing runs onto a second page: shorten boxes "
                         + " and ".join(str(i + 1) for i in sorted(long)) + " on the findings form")
    _boxes_table(doc, items, size, heights, box)
    return doc.save(ctx.ws.reports_dir / FILE_NAME)


def _boxes_table(doc: Doc, items: list[tuple[str, str]], size: float, heights: list[float], box: float) -> None:
    from docx.shared import Cm

    table = doc.doc.add_table(rows=0, cols=2)
    table_property(table, xml(f'<w:tblCaption {NS_DECL} w:val="The seven briefing points"/>'))
    for row, i in enumerate(range(0, len(items), 2)):
        cells = table.add_row().cells
        tr_pr = table.rows[-1]._tr.get_or_add_trPr()
        tr_pr.append(xml(f"<w:cantSplit {NS_DECL}/>"))  # schema order: cantSplit before trHeight
        tr_pr.append(xml(f'<w:trHeight {NS_DECL} w:val="{int(Cm(heights[row]).twips)}" w:hRule="atLeast"/>'))
        for cell, (n, (heading, body)) in zip(cells, list(enumerate(items, 1))[i:i + 2], strict=False):
            cell.width = Cm(box)
            number = f"{n}  " if n <= 7 else ""
            para = cell.paragraphs[0]
            para._p.style = doc.sid["Heading 2"]
            doc.runs(para, f"{number}{heading}")
            for block in (body or "\u2014").split("\n\n"):
                p = cell.add_paragraph()
                p._p.style = doc.sid.get("Form cell")
                doc.runs(p, block.strip(), size=size)
            shade(cell, HEADER_FILL if n % 2 else NOTE_FILL if n == 8 else "EDF2F9")
    _box_borders(table)


# -- sizing the boxes to the page ----------------------------------------------------------------------
# Heights are worked out from the template's own styles (a partnership's Title may be 26-point with a rule
# under it), with Arial's widths for wrapping; SAFETY_CM covers what a renderer lays out a little taller.

PT_CM = 2.54 / 72
LINE = 1.2  # a line is about this many times the font size
PARAGRAPH_GAP_CM = 4 * PT_CM  # Form cell: 2 pt before and after


def _box_width(doc: Doc) -> float:
    """A box's width: half the page's text width (a partnership's template may have wider margins), at most BOX_WIDTH_CM."""
    section = doc.doc.sections[0]
    return min(BOX_WIDTH_CM, (section.page_width - section.left_margin - section.right_margin) / 360000 / 2)


def _row_needs(doc: Doc, items: list[tuple[str, str]], size: float, box: float) -> list[float]:
    """Each row's height (cm) for its taller box at text size ``size``."""
    width = box - 2 * BOX_PADDING_CM
    needs = []
    for n, (heading, body) in enumerate(items, 1):
        blocks = (body or "\u2014").split("\n\n")
        lines = sum(text_lines(part, width, size, wider=_wider(doc)) for block in blocks for part in block.split("\n"))
        title = _paragraph_cm(doc, "Heading 2", f"{n}  {heading}", width)
        needs.append(title + lines * size * LINE * PT_CM + len(blocks) * PARAGRAPH_GAP_CM + 2 * BOX_PADDING_CM)
    return [max(needs[i:i + 2]) for i in range(0, len(needs), 2)]


def _fit(doc: Doc, items: list[tuple[str, str]], room: float, box: float) -> tuple[float | None, list[float]]:
    """The largest text size whose rows fit in ``room`` cm, and the rows' heights sharing all of it."""
    for size in BOX_TEXT_PT:
        needs = _row_needs(doc, items, size, box)
        if sum(needs) <= room:
            spare = (room - sum(needs)) / len(needs)
            return size, [n + spare for n in needs]
    return None, []


def _room_for_boxes(doc: Doc, title: str, subtitle: str, draft: bool) -> float:
    """The height (cm) left for the boxes on the first page, below the title block."""
    section = doc.doc.sections[0]
    emu_cm = 360000
    header = _header_cm(section) + (0.6 if draft else 0.0)
    top = max(section.top_margin / emu_cm, section.header_distance / emu_cm + header + 0.3)
    bottom = max(section.bottom_margin / emu_cm, section.footer_distance / emu_cm + 1.0)
    width = (section.page_width - section.left_margin - section.right_margin) / emu_cm
    used = _paragraph_cm(doc, "Normal", doc.ctx.partnership, width, bold=True)
    used += _paragraph_cm(doc, "Title", title, width, bold=True)
    used += _paragraph_cm(doc, "Heading 1", subtitle, width, bold=True)
    if draft:
        used += 1.6  # the DRAFT note and the space after it
    safety = SAFETY_CM if _wider(doc) == 1.0 else UNKNOWN_FONT_SAFETY_CM
    return section.page_height / emu_cm - top - bottom - used - safety


def _paragraph_cm(doc: Doc, style_name: str, text: str, width_cm: float, bold: bool = True) -> float:
    """How tall a paragraph of ``text`` in style ``style_name`` is: its lines, its spacing and any rule under it."""
    from docx.oxml.ns import qn

    style = doc.doc.styles[style_name] if style_name in doc.sid else doc.doc.styles["Normal"]
    size = _resolved(style, lambda s: s.font.size and s.font.size.pt) or _default_size(doc)
    before = _resolved(style, lambda s: s.paragraph_format.space_before) or 0
    after = _resolved(style, lambda s: s.paragraph_format.space_after) or 0
    rule = 0.3 if style.element.find(f"{qn('w:pPr')}/{qn('w:pBdr')}") is not None else 0.0
    lines = text_lines(text, width_cm, size, bold=bold, wider=_wider(doc, style))
    return lines * size * LINE * PT_CM + (before + after) / 360000 + rule


def _wider(doc: Doc, style=None) -> float:
    """How much wider than Arial the template's font for ``style`` (default Normal) may run."""
    style = style if style is not None else doc.doc.styles["Normal"]
    return width_factor(_resolved(style, lambda s: s.font.name))


def _resolved(style, get):
    """A style's own value, else its base style's, and so on up the chain."""
    while style is not None:
        value = get(style)
        if value is not None:
            return value
        style = style.base_style
    return None


def _default_size(doc: Doc) -> float:
    """The document's default font size (docDefaults), 11 pt when it does not say."""
    from docx.oxml.ns import qn

    sz = doc.doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:sz')}")
    return int(sz.get(qn("w:val"))) / 2 if sz is not None else 11.0


def _header_cm(section) -> float:
    """How tall the template's header is: its pictures (a logo) and lines of text."""
    from docx.oxml.ns import qn

    header = section.header._element
    pictures = [int(e.get("cy", 0)) / 360000 for e in header.iter(qn("wp:extent"))]
    text_lines_ = sum(1 for p in header.iter(qn("w:p")) if "".join(t.text or "" for t in p.iter(qn("w:t"))).strip())
    return max(pictures, default=0.0) + 0.5 * text_lines_


def _compact(doc: Doc) -> None:
    """Tighter spacing so seven boxes fit on one A4 page."""
    from docx.shared import Pt

    for name, before, after in (("Heading 2", 2, 2), ("Title", 0, 2), ("Heading 1", 2, 6)):
        if name in doc.sid:
            fmt = doc.doc.styles[name].paragraph_format
            fmt.space_before, fmt.space_after = Pt(before), Pt(after)


def _draft_header(doc: Doc) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    for section in doc.doc.sections:
        para = section.header.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        doc.runs(para, DRAFT, bold=True)


def _box_borders(table) -> None:
    """White gutters between the boxes, and room inside each."""
    borders(table, "FFFFFF", 18)
    margins = "".join(f'<w:{e} w:w="140" w:type="dxa"/>' for e in ("top", "left", "bottom", "right"))
    table_property(table, xml(f"<w:tblCellMar {NS_DECL}>{margins}</w:tblCellMar>"))
