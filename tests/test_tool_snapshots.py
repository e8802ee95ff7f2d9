"""An audit carries its own copy of every tool it uses, so it works from anywhere and changes only when asked."""

from __future__ import annotations

import shutil

import pytest
import yaml
from typer.testing import CliRunner

from maa_cli.cli import app
from maa_cli.definitions import catalog
from maa_cli.errors import DefinitionError, ErrorCode
from maa_cli.setup.workspace import open_workspace
from tests.conftest import build_files

TOOL = """\
id: my-checklist
title: Safeguarding checklist
version: "1.0"
kind: questionnaire
sections:
  - id: s1
    title: Policy
    questions:
      - id: q1
        number: "1"
        text: Does the organisation have a child protection policy?
        type: yes_no
        action_plan: true
"""
AGENCIES = "agency,contact_name,email\nPolice,Amira Khan,amira@police.example\nHealth,Grace Mensah,grace@nhs.example\n"


def maa(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def places(tmp_path, monkeypatch):
    """The officer's own folder (tool and CSV), another folder to run commands from, and where audits go."""
    files = build_files(tmp_path / "officer", {"my-tool.yaml": TOOL, "agencies.csv": AGENCIES})
    (tmp_path / "scheduler").mkdir()
    monkeypatch.chdir(tmp_path / "officer")
    return {"officer": tmp_path / "officer", "elsewhere": tmp_path / "scheduler", "tool": files["my-tool.yaml"],
            "audit": tmp_path / "audits" / "checklist 2030"}


def new_audit(places, tool: str = "my-tool.yaml") -> None:
    maa("new-audit", str(places["audit"]), "--title", "Checklist", "--partnership", "Northshire SCP", "--tool", tool,
        "--agencies", "agencies.csv", "--deadline", "31/03/2030", "--return-to", "audits@northshire.example")


def audit_yaml(places) -> dict:
    return yaml.safe_load((places["audit"] / "audit.yaml").read_text(encoding="utf-8"))


class TestTheAuditKeepsItsTool:
    def test_new_audit_keeps_a_copy_with_its_hash_version_and_source(self, places):
        """--tool my-tool.yaml is copied into tools/, and audit.yaml records the copy's SHA-256, version and source."""
        new_audit(places)
        (ft,) = audit_yaml(places)["form_types"]
        copy = places["audit"] / ft["snapshot"]["file"]
        assert copy.read_text(encoding="utf-8") == TOOL
        assert ft["snapshot"]["version"] == "1.0" and ft["snapshot"]["source"] == str(places["tool"].resolve())
        import hashlib

        assert ft["snapshot"]["sha256"] == hashlib.sha256(TOOL.encode()).hexdigest()

    def test_every_later_command_works_from_another_folder(self, places, monkeypatch):
        """issue-forms, collect and status run from Task Scheduler's folder find the tool (no 'no built-in tool' error)."""
        new_audit(places)
        monkeypatch.chdir(places["elsewhere"])
        audit = str(places["audit"])
        assert "2 forms written" in maa("issue-forms", audit)
        maa("collect", audit)
        assert "Amira Khan" in maa("status", audit)  # the chase list

    def test_a_moved_audit_folder_still_works(self, places, monkeypatch):
        """The audit folder copied to a new share keeps working: the tool travels with it."""
        new_audit(places)
        moved = places["elsewhere"] / "copied audit"
        shutil.copytree(places["audit"], moved)
        places["tool"].unlink()  # the original is gone too
        monkeypatch.chdir(moved / "forms")
        assert "2 forms written" in maa("issue-forms")
        assert open_workspace(moved).tools["my-checklist"].version == "1.0"

    def test_the_manifest_records_which_copy_each_form_was_issued_from(self, places):
        """Each issued form carries the SHA-256 of the copy it was made from."""
        new_audit(places)
        ws = open_workspace(places["audit"])
        from maa_cli.forms.manifest import read_manifest
        from maa_cli.forms.plan import issue_forms

        issue_forms(ws)
        sha = audit_yaml(places)["form_types"][0]["snapshot"]["sha256"]
        assert {e["tool_sha256"] for e in read_manifest(ws).values()} == {sha}

    def test_a_lost_copy_is_named_not_guessed(self, places):
        """If tools/ loses the copy, maa says which form type's copy to restore, rather than reading another."""
        new_audit(places)
        (places["audit"] / "tools" / "my-checklist.yaml").unlink()
        with pytest.raises(DefinitionError) as info:
            open_workspace(places["audit"])
        (p,) = info.value.problems
        assert p.code is ErrorCode.SNAPSHOT_MISSING and "my-checklist" in p.message


class TestChangesOnlyWhenAsked:
    def test_editing_the_original_changes_nothing_until_tools_update(self, places, monkeypatch):
        """The original reworded: forms still carry the copy's wording; 'tools update' shows the change and the forms of each version, then takes it."""
        new_audit(places)
        maa("issue-forms", str(places["audit"]))
        places["tool"].write_text(TOOL.replace("child protection policy", "safeguarding policy").replace('"1.0"', '"1.1"'),
                                  encoding="utf-8")
        assert "child protection policy" in open_workspace(places["audit"]).tools["my-checklist"].question("q1").text

        monkeypatch.chdir(places["elsewhere"])
        shown = maa("tools", "update", str(places["audit"]), code=1)
        assert "-        text: Does the organisation have a child protection policy?" in shown
        assert "+        text: Does the organisation have a safeguarding policy?" in shown
        assert "issued: 2 form(s) with version 1.0" in shown and "Nothing was changed" in shown
        assert "child protection policy" in open_workspace(places["audit"]).tools["my-checklist"].question("q1").text

        maa("tools", "update", str(places["audit"]), "--yes")
        assert open_workspace(places["audit"]).tools["my-checklist"].question("q1").text.endswith("safeguarding policy?")
        assert audit_yaml(places)["form_types"][0]["snapshot"]["version"] == "1.1"
        assert "every copy matches" in maa("tools", "update", str(places["audit"]))

    def test_a_change_without_a_new_version_is_pointed_out(self, places):
        """The original changed but still says 1.0: tools update asks for a new version number."""
        new_audit(places)
        places["tool"].write_text(TOOL.replace("child protection policy", "safeguarding policy"), encoding="utf-8")
        assert "the version is still 1.0" in maa("tools", "update", str(places["audit"]), code=1)

    def test_an_upgrade_that_rewords_a_built_in_tool_leaves_the_audit_alone(self, places, monkeypatch, tmp_path):
        """A newer maa's early years tool is reworded: the audit keeps its copy until 'tools update' takes the new one."""
        new_audit(places, tool="early-years-safeguarding")
        upgraded = tmp_path / "upgraded" / "audit_tools"
        shutil.copytree(catalog.bundled("audit_tools"), upgraded)
        path = upgraded / "early-years-safeguarding.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("a written safeguarding", "an up-to-date written safeguarding"),
                        encoding="utf-8")
        monkeypatch.setattr(catalog, "bundled", lambda name: upgraded)
        ws = open_workspace(places["audit"])
        assert ws.tools["early-years-safeguarding"].question("q1").text.startswith("Does the setting have a written")
        shown = maa("tools", "update", str(places["audit"]), code=1)
        assert "built-in early-years-safeguarding" in shown and "+" in shown and "up-to-date written" in shown


