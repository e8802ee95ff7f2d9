"""One online form for every setting: its responses export saved into returns/, each row a self-declared return.

The partnership sends one Microsoft Forms link (or any online form) to every early years setting and
saves the responses export into returns/. maa reads each row as a return that names its respondent
itself, matches it to the roster — exactly, or not at all until the officer says who it is — and
judges it like any other return. Exports are built in code (tests/exports.py) in the layouts the
online tools and Excel write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil

import pytest

from maa_cli.definitions.audit import FormType
from maa_cli.forms.open_form import issue_open_forms
from maa_cli.forms.plan import issue_forms
from maa_cli.intake.assign import assign
from maa_cli.intake.collect import collect, load_responses
from maa_cli.intake.status import audit_status
from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace
from tests.conftest import TODAY, build_files
from tests.exports import Response, csv_export, google_forms_csv, ms_forms_export, question_headings, table, workbook
from tests.test_collect_stories import HOUR, aged

DEADLINE = dt.date(2027, 1, 31)
TOOL_YAML = """\
id: setting-checklist
title: Setting safeguarding checklist
version: "1.0"
kind: questionnaire
sections:
  - id: policy
    title: Policy and people
    questions:
      - id: q1
        number: "1"
        text: Does the setting have a written child protection policy?
        type: yes_no
        action_plan: true
      - id: q2
        number: "2"
        text: When was the policy last reviewed?
        type: date
      - id: q3
        number: "3"
        text: How do staff receive safeguarding training?
        type: multiple_choice
        choices: [In-house, External course, Online course]
      - id: q4
        number: "4"
        text: Is there a deputy safeguarding lead?
        type: yes_no
        na: true
        applies_to: {attribute: setting_type, not_in: [Childminder]}
      - id: concern
        number: "5"
        text: Is a child at risk of harm now?
        type: yes_no
        urgent: true
