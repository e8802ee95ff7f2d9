"""Returns filled in a real LibreOffice and saved by it come through 'maa collect' with the values typed.

Excel cells are set through Calc's API (typing through .uno:EnterString into a hidden document
crashes soffice 7.4.7); Word answers are typed into the controls as a person would.
"""

# ruff: noqa: F811 - the case_audit fixtures are imported from test_collect_stories and used as parameters
from __future__ import annotations

import pytest

from maa_cli.collect import collect, load_responses
from maa_cli.forms.excel import defined_name
from maa_cli.ooxml import answer_boxes, bookmark_names
from maa_cli.restricted import read_answers
from tests.office import client
from tests.test_collect_stories import (  # noqa: F401 - fixtures
    aged,
    case_audit,
    case_audit_template,
    form,
    maca_answers,
    return_word,
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


def test_a_case_audit_finished_in_libreoffice_writer_is_accepted_and_its_urgent_concern_flagged(case_audit):
    """Started in Word, finished and saved in LibreOffice: every answer survives, and 'Yes' to a current concern is URGENT."""
    client.require_office()
    planned = form(case_audit, "case-tool", "Health Visiting", "D", "docx")
    tool = case_audit.tools["case-tool"]
    started = maca_answers(tool)
    del started["urgent_concern"], started["voice_of_child"]
    draft = return_word(case_audit, planned, "../draft.docx", started)
    names = bookmark_names(answer_boxes(tool.fields()))
    # Each bridge action walks the whole form, so LibreOffice types only the last few answers.
    typed = {"voice_of_child": ("select", "Requires improvement"), "urgent_concern": ("select", "Yes"),
             "urgent_action": ("text", "Referred to MASH on 20/01/2027.")}
    actions = [{"bookmark": names[k], "op": op, "value": v} for k, (op, v) in typed.items()]
    actions.append({"bookmark": names["case_features#2"], "op": "check", "value": True})
    target = case_audit.returns_dir / "HV case D.docx"
    client.fill_docx(draft, target, actions)
    aged(target, 3600)

    result = collect(case_audit)
    (d,) = result.files
    assert d.status == "accepted", d.reasons
    (record,) = load_responses(case_audit)
    expected = started | {k: v for k, (_, v) in typed.items()}
    assert {k: record["answers"][k] for k in expected} == expected
    assert record["answers"]["case_features"] == [tool.field("case_features").choices[1]]
    (urgent,) = result.urgent
    assert (urgent["case_ref"], urgent["agency"], urgent["number"]) == ("D", "Health Visiting", "14")
