"""Word forms: what the writer puts in a .docx, and what the reader gets back out of a return."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from maa_cli.definitions.scales import BUILT_IN_SCALES
from maa_cli.definitions.tool import NA, Tool
from maa_cli.forms.word import write_word_form
from maa_cli.intake.readers.word import accepted_text, read_word, word_identity
from maa_cli.office.ooxml import W14, W, answer_boxes, bookmark_names
from tests.forms_fixtures import PARTNERSHIP, case_tool, form_content, write_form

NS = {"w": W, "w14": W14}
REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"


# -- helpers: look inside a .docx, and fill one the way Word saves it ------------------------


def part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(name)


def document(path: Path):
    return etree.fromstring(part(path, "word/document.xml"))


def rewrite(path: Path, edit, name: str = "word/document.xml", drop: tuple[str, ...] = ()) -> None:
    """Apply ``edit`` to one XML part of a .docx, in place (``drop`` removes parts entirely)."""
    with zipfile.ZipFile(path) as z:
        items = [(info, z.read(info.filename)) for info in z.infolist() if info.filename not in drop]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            if info.filename == name:
                root = etree.fromstring(data)
                edit(root)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            z.writestr(info, data)


def control(root, tag: str):
    found = root.xpath(f'//w:sdt[w:sdtPr/w:tag/@w:val="{tag}"]', namespaces=NS)
    assert len(found) == 1, f"expected one control tagged {tag}"
    return found[0]


def run(text: str):
    r = etree.Element(f"{{{W}}}r")
    etree.SubElement(r, f"{{{W}}}t").text = text
    return r


def word_fill(root, tag: str, text: str, full_date: dt.date | None = None) -> None:
    """Type into a control as Word does: replace its content, drop the placeholder flag."""
    sdt = control(root, tag)
    for flag in sdt.xpath("w:sdtPr/w:showingPlcHdr", namespaces=NS):
        flag.getparent().remove(flag)
    if full_date is not None:
        sdt.find("w:sdtPr/w:date", NS).set(f"{{{W}}}fullDate", f"{full_date.isoformat()}T00:00:00Z")
    content = sdt.find("w:sdtContent", NS)
    for child in list(content):
        content.remove(child)
    content.append(run(text))


def word_tick(root, tag: str) -> None:
    sdt = control(root, tag)
    sdt.find("w:sdtPr/w14:checkbox/w14:checked", NS).set(f"{{{W14}}}val", "1")
    sdt.find(".//w:t", NS).text = "\u2612"


WORD_ANSWERS = {
    "q1": "Yes",
    "q3.other": "Family nurse partnership",
    "q4": "14",
    "q5": "Health visitor",
    "q6.a": "No",
    "q6.b": "Yes",
    "q7": "Requires improvement",
    "q7.why": "Supervision was not recorded\nfor three months.",
    "q8": "MASH",
    "q9": "Joint visits with the school.",
    "q7.action": "Audit supervision records.",
    "q7.when_who": "June 2025, named nurse",
}


def fill_like_word(path: Path) -> None:
    def edit(root):
        for key, text in WORD_ANSWERS.items():
            word_fill(root, key, text)
        word_fill(root, "q2", "05/03/2024", full_date=dt.date(2024, 3, 5))
        word_tick(root, "q3#1")
        word_tick(root, "q3#3")

    rewrite(path, edit)


def values(result) -> dict:
    return {k: a.value for k, a in result.answers.items()}


# -- the written form ---------------------------------------------------------------------


class TestWrittenForm:
    def test_page_is_a4_in_british_english_and_word_2013_mode(self, tmp_path):
        """The form is A4, its styles are en-GB and Word opens it in compatibility mode 15 (not 2010)."""
        _, path = write_form(tmp_path)
        size = document(path).find(".//w:sectPr/w:pgSz", NS)
        assert (size.get(f"{{{W}}}w"), size.get(f"{{{W}}}h")) == ("11906", "16838")
        langs = etree.fromstring(part(path, "word/styles.xml")).xpath("//w:lang/@w:val", namespaces=NS)
        assert langs and set(langs) == {"en-GB"}
        mode = etree.fromstring(part(path, "word/settings.xml")).xpath('//w:compat/w:compatSetting[@w:name="compatibilityMode"]/@w:val', namespaces=NS)
        assert mode == ["15"]

    def test_metadata_names_the_partnership_not_the_library(self, tmp_path):
        """Author and last-modified-by are the partnership, the title is set, and 'python-docx' appears nowhere."""
        _, path = write_form(tmp_path)
        with zipfile.ZipFile(path) as z:
            assert not [n for n in z.namelist() if b"python-docx" in z.read(n)]
        core = part(path, "docProps/core.xml").decode()
        assert f"<dc:creator>{PARTNERSHIP}</dc:creator>" in core
        assert f"<cp:lastModifiedBy>{PARTNERSHIP}</cp:lastModifiedBy>" in core
        assert "<dc:title>Agency case audit form" in core

    def test_identity_is_in_custom_properties_header_and_under_the_title(self, tmp_path):
        """The form reference is in custom properties (registered in the package) and visible in the header and body."""
        content, path = write_form(tmp_path)
        line = content.identity.reference_line()
        assert b"/docProps/custom.xml" in part(path, "[Content_Types].xml")
        assert b"relationships/custom-properties" in part(path, "_rels/.rels")
        assert word_identity(path) == (content.identity, "custom_properties")
        with zipfile.ZipFile(path) as z:
            headers = [n for n in z.namelist() if n.startswith("word/header")]
            assert any(line in "".join(etree.fromstring(z.read(h)).itertext()) for h in headers)
        assert line in "".join(document(path).itertext())

    def test_every_answer_box_is_an_inline_locked_tagged_bookmarked_control(self, tmp_path):
        """Each answer box is a content control inside a paragraph, tagged, titled, locked and wrapped in its bookmark."""
        content, path = write_form(tmp_path)
        root = document(path)
        boxes = answer_boxes(content.tool.fields())
        names = bookmark_names(boxes)
        assert "q3#4" in boxes and "q7.why" in boxes
        for box in boxes:
            sdt = control(root, box)
            assert sdt.getparent().tag == f"{{{W}}}p"
            assert sdt.find("w:sdtPr/w:lock", NS).get(f"{{{W}}}val") == "sdtLocked"
            assert sdt.find("w:sdtPr/w:alias", NS).get(f"{{{W}}}val").startswith("Q")
            before, after = sdt.getprevious(), sdt.getnext()
            assert before.tag == f"{{{W}}}bookmarkStart" and before.get(f"{{{W}}}name") == names[box]
            assert after.tag == f"{{{W}}}bookmarkEnd" and after.get(f"{{{W}}}id") == before.get(f"{{{W}}}id")
        assert control(root, "q4").find("w:sdtPr/w:alias", NS).get(f"{{{W}}}val") == "Q4 How many contacts were recorded?"
        assert names["q6.a"] == "maa_q6_a" and names["q3#2"] == "maa_q3__2"
        assert not etree.fromstring(part(path, "word/settings.xml")).xpath("//w:documentProtection", namespaces=NS)

    def test_drop_downs_offer_exactly_the_scales_values(self, tmp_path):
        """A grade offers the Ofsted scale, yes/no offers Yes, No (and N/A only where allowed)."""
        _, path = write_form(tmp_path)
        root = document(path)

        def items(tag):
            return control(root, tag).xpath("w:sdtPr/w:dropDownList/w:listItem/@w:value", namespaces=NS)

        assert items("q7") == BUILT_IN_SCALES["ofsted"]
        assert items("q1") == ["Yes", "No", NA]
        assert items("q6.a") == ["Yes", "No"]
        assert items("q8") == ["MASH", "Direct to social care", "Early help", NA]

    def test_dates_are_day_first_british_and_tick_boxes_use_ms_gothic(self, tmp_path):
        """The date control shows dd/MM/yyyy (en-GB, Gregorian); each choice has its own ☐/☒ tick box."""
        _, path = write_form(tmp_path)
        root = document(path)
        date = control(root, "q2").find("w:sdtPr/w:date", NS)
        assert date.find("w:dateFormat", NS).get(f"{{{W}}}val") == "dd/MM/yyyy"
        assert date.find("w:lid", NS).get(f"{{{W}}}val") == "en-GB"
        assert date.find("w:calendar", NS).get(f"{{{W}}}val") == "gregorian"
        for i, choice in enumerate(["Health visiting", "School nursing", "CAMHS", "Other (please specify)"], start=1):
            box = control(root, f"q3#{i}").find("w:sdtPr/w14:checkbox", NS)
            assert box.find("w14:checkedState", NS).get(f"{{{W14}}}val") == "2612"
            assert box.find("w14:uncheckedState", NS).get(f"{{{W14}}}font") == "MS Gothic"
            assert choice in "".join(control(root, f"q3#{i}").getparent().itertext())
        assert control(root, "q9").find("w:sdtPr/w:text", NS).get(f"{{{W}}}multiLine") == "1"

    def test_sections_are_headings_and_table_headers_repeat(self, tmp_path):
        """Each section title is a Heading 1 paragraph, and every question table repeats its header row."""
        _, path = write_form(tmp_path)
        root = document(path)
        headings = root.xpath('//w:p[w:pPr/w:pStyle/@w:val="Heading1"]', namespaces=NS)
        titles = ["".join(h.itertext()) for h in headings]
        assert {"Involvement and chronology", "Quality of practice"} <= set(titles)
        question_tables = [t for t in root.iter(f"{{{W}}}tbl") if "Your answer" in "".join(t.itertext())]
        assert len(question_tables) == 2
        for table in question_tables:
            assert table.find("w:tr/w:trPr/w:tblHeader", NS) is not None

    def test_identifying_details_appear_only_when_given(self, tmp_path):
        """The child's details table is printed for the agency that needs it and left out otherwise."""
        _, with_details = write_form(tmp_path, "a.docx")
        _, without = write_form(tmp_path, "b.docx", identifying=())
        assert "Amelia Test" in "".join(document(with_details).itertext())
        text = "".join(document(without).itertext())
        assert "Amelia Test" not in text and "find your records" not in text
        assert "Case A" in text

    def test_question_that_does_not_apply_says_so_and_is_prefilled_na(self, tmp_path):
        """An education setting sees question 8 (health and police only) marked not applicable, answered N/A."""
        _, path = write_form(tmp_path)
        root = document(path)
        assert "Not applicable to you \u2014 leave as N/A" in "".join(root.itertext())
        q8 = control(root, "q8")
        assert q8.find("w:sdtPr/w:showingPlcHdr", NS) is None
        assert "".join(q8.find("w:sdtContent", NS).itertext()) == NA

    def test_prefilled_values_show_in_their_controls(self, tmp_path):
        """Known answers are filled in, not shown as placeholders, and read back as given."""
        prefill = {"q5": "Health visitor", "q2": dt.date(2024, 3, 5), "q3": ["CAMHS"], "q1": "Yes"}
        _, path = write_form(tmp_path, prefill=prefill)
        root = document(path)
        assert control(root, "q5").find("w:sdtPr/w:showingPlcHdr", NS) is None
        assert control(root, "q2").find("w:sdtPr/w:date", NS).get(f"{{{W}}}fullDate") == "2024-03-05T00:00:00Z"
        got = values(read_word(path, case_tool()))
        assert {k: got[k] for k in prefill} == prefill

    def test_partnership_template_supplies_styles_header_and_properties(self, tmp_path):
        """With a partnership template its header, page setup and own custom properties stay; its body text goes."""
        import docx
        from docx.shared import Cm

        base = docx.Document()
        base.sections[0].header.paragraphs[0].text = "Northshire SCP letterhead"
        base.sections[0].left_margin = Cm(3.1)
        base.add_paragraph("Delete me: template body text")
        template = tmp_path / "letterhead.docx"
        base.save(template)
        rewrite_props = tmp_path / "t.docx"
        write_word_form(form_content(), rewrite_props)  # a form's custom.xml, reused as the template's own
        props = part(rewrite_props, "docProps/custom.xml").replace(b"maa_audit_id", b"Classification")
        with zipfile.ZipFile(template, "a") as z:
            z.writestr("docProps/custom.xml", props)

        content, path = write_form(tmp_path, word_template=template)
        text = "".join(document(path).itertext())
        assert "Delete me" not in text and "Your answer" in text
        with zipfile.ZipFile(path) as z:
            header = b"".join(z.read(n) for n in z.namelist() if n.startswith("word/header")).decode()
        assert "Northshire SCP letterhead" in header and content.identity.reference_line() in header
        assert document(path).find(".//w:sectPr/w:pgMar", NS).get(f"{{{W}}}left") == str(Cm(3.1).twips)
        assert word_identity(path) == (content.identity, "custom_properties")

    def test_a_word_template_file_can_be_the_partnership_template(self, tmp_path):
        """A .dotx (Word template) is accepted as the base document, not refused as 'not a Word file'."""
        import docx

        base = docx.Document()
        base.sections[0].header.paragraphs[0].text = "Northshire SCP letterhead"
        docx_path = tmp_path / "letterhead.docx"
        base.save(docx_path)
        dotx = tmp_path / "letterhead.dotx"
        with zipfile.ZipFile(docx_path) as src, zipfile.ZipFile(dotx, "w") as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == "[Content_Types].xml":
                    data = data.replace(b"document.main+xml", b"template.main+xml")
                dst.writestr(info, data)
        content, path = write_form(tmp_path, word_template=dotx)
        assert b"document.main+xml" in part(path, "[Content_Types].xml")
        assert read_word(path, content.tool).identity == content.identity

    def test_writing_replaces_the_file_atomically(self, tmp_path):
        """Writing over an existing form leaves one complete file and no temporary files."""
        _, path = write_form(tmp_path)
        path.write_bytes(b"old")
        write_word_form(form_content(), path)
        assert zipfile.is_zipfile(path)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["form.docx"]