"""
SETTINGS_CSV = """\
agency,contact_name,email,setting_type,ofsted_urn
Acorn Nursery,Priya Shah,dsl@acorn.example,Day nursery,EY100001
Bluebell Pre-school,Tom Evans,office@bluebell.example,Pre-school,EY100002
Church Lane Childminding,Mary Okafor,mary@cm.example,Childminder,EY100003
St Mary’s Pre-school & Nursery,Joan Bell,office@stmarys.example,Pre-school,EY100004
"""
FORM = "checklist"


def answers(**changes) -> dict:
    """A complete return: a real date for question 2, two training routes ticked, no concern."""
    return {"q1": "Yes", "q2": dt.datetime(2026, 9, 1), "q3": ["In-house", "Online course"], "q4": "Yes",
            "concern": "No"} | changes


@pytest.fixture(scope="module")
def survey_template(tmp_path_factory):
    """An early years questionnaire whose one open form went to every setting (no personal forms)."""
    base = tmp_path_factory.mktemp("survey")
    inputs = build_files(base / "inputs", {"settings.csv": SETTINGS_CSV})
    build_files(base / "audit", {"setting-checklist.yaml": TOOL_YAML})
    new_audit(base / "audit", NewAudit(
        return_to="audits@northshire-scp.example", title="Early years checklist 2027", partnership="Northshire SCP",
        type="questionnaire", deadline=DEADLINE, today=TODAY, agencies_csv=inputs["settings.csv"],
        form_types=[FormType(name=FORM, tool="setting-checklist.yaml", per="agency", format="xlsx")]))
    issue_open_forms(open_workspace(base / "audit"))
    return base / "audit"


@pytest.fixture
def survey(survey_template, tmp_path):
    shutil.copytree(survey_template, tmp_path / "audit")
    return open_workspace(tmp_path / "audit")


def export(ws, responses: list[Response], name: str = "Forms export.xlsx", age: float = HOUR, **kw):
    """Save a Microsoft Forms export of the checklist into returns/."""
    return aged(ms_forms_export(ws.returns_dir / name, ws.tools[FORM], responses, **kw), age)


def by_path(result) -> dict:
    return {f.path: f for f in result.files}


def records(ws) -> dict:
    return {r["agency"]: r for r in load_responses(ws, ("accepted", "incomplete"))}


class TestMicrosoftFormsExport:
    def test_each_row_is_a_self_declared_return_of_the_setting_it_names(self, survey):
        """Three rows, three settings: each row accepted as that setting's return, answers read like any form's."""
        path = export(survey, [Response("Acorn Nursery", answers(), id=1),
                               Response("Bluebell Pre-school", answers(q1="No") | {"q1.action": "Policy being written"}, id=2),
                               Response("church lane childminding", answers(q4="N/A"), id=3)])
        before = hashlib.sha256(path.read_bytes()).hexdigest()

        result = collect(survey)
        found = by_path(result)
        assert (found["Forms export.xlsx"].status, found["Forms export.xlsx"].code) == ("opened", "export")
        assert [(found[f"Forms export.xlsx#row {n}"].status, found[f"Forms export.xlsx#row {n}"].agency) for n in (2, 3, 4)] == [
            ("accepted", "Acorn Nursery"), ("accepted", "Bluebell Pre-school"), ("accepted", "Church Lane Childminding")]
        acorn = records(survey)["Acorn Nursery"]
        assert acorn["trust"] == "self_declared"
        assert acorn["answers"]["q2"] == "2026-09-01"  # a real date cell
        assert acorn["answers"]["q3"] == ["In-house", "Online course"]  # 'In-house;Online course;'
        assert acorn["received"] == "2027-01-12" and acorn["late"] is False  # by its completion time
        assert result.returned == 3 and result.outstanding == 1
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # the export is only read

    def test_every_row_says_it_is_self_declared(self, survey):
        """A row's return is never passed off as sealed: its note says the setting named itself."""
        export(survey, [Response("Acorn Nursery", answers(), id=1)])
        row = by_path(collect(survey))["Forms export.xlsx#row 2"]
        assert any(w.startswith("self-declared: it names Acorn Nursery itself") for w in row.warnings)
        assert row.trust == "self_declared"

    def test_a_column_the_tool_does_not_have_is_reported_by_column_and_not_recorded(self, survey):
        """'How did you hear about us?' matches no question: it needs attention, and its answers are kept nowhere."""
        export(survey, [Response("Acorn Nursery", answers(), id=1, extra={"How did you hear about us?": "Newsletter"})])
        result = collect(survey)
        column = [f for f in result.files if f.code == "unmatched_column"]
        assert [c.path for c in column] == ["Forms export.xlsx#column N"] and column[0].status == "rejected"
        assert "'How did you hear about us?'" in column[0].reasons[0] and "column-map.csv" in column[0].reasons[0]
        assert result.needs_attention
        assert "Newsletter" not in json.dumps(load_responses(survey))

    def test_a_respondent_not_on_the_roster_is_offered_its_close_match_and_not_used(self, survey):
        """'Acorn Nursry' is not taken for Acorn Nursery: the officer is asked, with the command to run."""
        export(survey, [Response("Acorn Nursry", answers(), id=7)])
        result = collect(survey)
        row = by_path(result)["Forms export.xlsx#row 2"]
        assert (row.status, row.code, row.agency) == ("rejected", "respondent_unknown", None)
        assert row.reasons[0].startswith("row 2 of 'Forms export.xlsx': 'Acorn Nursry' is not on the roster — "
                                         "did you mean 'Acorn Nursery'? Run: maa assign ")
        assert row.reasons[0].endswith('"Forms export.xlsx#row 2" "Acorn Nursery"')
        assert load_responses(survey) == [] and result.needs_attention

    def test_maa_assign_settles_a_row_and_later_runs_keep_it(self, survey):
        """Once the officer says row 2 is Acorn Nursery's, it is accepted as theirs, in this run and the next."""
        export(survey, [Response("Acorn Nursry", answers(), id=7)])
        collect(survey)
        result = assign(survey, "Forms export.xlsx#2", "acorn nursery")
        assert by_path(result)["Forms export.xlsx#row 2"].status == "accepted"
        assert not result.needs_attention
        again = collect(survey)
        assert again.read == 0 and by_path(again)["Forms export.xlsx#row 2"].agency == "Acorn Nursery"
        assert records(survey)["Acorn Nursery"]["trust"] == "self_declared"

    def test_a_newer_export_that_changes_one_row_supersedes_it_and_adds_new_rows(self, survey):
        """Next week's export holds rows 1-2 again (row 2 changed, completed later) and a new row 3: no conflict."""
        first = [Response("Acorn Nursery", answers(), id=1), Response("Bluebell Pre-school", answers(q1="No"), id=2)]
        export(survey, first, "Forms export 12 Jan.xlsx", age=3 * HOUR)
        later = dt.datetime(2027, 1, 19, 9, 15)
        second = [first[0], Response("Bluebell Pre-school", answers(q1="Yes"), id=2, completed=later),
                  Response("Church Lane Childminding", answers(q4="N/A"), id=3, completed=later)]
        export(survey, second, "Forms export 19 Jan.xlsx")

        found = by_path(collect(survey))
        assert found["Forms export 12 Jan.xlsx#row 3"].status == "superseded"
        assert found["Forms export 12 Jan.xlsx#row 3"].code == "newer_row"
        assert "Forms export 19 Jan.xlsx#row 3" in found["Forms export 12 Jan.xlsx#row 3"].reasons[0]
        assert found["Forms export 19 Jan.xlsx#row 3"].status == "accepted"
        assert {f.code for f in found.values()} & {"conflict"} == set()
        kept = records(survey)
        assert kept["Bluebell Pre-school"]["answers"]["q1"] == "Yes"
        assert kept["Church Lane Childminding"]["answers"]["q4"] == "N/A"
        assert sorted(kept) == ["Acorn Nursery", "Bluebell Pre-school", "Church Lane Childminding"]

    def test_rows_of_two_online_forms_with_the_same_id_are_both_used(self, survey):
        """The nurseries' form and the childminders' form each number their responses from 1: no row replaces the other."""
        export(survey, [Response("Acorn Nursery", answers(), id=1)], "Nurseries export.xlsx", age=3 * HOUR)
        export(survey, [Response("Church Lane Childminding", answers(q4="N/A"), id=1,
                                 completed=dt.datetime(2027, 1, 19, 9, 15))], "Childminders export.xlsx")
        found = by_path(collect(survey))
        nursery, childminder = found["Nurseries export.xlsx#row 2"], found["Childminders export.xlsx#row 2"]
        assert (nursery.status, childminder.status) == ("accepted", "accepted")
        assert any("'Childminders export.xlsx#row 2' has a row with the same ID (1)" in w for w in nursery.warnings)
        assert sorted(records(survey)) == ["Acorn Nursery", "Church Lane Childminding"]

    def test_a_self_declared_row_beside_the_sealed_personal_form_leaves_the_sealed_one_current(self, survey):
        """Acorn returned its own sealed form and also answered the online form: the sealed return is used."""
        from tests.fill import fill_excel

        (planned,) = [f for f in issue_forms(survey, agency="Acorn Nursery").written]
        sealed = {"q1": "Yes", "q2": "01/10/2026", "q3#0": "Yes", "q4": "Yes", "concern": "No"}
        aged(fill_excel(survey.forms_dir / planned.relpath, survey.returns_dir / "Acorn's own form.xlsx", sealed), HOUR)
        export(survey, [Response("Acorn Nursery", answers(q1="No"), id=1)])

        found = by_path(collect(survey))
        assert found["Acorn's own form.xlsx"].status == "accepted"
        assert (found["Forms export.xlsx#row 2"].status, found["Forms export.xlsx#row 2"].code) == ("superseded", "self_declared")
        acorn = records(survey)["Acorn Nursery"]
        assert acorn["trust"] == "verified" and acorn["answers"]["q2"] == "2026-10-01"

    def test_the_officers_column_map_is_used_on_later_runs(self, survey):
        """maa writes column-map.csv; the officer maps an oddly headed column to question 1, and the export is read again."""
        headings = question_headings(survey.tools[FORM]) | {"q1": "Written CP policy in place?"}
        export(survey, [Response("Acorn Nursery", answers(), id=1)], headings=headings)
        first = collect(survey)
        assert by_path(first)["Forms export.xlsx#row 2"].status == "incomplete"  # question 1 has no column yet
        column_map = survey.root / "column-map.csv"
        text = column_map.read_text(encoding="utf-8-sig")
        assert f"{FORM},Written CP policy in place?,,no match" in text
        column_map.write_text(text.replace("Written CP policy in place?,,", "Written CP policy in place?,q1,"),
                              encoding="utf-8-sig")

        second = collect(survey)
        assert second.read >= 1 and by_path(second)["Forms export.xlsx#row 2"].status == "accepted"
        assert "Written CP policy in place?,q1,no match" in column_map.read_text(encoding="utf-8-sig")  # never rewritten

    def test_the_email_and_name_columns_are_never_kept_or_shown(self, survey, capsys):
        """The person's name and address typed into the form appear in no output, state file or record."""
        from typer.testing import CliRunner

        from maa_cli.cli import app

        export(survey, [Response("Acorn Nursery", answers(), id=1, name="Priya Quennell-Shah",
                                 email="priya.quennell@acorn.example"),
                        Response("Acorn Nursry", answers(), id=2, name="Priya Quennell-Shah",
                                 email="priya.quennell@acorn.example")])
        collected = CliRunner().invoke(app, ["collect", str(survey.root), "--json"])
        status = CliRunner().invoke(app, ["status", str(survey.root), "--json"])
        kept = [p.read_bytes() for p in survey.root.rglob("*") if p.is_file() and survey.returns_dir not in p.parents
                and "collected" not in p.parts]
        for text in [collected.output, status.output] + [b.decode("utf-8", "replace") for b in kept]:
            assert "quennell" not in text.casefold()

    def test_an_unchanged_export_is_not_read_again(self, survey):
        """The hourly run reuses the export and every row it held."""
        export(survey, [Response("Acorn Nursery", answers(), id=1), Response("Bluebell Pre-school", answers(), id=2)])
        collect(survey)
        again = collect(survey)
        assert again.read == 0 and again.reused == 3

    def test_an_urgent_answer_in_a_row_that_could_not_be_matched_is_still_shown(self, survey):
        """A child at risk now is reported even while nobody knows which setting said so."""
        export(survey, [Response("Unknown Tots", answers(concern="Yes"), id=4)])
        (urgent,) = collect(survey).urgent
        assert urgent["file"] == "Forms export.xlsx#row 2" and urgent["number"] == "5"

    def test_rows_of_settings_never_asked_are_not_used(self, survey_template, tmp_path):
        """Before anyone was asked (no form issued at all), a row is not counted, and the officer is told what to run."""
        root = tmp_path / "fresh"
        shutil.copytree(survey_template, root)
        ws = open_workspace(root)
        (ws.state_dir / "manifest.json").write_text("{}", encoding="utf-8")
        shutil.rmtree(ws.forms_dir)
        export(ws, [Response("Acorn Nursery", answers(), id=1)])
        row = by_path(collect(ws))["Forms export.xlsx#row 2"]
        assert (row.status, row.code) == ("rejected", "not_asked") and "--open" in row.reasons[0]


