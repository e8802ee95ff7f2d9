"""Returns filled in a real LibreOffice and saved by it come through 'maa collect' with the values typed.

Excel cells are set through Calc's API (typing through .uno:EnterString into a hidden document
crashes soffice 7.4.7); every Word answer is typed, picked or ticked in LibreOffice Writer, as a
person would, starting from the form as issued.
"""

# ruff: noqa: F811 - the case_audit fixtures are imported from test_collect_stories and used as parameters
from __future__ import annotations

import pytest

from maa_cli.forms.excel import defined_name
from maa_cli.intake.collect import collect, load_responses
from maa_cli.office.ooxml import answer_boxes, bookmark_names
from maa_cli.setup.restricted import read_answers
from tests.office import client
from tests.test_collect_stories import (  # noqa: F401 - fixtures
    aged,
    case_audit,
    case_audit_template,
    form,
    maca_answers,
)

pytestmark = pytest.mark.office


def test_a_file_review_filled_in_libreoffice_calc_is_accepted_with_the_dates_typed(case_audit):
    """Dates typed as text and as real dates, yes/no in lower case: all read back; the child's name goes to restricted/."""
    client.require_office()
    planned = form(case_audit, "file-review", None, "B")
    typed = {f.key: "no" for f in case_audit.tools["file-review"].fields() if f.type == "yes_no"}
    typed |= {"child_name": "Jayden Cole", "child_dob": "1/8/24", "review_date": "3 July 2024", "reviewed_by": "DSL, Oakfield"}
    cells = [{"name": defined_name(k), "how": "api", "kind": "text", "value": v} for k, v in typed.items()]
    cells.append({"name": defined_name("next_review"), "how": "api", "kind": "date", "value": "2024-09-01"})
    target = case_audit.returns_dir / "review B (LibreOffice).xlsx"
    client.fill_xlsx(case_audit.forms_dir / planned.relpath, target, cells)
    aged(target, 3600)

    (d,) = collect(case_audit).files
    assert d.status == "accepted", d.reasons
    (record,) = load_responses(case_audit)
    answers = record["answers"]
    assert (answers["review_date"], answers["next_review"], answers["chronology_current"]) == ("2024-07-03", "2024-09-01", "No")
    assert "child_name" not in answers and "child_dob" not in answers
    assert read_answers(case_audit.restricted_dir)[planned.form_id] == {"child_name": "Jayden Cole", "child_dob": "2024-08-01"}


def test_a_case_audit_filled_in_libreoffice_writer_is_accepted_and_its_urgent_concern_flagged(case_audit):
    """Every answer typed, chosen and ticked in LibreOffice Writer and saved there survives, and 'Yes' to a current concern is URGENT."""
    client.require_office()
    planned = form(case_audit, "case-tool", "Health Visiting", "D", "docx")
    tool = case_audit.tools["case-tool"]
    typed = maca_answers(tool, urgent=True) | {"voice_of_child": "Requires improvement",
                                               "urgent_action": "Referred to MASH on 20/01/2027."}
    names = bookmark_names(answer_boxes(tool.fields()))
    # Grades and yes/no are drop-downs: picked from the list; everything else is typed.
    actions = [{"bookmark": names[k], "op": "select" if tool.field(k).choices else "text", "value": v}
               for k, v in typed.items()]
    actions.append({"bookmark": names["case_features#2"], "op": "check", "value": True})
    target = case_audit.returns_dir / "HV case D.docx"
    result = client.fill_docx(case_audit.forms_dir / planned.relpath, target, actions)
    assert len(result["filled"]) == len(typed) + 1 and not result["warnings"]
    assert {f["how"] for f in result["filled"][:-1]} == {"typed"}  # none fell back to the API
    aged(target, 3600)

    result = collect(case_audit)
    (d,) = result.files
    assert d.status == "accepted", d.reasons
    (record,) = load_responses(case_audit)
    assert {k: record["answers"][k] for k in typed} == typed
    assert record["answers"]["case_features"] == [tool.field("case_features").choices[1]]
    (urgent,) = result.urgent
    assert (urgent["case_ref"], urgent["agency"], urgent["number"]) == ("D", "Health Visiting", "14")
