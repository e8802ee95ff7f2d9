"""The LibreOffice bridge itself: real files in, typed values out, read back without LibreOffice.

These prove the test-side bridge (tests/office) before other tests rely on it: a workbook and a
Word form are built here with openpyxl / python-docx + raw OOXML, filled by a real LibreOffice 7.4
the way a person would, saved, and read back with openpyxl / zipfile + lxml.
"""

from __future__ import annotations

import datetime as dt
import zipfile

import docx
import openpyxl
import pytest
from docx.oxml import parse_xml
from lxml import etree
from openpyxl.styles import Protection
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from tests.office import client

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
NS = {"w": W, "w14": W14}
NSDECL = f'xmlns:w="{W}" xmlns:w14="{W14}"'

# (tag, alias, kind, placeholder, bookmark inside the control's content?)
CONTROLS = [
    ("child_name", "Child's name", "text", "Click or tap here to enter text.", False),
    ("consent", "Consent given", "dropdown", "Choose an item.", True),
    ("date_seen", "Date seen", "date", "Click or tap to enter a date.", False),
    ("seen_alone", "Seen alone", "checkbox", "\u2610", False),
]
TYPE_XML = {
    "text": "<w:showingPlcHdr/><w:text/>",
    "dropdown": (
        "<w:showingPlcHdr/><w:dropDownList>"
        '<w:listItem w:displayText="Yes" w:value="Yes"/><w:listItem w:displayText="No" w:value="No"/>'
        "</w:dropDownList>"
    ),
    "date": (
        '<w:showingPlcHdr/><w:date><w:dateFormat w:val="dd/MM/yyyy"/><w:lid w:val="en-GB"/>'
        '<w:storeMappedDataAs w:val="dateTime"/><w:calendar w:val="gregorian"/></w:date>'
    ),
    "checkbox": (
        '<w14:checkbox><w14:checked w14:val="0"/>'
        '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
        '<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/></w14:checkbox>'
    ),
}


def bm(tag: str) -> str:
    return f"maa_{tag}"


def build_form_docx(path):
    """A Word form: a two-column table, one inline content control per row, each bookmarked."""
    document = docx.Document()
    document.add_paragraph("Case audit form")
    table = document.add_table(rows=len(CONTROLS), cols=2)
    for row, (tag, alias, kind, placeholder, inside) in enumerate(CONTROLS):
        table.cell(row, 0).text = alias
        bid = row + 1
        start = f'<w:bookmarkStart {NSDECL} w:id="{bid}" w:name="{bm(tag)}"/>'
        end = f'<w:bookmarkEnd {NSDECL} w:id="{bid}"/>'
        run = f'<w:r><w:t xml:space="preserve">{placeholder}</w:t></w:r>'
        content = start + run + end if inside else run
        sdt = (
            f"<w:sdt {NSDECL}><w:sdtPr>"
            f'<w:alias w:val="{alias}"/><w:tag w:val="{tag}"/><w:id w:val="{1000 + row}"/>{TYPE_XML[kind]}'
            f"</w:sdtPr><w:sdtContent>{content}</w:sdtContent></w:sdt>"
        )
        p = table.cell(row, 1).paragraphs[0]._p
        if not inside:
            p.append(parse_xml(start))
        p.append(parse_xml(sdt))
        if not inside:
            p.append(parse_xml(end))
    document.save(path)
    return path