class TestCsvExports:
    def test_a_plain_csv_with_an_ofsted_urn_column_is_matched_by_urn(self, survey):
        """A CSV made by hand: no ID or times, a URN column, answers typed as text (dates day first)."""
        rows = table(survey.tools[FORM], [Response("EY100002", answers(q2="3/9/2026", q3=["External course"]))],
                     respondent_heading="URN", ms_forms=False)
        aged(csv_export(survey.returns_dir / "responses.csv", rows), HOUR)
        row = by_path(collect(survey))["responses.csv#row 2"]
        assert (row.status, row.agency) == ("accepted", "Bluebell Pre-school")
        bluebell = records(survey)["Bluebell Pre-school"]
        assert bluebell["answers"]["q2"] == "2026-09-03" and bluebell["answers"]["q3"] == ["External course"]

    def test_a_csv_saved_by_excel_in_windows_1252_with_a_byte_order_mark_is_read(self, survey):
        """Curly apostrophes and '&' in a setting's name survive Excel's Windows-1252 CSV, even behind a UTF-8 mark."""
        rows = table(survey.tools[FORM], [Response("St Mary’s Pre-school & Nursery", answers(q2="01/09/2026"), id=5)])
        aged(csv_export(survey.returns_dir / "export.csv", rows, encoding="cp1252", bom=True, separator=";"), HOUR)
        result = collect(survey)
        row = by_path(result)["export.csv#row 2"]
        assert (row.status, row.agency) == ("accepted", "St Mary’s Pre-school & Nursery")
        assert any("Windows-1252" in w for w in by_path(result)["export.csv"].warnings)

    def test_a_csv_that_is_no_export_of_the_audit_is_rejected_saying_so(self, survey):
        """The roster saved into returns/ by mistake is not read as responses."""
        aged(build_files(survey.returns_dir, {"settings.csv": SETTINGS_CSV})["settings.csv"], HOUR)
        (d,) = collect(survey).files
        assert (d.status, d.code) == ("rejected", "not_an_export") and "match no question" in d.reasons[0]


