"""The document a Word form is built on, and its package-level parts.

Either a partnership's own template (its styles, logo, header and footer; body
emptied) or python-docx's default turned into a UK form: A4, en-GB, Word 2013+
compatibility (mode 15), and no trace of the library in its metadata. After
the body is laid out, :func:`finish_package` sets the settings, core
properties (author = the partnership) and the custom properties that carry the
form's identity (python-docx has no API for those, so the part is written here).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from ..office.ooxml import CUSTOM_FMTID, W14, W, core_text, custom_properties_xml
from .content import FormContent

NS_DECL = f'xmlns:w="{W}" xmlns:w14="{W14}"'
_GUIDE_COLOUR = "404040"
_TEMPLATE_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
_DOCUMENT_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_AFTER_COMPAT = frozenset(
    ["docVars", "rsids", "mathPr", "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown", "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol", "listSeparator"]
)
_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"


def open_base(template: Path | None):
    """A python-docx Document to lay the form out in, with every style the form uses."""
    import docx

    if template:
        doc = docx.Document(_as_document(Path(template)))
    else:
        doc = docx.Document(io.BytesIO(default_template_bytes()))
    _clear_body(doc)
    _ensure_styles(doc)
    return doc


DEFAULT_TEMPLATE = "form.docx"


def default_template_bytes() -> bytes:
    """maa's clean default base (templates/form.docx): what a partnership copies to brand its forms."""
    from ..resources import bundled

    return (bundled("templates") / DEFAULT_TEMPLATE).read_bytes()


def write_default_template(path: Path) -> None:
    """Make templates/form.docx from python-docx's default, fixed for UK forms.

    Run when the default's look changes: ``python -c "from maa_cli.forms.word_base import
    write_default_template as w; w(__import__('pathlib').Path('templates/form.docx'))"``.
    """
    import docx

    from .. import atomic

    doc = docx.Document()
    _tidy_default_base(doc)
    _clear_body(doc)
    _ensure_styles(doc)
    set_settings(doc)
    props = doc.core_properties
    props.author = props.last_modified_by = props.title = props.subject = ""
    props.comments = props.keywords = props.category = props.content_status = ""
    props.created = props.modified = dt.datetime(2026, 1, 1)
    props.revision = 1
    atomic.write_with(Path(path), doc.save)


def finish_package(doc, content: FormContent) -> None:
    """Settings, core properties and the identity's custom properties, once the body is written."""
    set_settings(doc)
    _set_core_properties(doc, content)
    _set_custom_properties(doc, content.identity.properties())


def xml(text: str):
    """An element from a snippet of WordprocessingML (declare the namespaces with :data:`NS_DECL`)."""
    from docx.oxml import parse_xml

    return parse_xml(text)


def _as_document(template: Path) -> io.BytesIO:
    """The template as a .docx in memory: a Word template (.dotx) differs only in its main content type."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(_TEMPLATE_MAIN.encode(), _DOCUMENT_MAIN.encode())
            target.writestr(info, data)
    buffer.seek(0)
    return buffer


def _clear_body(doc) -> None:
    """Empty a partnership template's body, keeping its page setup, headers and footers."""
    body = doc.element.body
    for child in list(body):
        if child.tag != f"{{{W}}}sectPr":
            body.remove(child)


