"""'maa collect' contains returns that are legal by size but pathological in shape, and reads the good ones beside them.

The tester's file was a .docx of millions of elements inside every byte limit; these are its
small cousins, built in code in a few milliseconds (tests/hostile.py, tests/test_safety.py).
"""

from __future__ import annotations

import random
import zipfile

from maa_cli.forms.excel import FORM_SHEET, defined_name
from maa_cli.forms.plan import plan_forms
from maa_cli.intake.collect import collect, load_responses
from tests import hostile
from tests.fill import all_yes, fill_excel

WORD_BODY = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>%s</w:body></w:document>'


def _returns(ws) -> dict[str, str]:
    forms = {f.agency: f for f in plan_forms(ws)}
    tool = ws.tools[next(iter(forms.values())).form_type]
    r = ws.returns_dir

    def good(agency: str, name: str):
        return fill_excel(ws.forms_dir / forms[agency].relpath, r / name, all_yes(tool, ws.audit.agency(agency).attributes))

    good("Acorn Nursery", "acorn.xlsx")
    church = good("Church Lane Childminding", "church lane.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(church)  # someone pointed an answer's name at the last column
    wb.defined_names[defined_name("q1")].attr_text = f"'{FORM_SHEET}'!$XFD$2999"
    wb.save(church)
    flat = b"".join(random.Random(1).choices([b"<w:p/>", b"<w:r/>", b"<w:b/>", b"<w:i/>"], k=300_000))
    docx = hostile.good_docx(ws.root / "plain.docx")
    hostile.rewrite_zip(docx, r / "pasted chronology.docx", {"word/document.xml": WORD_BODY % flat})
    bluebell = good("Bluebell Pre-school", "bluebell.xlsx")
    with zipfile.ZipFile(bluebell) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").replace(b"</sheetData>", b"<x>" * 200 + b"</x>" * 200 + b"</sheetData>")
    hostile.rewrite_zip(bluebell, r / "bluebell deep.xlsx", {"xl/worksheets/sheet1.xml": sheet})
    bluebell.unlink()
    return {"acorn.xlsx": "Acorn Nursery", "church lane.xlsx": "Church Lane Childminding"}


class TestCollectContainsPathologicalReturns:
    def test_each_pathological_return_is_rejected_with_its_reason_and_the_good_ones_are_accepted(self, questionnaire):
        """A body of 300,000 elements and a sheet nested 200 deep are rejected with what to ask for; the good returns beside them are accepted."""
        good = _returns(questionnaire)
        result = collect(questionnaire, settle_seconds=0)
        decided = {f.path: (f.status, f.code) for f in result.files}
        assert decided == {"acorn.xlsx": ("accepted", None), "church lane.xlsx": ("accepted", None),
                           "pasted chronology.docx": ("rejected", "too_many_elements"),
                           "bluebell deep.xlsx": ("rejected", "too_deep")}
        reasons = {f.path: " ".join(f.reasons) for f in result.files}
        assert "far more than an audit form can have" in reasons["pasted chronology.docx"]
        assert "fresh copy of the form" in reasons["pasted chronology.docx"]
        assert "128 levels deep" in reasons["bluebell deep.xlsx"]
        assert {r["agency"] for r in load_responses(questionnaire)} == set(good.values())

    def test_an_answer_whose_name_points_at_the_last_column_is_still_read_from_its_row(self, questionnaire):
        """The answer of a cell whose defined name was pointed at column XFD is read from its own row, not taken as blank."""
        _returns(questionnaire)
        collect(questionnaire, settle_seconds=0)
        (church,) = [r for r in load_responses(questionnaire) if r["agency"] == "Church Lane Childminding"]
        assert church["answers"]["q1"] == "Yes"
