"""The open form filled in a real LibreOffice and saved there comes back as the setting it names.

Calc cells are set through its API (as test_collect_office.py does); in Writer every answer is typed
or picked as a person would, starting from the open form as issued.
"""

# ruff: noqa: F811 - the survey fixtures are imported from test_collect_exports and used as parameters
from __future__ import annotations

import pytest

from maa_cli.forms.excel import defined_name
from maa_cli.forms.open_form import RESPONDENT_KEY, open_form_path, reading_tool
from maa_cli.intake.collect import collect, load_responses
from maa_cli.office.ooxml import answer_boxes, bookmark_names
from tests.office import client
from tests.test_collect_exports import FORM, survey, survey_template  # noqa: F401 - fixtures
from tests.test_collect_stories import HOUR, aged

pytestmark = pytest.mark.office


def test_the_open_form_filled_in_libreoffice_calc_is_the_return_of_the_setting_chosen(survey):
    """Bluebell is chosen in question 0 and every answer typed in Calc: the return is Bluebell's, self-declared."""
    client.require_office()
    typed = {RESPONDENT_KEY: "Bluebell Pre-school", "q1": "yes", "q3#1": "Yes", "q4": "Yes", "concern": "No"}
    cells = [{"name": defined_name(k), "how": "api", "kind": "text", "value": v} for k, v in typed.items()]
    cells.append({"name": defined_name("q2"), "how": "api", "kind": "date", "value": "2026-09-01"})
    target = survey.returns_dir / "open form (LibreOffice).xlsx"
    client.fill_xlsx(open_form_path(survey, FORM, "xlsx"), target, cells)
    aged(target, HOUR)

    (d,) = collect(survey).files
    assert (d.status, d.agency) == ("accepted", "Bluebell Pre-school"), d.reasons
    (record,) = load_responses(survey)
    assert record["trust"] == "self_declared"
    assert (record["answers"]["q1"], record["answers"]["q2"], record["answers"]["q3"]) == ("Yes", "2026-09-01",
                                                                                           ["External course"])


def test_the_open_form_filled_in_libreoffice_writer_with_an_ofsted_urn_is_matched(survey):
    """A childminder types its URN and its answers in Writer and saves there: the return is the childminder's."""
    client.require_office()
    tool = reading_tool(survey.tools[FORM])
    names = bookmark_names(answer_boxes(tool.fields()))
    typed = {RESPONDENT_KEY: "EY100003", "q1": "Yes", "q2": "01/09/2026", "q4": "N/A", "concern": "No"}
    actions = [{"bookmark": names[k], "op": "select" if tool.field(k).choices else "text", "value": v}
               for k, v in typed.items()]
    actions.append({"bookmark": names["q3#1"], "op": "check", "value": True})
    target = survey.returns_dir / "childminder (LibreOffice).docx"
    result = client.fill_docx(open_form_path(survey, FORM, "docx"), target, actions)
    assert len(result["filled"]) == len(actions) and not result["warnings"]
    aged(target, HOUR)

    (d,) = collect(survey).files
    assert (d.status, d.agency) == ("accepted", "Church Lane Childminding"), d.reasons
    (record,) = load_responses(survey)
    assert record["answers"]["q3"] == ["In-house"] and record["answers"]["q4"] == "N/A"