class TestOlderAudits:
    def forget_copies(self, places) -> None:
        """Make the audit look like one made before copies were kept."""
        data = audit_yaml(places)
        for ft in data["form_types"]:
            ft.pop("snapshot")
        (places["audit"] / "audit.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        shutil.rmtree(places["audit"] / "tools")

    def test_an_audit_made_before_copies_works_and_gets_its_copy_at_the_next_issue(self, places):
        """No copy recorded: the tool is found as before; the next issue-forms keeps a copy and says so."""
        new_audit(places, tool="early-years-safeguarding")
        self.forget_copies(places)
        assert open_workspace(places["audit"]).tools["early-years-safeguarding"]
        out = maa("issue-forms", str(places["audit"]))
        assert "now keeps its own copy" in out
        assert (places["audit"] / "tools" / "early-years-safeguarding.yaml").is_file()
        assert audit_yaml(places)["form_types"][0]["snapshot"]["source"] == "built-in"

    def test_a_form_type_added_later_is_copied_by_issue_forms(self, places):
        """An officer adds a reflection form type to audit.yaml: issue-forms keeps its copy too."""
        new_audit(places)
        data = audit_yaml(places)
        data["form_types"].append({"name": "reflection", "tool": str(places["tool"]), "per": "agency", "format": "docx"})
        (places["audit"] / "audit.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        maa("issue-forms", str(places["audit"]))
        names = {ft["name"]: ft.get("snapshot") for ft in audit_yaml(places)["form_types"]}
        assert names["reflection"] and (places["audit"] / names["reflection"]["file"]).is_file()

    def test_a_tool_an_older_maa_accepted_still_opens_though_tools_check_now_refuses_it(self, places):
        """Action points on a text answer (now refused by 'tools check') do not stop an audit already using the tool."""
        lenient = TOOL.replace("type: yes_no", "type: long_text")
        places["tool"].write_text(lenient, encoding="utf-8")
        maa("tools", "check", str(places["tool"]), code=2)
        places["tool"].write_text(TOOL, encoding="utf-8")
        new_audit(places)
        copy = places["audit"] / "tools" / "my-checklist.yaml"
        copy.write_text(lenient, encoding="utf-8")
        assert open_workspace(places["audit"]).tools["my-checklist"].question("q1").type == "long_text"