def build_one_line_docx(path):
    """Four controls in one paragraph (a sentence to complete), bookmarked before, inside and after them."""
    document = docx.Document()
    document.add_paragraph("Before the line")
    p = document.add_paragraph()._p
    names = iter(range(1, 10))

    def mark(name):
        bid = next(names)
        return f'<w:bookmarkStart {NSDECL} w:id="{bid}" w:name="{name}"/>', f'<w:bookmarkEnd {NSDECL} w:id="{bid}"/>'

    def sdt(tag, kind, content):
        return (
            f'<w:sdt {NSDECL}><w:sdtPr><w:tag w:val="{tag}"/>{TYPE_XML[kind]}</w:sdtPr>'
            f"<w:sdtContent>{content}</w:sdtContent></w:sdt>"
        )

    def run(text):
        return f'<w:r {NSDECL}><w:t xml:space="preserve">{text}</w:t></w:r>'

    start, end = mark("line_name")  # before the control it labels
    p.extend([parse_xml(run("Seen: ")), parse_xml(start), parse_xml(sdt("name", "text", run("Name"))), parse_xml(end)])
    start, end = mark("line_consent")  # inside the control's content
    p.extend([parse_xml(run(", consent ")), parse_xml(sdt("consent", "dropdown", start + run("Choose an item.") + end))])
    start, end = mark("line_alone")
    p.extend([parse_xml(run(", alone ")), parse_xml(start), parse_xml(end), parse_xml(sdt("alone", "checkbox", run("\u2610")))])
    start, end = mark("line_date")  # after the last control: labels it
    p.extend([parse_xml(run(", on ")), parse_xml(sdt("date", "date", run("Date"))), parse_xml(start), parse_xml(end)])
    document.add_paragraph("After the line")
    document.save(path)
    return path