# -- reading returns back -----------------------------------------------------------------------


class TestReadingReturns:
    def test_unfilled_form_reads_as_empty_answers_with_identity(self, tmp_path):
        """A form sent back blank gives every answer empty (placeholders stripped) and its identity."""
        content, path = write_form(tmp_path)
        result = read_word(path, content.tool)
        assert result.identity == content.identity and result.identity_source == "custom_properties"
        assert set(result.answers) == {f.key for f in content.tool.fields()}
        got = values(result)
        assert got.pop("q8") == NA  # not applicable to this respondent
        assert got.pop("q3") == []
        assert set(got.values()) == {None}
        assert not result.unreadable and not result.tracked_changes

    def test_form_filled_in_word_reads_back_every_value(self, tmp_path):
        """Every value typed, chosen, dated and ticked in Word comes back exactly, found by tag."""
        content, path = write_form(tmp_path)
        fill_like_word(path)
        result = read_word(path, content.tool)
        expected = dict(WORD_ANSWERS, q2=dt.date(2024, 3, 5), q3=["Health visiting", "CAMHS"])
        assert values(result) == expected
        assert {a.how for a in result.answers.values()} == {"tag"}
        assert result.answers["q7"].where == "content control 'q7'"

    def test_identity_falls_back_to_the_reference_line(self, tmp_path):
        """With custom properties stripped (Document Inspector), the reference line in the header identifies the form."""
        content, path = write_form(tmp_path)
        rewrite(path, lambda root: None, drop=("docProps/custom.xml",))
        identity, source = word_identity(path)
        assert source == "reference_line"
        assert identity.form_id == content.identity.form_id
        assert (identity.tool_id, identity.tool_version) == (content.tool.id, content.tool.version)

    def test_renamed_file_is_still_identified(self, tmp_path):
        """People rename files; the form is identified from its content, not its name."""
        content, path = write_form(tmp_path)
        fill_like_word(path)
        renamed = tmp_path / "Copy of MACA return FINAL v2 (2).docx"
        path.rename(renamed)
        result = read_word(renamed, content.tool)
        assert result.identity == content.identity
        assert result.answers["q7"].value == "Requires improvement"

    def test_text_typed_beside_the_control_is_kept(self, tmp_path):
        """A comment typed after the drop-down in the same cell is part of the answer."""
        content, path = write_form(tmp_path)

        def edit(root):
            word_fill(root, "q1", "Yes")
            sdt = control(root, "q1")
            sdt.getparent().append(run(" \u2014 but only from May"))

        rewrite(path, edit)
        assert read_word(path, content.tool).answers["q1"].value == "Yes \u2014 but only from May"

    def test_placeholder_glued_to_a_value_is_stripped(self, tmp_path):
        """'YesChoose an item.' (a value typed into the placeholder) reads as 'Yes'."""
        content, path = write_form(tmp_path)

        def edit(root):
            content_el = control(root, "q1").find("w:sdtContent", NS)
            content_el.insert(0, run("Yes"))

        rewrite(path, edit)
        assert read_word(path, content.tool).answers["q1"].value == "Yes"

    def test_tracked_changes_are_read_as_accepted(self, tmp_path):
        """Tracked insertions count, tracked deletions do not, and the return is flagged as having tracked changes."""
        content, path = write_form(tmp_path)

        def edit(root):
            word_fill(root, "q5", "Health ")
            content_el = control(root, "q5").find("w:sdtContent", NS)
            deleted = etree.SubElement(content_el, f"{{{W}}}del", {f"{{{W}}}id": "901", f"{{{W}}}author": "J Smith"})
            gone = etree.SubElement(deleted, f"{{{W}}}r")
            etree.SubElement(gone, f"{{{W}}}delText").text = "nurse"
            inserted = etree.SubElement(content_el, f"{{{W}}}ins", {f"{{{W}}}id": "902", f"{{{W}}}author": "J Smith"})
            inserted.append(run("visitor"))

        rewrite(path, edit)
        result = read_word(path, content.tool)
        assert result.answers["q5"].value == "Health visitor"
        assert result.tracked_changes is True

    def test_damaged_xml_from_libreoffice_is_read_in_recovery_mode_and_flagged(self, tmp_path):
        """A document.xml with mismatched tags (LibreOffice 7.4, Track Changes in a text box) is read as far as it goes and flagged."""
        content, path = write_form(tmp_path)
        fill_like_word(path)
        with zipfile.ZipFile(path) as z:
            items = [(info, z.read(info.filename)) for info in z.infolist()]
        with zipfile.ZipFile(path, "w") as z:
            for info, data in items:
                if info.filename == "word/document.xml":
                    # LibreOffice's shape: a deletion that opens a control's content and closes the deletion instead.
                    data = data.replace(b"<w:t>Health visitor</w:t></w:r></w:sdtContent></w:sdt>", b"<w:t>Health visitor</w:t></w:r></w:sdtContent></w:sdt><w:del><w:sdt><w:sdtContent></w:del>", 1)
                z.writestr(info, data)
        result = read_word(path, content.tool)
        assert result.answers["q1"].value == "Yes" and result.answers["q7"].value == "Requires improvement"
        assert len(result.unreadable) == 1 and "recovery mode" in result.unreadable[0]

    def test_answers_are_found_by_bookmark_when_tags_are_gone(self, tmp_path):
        """As after a LibreOffice save: no tags or titles, bookmarkStart moved inside the control — still read."""
        content, path = write_form(tmp_path)
        fill_like_word(path)

        def like_libreoffice(root):
            for sdt in root.iter(f"{{{W}}}sdt"):
                pr = sdt.find("w:sdtPr", NS)
                for el in pr.findall("w:tag", NS) + pr.findall("w:alias", NS) + pr.findall("w:lock", NS):
                    pr.remove(el)
                for date in pr.findall("w:date", NS):
                    date.attrib.pop(f"{{{W}}}fullDate", None)
                start = sdt.getprevious()
                if start is not None and start.tag == f"{{{W}}}bookmarkStart":
                    sdt.find("w:sdtContent", NS).insert(0, start)

        rewrite(path, like_libreoffice)
        result = read_word(path, content.tool)
        expected = dict(WORD_ANSWERS, q2="05/03/2024", q3=["Health visiting", "CAMHS"])
        assert values(result) == expected
        assert {a.how for a in result.answers.values()} == {"bookmark"}

    def test_plain_text_answers_are_found_by_question_number(self, tmp_path):
        """If the controls and bookmarks were lost (text pasted into a copy), answers are found by the row's number."""
        content, path = write_form(tmp_path)

        def flatten(root):
            for mark in list(root.iter(f"{{{W}}}bookmarkStart")) + list(root.iter(f"{{{W}}}bookmarkEnd")):
                mark.getparent().remove(mark)
            for sdt in list(root.iter(f"{{{W}}}sdt")):
                sdt.getparent().remove(sdt)
            for tc in root.iter(f"{{{W}}}tc"):
                row_text = "".join(tc.getparent().itertext())
                if "Which route did the referral take?" in row_text and tc.getnext() is None:
                    tc.find("w:p", NS).append(run("Early help"))
                if "Why this judgement" in row_text and tc.getnext() is None:
                    tc.find("w:p", NS).append(run("No minutes kept."))

        rewrite(path, flatten)
        result = read_word(path, content.tool)
        assert result.answers["q8"].value == "Early help" and result.answers["q8"].how == "row_number"
        assert result.answers["q7.why"].value == "No minutes kept."
        assert result.answers["q7"].value is None

    def test_tick_shown_only_by_glyph_or_by_libreoffice_attribute_counts(self, tmp_path):
        """A box ticked by its ☒ glyph alone, or by a checked flag in another namespace with ☐ still shown, is ticked."""
        content, path = write_form(tmp_path)

        def edit(root):
            control(root, "q3#2").find(".//w:t", NS).text = "\u2612"
            checked = control(root, "q3#4").find("w:sdtPr/w14:checkbox/w14:checked", NS)
            checked.attrib.clear()
            checked.set(f"{{{W}}}val", "true")

        rewrite(path, edit)
        assert read_word(path, content.tool).answers["q3"].value == ["School nursing", "Other (please specify)"]

    def test_strange_files_are_reported_not_raised(self, tmp_path):
        """A text file, an old .doc and a zip without a document are each reported as unreadable."""
        cases = {
            "notes.docx": b"just some text",
            "old.doc": b"\xd0\xcf\x11\xe0" + b"\0" * 600,
        }
        for name, data in cases.items():
            (tmp_path / name).write_bytes(data)
        with zipfile.ZipFile(tmp_path / "photos.docx", "w") as z:
            z.writestr("a.txt", "x")
        for name in [*cases, "photos.docx"]:
            result = read_word(tmp_path / name, case_tool())
            assert result.unreadable and not result.answers, name
            assert word_identity(tmp_path / name) == (None, None)
        assert "sensitivity label" in read_word(tmp_path / "old.doc", None).unreadable[0]

    def test_without_the_tool_tagged_answers_are_still_read(self, tmp_path):
        """Before the tool is known, answers in controls that kept their tags are read by tag."""
        _, path = write_form(tmp_path)
        fill_like_word(path)
        got = values(read_word(path, None))
        assert got["q7"] == "Requires improvement" and got["q3"] == ["Health visiting", "CAMHS"]

    def test_each_read_uses_the_tool_it_is_given(self, tmp_path):
        """The reader keeps what it works out from a tool; a return read with another tool after it gets that tool's questions."""
        content, path = write_form(tmp_path)
        fill_like_word(path)
        data = content.tool.model_dump(by_alias=True, exclude_unset=True)
        data["sections"][0]["questions"] = [q for q in data["sections"][0]["questions"] if q["id"] != "q5"]
        shorter = Tool.model_validate(data)
        first, second, third = (read_word(path, tool) for tool in (content.tool, shorter, content.tool))
        assert values(first)["q5"] == "Health visitor" and values(third) == values(first)
        assert "q5" not in second.answers and values(second) == {k: v for k, v in values(first).items() if k != "q5"}

    def test_a_reference_line_only_in_the_body_is_found_and_kept(self, tmp_path):
        """Without properties, header or footer (pasted into a new document), the line in the body identifies the form."""
        content, path = write_form(tmp_path)
        with zipfile.ZipFile(path) as z:
            parts = [n for n in z.namelist() if re.fullmatch(r"word/(header|footer)\d*\.xml", n)]
        assert parts
        rewrite(path, lambda root: None, drop=("docProps/custom.xml", *parts))
        result = read_word(path, content.tool)
        assert result.identity_source == "reference_line"
        assert result.identity.form_id == content.identity.form_id and result.printed == result.identity

    def test_text_nested_deeper_than_pythons_stack_is_read_whole(self):
        """Visible text under thousands of nested elements is read as a shallow cell is (no recursion limit reached)."""
        cell = etree.Element(f"{{{W}}}tc")
        node = etree.SubElement(cell, f"{{{W}}}p")
        for _ in range(3000):
            node = etree.SubElement(node, f"{{{W}}}ins")
        node.append(run("deep"))
        etree.SubElement(node, f"{{{W}}}del").append(run("gone"))
        assert accepted_text(cell) == "deep\n"


