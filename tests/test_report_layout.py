"""The findings report is laid out to be read: whole words in every heading, a contents list, no maa housekeeping,
no rows that say nothing, and short tables kept on one page."""

from __future__ import annotations

import re
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest

from maa_cli.report import build_reports
from tests.test_report_fixtures import TODAY, case_audit, ey  # noqa: F401  (fixtures)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WORD_CELL_MARGINS_CM = 0.38  # Word's default cell margins, 0.19 cm each side


@lru_cache(maxsize=1)
def _helvetica_bold() -> dict[str, int]:
    """Advance widths of Helvetica Bold (Arial Bold and Liberation Sans Bold match it) from matplotlib's own AFM file."""
    import matplotlib

    afm = Path(matplotlib.get_data_path()) / "fonts" / "afm" / "phvb8a.afm"
    widths = {}
    for line in afm.read_text(encoding="latin-1").splitlines():
        m = re.match(r"C (\d+) ; WX (\d+)", line)
        if m and 32 <= int(m.group(1)) < 127:
            widths[chr(int(m.group(1)))] = int(m.group(2))
    return widths


def word_cm(word: str, size_pt: float) -> float:
    widths = _helvetica_bold()
    return sum(widths.get(ch, 1000) for ch in word) / 1000 * size_pt * 2.54 / 72


def header_cells(path: Path):
    """(table caption, heading text, column width in cm, font size in pt) for every cell of every table's first row."""
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    for tbl in root.iter(f"{W}tbl"):
        caption = tbl.find(f"{W}tblPr/{W}tblCaption")
        grid = [int(c.get(f"{W}w")) / 567 for c in tbl.iter(f"{W}gridCol")]
        first = tbl.find(f"{W}tr")
        for tc, width in zip(first.findall(f"{W}tc"), grid, strict=False):
            text = "".join(t.text or "" for t in tc.iter(f"{W}t"))
            sizes = [int(s.get(f"{W}val")) / 2 for s in tc.iter(f"{W}sz")]
            yield (caption.get(f"{W}val") if caption is not None else ""), text, width, max(sizes, default=11.0)


@pytest.fixture(scope="module")
def reports(case_audit, ey):  # noqa: F811
    build_reports(case_audit.ws, today=TODAY)
    build_reports(ey.ws, today=TODAY)
    return {"case": case_audit.ws.reports_dir / "findings-report.docx", "ey": ey.ws.reports_dir / "findings-report.docx"}


def paragraphs(path: Path) -> list[str]:
    import docx

    doc = docx.Document(str(path))
    return [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]


class TestHeadingsReadWhole:
    def test_no_column_is_narrower_than_its_heading_s_longest_word(self, reports):
        """'Domestic abuse' never prints as 'Dom / estic / abus / e': in both reports every heading word fits its
        column, in bold, at its size."""
        for which in ("case", "ey"):
            checked = 0
            for caption, text, width, size in header_cells(reports[which]):
                for word in text.split():
                    checked += 1
                    assert word_cm(word, size) + WORD_CELL_MARGINS_CM <= width + 0.01, (which, caption, word, round(width, 2))
            assert checked > 100

    def test_case_features_by_agency_are_turned_with_the_agencies_across(self, many_features):
        """Seven or more features ticked do not fit across the page: the features go down the side, the agencies
        across (four grades do, so grades by agency stay a row per agency)."""
        from tests.test_report_figures import tables

        path, ticked = many_features
        found = tables(path)
        turned = found["Question 13 by agency"]
        agencies = ["Children's Social Care", "Health Visiting", "Oakfield School", "Police"]
        assert turned[0] == ["Choice", *agencies]
        assert [r[0] for r in turned[1:-1]] == FEATURE_CHOICES and turned[-1][0] == "Answered (n)"
        for row in turned[1:-1]:
            expected = [sum(row[0] in features for agency_, features in ticked if agency_ == a) for a in agencies]
            assert row[1:] == [str(n) if n else "" for n in expected], row
        assert found["Question 4 by agency"][0] == ["Agency", "Outstanding", "Good", "Requires improvement", "Inadequate", "n"]
        for _caption, text, width, size in header_cells(path):  # and the turned table's headings read whole too
            assert all(word_cm(w, size) + WORD_CELL_MARGINS_CM <= width + 0.01 for w in text.split()), text


