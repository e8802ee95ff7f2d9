"""Every built-in tool, as a Word and an Excel form: issued, rendered, filled in LibreOffice, renamed and read back.

One audit uses every built-in tool. LibreOffice runs once per tool and format to fill
and save the form, and once more to render it to PDF; every test about that file reads
the same saved copy. Edits that LibreOffice's UNO API cannot make (a respondent
inserting a row, Word's Document Inspector) are made in code on the saved copy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from maa_cli.definitions.catalog import builtin_ids
from maa_cli.forms.excel import FORM_SHEET, LISTS_SHEET, TICK, defined_name, excel_rows
from maa_cli.forms.plan import plan_forms
from maa_cli.intake.readers.excel import read_excel
from maa_cli.intake.readers.word import read_word
from maa_cli.office.ooxml import W, answer_boxes, bookmark_names, checkbox_tag
from tests.conftest import build_files
from tests.office import client

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
TOOLS = builtin_ids()
FORMATS = ["docx", "xlsx"]
TODAY = dt.date(2027, 1, 11)
CASES = "case_ref,child_name,date_of_birth,agencies\nA,Ellie Marsh,14/02/2019,Northshire Police\n"
AGENCIES = "agency,contact_name,email,setting_type\nNorthshire Police,Amira Khan,amira@police.example,Day nursery\n"


# -- one audit using every built-in tool, issued in both formats -------------------------------


@pytest.fixture(scope="module")
def audit(tmp_path_factory):
    """An audit with one form type per built-in tool (one agency, one case), issued as Word and as Excel."""
    from maa_cli.definitions.audit import FormType
    from maa_cli.forms.plan import issue_forms
    from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace

    root = tmp_path_factory.mktemp("builtin")
    files = build_files(root / "in", {"agencies.csv": AGENCIES, "cases.csv": CASES})
    form_types = [FormType(name=t, tool=t, per="agency_case", format="docx") for t in TOOLS]
    new_audit(root / "audit", NewAudit(title="Neglect audit 2027", partnership="Northshire Safeguarding Children Partnership",
                                       form_types=form_types, agencies_csv=files["agencies.csv"], cases_csv=files["cases.csv"],
                                       deadline=dt.date(2027, 3, 31), return_to="audits@northshire.example", today=TODAY))
    ws = open_workspace(root / "audit")
    issue_forms(ws, fmt="docx")
    issue_forms(ws, fmt="xlsx")
    return ws


def form_of(ws, tool_id: str, fmt: str):
    (form,) = [f for f in plan_forms(ws, form_type=tool_id, fmt=fmt)]
    return form


# -- what a respondent fills in ------------------------------------------------------------------


def text_answer(f) -> str:
    # Typographic quotes, an en dash, a pound sign and an accented name: what people type.
    return f"Q{f.number} {f.role}: Zoë\u2019s \u201crecord\u201d \u2013 seen 3\u00d7, £5"


def word_answers(tool) -> tuple[list[dict], dict]:
    """Bridge actions that fill every answer box of a Word form, and what the reader must return."""
    names = bookmark_names(answer_boxes(tool.fields()))
    actions, expected = [], {}
    for i, f in enumerate(tool.fields()):
        if f.type == "multiple_choice":
            picks = [0, 2] if len(f.choices) > 2 else [0]
            actions += [{"bookmark": names[checkbox_tag(f.key, p + 1)], "op": "check", "value": True} for p in picks]
            expected[f.key] = [f.choices[p] for p in picks]
        elif f.choices:
            expected[f.key] = f.choices[i % len(f.choices)]
            actions.append({"bookmark": names[f.key], "op": "select", "value": expected[f.key]})
        elif f.type == "date":
            # LibreOffice 7.4 keeps only the date's display text: it comes back as typed, day first.
            expected[f.key] = f"{(i % 27) + 1:02d}/03/2024"
            actions.append({"bookmark": names[f.key], "op": "date", "text": expected[f.key]})
        else:
            expected[f.key] = str(10 + i) if f.type == "number" else text_answer(f)
            actions.append({"bookmark": names[f.key], "op": "text", "value": expected[f.key]})
    return actions, expected


def excel_answers(content) -> tuple[list[dict], dict]:
    """Cells (set through Calc's API) that fill every answer of an Excel form, and what the reader must return."""
    cells, expected = [], {}
    dates = 0
    for i, (key, f, option) in enumerate(excel_rows(content)):
        name = defined_name(key)
        if option is not None:
            picks = [0, 2] if len(f.choices) > 2 else [0]
            if f.choices.index(option) in picks:
                cells.append({"name": name, "how": "api", "kind": "text", "value": TICK})
            expected[f.key] = [f.choices[p] for p in picks]
        elif f.choices:
            expected[key] = f.choices[i % len(f.choices)]
            cells.append({"name": name, "how": "api", "kind": "text", "value": expected[key]})
        elif f.type == "date":
            dates += 1
            if dates == 2:  # someone typed the date into a cell formatted as text: it comes back as typed
                expected[key] = "03/07/2024"
                cells.append({"name": name, "how": "api", "kind": "text", "value": expected[key]})
            else:
                expected[key] = dt.date(2024, 3, (i % 27) + 1)
                cells.append({"name": name, "how": "api", "kind": "date", "value": expected[key].isoformat()})
        elif f.type == "number":
            expected[key] = 10 + i
            cells.append({"name": name, "how": "api", "kind": "number", "value": expected[key]})
        else:
            # A multi-line answer stays one cell; in Excel a line break is Alt+Enter.
            expected[key] = text_answer(f) + ("\nSecond line." if f.type == "long_text" else "")
            cells.append({"name": name, "how": "api", "kind": "text", "value": expected[key]})
    return cells, expected


# -- LibreOffice: one fill-and-save job and one PDF job per tool and format ----------------------

class LibreOffice:
    """Runs each LibreOffice job once per module and remembers its result."""

    def __init__(self, ws, folder: Path):
        self.ws, self.folder = ws, folder
        self.filled: dict[tuple[str, str], tuple[Path, dict]] = {}

    def fill(self, tool_id: str, fmt: str) -> tuple[Path, dict]:
        """The form filled in LibreOffice, saved as Word 2007 / Excel 2007 XML and renamed, with the expected answers."""
        if (tool_id, fmt) not in self.filled:
            client.require_office()
            form = form_of(self.ws, tool_id, fmt)
            saved = self.folder / f"{tool_id}-saved.{fmt}"
            if fmt == "docx":
                actions, expected = word_answers(form.content.tool)
                client.fill_docx(self.ws.forms_dir / form.relpath, saved, actions, timeout=100)
            else:
                cells, expected = excel_answers(form.content)
                client.fill_xlsx(self.ws.forms_dir / form.relpath, saved, cells, timeout=60)
            renamed = saved.rename(self.folder / f"Copy of {tool_id} return FINAL v2 (1).{fmt}")
            self.filled[tool_id, fmt] = (renamed, expected)
        return self.filled[tool_id, fmt]


@pytest.fixture(scope="module")
def office(audit, tmp_path_factory):
    return LibreOffice(audit, tmp_path_factory.mktemp("libreoffice"))


def read(path: Path, tool, fmt: str):
    return read_word(path, tool) if fmt == "docx" else read_excel(path, tool)


def values(raw) -> dict:
    return {k: a.value for k, a in raw.answers.items()}


def copy_zip(src: Path, dst: Path, drop: tuple[str, ...] = (), edit=None) -> Path:
    """Copy a package, leaving out some parts and letting ``edit(name, data)`` change others."""
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            if info.filename in drop:
                continue
            data = z.read(info.filename)
            out.writestr(info, edit(info.filename, data) if edit else data)
    return dst


def without_custom_properties(src: Path, dst: Path) -> Path:
    """What Word's Document Inspector leaves: no custom.xml, and no reference to it."""

    def edit(name, data):
        if name in ("[Content_Types].xml", "_rels/.rels"):
            data = re.sub(rb"<(Override|Relationship)[^>]*custom(\.xml|-properties)[^>]*/>", b"", data)
        return data

    return copy_zip(src, dst, drop=("docProps/custom.xml",), edit=edit)


def keep(*paths: Path) -> None:
    """Copy files into test-artifacts/ for people to look at, each replaced in one step."""
    ARTIFACTS.mkdir(exist_ok=True)
    for path in paths:
        tmp = ARTIFACTS / f".{path.name}.{os.getpid()}.tmp"
        shutil.copyfile(path, tmp)
        tmp.replace(ARTIFACTS / path.name)


def pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [page for page in text.split("\f") if page.strip()]


def pdf_page_size(pdf: Path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    width, height = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups()
    return float(width), float(height)


# -- rendering -------------------------------------------------------------------------------------


@pytest.mark.office
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("tool_id", TOOLS)
def test_every_form_renders_on_a4_with_its_reference_and_its_first_page_is_kept(audit, tool_id, fmt, tmp_path):
    """LibreOffice turns the form into an A4 PDF showing its title and reference line; page 1 is kept as a PNG to look at."""
    client.require_office()
    form = form_of(audit, tool_id, fmt)
    # Rendered and checked in a private folder, then kept: a second test run at the same time
    # must not read a PDF this one is still writing.
    pdf = tmp_path / f"{tool_id}.{fmt}.pdf"
    client.to_pdf(audit.forms_dir / form.relpath, pdf)
    png = client.pdf_to_png(pdf, tmp_path / f"{tool_id}.{fmt}.png")
    keep(pdf, png)
    width, height = pdf_page_size(pdf)
    portrait = (595.3, 841.9)
    assert sorted([round(width, 1), round(height, 1)]) == sorted(portrait)
    assert (width < height) == (fmt == "docx")  # Word forms portrait, Excel forms landscape
    pages = pdf_pages(pdf)
    first = " ".join(pages[0].split())
    assert form.content.form_title in first and form.content.identity.form_id in first
    assert "Ellie Marsh" in first  # this agency worked with the child
    if fmt == "xlsx":
        assert all("Your answer" in page for page in pages)  # the heading row repeats on every printed page


# -- drop-downs --------------------------------------------------------------------------------------


def word_drop_downs(path: Path) -> dict[str, list[str]]:
    """Each drop-down's items, keyed by the bookmark around it (tags do not survive LibreOffice)."""
    root = etree.fromstring(zipfile.ZipFile(path).read("word/document.xml"))
    ns = {"w": W}
    out = {}
    for sdt in root.iter(f"{{{W}}}sdt"):
        items = sdt.xpath("w:sdtPr/w:dropDownList/w:listItem/@w:displayText", namespaces=ns)
        if items:
            marks = sdt.xpath("preceding-sibling::w:bookmarkStart[1]/@w:name | w:sdtContent//w:bookmarkStart/@w:name", namespaces=ns)
            out[marks[-1]] = items
    return out


def excel_drop_downs(path: Path) -> dict[str, list[str]]:
    """Each answer cell's list, read from the range its validation points at on the hidden sheet."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb[FORM_SHEET]
    out = {}
    for dv in ws.data_validations.dataValidation:
        if dv.type != "list":
            continue
        match = re.fullmatch(rf"'?{LISTS_SHEET}'?!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", dv.formula1)
        assert match, f"an inline list ({dv.formula1}) would break past 255 characters"
        col, first, _, last = match.groups()
        items = [wb[LISTS_SHEET][f"{col}{r}"].value for r in range(int(first), int(last) + 1)]
        for cell_range in dv.sqref.ranges:
            for row in ws[cell_range.coord] if ":" in cell_range.coord else [[ws[cell_range.coord]]]:
                for cell in row:
                    out[cell.coordinate] = items
    return out


@pytest.mark.office
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("tool_id", TOOLS)
def test_drop_downs_offer_exactly_the_tools_values_before_and_after_libreoffice(audit, office, tool_id, fmt):
    """Every drop-down offers the question's scale or choices, in order, nothing more, in the issued and the saved file."""
    form = form_of(audit, tool_id, fmt)
    tool = form.content.tool
    issued = audit.forms_dir / form.relpath
    saved, _ = office.fill(tool_id, fmt)
    if fmt == "docx":
        names = bookmark_names(answer_boxes(tool.fields()))
        wanted = {names[f.key]: list(f.choices) for f in tool.fields() if f.choices and f.type != "multiple_choice"}
        assert word_drop_downs(issued) == wanted
        assert word_drop_downs(saved) == wanted
    else:
        from openpyxl import load_workbook

        wb = load_workbook(issued)
        wanted = {}
        for key, f, option in excel_rows(form.content):
            cell = next(iter(wb.defined_names[defined_name(key)].destinations))[1].replace("$", "")
            if option is not None or f.choices:
                wanted[cell] = [TICK] if option is not None else list(f.choices)
        assert excel_drop_downs(issued) == wanted
        assert excel_drop_downs(saved) == wanted


# -- the round trip ------------------------------------------------------------------------------


@pytest.mark.office
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("tool_id", TOOLS)
def test_every_answer_filled_in_libreoffice_comes_back_exactly_from_a_renamed_file(audit, office, tool_id, fmt):
    """Every answer typed, chosen, dated and ticked in LibreOffice, saved and renamed, is read back exactly, with the form's identity."""
    form = form_of(audit, tool_id, fmt)
    saved, expected = office.fill(tool_id, fmt)
    raw = read(saved, form.content.tool, fmt)
    assert (raw.identity, raw.identity_source) == (form.content.identity, "custom_properties")
    assert values(raw) == expected
    assert not raw.unreadable and not raw.tracked_changes


@pytest.mark.office
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("tool_id", TOOLS)
def test_with_custom_properties_stripped_the_reference_line_identifies_the_form(audit, office, tool_id, fmt, tmp_path):
    """After Document Inspector removes the custom properties, the visible reference line still says which form it is."""
    form = form_of(audit, tool_id, fmt)
    saved, expected = office.fill(tool_id, fmt)
    stripped = without_custom_properties(saved, tmp_path / f"inspected.{fmt}")
    raw = read(stripped, form.content.tool, fmt)
    assert raw.identity_source == "reference_line"
    assert (raw.identity.form_id, raw.identity.tool_id, raw.identity.tool_version) == (
        form.form_id, form.content.tool.id, form.content.tool.version)
    assert values(raw) == expected


# -- Excel: what a respondent does to the sheet ----------------------------------------------------


def shift_names(wb, *, rows_from: int = 0, cols_from: int = 0) -> None:
    """Move defined names as Excel does when rows or columns are inserted before their cells."""
    from openpyxl.utils import column_index_from_string, get_column_letter

    for dn in wb.defined_names.values():
        match = re.fullmatch(r"('?[^!]+'?)!\$([A-Z]+)\$(\d+)", dn.attr_text or "")
        if not match:
            continue
        sheet, col, row = match[1], column_index_from_string(match[2]), int(match[3])
        row += 1 if rows_from and row >= rows_from else 0
        col += 1 if cols_from and col >= cols_from else 0
        dn.attr_text = f"{sheet}!${get_column_letter(col)}${row}"


def header_row(ws) -> int:
    return next(c.row for c in ws["C"] if c.value == "Question")


@pytest.mark.office
@pytest.mark.parametrize("tool_id", TOOLS)
def test_a_row_and_a_column_inserted_by_the_respondent_do_not_misplace_answers(audit, office, tool_id, tmp_path):
    """Someone inserts a row above the questions and a 'Comments' column before the answers: the defined names still find every answer."""
    from openpyxl import load_workbook

    form = form_of(audit, tool_id, "xlsx")
    saved, expected = office.fill(tool_id, "xlsx")
    wb = load_workbook(saved)
    ws = wb[FORM_SHEET]
    top = header_row(ws)
    ws.insert_rows(top)
    ws.cell(row=top, column=3, value="Completed by the DSL, checked by the manager")
    ws.insert_cols(4)
    ws.cell(row=top + 1, column=4, value="Comments")
    shift_names(wb, rows_from=top, cols_from=4)
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    raw = read_excel(edited, form.content.tool)
    assert values(raw) == expected
    assert {a.how for a in raw.answers.values()} == {"name"}
    assert all(a.where.startswith(f"{FORM_SHEET}!E") for a in raw.answers.values())


@pytest.mark.office
@pytest.mark.parametrize("tool_id", TOOLS)
def test_without_names_or_key_column_answers_are_found_by_question_number_and_text(audit, office, tool_id, tmp_path):
    """The hidden key column deleted and the names lost: each answer is found by the number and text of its row."""
    from openpyxl import load_workbook

    form = form_of(audit, tool_id, "xlsx")
    saved, expected = office.fill(tool_id, "xlsx")
    wb = load_workbook(saved)
    wb[FORM_SHEET].delete_cols(1)
    for name in [n for n in wb.defined_names if n.startswith("maa_")]:
        del wb.defined_names[name]
    edited = tmp_path / "no-key-column.xlsx"
    wb.save(edited)
    raw = read_excel(edited, form.content.tool)
    assert values(raw) == expected
    assert {a.how for a in raw.answers.values()} == {"row_number"}


@pytest.mark.office
@pytest.mark.parametrize("tool_id", TOOLS)
def test_a_sheet_pasted_into_a_new_workbook_keeps_its_identity_and_answers(audit, office, tool_id, tmp_path):
    """Visible columns copied into a blank workbook (no properties, names, key column or validation) still read back whole."""
    from openpyxl import Workbook, load_workbook

    form = form_of(audit, tool_id, "xlsx")
    saved, expected = office.fill(tool_id, "xlsx")
    source = load_workbook(saved)[FORM_SHEET]
    pasted = Workbook()
    target = pasted.active
    target.title = "Sheet1"
    for row in source.iter_rows(min_col=2, max_col=5):
        for cell in row:
            if cell.value is not None:
                target.cell(row=cell.row, column=cell.column - 1, value=cell.value)
    path = tmp_path / "pasted.xlsx"
    pasted.save(path)
    raw = read_excel(path, form.content.tool)
    assert raw.identity_source == "reference_line" and raw.identity.form_id == form.form_id
    assert values(raw) == expected


@pytest.mark.office
@pytest.mark.parametrize("tool_id", TOOLS)
def test_excel_layout_and_protection_survive_a_libreoffice_save(audit, office, tool_id):
    """After LibreOffice saves the workbook: still protected without a password, rows resizable, answers unlocked and wrapped, A4 fitted one page wide, heading repeated."""
    from openpyxl import load_workbook

    form = form_of(audit, tool_id, "xlsx")
    saved, expected = office.fill(tool_id, "xlsx")
    for path in (audit.forms_dir / form.relpath, saved):
        sheet_xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
        protection = dict(re.findall(r'(\w+)="([^"]*)"', re.search(r"<sheetProtection [^>]*>", sheet_xml)[0]))
        assert protection["sheet"] in ("1", "true") and "password" not in protection and "hashValue" not in protection
        assert protection["formatRows"] in ("0", "false"), path  # rows may be made taller to read an answer
        wb = load_workbook(path)
        ws = wb[FORM_SHEET]
        assert wb[LISTS_SHEET].sheet_state in ("hidden", "veryHidden")
        assert ws.page_setup.paperSize in (9, "9")
        assert (int(ws.page_setup.fitToWidth), int(ws.page_setup.fitToHeight)) == (1, 0)
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        top = header_row(ws)
        assert ws.print_title_rows == f"${top}:${top}" or ws.print_title_rows == f"{top}:{top}"
        assert ws.column_dimensions["A"].hidden
        assert [round(ws.column_dimensions[c].width) for c in "BCDE"] == [6, 56, 42, 50]
        for key, f, _option in excel_rows(form.content):
            cell = ws[next(iter(wb.defined_names[defined_name(key)].destinations))[1].replace("$", "")]
            assert cell.protection.locked is False and cell.alignment.wrap_text, key
            if f.type == "date" and (path != saved or isinstance(expected[key], dt.date)):
                # LibreOffice may add its locale tag: [$-809] is en-GB.
                assert re.fullmatch(r"(\[\$-809\])?dd/mm/yyyy(;@)?", cell.number_format.lower()), key
        assert ws["C1"].protection.locked is not False
    # A UNO save from a headless LibreOffice writes no view settings, so frozen panes cannot be
    # checked on the saved copy (unoconv#245: an interactive save keeps them). Check the issued form.
    issued = load_workbook(audit.forms_dir / form.relpath)[FORM_SHEET]
    assert issued.freeze_panes == f"B{header_row(issued) + 1}"


# -- issuing -------------------------------------------------------------------------------------------


def file_states(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file below ``folder`` with its hash and modification time."""
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def case_audit(tmp_path, csvs):
    """A case audit (six cases, three agencies: eleven forms) with its Word forms issued and one return already saved."""
    from maa_cli.forms.plan import issue_forms
    from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace

    new_audit(tmp_path / "maca", NewAudit(deadline=dt.date(2027, 12, 31), return_to="audits@northshire-scp.example", title="MACA", partnership="Northshire SCP", tool="multi-agency-case-audit",
                                          agencies_csv=csvs["agencies.csv"], cases_csv=csvs["cases.csv"], today=TODAY))
    ws = open_workspace(tmp_path / "maca")
    first = issue_forms(ws)
    assert len(first.written) == 11 and not first.skipped
    build_files(ws.returns_dir, {"Police/case A.docx": b"PK\x03\x04 a return being collected"})
    return ws


def add_agency_and_case(ws) -> None:
    """What an officer does by hand: one more agency, and one more case in audit.yaml and the restricted store."""
    from maa_cli.atomic import write_text
    from maa_cli.definitions.audit import Agency, Case
    from maa_cli.setup import restricted
    from maa_cli.setup.workspace import audit_yaml

    audit = ws.audit.model_copy(deep=True)
    audit.agencies.append(Agency(name="Northshire Community Health"))
    audit.cases[0].agencies.append("Northshire Community Health")
    audit.cases.append(Case(case_ref="G", agencies=["Police"]))
    write_text(ws.root / "audit.yaml", audit_yaml(audit))
    cases = list(restricted.read_cases(ws.restricted_dir).values())
    restricted.write_cases(ws.restricted_dir, [*cases, restricted.CaseIdentity("G", "Maya Stone", dt.date(2016, 4, 9))])


class TestIssuing:
    def test_a_form_issued_in_both_formats_has_one_form_id_and_one_manifest_entry(self, audit):
        """The Word and the Excel form for the same agency and case carry the same form id, listed once with both files."""
        from maa_cli.forms.manifest import read_manifest
        from maa_cli.intake.readers.excel import excel_identity
        from maa_cli.intake.readers.word import word_identity

        manifest = read_manifest(audit)
        assert len(manifest) == len(TOOLS)
        for tool_id in TOOLS:
            word, excel = form_of(audit, tool_id, "docx"), form_of(audit, tool_id, "xlsx")
            assert word.form_id == excel.form_id
            assert word_identity(audit.forms_dir / word.relpath)[0].form_id == word.form_id
            assert excel_identity(audit.forms_dir / excel.relpath)[0].form_id == word.form_id
            entry = manifest[word.form_id]
            assert set(entry["files"]) == {"docx", "xlsx"}
            assert Path(entry["files"]["docx"]["file"]).with_suffix("") == Path(entry["files"]["xlsx"]["file"]).with_suffix("")
            assert entry | {"files": None} == {
                "form_type": tool_id, "respondent": "Northshire Police", "agency": "Northshire Police", "case_ref": "A",
                "tool": tool_id, "tool_version": word.content.tool.version, "files": None,
                "tool_sha256": audit.tool_record(tool_id)[1]}  # the audit's copy of the tool it was issued from
            for fmt, info in entry["files"].items():
                path = audit.forms_dir / info["file"]
                assert info["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), fmt
                assert dt.datetime.fromisoformat(info["issued_at"]).tzinfo is not None
        assert json.loads((audit.state_dir / "manifest.json").read_text(encoding="utf-8")) == manifest

    def test_running_again_writes_nothing_and_never_touches_returns(self, case_audit):
        """A second run keeps every issued form byte for byte, and leaves returns/ exactly as it was."""
        from maa_cli.forms.plan import issue_forms

        forms, returns = file_states(case_audit.forms_dir), file_states(case_audit.returns_dir)
        again = issue_forms(case_audit)
        assert again.written == [] and len(again.skipped) == 11 and not again.warnings
        assert file_states(case_audit.forms_dir) == forms
        assert file_states(case_audit.returns_dir) == returns

    def test_force_writes_every_form_again_but_still_not_returns(self, case_audit):
        """--force rewrites the issued forms and records the new issue, and returns/ is still untouched."""
        from maa_cli.forms.manifest import read_manifest
        from maa_cli.forms.plan import issue_forms

        returns = file_states(case_audit.returns_dir)
        later = dt.datetime(2027, 2, 1, 9, 30, tzinfo=dt.UTC)
        again = issue_forms(case_audit, force=True, now=later)
        assert len(again.written) == 11 and not again.skipped
        assert file_states(case_audit.returns_dir) == returns
        stamps = {e["files"]["docx"]["issued_at"] for e in read_manifest(case_audit).values()}
        assert stamps == {later.isoformat()}

    def test_adding_an_agency_and_a_case_issues_just_their_forms(self, case_audit):
        """After an agency joins case A and case G is added, a re-run writes those two forms only and keeps the rest."""
        from maa_cli.forms.manifest import read_manifest
        from maa_cli.forms.plan import issue_forms
        from maa_cli.setup.workspace import open_workspace

        before = file_states(case_audit.forms_dir)
        add_agency_and_case(case_audit)
        ws = open_workspace(case_audit.root)
        again = issue_forms(ws)
        assert sorted((f.agency, f.case_ref) for f in again.written) == [("Northshire Community Health", "A"), ("Police", "G")]
        assert len(again.skipped) == 11
        after = file_states(ws.forms_dir)
        assert {k: after[k] for k in before} == before
        assert len(read_manifest(ws)) == 13
        new_form = next(f for f in again.written if f.case_ref == "G")
        assert "Maya Stone" in "".join(etree.fromstring(zipfile.ZipFile(ws.forms_dir / new_form.relpath).read("word/document.xml")).itertext())

    def test_a_run_killed_before_saving_the_manifest_is_completed_by_the_next_run(self, tmp_path, csvs, monkeypatch):
        """Forms a killed run wrote but never recorded are recognised, adopted unchanged and listed; its half-written temp file is removed."""
        from maa_cli.forms import plan
        from maa_cli.forms.manifest import MANIFEST
        from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace

        new_audit(tmp_path / "maca", NewAudit(deadline=dt.date(2027, 12, 31), return_to="audits@northshire-scp.example", title="MACA", partnership="Northshire SCP", tool="multi-agency-case-audit",
                                              agencies_csv=csvs["agencies.csv"], cases_csv=csvs["cases.csv"], today=TODAY))
        ws = open_workspace(tmp_path / "maca")
        with monkeypatch.context() as m:
            m.setattr(plan, "save_manifest", lambda ws, manifest: None)  # the process dies before any save
            plan.issue_forms(ws)
        assert not (ws.state_dir / MANIFEST).exists()
        written = file_states(ws.forms_dir)
        leftover = ws.forms_dir / "Police" / ".~maa-k1ll3d.tmp"
        leftover.write_bytes(b"half a form")

        again = plan.issue_forms(ws)
        assert again.written == [] and len(again.adopted) == 11
        assert not leftover.exists()
        assert file_states(ws.forms_dir) == written
        manifest = plan.read_manifest(ws)
        assert len(manifest) == 11
        assert all(e["files"]["docx"]["adopted"] for e in manifest.values())
        assert len(plan.issue_forms(ws).skipped) == 11  # and from then on they are simply issued forms

    def test_stopping_part_way_keeps_a_manifest_of_what_was_written(self, tmp_path, csvs):
        """Ctrl-C after five forms leaves those five recorded; the next run writes the other six."""
        from maa_cli.forms import plan
        from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace

        new_audit(tmp_path / "maca", NewAudit(deadline=dt.date(2027, 12, 31), return_to="audits@northshire-scp.example", title="MACA", partnership="Northshire SCP", tool="multi-agency-case-audit",
                                              agencies_csv=csvs["agencies.csv"], cases_csv=csvs["cases.csv"], today=TODAY))
        ws = open_workspace(tmp_path / "maca")

        def interrupt(done, total):
            if done == 5:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            plan.issue_forms(ws, progress=interrupt)
        assert len(plan.read_manifest(ws)) == 5
        rest = plan.issue_forms(ws)
        assert (len(rest.written), len(rest.skipped)) == (6, 5)

    def test_a_different_file_where_a_form_should_go_is_left_alone(self, case_audit):
        """A file that is not this form (someone saved over it) is never overwritten without --force, and the officer is told."""
        from maa_cli.forms.plan import issue_forms, plan_forms

        form = plan_forms(case_audit)[0]
        manifest_path = case_audit.state_dir / "manifest.json"
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        del manifest[form.form_id]
        manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
        path = case_audit.forms_dir / form.relpath
        path.write_bytes(b"someone's own notes")

        again = issue_forms(case_audit)
        assert again.blocked == [form] and path.read_bytes() == b"someone's own notes"
        assert form.relpath in again.warnings[0] and "--force" in again.warnings[0]
        assert issue_forms(case_audit, force=True).written and zipfile.is_zipfile(path)

    def test_a_second_run_at_the_same_time_is_refused(self, case_audit):
        """While another maa run holds the audit (a scheduled collect), issue-forms stops with exit code 3."""
        from filelock import FileLock

        from maa_cli.errors import AuditLocked
        from maa_cli.forms.plan import issue_forms

        with FileLock(str(case_audit.state_dir / "lock")), pytest.raises(AuditLocked) as caught:
            issue_forms(case_audit)
        assert caught.value.exit_code == 3