# -- a real LibreOffice ---------------------------------------------------------------------------

LIBREOFFICE_ANSWERS = {
    "q1": ("select", "Yes"),
    "q2": ("date", "05/03/2024"),
    "q3.other": ("text", "Family nurse partnership"),
    "q4": ("text", "14"),
    "q5": ("text", "Health visitor"),
    "q6.a": ("select", "No"),
    "q6.b": ("select", "Yes"),
    "q7": ("select", "Requires improvement"),
    "q7.why": ("text", "Supervision was not recorded for three months."),
    "q8": ("select", "MASH"),
    "q9": ("text", "Joint visits with the school."),
    "q7.action": ("text", "Audit supervision records."),
    "q7.when_who": ("text", "June 2025, named nurse"),
}


@pytest.mark.office
class TestLibreOffice:
    def test_form_filled_in_libreoffice_and_renamed_reads_back_exactly(self, tmp_path):
        """Every answer filled in LibreOffice, saved as Word 2007 XML and renamed comes back exactly, with its identity."""
        from tests.office import client

        client.require_office()
        content, path = write_form(tmp_path)
        names = bookmark_names(answer_boxes(content.tool.fields()))
        actions = []
        for key, (op, value) in LIBREOFFICE_ANSWERS.items():
            actions.append({"bookmark": names[key], "op": op, ("text" if op == "date" else "value"): value})
        actions += [{"bookmark": names["q3#1"], "op": "check", "value": True}, {"bookmark": names["q3#3"], "op": "check", "value": True}]
        actions.append({"bookmark": names["q1"], "op": "type_beside", "value": " (from May)"})
        saved = tmp_path / "saved.docx"
        client.fill_docx(path, saved, actions)
        renamed = saved.rename(tmp_path / "Health MACA return FINAL.docx")

        result = read_word(renamed, content.tool)
        expected = {key: value for key, (_, value) in LIBREOFFICE_ANSWERS.items()}
        expected |= {"q1": "Yes (from May)", "q3": ["Health visiting", "CAMHS"]}
        assert result.identity == content.identity and result.identity_source == "custom_properties"
        assert values(result) == expected
        assert not result.unreadable and not result.tracked_changes

    def test_tracked_edits_in_libreoffice_read_as_accepted(self, tmp_path):
        """With Track Changes on, a changed grade and text typed beside an answer read as accepted, and the return is flagged."""
        from tests.office import client

        client.require_office()
        content, path = write_form(tmp_path, prefill={"q7": "Good"})
        saved = tmp_path / "tracked.docx"
        actions = [
            {"bookmark": "maa_q7", "op": "select", "value": "Inadequate"},
            {"bookmark": "maa_q9", "op": "type_beside", "value": "Joint visits."},
        ]
        client.fill_docx(path, saved, actions, track_changes=True)
        result = read_word(saved, content.tool)
        assert (result.answers["q7"].value, result.answers["q9"].value) == ("Inadequate", "Joint visits.")
        assert result.tracked_changes is True and not result.unreadable

    def test_form_renders_with_the_reference_on_every_page(self, tmp_path):
        """LibreOffice renders the form to PDF with the reference line in every page's header (PNG kept for review)."""
        from tests.office import client

        client.require_office()
        content, path = write_form(tmp_path)
        ARTIFACTS.mkdir(exist_ok=True)
        pdf = ARTIFACTS / "word-form.pdf"
        client.to_pdf(path, pdf)
        client.pdf_to_png(pdf, ARTIFACTS / "word-form.png")
        pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
        pages = [p for p in pages if p.strip()]
        assert len(pages) >= 2
        assert all(content.identity.reference_line() in page for page in pages)
        assert "Your answer" in pages[1]  # the question table's header row repeats on the next page
