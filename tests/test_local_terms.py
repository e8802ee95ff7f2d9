"""Built-in tools speak of the partnership's own procedures, in its own words when audit.yaml gives them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from maa_cli.definitions.catalog import builtin_ids, load_builtin

AUDIT_TOOLS = Path(__file__).resolve().parents[1] / "audit_tools"


@pytest.mark.parametrize("path", sorted(AUDIT_TOOLS.glob("*.yaml")), ids=lambda p: p.stem)
def test_no_built_in_tool_names_one_county(path):
    """No Essex, Southend or Thurrock (nor their shared 'SET procedures') in any built-in tool, comments included."""
    text = path.read_text(encoding="utf-8").casefold()
    for name in ("essex", "southend", "thurrock", "set procedures"):
        assert name not in text, f"{path.name} names {name}"


def test_every_local_term_a_built_in_tool_uses_has_a_default():
    """A built-in tool used without local_terms reads in full: no '{{…}}' is left in any text."""
    for tool_id in builtin_ids():
        tool = load_builtin(tool_id).with_terms({})
        text = yaml.safe_dump(tool.model_dump(mode="json"))
        assert "{{" not in text, tool_id


@pytest.fixture
def issue(tmp_path, settings_csv):
    """Issue the early years checklist for an audit whose audit.yaml gives ``terms``; return the Excel form's text."""
    from openpyxl import load_workbook

    from maa_cli.forms.plan import issue_forms, plan_forms
    from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace

    def run(terms: dict[str, str]):
        root = tmp_path / f"ey-{len(terms)}"
        new_audit(root, NewAudit(title="EY 2030", partnership="Northshire SCP", tool="early-years-safeguarding",
                                 agencies_csv=settings_csv, deadline=dt.date(2030, 1, 31),
                                 return_to="audits@northshire.example", local_terms=terms))
        ws = open_workspace(root)
        result = issue_forms(ws)
        planned = next(f for f in plan_forms(ws) if f.format == "xlsx")
        cells = load_workbook(ws.forms_dir / planned.relpath)["Form"].iter_rows(values_only=True)
        return "\n".join(str(c) for row in cells for c in row if c), result.warnings

    return run


def test_without_local_terms_the_form_speaks_of_your_partnership(issue):
    """The default wording: 'the levels-of-need (threshold) guidance your partnership publishes'."""
    text, _warnings = issue({})
    assert "Does the setting use the levels-of-need (threshold) guidance your partnership publishes" in text
    assert "{{" not in text


def test_the_partnerships_own_names_are_filled_in_when_forms_are_issued(issue):
    """local_terms in audit.yaml put the partnership's names for its procedures and threshold guide on every form."""
    text, warnings = issue({"levels_of_need": "the Northshire Continuum of Need", "procedures": "the Northshire procedures"})
    assert "Does the setting use the Northshire Continuum of Need to decide" in text
    assert "Your policy should follow the Northshire procedures" in text
    assert warnings == []


def test_a_misspelt_local_term_in_audit_yaml_is_pointed_out_when_forms_are_issued(issue):
    """audit.yaml's 'procedure' is used by no tool: issue-forms says so and suggests 'procedures'."""
    _text, warnings = issue({"procedure": "the Northshire procedures"})
    assert any("'procedure'" in w and "did you mean 'procedures'" in w for w in warnings)