def build_form_xlsx(path):
    """A workbook: protected sheet, unlocked answer cells, a defined name, a Yes/No list."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Form"
    for row, label in enumerate(["Child's name", "Consent given", "Date seen", "Contacts", "Office use"], start=5):
        ws.cell(row=row, column=2, value=label)
    for ref in ("C5", "C6", "C7", "C8"):
        ws[ref].protection = Protection(locked=False)
    ws["C7"].number_format = "DD/MM/YYYY"
    ws["C9"] = "do not edit"
    dv = DataValidation(type="list", formula1='"Yes,No"', allow_blank=True, showErrorMessage=True)
    ws.add_data_validation(dv)
    dv.add("C6")
    wb.defined_names["child_name"] = DefinedName("child_name", attr_text="Form!$C$5")
    ws.protection.sheet = True
    wb.save(path)
    return path


def document_xml(path) -> etree._Element:
    with zipfile.ZipFile(path) as zf:
        return etree.fromstring(zf.read("word/document.xml"))  # also proves it is well-formed


def sdt_of_bookmark(root, name):
    """The w:sdt a bookmark labels: the control it sits in, else the next control after it."""
    (start,) = root.xpath("//w:bookmarkStart[@w:name=$n]", namespaces=NS, n=name)
    found = start.xpath("ancestor::w:sdt[1]", namespaces=NS) or start.xpath("following::w:sdt[1]", namespaces=NS)
    assert found, f"no w:sdt at bookmark {name}"
    return found[0]


def shown_text(sdt) -> str:
    """Text a reader shows for a control: w:t inside the content, tracked deletions excluded."""
    return "".join(sdt.xpath("w:sdtContent//w:t/text()", namespaces=NS))


@pytest.fixture
def office():
    client.require_office()


# ------------------------------------------------------------------------------------------------
# the availability guard (no LibreOffice needed)
# ------------------------------------------------------------------------------------------------


def test_missing_office_skips_locally_but_fails_in_ci(monkeypatch):
    monkeypatch.setattr(client, "_availability", lambda: (False, "soffice not found"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="soffice not found"):
        client.require_office()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="must run in CI"):
        client.require_office()


def test_soffice_available_matches_the_machine():
    assert client.soffice_available() is client._availability()[0]


# ------------------------------------------------------------------------------------------------
# Word
# ------------------------------------------------------------------------------------------------


@pytest.mark.office
def test_inspect_lists_controls_in_reading_order_with_their_bookmarks(office, tmp_path):
    src = build_form_docx(tmp_path / "form.docx")
    seen = client.inspect(src)
    kinds = [(c["kind"], c["where"]) for c in seen["controls"]]
    # LibreOffice 7.4 turns a plain-text control (w:text) into an Input field; the others stay
    # content controls.
    assert kinds == [
        ("input", "Table1.B1"),
        ("dropdown", "Table1.B2"),
        ("date", "Table1.B3"),
        ("checkbox", "Table1.B4"),
    ]
    assert [c["bookmarks"] for c in seen["controls"]] == [[bm(tag)] for tag, *_ in CONTROLS]
    dropdown, date, checkbox = seen["controls"][1:]
    assert [i["DisplayText"] for i in dropdown["props"]["ListItems"]] == ["Yes", "No"]
    assert dropdown["props"]["ShowingPlaceHolder"] is True
    assert date["props"]["DateFormat"] == "dd/MM/yyyy"
    assert checkbox["props"]["Checked"] is False


@pytest.mark.office
def test_person_fills_word_form_and_values_are_in_the_saved_docx(office, tmp_path):
    src = build_form_docx(tmp_path / "form.docx")
    dst = tmp_path / "filled.docx"
    result = client.fill_docx(
        src,
        dst,
        [
            {"index": 0, "op": "text", "value": "Ellie Marsh"},
            {"bookmark": bm("consent"), "op": "select", "value": "Yes"},
            {"bookmark": bm("date_seen"), "op": "date", "text": "03/07/2024", "iso": "2024-07-03"},
            {"bookmark": bm("seen_alone"), "op": "check", "value": True},
            {"bookmark": bm("child_name"), "op": "type_beside", "value": " (known as Ellie)"},
        ],
    )
    assert [f["how"] for f in result["filled"]] == ["typed", "typed", "typed", "api", "typed"]
    assert result["walks"] == 2  # the index, and the whole document again after typing beside a control
    assert src.read_bytes() != dst.read_bytes()

    root = document_xml(dst)
    name = sdt_of_bookmark(root, bm("child_name"))
    assert shown_text(name) == "Ellie Marsh"
    assert name.find("w:sdtPr/w:text", NS) is not None
    # typed beside: same table cell, outside the control
    cell = name.xpath("ancestor::w:tc[1]", namespaces=NS)[0]
    assert "".join(cell.xpath(".//w:t/text()", namespaces=NS)) == "Ellie Marsh (known as Ellie)"

    consent = sdt_of_bookmark(root, bm("consent"))
    assert shown_text(consent) == "Yes"
    assert consent.find("w:sdtPr/w:dropDownList", NS) is not None

    date = sdt_of_bookmark(root, bm("date_seen"))
    assert shown_text(date) == "03/07/2024"
    assert date.find("w:sdtPr/w:date", NS).get(f"{{{W}}}fullDate") == "2024-07-03T00:00:00Z"

    tick = sdt_of_bookmark(root, bm("seen_alone"))
    assert shown_text(tick) == "\u2612"
    assert tick.find("w:sdtPr/w14:checkbox/w14:checked", NS).get(f"{{{W14}}}val") == "1"

    # Nothing the person filled is still flagged as placeholder text.
    for sdt in (name, consent, date, tick):
        assert sdt.find("w:sdtPr/w:showingPlcHdr", NS) is None
    # python-docx opens what LibreOffice wrote (its cell.text skips runs inside w:sdt, so read the XML)
    assert len(docx.Document(str(dst)).tables[0].rows) == len(CONTROLS)


@pytest.mark.office
def test_tracked_changes_are_written_as_insertions_and_deletions(office, tmp_path):
    src = build_form_docx(tmp_path / "form.docx")
    dst = tmp_path / "tracked.docx"
    client.fill_docx(
        src,
        dst,
        [
            {"bookmark": bm("consent"), "op": "select", "value": "No"},
            {"bookmark": bm("date_seen"), "op": "date", "text": "04/07/2024"},
            {"bookmark": bm("seen_alone"), "op": "check", "value": True},
            {"bookmark": bm("child_name"), "op": "type_beside", "value": " see notes"},
        ],
        track_changes=True,
    )
    root = document_xml(dst)  # well-formed (typing into a w:text control here would not be: see report)
    consent = sdt_of_bookmark(root, bm("consent"))
    assert consent.xpath("string(.//w:ins//w:t)", namespaces=NS) == "No"
    assert consent.xpath("string(.//w:del//w:delText)", namespaces=NS) == "Choose an item."
    date = sdt_of_bookmark(root, bm("date_seen"))
    assert date.xpath("string(.//w:ins//w:t)", namespaces=NS) == "04/07/2024"
    tick = sdt_of_bookmark(root, bm("seen_alone"))
    assert tick.xpath("string(.//w:ins//w:t)", namespaces=NS) == "\u2612"
    assert tick.xpath("string(.//w:del//w:delText)", namespaces=NS) == "\u2610"
    assert "see notes" in "".join(root.xpath("//w:ins//w:t/text()", namespaces=NS))


@pytest.mark.office
def test_values_set_through_the_api_land_in_the_same_place(office, tmp_path):
    src = build_form_docx(tmp_path / "form.docx")
    dst = tmp_path / "api.docx"
    result = client.fill_docx(
        src,
        dst,
        [
            {"bookmark": bm("child_name"), "op": "text", "value": "Jayden Cole", "how": "api"},
            {"bookmark": bm("consent"), "op": "select", "value": "No", "how": "api"},
            {"bookmark": bm("date_seen"), "op": "date", "text": "01/08/2024", "how": "api"},
        ],
    )
    assert [f["how"] for f in result["filled"]] == ["api", "api", "api"]
    root = document_xml(dst)
    assert shown_text(sdt_of_bookmark(root, bm("child_name"))) == "Jayden Cole"
    assert shown_text(sdt_of_bookmark(root, bm("consent"))) == "No"
    date = sdt_of_bookmark(root, bm("date_seen"))
    assert shown_text(date) == "01/08/2024"
    assert date.find("w:sdtPr/w:date", NS).get(f"{{{W}}}fullDate") is None  # no iso given: no fullDate


@pytest.mark.office
def test_bridge_errors_are_clear(office, tmp_path):
    src = build_form_docx(tmp_path / "form.docx")
    with pytest.raises(client.OfficeError, match="no control next to bookmark 'nope'"):
        client.fill_docx(src, tmp_path / "x.docx", [{"bookmark": "nope", "op": "text", "value": "x"}])
    with pytest.raises(client.OfficeError, match="'Maybe' is not one of"):
        client.fill_docx(src, tmp_path / "x.docx", [{"index": 1, "op": "select", "value": "Maybe"}])
    with pytest.raises(client.OfficeError, match="does not exist"):
        client.inspect(tmp_path / "missing.docx")


@pytest.mark.office
def test_controls_sharing_a_paragraph_are_filled_from_one_walk(office, tmp_path):
    """The bridge indexes the document once; each edit re-reads the edited control's paragraph, so
    controls (and bookmarks) next to it in the same paragraph stay right, even one edited twice."""
    src = build_one_line_docx(tmp_path / "line.docx")
    assert [(c["kind"], c["bookmarks"]) for c in client.inspect(src)["controls"]] == [
        ("input", ["line_name"]),
        ("dropdown", ["line_consent"]),
        ("checkbox", ["line_alone"]),
        ("date", ["line_date"]),
    ]
    dst = tmp_path / "filled.docx"
    result = client.fill_docx(
        src,
        dst,
        [
            {"bookmark": "line_date", "op": "date", "text": "05/07/2024", "iso": "2024-07-05"},
            {"bookmark": "line_consent", "op": "select", "value": "Yes"},
            {"bookmark": "line_alone", "op": "check", "value": True},
            {"bookmark": "line_name", "op": "text", "value": "Ellie Marsh"},
            {"bookmark": "line_consent", "op": "select", "value": "No"},  # changed her mind
            {"index": 3, "op": "date", "text": "06/07/2024"},
        ],
    )
    assert result["walks"] == 1 and result["warnings"] == []
    assert [(f["index"], f["how"], f["text"]) for f in result["filled"]] == [
        (3, "typed", "05/07/2024"),
        (1, "typed", "Yes"),
        (2, "api", "\u2612"),
        (0, "typed", "Ellie Marsh"),
        (1, "typed", "No"),
        (3, "typed", "06/07/2024"),
    ]
    line = document_xml(dst).xpath("//w:p[w:sdt]", namespaces=NS)
    assert len(line) == 1  # still one paragraph
    assert "".join(line[0].xpath(".//w:t/text()", namespaces=NS)) == "Seen: Ellie Marsh, consent No, alone \u2612, on 06/07/2024"
    seen = client.inspect(dst)["controls"]
    assert [(c["kind"], c["text"]) for c in seen] == [
        ("input", "Ellie Marsh"),
        ("dropdown", "No"),
        ("checkbox", "\u2612"),
        ("date", "06/07/2024"),
    ]


# ------------------------------------------------------------------------------------------------
# Excel
# ------------------------------------------------------------------------------------------------


@pytest.mark.office
def test_person_fills_workbook_and_values_are_in_the_saved_xlsx(office, tmp_path):
    src = build_form_xlsx(tmp_path / "form.xlsx")
    dst = tmp_path / "filled.xlsx"
    result = client.fill_xlsx(
        src,
        dst,
        [
            {"name": "child_name", "value": "Ellie Marsh"},
            {"sheet": "Form", "cell": "C6", "value": "Yes"},
            {"sheet": "Form", "cell": "C7", "value": "03/07/2024"},  # typed, parsed as en-GB
            {"sheet": "Form", "cell": "C8", "value": "42"},
        ],
    )
    assert {f["how"] for f in result["filled"]} == {"typed"}
    assert result["warnings"] == []

    wb = openpyxl.load_workbook(dst)
    ws = wb["Form"]
    assert ws["C5"].value == "Ellie Marsh"
    assert ws["C6"].value == "Yes"
    assert ws["C7"].value == dt.datetime(2024, 7, 3)
    assert ws["C7"].is_date
    assert ws["C8"].value == 42
    assert ws["C9"].value == "do not edit"
    # what the form relies on survives LibreOffice's save
    assert wb.defined_names["child_name"].attr_text == "Form!$C$5"
    assert ws.protection.sheet
    assert not ws["C5"].protection.locked and ws["C9"].protection.locked
    (dv,) = ws.data_validations.dataValidation
    assert dv.type == "list" and str(dv.sqref) == "C6"


@pytest.mark.office
def test_api_values_locked_cells_and_validation(office, tmp_path):
    src = build_form_xlsx(tmp_path / "form.xlsx")
    dst = tmp_path / "filled.xlsx"
    result = client.fill_xlsx(
        src,
        dst,
        [
            {"sheet": "Form", "cell": "C6", "value": "Maybe"},  # not in the list: entered all the same
            {"sheet": "Form", "cell": "C7", "value": "2024-07-03", "kind": "date", "how": "api"},
            {"sheet": "Form", "cell": "C8", "value": "007", "kind": "text", "how": "api"},
        ],
    )
    assert result["ok"]
    ws = openpyxl.load_workbook(dst)["Form"]
    assert ws["C6"].value == "Maybe"
    assert ws["C7"].value == dt.datetime(2024, 7, 3) and ws["C7"].is_date
    assert ws["C8"].value == "007"
    with pytest.raises(client.OfficeError, match="locked on a protected sheet"):
        client.fill_xlsx(src, tmp_path / "x.xlsx", [{"sheet": "Form", "cell": "C9", "value": "x"}])


# ------------------------------------------------------------------------------------------------
# PDF / PNG
# ------------------------------------------------------------------------------------------------


@pytest.mark.office
def test_pdf_and_png_of_a_form(office, tmp_path):
    src = build_form_docx(tmp_path / "form.docx")
    pdf = tmp_path / "form.pdf"
    assert client.to_pdf(src, pdf)["filter"] == "writer_pdf_Export"
    assert pdf.read_bytes().startswith(b"%PDF")
    png = client.pdf_to_png(pdf, tmp_path / "page1.png")
    assert png.read_bytes().startswith(b"\x89PNG")
    xlsx_pdf = tmp_path / "book.pdf"
    assert client.to_pdf(build_form_xlsx(tmp_path / "book.xlsx"), xlsx_pdf)["filter"] == "calc_pdf_Export"
    assert xlsx_pdf.read_bytes().startswith(b"%PDF")