def _tidy_default_base(doc) -> None:
    """Turn python-docx's default (US Letter, en-US, Word 2010, its own metadata) into a UK form."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.shared import Cm, Pt, RGBColor

    _drop_relationships(doc.part.package.rels, {RT.THUMBNAIL, RT.EXTENDED_PROPERTIES})
    _drop_relationships(doc.part.rels, {RT.CUSTOM_XML, _STYLES_WITH_EFFECTS})
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.top_margin = section.bottom_margin = Cm(2.0)
        section.left_margin = section.right_margin = Cm(2.0)
        section.header_distance = section.footer_distance = Cm(1.0)
    styles = doc.styles
    for lang in styles.element.iter(f"{{{W}}}lang"):
        lang.set(f"{{{W}}}val", "en-GB")
    normal = styles["Normal"]
    normal.font.name, normal.font.size = "Arial", Pt(11)
    normal.paragraph_format.space_after, normal.paragraph_format.line_spacing = Pt(6), 1.1
    for name, size in (("Title", 20), ("Heading 1", 14), ("Heading 2", 12)):
        style = styles[name]
        style.font.name, style.font.size, style.font.bold = "Arial", Pt(size), True
        style.font.color.rgb = RGBColor(0x1F, 0x38, 0x64)
        style.paragraph_format.space_before = Pt(12 if name != "Title" else 0)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True
        for fonts in style.element.get_or_add_rPr().findall(f"{{{W}}}rFonts"):
            for attr in [a for a in fonts.attrib if a.endswith("Theme")]:
                del fonts.attrib[attr]  # theme fonts would override Arial
    ppr = styles["Title"].element.get_or_add_pPr()
    for border in ppr.findall(f"{{{W}}}pBdr"):
        ppr.remove(border)
    footer = doc.sections[0].footer.paragraphs[0]
    footer.style = styles["Footer"]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Page ")
    _add_field(footer, "PAGE", "1")
    footer.add_run(" of ")
    _add_field(footer, "NUMPAGES", "1")


def _drop_relationships(rels, reltypes: set[str]) -> None:
    for rid in [rid for rid, rel in rels.items() if rel.reltype in reltypes]:
        del rels[rid]


def _ensure_styles(doc) -> None:
    """Add the styles the form uses when a partnership template lacks them."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt, RGBColor

    styles = doc.styles
    names = {s.name for s in styles}
    for name, level in (("Title", None), ("Heading 1", 0), ("Heading 2", 1)):
        if name not in names:
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = styles["Normal"]
            style.font.bold, style.font.size = True, Pt({None: 20, 0: 14, 1: 12}[level])
            if level is not None:
                style.paragraph_format.keep_with_next = True
                style.element.get_or_add_pPr().append(xml(f'<w:outlineLvl {NS_DECL} w:val="{level}"/>'))
    if "Placeholder Text" not in names:
        style = styles.add_style("Placeholder Text", WD_STYLE_TYPE.CHARACTER)
        style.font.color.rgb = RGBColor(0x80, 0x80, 0x80)
    if "Form guidance" not in names:
        style = styles.add_style("Form guidance", WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        style.font.size = Pt(9)
        style.font.color.rgb = RGBColor.from_string(_GUIDE_COLOUR)
        style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(2), Pt(2)
    if "Form cell" not in names:
        style = styles.add_style("Form cell", WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(2), Pt(2)


def set_settings(doc) -> None:
    """Word 2013+ compatibility (mode 15), UK theme language, and never any editing protection."""
    settings = doc.settings.element
    for tag in ("documentProtection", "writeProtection"):
        for el in settings.findall(f"{{{W}}}{tag}"):
            settings.remove(el)
    for el in settings.findall(f"{{{W}}}themeFontLang"):
        el.set(f"{{{W}}}val", "en-GB")
    compat = settings.find(f"{{{W}}}compat")
    if compat is None:  # Word insists on schema order: w:compat goes before these
        compat = xml(f"<w:compat {NS_DECL}/>")
        later = [el for el in settings if el.tag.rpartition("}")[2] in _AFTER_COMPAT]
        later[0].addprevious(compat) if later else settings.append(compat)
    for el in compat.findall(f"{{{W}}}useFELayout"):
        compat.remove(el)
    wanted = {
        "compatibilityMode": "15",
        "overrideTableStyleFontSizeAndJustification": "1",
        "enableOpenTypeFeatures": "1",
        "doNotFlipMirrorIndents": "1",
        "differentiateMultirowTableHeaders": "1",
    }
    for el in compat.findall(f"{{{W}}}compatSetting"):
        name = el.get(f"{{{W}}}name")
        if name in wanted:
            el.set(f"{{{W}}}val", wanted.pop(name))
    for name, val in wanted.items():
        compat.append(xml(f'<w:compatSetting {NS_DECL} w:name="{name}" w:uri="http://schemas.microsoft.com/office/word" w:val="{val}"/>'))


def _set_core_properties(doc, content: FormContent) -> None:
    props = doc.core_properties
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    props.author = props.last_modified_by = core_text(content.partnership)
    props.title = core_text(f"{content.form_title} \u2014 {content.for_whom}")
    props.subject = core_text(content.audit_title)
    props.comments = props.keywords = props.category = props.content_status = ""
    props.created = props.modified = now
    props.revision = 1


def _set_custom_properties(doc, props: dict[str, str]) -> None:
    """Write ``docProps/custom.xml``, keeping a template's own custom properties."""
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from lxml import etree

    package = doc.part.package
    keep: list[tuple[str, str]] = []
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    for rid, rel in list(package.rels.items()):
        if rel.reltype == RT.CUSTOM_PROPERTIES:
            for prop in etree.fromstring(rel.target_part.blob, parser):
                if prop.get("fmtid") == CUSTOM_FMTID and len(prop):
                    keep.append((prop.get("name"), etree.tostring(prop[0], encoding="unicode")))
            del package.rels[rid]
    part = Part(PackURI("/docProps/custom.xml"), CT.OFC_CUSTOM_PROPERTIES, custom_properties_xml(props, keep), package)
    package.relate_to(part, RT.CUSTOM_PROPERTIES)


def _add_field(paragraph, code: str, shown: str) -> None:
    runs = (
        '<w:fldChar w:fldCharType="begin"/>',
        f'<w:instrText xml:space="preserve"> {code} </w:instrText>',
        '<w:fldChar w:fldCharType="separate"/>',
        f"<w:t>{shown}</w:t>",
        '<w:fldChar w:fldCharType="end"/>',
    )
    for run in runs:
        paragraph._p.append(xml(f"<w:r {NS_DECL}>{run}</w:r>"))