class TestOtherLayouts:
    def test_a_google_forms_csv_is_read_with_its_timestamp_and_comma_joined_choices(self, survey):
        """Timestamp and Email address first, headings without numbers, ticked boxes joined by ', ', a name in capitals."""
        path = google_forms_csv(survey.returns_dir / "Checklist (Responses) - Form responses 1.csv", survey.tools[FORM],
                                [Response("ACORN NURSERY.", answers(), email="dsl@acorn.example")],
                                respondent_heading="Which setting are you from?")
        aged(path, HOUR)
        found = by_path(collect(survey))
        row = found[f"{path.name}#row 2"]
        assert (row.status, row.agency, row.trust) == ("accepted", "Acorn Nursery", "self_declared"), row.reasons
        acorn = records(survey)["Acorn Nursery"]
        assert acorn["answers"]["q3"] == ["In-house", "Online course"] and acorn["answers"]["q2"] == "2026-09-01"
        assert acorn["received"] == "2027-01-12"  # the Timestamp, day first
        mapped = (survey.root / "column-map.csv").read_text(encoding="utf-8-sig")
        assert f"{FORM},Timestamp,completed," in mapped and f"{FORM},Email address,email," in mapped
        assert f"{FORM},Which setting are you from?,respondent,heading" in mapped

    def test_a_workbook_typed_by_hand_with_headings_written_differently_is_matched_by_text(self, survey):
        """Case, spacing, punctuation and the style of a question's number do not matter; the URN names the setting."""
        headings = {"q1": "Q1)  DOES THE SETTING HAVE A WRITTEN CHILD-PROTECTION POLICY", "q2": "2 - when was the policy "
                    "last reviewed", "q3": "Question 3: How do staff receive safeguarding training ?",
                    "q4": "is there a deputy safeguarding lead", "concern": "5.Is a child at risk of harm now?"}
        rows = [["Ofsted URN", *headings.values()], ["EY100004", "Yes", "01/09/2026", "External course", "No", "No"]]
        aged(workbook(survey.returns_dir / "typed up.xlsx", rows), HOUR)
        found = by_path(collect(survey))
        row = found["typed up.xlsx#row 2"]
        assert (row.status, row.agency) == ("accepted", "St Mary’s Pre-school & Nursery"), row.reasons
        assert [f for f in found.values() if f.code == "unmatched_column"] == []
        mapped = (survey.root / "column-map.csv").read_text(encoding="utf-8-sig")
        assert f"{FORM},Ofsted URN,respondent:ofsted_urn," in mapped
        assert f"{FORM},Q1) DOES THE SETTING HAVE A WRITTEN CHILD-PROTECTION POLICY,q1,number and text" in mapped
        assert f"{FORM},is there a deputy safeguarding lead,q4,same text" in mapped

    def test_a_signed_in_form_with_no_setting_column_is_matched_by_the_contacts_email(self, survey):
        """Microsoft Forms with sign-in only: Acorn's DSL's address finds Acorn; an unknown address is never shown."""
        rows = table(survey.tools[FORM], [Response(None, answers(), id=1, email="DSL@acorn.example"),
                                          Response(None, answers(), id=2, email="helper@elsewhere.example")])
        rows = [r[:5] + r[6:] for r in rows]  # no 'Name of your setting' column
        aged(workbook(survey.returns_dir / "signed in.xlsx", rows, "Sheet1"), HOUR)
        result = collect(survey)
        found = by_path(result)
        assert (found["signed in.xlsx#row 2"].status, found["signed in.xlsx#row 2"].agency) == ("accepted", "Acorn Nursery")
        assert any("matched by the e-mail address" in w for w in found["signed in.xlsx"].warnings)
        other = found["signed in.xlsx#row 3"]
        assert (other.status, other.code) == ("rejected", "respondent_unknown") and "elsewhere.example" in other.reasons[0]
        assert "helper" not in json.dumps(result.to_json())

    def test_an_anonymous_form_with_no_setting_column_is_explained_once(self, survey):
        """Every Email is 'anonymous' and nothing names the setting: one explanation, not a problem per row."""
        rows = [r[:5] + r[6:] for r in table(survey.tools[FORM], [Response(None, answers(), id=i) for i in (1, 2, 3)])]
        aged(workbook(survey.returns_dir / "anonymous.xlsx", rows, "Sheet1"), HOUR)
        (d,) = collect(survey).files
        assert (d.status, d.code) == ("rejected", "no_respondent_column") and "column-map.csv" in d.reasons[0]

    def test_collect_exits_1_and_names_the_column_and_the_row_left_unmatched(self, survey, monkeypatch, capsys):
        """On the command line, the column and the row that could not be placed are named, and the run exits 1."""
        from tests.conftest import run_maa

        export(survey, [Response("Unknown Tots", answers(), id=1, extra={"Favourite colour": "Blue"})])
        monkeypatch.setenv("COLUMNS", "250")
        code, out, _err = run_maa(monkeypatch, capsys, "collect", str(survey.root))
        assert code == 1
        assert "Forms export.xlsx#column N" in out and "'Favourite colour'" in out
        assert "Forms export.xlsx#row 2" in out and "'Unknown Tots' is not on the roster" in out