FEATURE_CHOICES = ["Domestic abuse", "Parental mental health", "Parental substance misuse", "Child exploitation", "Neglect",
                   "Harmful sexual behaviour", "Online harm", "Young carer", "Special educational needs or disability"]


@pytest.fixture(scope="module")
def many_features(case_audit, tmp_path_factory):  # noqa: F811
    """A copy of the case audit where each complete return ticked seven of the nine case features."""
    import shutil

    from maa_cli.intake.collect import load_responses
    from maa_cli.setup.workspace import open_workspace
    from tests.test_report_fixtures import tamper_record

    root = tmp_path_factory.mktemp("features") / "maca"
    shutil.copytree(case_audit.ws.root, root)
    ws = open_workspace(root)
    ticked = []
    for i, record in enumerate(r for r in load_responses(ws, statuses=("accepted",)) if r["form_type"] == "case-tool"):
        features = FEATURE_CHOICES[:7] if i % 2 else FEATURE_CHOICES[2:]
        tamper_record(ws, record["form_id"], "case_features", features)
        ticked.append((record["agency"], features))
    build_reports(ws, today=TODAY)
    return ws.reports_dir / "findings-report.docx", ticked


class TestForTheBoard:
    @pytest.mark.parametrize("which", ["case", "ey"])
    def test_a_contents_list_that_word_updates_and_libreoffice_shows(self, which, reports):
        """A TOC field marked to update when Word opens the file, whose stored result lists the headings as links."""
        with zipfile.ZipFile(reports[which]) as z:
            document, settings = z.read("word/document.xml").decode(), z.read("word/settings.xml").decode()
        assert 'w:fldCharType="begin" w:dirty="true"' in document and re.search(r"<w:instrText[^>]*> TOC \\o \"1-2\"", document)
        assert '<w:updateFields w:val="true"/>' in settings
        entries = re.findall(r'<w:hyperlink w:anchor="(_Toc\d+)"[^>]*><w:r><w:t[^>]*>([^<]+)</w:t>', document)
        assert [t for _a, t in entries][:3] == ["About this report", "Audit details", "The audit process"]
        for anchor, _text in entries:
            assert f'w:name="{anchor}"' in document  # each link has its heading's bookmark

    @pytest.mark.parametrize("which", ["case", "ey"])
    def test_no_maa_file_or_command_is_mentioned(self, which, reports):
        """The board reads the report: no 'findings-form.docx', 'audit.yaml', 'maa collect' or 'returns/'."""
        text = "\n".join(paragraphs(reports[which]))
        for housekeeping in (".docx", ".xlsx", ".yaml", "maa collect", "maa report", "returns/", "reports/", "maa "):
            assert housekeeping not in text, housekeeping

    def test_terms_of_reference_are_listed_only_when_the_audit_has_them(self, reports):
        """The case audit's terms of reference are a row of the details; the questionnaire, with none, has no such row."""
        from tests.test_report_figures import tables

        case = dict(r for r in tables(reports["case"])["Audit details"][1:])
        ey_rows = dict(r for r in tables(reports["ey"])["Audit details"][1:])
        assert case["Terms of reference"] == "How agencies shared information."
        assert "Terms of reference" not in ey_rows and "Not recorded" not in "\n".join(paragraphs(reports["ey"]))


class TestNoEmptyPages:
    def test_short_tables_keep_together_with_what_introduces_them(self, reports):
        """Every row of a short table keeps with the next, and so does the caption or sentence just before it."""
        from lxml import etree

        with zipfile.ZipFile(reports["case"]) as z:
            root = etree.fromstring(z.read("word/document.xml"))
        tables = list(root.iter(f"{W}tbl"))
        short = [t for t in tables if len(t.findall(f"{W}tr")) <= 8 and t.find(f"{W}tblPr/{W}tblCaption").get(f"{W}val") != "Note"]
        assert len(short) > 10
        for tbl in short:
            for tr in tbl.findall(f"{W}tr"):
                assert tr.find(f".//{W}keepNext") is not None
            before = tbl.getprevious()
            if before.tag == f"{W}p" and "".join(before.itertext()).strip():
                style = before.find(f"{W}pPr/{W}pStyle")
                assert before.find(f"{W}pPr/{W}keepNext") is not None or (style is not None and "Heading" in style.get(f"{W}val"))
