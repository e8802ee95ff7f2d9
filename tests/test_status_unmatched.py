"""'maa status' gives every return that was not simply used a place: unmatched or misdirected, and what to do.

Unmatched: maa could not tell whose it is (a row naming a setting not on the roster, a PDF). Misdirected:
it is somebody's, but came to the wrong audit, from the wrong address, or from someone never asked.
"""

# ruff: noqa: F811 - the fixtures are imported from other test modules and used as parameters
from __future__ import annotations

import json

from maa_cli.forms.manifest import MANIFEST, read_manifest
from maa_cli.forms.plan import plan_forms
from maa_cli.intake.collect import collect
from maa_cli.intake.status import audit_status
from tests.conftest import run_maa
from tests.exports import Response
from tests.fill import all_yes, fill_excel
from tests.mailfiles import eml
from tests.test_collect_containers import filled
from tests.test_collect_exports import answers, export, survey, survey_template  # noqa: F401 - fixtures
from tests.test_collect_stories import (  # noqa: F401 - fixtures
    HOUR,
    aged,
    case_audit,
    case_audit_template,
    form,
    maca_answers,
    return_excel,
)


def by_path(items: list[dict]) -> dict[str, dict]:
    return {u["path"]: u for u in items}


class TestUnmatched:
    def test_a_row_naming_a_setting_not_on_the_roster_is_unmatched_with_the_command_to_settle_it(self, survey):
        """The row is listed as unmatched; what to do is the 'maa assign' command for that very row."""
        export(survey, [Response("Acorn Nursry", answers(), id=13)])
        collect(survey)
        st = audit_status(survey)
        (row,) = st.unmatched
        assert row["path"] == "Forms export.xlsx#row 2" and row["code"] == "respondent_unknown"
        assert f'maa assign "{survey.root}" "Forms export.xlsx#row 2" RESPONDENT' in row["todo"]
        assert st.misdirected == [] and st.needs_attention

    def test_a_pdf_is_unmatched_and_the_sender_is_asked_for_the_form(self, case_audit):
        """A scan cannot be read: the officer asks for the .docx or .xlsx file issued to the sender."""
        (case_audit.returns_dir / "scan.pdf").write_bytes(b"%PDF-1.7\n")
        aged(case_audit.returns_dir / "scan.pdf", HOUR)
        collect(case_audit)
        (pdf,) = audit_status(case_audit).unmatched
        assert pdf["code"] == "pdf" and ".docx or .xlsx" in pdf["todo"]


class TestMisdirected:
    def test_a_form_of_another_audit_is_misdirected_and_belongs_in_that_audits_folder(self, case_audit, questionnaire):
        """Saved in the wrong audit's returns/: listed as misdirected, with where to move it."""
        planned = plan_forms(questionnaire)[0]
        target = case_audit.returns_dir / "wrong folder.xlsx"
        aged(fill_excel(questionnaire.forms_dir / planned.relpath, target, all_yes(questionnaire.tools[planned.form_type])),
             HOUR)
        collect(case_audit)
        st = audit_status(case_audit)
        (item,) = st.misdirected
        assert (item["path"], item["code"]) == ("wrong folder.xlsx", "other_audit")
        assert "returns/ folder of the audit it belongs to" in item["todo"]
        assert st.unmatched == [] and st.needs_attention and st.summary["misdirected"] == 1

    def test_a_return_sent_from_outside_the_agencys_domain_is_used_but_listed_to_check(self, case_audit):
        """Police's form e-mailed from a private address is Police's return, and the officer checks who sent it."""
        police = filled(case_audit, "Police", "A", "p.docx")
        aged(eml(case_audit.returns_dir / "from home.eml", {"Police A.docx": police},
                 sender="Amira <amira.k@homemail.example>"), HOUR)
        collect(case_audit)
        st = audit_status(case_audit)
        (item,) = st.misdirected
        assert (item["path"], item["status"], item["code"]) == ("from home.eml#Police A.docx", "accepted", "sender")
        assert "'homemail.example'" in item["reasons"][0] and item["todo"].startswith("Check with Police that they sent it")
        assert next(f for f in st.forms if f.files == ["from home.eml#Police A.docx"]).state == "accepted"

    def test_a_row_whose_email_is_at_another_domain_is_listed_with_the_command_to_reassign_it(self, survey):
        """Bluebell's row was typed from a gmail address: used as Bluebell's, but listed; a wrong row is reassigned."""
        export(survey, [Response("Bluebell Pre-school", answers(), id=2, email="someone@gmail.example")])
        collect(survey)
        (item,) = audit_status(survey).misdirected
        assert (item["path"], item["code"]) == ("Forms export.xlsx#row 2", "sender")
        assert "gmail.example" in item["reasons"][0] and "someone" not in json.dumps(item)
        assert f'maa assign "{survey.root}" "Forms export.xlsx#row 2" RESPONDENT' in item["todo"]

    def test_a_return_of_a_setting_never_asked_is_misdirected(self, survey):
        """Acorn was taken off the open form's list: its row is listed with how to ask it, or reassign the row."""
        manifest = read_manifest(survey)
        manifest = {k: v for k, v in manifest.items() if v.get("agency") != "Acorn Nursery"}
        (survey.state_dir / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
        export(survey, [Response("Acorn Nursery", answers(), id=1)])
        collect(survey)
        (item,) = audit_status(survey).misdirected
        assert item["code"] == "not_asked" and "issue its form" in item["todo"] and "maa assign" in item["todo"]

    def test_a_return_of_a_withdrawn_form_is_misdirected_and_the_sender_is_told(self, case_audit):
        """Case A was replaced in the sample after Police returned its form: the return is listed, not counted."""
        planned = form(case_audit, "case-tool", "Police", "A")
        return_excel(case_audit, planned, "police A.xlsx", maca_answers(case_audit.tools["case-tool"]))
        manifest = read_manifest(case_audit)
        manifest[planned.form_id]["withdrawn"] = "case replaced in the sample"
        (case_audit.state_dir / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
        collect(case_audit)
        (item,) = audit_status(case_audit).misdirected
        assert (item["path"], item["status"]) == ("police A.xlsx", "withdrawn")
        assert "no longer needed" in item["todo"]


class TestOnTheCommandLine:
    def test_status_prints_both_places_with_what_to_do_and_exits_1(self, survey, monkeypatch, capsys):
        """The officer reads the unmatched row's command and the misdirected row's check in 'maa status'."""
        export(survey, [Response("Acorn Nursry", answers(), id=1),
                        Response("Bluebell Pre-school", answers(), id=2, email="x@gmail.example")])
        collect(survey)
        monkeypatch.setenv("COLUMNS", "250")
        code, out, _err = run_maa(monkeypatch, capsys, "status", str(survey.root))
        assert code == 1
        assert "Not matched to a respondent's form" in out and "Misdirected" in out
        assert "did you mean 'Acorn Nursery'? Run: maa assign" in out
        assert "what to do: Check with Bluebell Pre-school that this row is theirs" in out
        code, out, _err = run_maa(monkeypatch, capsys, "status", str(survey.root), "--json")
        data = json.loads(out)
        assert data["summary"]["misdirected"] == 1 and all(u["todo"] for u in data["unmatched"] + data["misdirected"])