class TestStatus:
    def test_status_lists_each_unmatched_row_with_what_to_do(self, survey):
        """'maa status' names the row, what was typed, the close match and the command to paste."""
        export(survey, [Response("Acorn Nursry", answers(), id=13)])
        collect(survey)
        status = audit_status(survey)
        (item,) = status.unmatched
        assert item["path"] == "Forms export.xlsx#row 2" and item["code"] == "respondent_unknown"
        assert "did you mean 'Acorn Nursery'? Run: maa assign" in item["reasons"][0]
        assert status.needs_attention and status.summary["unmatched"] == 1

    def test_maa_assign_from_the_command_line(self, survey):
        """The command pasted from status settles the row; a name not on the roster is refused with exit 2."""
        from typer.testing import CliRunner

        from maa_cli.cli import app

        export(survey, [Response("Acorn Nursry", answers(), id=13)])
        collect(survey)
        refused = CliRunner().invoke(app, ["assign", str(survey.root), "Forms export.xlsx#row 2", "Acorn"])
        assert refused.exit_code == 2 and "did you mean 'Acorn Nursery'" in refused.output
        done = CliRunner().invoke(app, ["assign", str(survey.root), "Forms export.xlsx#row 2", "Acorn Nursery"],
                                  env={"COLUMNS": "200"})
        assert done.exit_code == 0, done.output
        assert audit_status(survey).unmatched == []
