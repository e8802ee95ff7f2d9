"""'maa chase': one reminder per respondent for every form it still owes, with an annotated copy of an incomplete
return, never more than once a day, and never on news older than an hour."""

# ruff: noqa: F811 - the case_audit fixtures are imported from test_collect_stories and used as parameters
from __future__ import annotations

import datetime as dt
import io
import os
import time
import zipfile

import pytest

from maa_cli.errors import ErrorCode, MaaError
from maa_cli.forms.excel import defined_name
from maa_cli.forms.manifest import read_manifest
from maa_cli.intake.collect import collect, load_responses
from maa_cli.intake.judging import judge
from maa_cli.intake.readers.excel import read_excel
from maa_cli.intake.readers.word import read_word
from maa_cli.mail.chase import chase
from maa_cli.mail.smtp import SmtpSettings, parse_server
from tests.fill import all_yes, fill_excel
from tests.mailserver import kill_maa_while_held, smtp_server
from tests.test_collect_stories import (  # noqa: F401 - fixtures
    HOUR,
    case_audit,
    case_audit_template,
    form,
    maca_answers,
    return_excel,
    return_word,
)
from tests.test_mail_send import AGENCIES, SETTINGS, drafts, names_a_child, run

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def police_c_answers(ws) -> dict:
    """Police's return for case C, in Word: questions 5 and 8 left blank, one case feature ticked."""
    tool = ws.tools["case-tool"]
    choices = next(f for f in tool.fields() if f.key == "case_features").choices
    return dict(maca_answers(tool), assessment="", planning="", case_features=[choices[0]])


def returns_of_every_kind(ws) -> None:
    """Police A accepted, Police C incomplete (Word), CSC A blank (rejected), CSC B in conflict; the rest outstanding."""
    tool = ws.tools["case-tool"]
    return_excel(ws, form(ws, "case-tool", "Police", "A"), "police A.xlsx", maca_answers(tool))
    return_word(ws, form(ws, "case-tool", "Police", "C", "docx"), "police C.docx", police_c_answers(ws))
    return_excel(ws, form(ws, "case-tool", "Children's Social Care", "A"), "csc A.xlsx", {})
    csc_b = form(ws, "case-tool", "Children's Social Care", "B")
    return_excel(ws, csc_b, "csc B.xlsx", maca_answers(tool), age=7200)
    return_excel(ws, csc_b, "csc B v2.xlsx", dict(maca_answers(tool), impact="Inadequate"))
    collect(ws)


def acorn_incomplete(ws) -> dict:
    """Acorn Nursery returns its checklist with its first three answers missing; collected."""
    tool = ws.tools["early-years-safeguarding"]
    answers = all_yes(tool, {"setting_type": "Day nursery"})
    for key in list(answers)[:3]:
        del answers[key]
    return_excel(ws, form(ws, "early-years-safeguarding", "Acorn Nursery", None), "acorn.xlsx", answers)
    collect(ws)
    return answers


def reminder(ws, address: str):
    (message,) = [m for m in drafts(ws).values() if m["To"] == address and m["Subject"].startswith("Reminder")]
    return message


def attachment(message, name_part: str) -> tuple[str, bytes]:
    (found,) = [(a.get_filename(), a.get_content()) for a in message.iter_attachments() if name_part in a.get_filename()]
    return found


def form_id(ws, agency: str, case_ref: str | None, form_type: str = "case-tool") -> str:
    return next(f for f, e in read_manifest(ws).items()
                if (e["form_type"], e["agency"], e.get("case_ref")) == (form_type, agency, case_ref))


class TestReminders:
    def test_one_reminder_per_respondent_lists_every_form_it_owes_and_what_is_missing_by_question(self, case_audit):
        """Police owe C (incomplete: questions 5 and 8 by number and text), D and E; CSC owe A (unusable) and D;
        the conflict is the officer's to settle, never chased; per-case forms have no one to e-mail."""
        returns_of_every_kind(case_audit)
        result = chase(case_audit)
        assert sorted(letter.respondent for letter in result.drafted) == sorted(AGENCIES)
        police = reminder(case_audit, AGENCIES["Police"])
        text = police.get_body(("plain",)).get_content()
        assert [f.case_ref for f in next(x for x in result.letters if x.respondent == "Police").forms] == ["C", "D", "E"]
        assert "question 5 (Assessment of risk and need): no answer was given; one is needed" in text
        assert "question 8 (Multi-agency planning and core groups)" in text
        assert form_id(case_audit, "Police", "A") not in text and "31 January 2027" in text
        assert police["Subject"] == "Reminder: MACA: neglect: 3 forms (" + ", ".join(
            form_id(case_audit, "Police", c) for c in "CDE") + ")"
        csc = reminder(case_audit, AGENCIES["Children's Social Care"]).get_body(("plain",)).get_content()
        assert "could not use it" in csc and form_id(case_audit, "Children's Social Care", "B") not in csc
        assert len(result.unsendable) == 6  # the per-case file reviews
        for message in drafts(case_audit).values():
            assert not names_a_child(message["Subject"] + message.get_body(("plain",)).get_content())

    def test_an_outstanding_form_is_attached_again_as_issued(self, case_audit):
        """Health Visiting has returned nothing: its four forms go again, with their names and bytes as issued."""
        from tests.test_mail_send import issued

        returns_of_every_kind(case_audit)
        chase(case_audit)
        hv = reminder(case_audit, AGENCIES["Health Visiting"])
        assert {a.get_filename(): a.get_content() for a in hv.iter_attachments()} == issued(case_audit, "Health Visiting")


class TestAnnotatedCopies:
    def test_an_incomplete_word_return_comes_back_prefilled_with_a_comment_on_each_missing_answer(self, case_audit):
        """Police's case C form: the answers they gave are in it, a Word comment sits on questions 5 and 8, and it
        is the same form (reference and seal)."""
        returns_of_every_kind(case_audit)
        chase(case_audit)
        name, data = attachment(reminder(case_audit, AGENCIES["Police"]), "Case C")
        planned = form(case_audit, "case-tool", "Police", "C", "docx")
        assert name == planned.relpath.split("/")[-1]
        path = case_audit.root / "copy.docx"
        path.write_bytes(data)
        tool = case_audit.tools["case-tool"]
        raw = read_word(path, tool)
        assert raw.identity.form_id == planned.form_id and raw.identity.seal == planned.content.identity.seal
        (record,) = [r for r in load_responses(case_audit, ("incomplete",)) if r["form_id"] == planned.form_id]
        given = {k: v for k, v in judge(tool, raw).answers.items() if v not in (None, [])}
        assert given == {k: v for k, v in record["answers"].items() if v not in (None, [])}
        assert given["case_features"] == police_c_answers(case_audit)["case_features"]
        comments, anchored = _word_comments(data)
        assert sorted(comments) == ["Question 5 (Assessment of risk and need): no answer was given; one is needed.",
                                    "Question 8 (Multi-agency planning and core groups): no answer was given; one is needed."]
        assert anchored == {"assessment", "planning"}

    def test_an_answer_that_could_not_be_used_gets_a_comment_saying_what_is_needed_and_an_empty_box(self, case_audit):
        """Police typed 'Brilliant' where a rating was asked: the reminder names that question and what was wrong,
        and the copy's box for it is empty, with a comment on it beside those on the missing answers."""
        tool = case_audit.tools["case-tool"]
        impact = tool.field("impact")
        answers = dict(police_c_answers(case_audit), impact="Brilliant")
        return_word(case_audit, form(case_audit, "case-tool", "Police", "C", "docx"), "police C.docx", answers)
        collect(case_audit)
        chase(case_audit)
        message = reminder(case_audit, AGENCIES["Police"])
        (record,) = load_responses(case_audit, ("incomplete",))
        (wrong,) = [i for i in record["issues"] if i["key"] == "impact"]
        assert f"question {impact.number} ({impact.label})" in message.get_body(("plain",)).get_content()
        _, data = attachment(message, "Case C")
        comments, anchored = _word_comments(data)
        assert anchored == {"assessment", "planning", "impact"}
        assert f"Question {impact.number} ({impact.label}): {wrong['message']}." in comments
        assert "Brilliant" not in " ".join(comments)
        path = case_audit.root / "copy.docx"
        path.write_bytes(data)
        assert judge(tool, read_word(path, tool)).answers.get("impact") is None

    def test_an_incomplete_excel_return_comes_back_prefilled_with_a_note_on_each_missing_answer(self, questionnaire):
        """Acorn's checklist: its answers are in the copy, a note on each of the three missing, and the drop-down
        lists and date checks of the issued form are all there."""
        from openpyxl import load_workbook

        acorn_incomplete(questionnaire)
        chase(questionnaire)
        name, data = attachment(reminder(questionnaire, SETTINGS["Acorn Nursery"]), "Acorn")
        planned = form(questionnaire, "early-years-safeguarding", "Acorn Nursery", None)
        assert name == planned.relpath.split("/")[-1]
        path = questionnaire.root / "copy.xlsx"
        path.write_bytes(data)
        tool = questionnaire.tools["early-years-safeguarding"]
        raw = read_excel(path, tool)
        assert raw.identity.form_id == planned.form_id and raw.identity.seal == planned.content.identity.seal
        (record,) = load_responses(questionnaire, ("incomplete",))
        given = {k: v for k, v in judge(tool, raw, {"setting_type": "Day nursery"}).answers.items() if v not in (None, [])}
        assert given == {k: v for k, v in record["answers"].items() if v not in (None, [])}
        copy, issued = load_workbook(path)["Form"], load_workbook(questionnaire.forms_dir / planned.relpath)["Form"]
        noted = {cell.coordinate for row in copy.iter_rows() for cell in row if cell.comment}
        missing = [i["key"] for i in record["issues"]]
        wb = load_workbook(path)
        assert noted == {next(iter(wb.defined_names[defined_name(k)].destinations))[1].replace("$", "") for k in missing}
        assert [str(v.sqref) for v in copy.data_validations.dataValidation] == \
            [str(v.sqref) for v in issued.data_validations.dataValidation]

    def test_the_annotated_copy_completed_and_returned_is_accepted_as_the_form(self, questionnaire):
        """Acorn fills in the three notes' answers in the copy and sends it back instead: collect accepts it."""
        acorn_incomplete(questionnaire)
        chase(questionnaire)
        _, data = attachment(reminder(questionnaire, SETTINGS["Acorn Nursery"]), "Acorn")
        copy = questionnaire.root / "copy.xlsx"
        copy.write_bytes(data)
        (record,) = load_responses(questionnaire, ("incomplete",))
        (questionnaire.returns_dir / "acorn.xlsx").unlink()  # the first attempt replaced by the completed copy
        return_excel_path = questionnaire.returns_dir / "acorn completed.xlsx"
        fill_excel(copy, return_excel_path, {i["key"]: "Yes" for i in record["issues"]})
        when = time.time() - HOUR
        os.utime(return_excel_path, (when, when))
        (decision,) = collect(questionnaire).files
        assert decision.status == "accepted", decision.reasons

    def test_the_completed_copy_beside_the_first_attempt_is_used_without_asking_the_officer(self, questionnaire):
        """The first, incomplete file stays in returns/ (returns are never removed): the completed copy keeps every
        answer it gave and adds the missing ones, so it is used, the first is superseded, and nothing needs a choice."""
        acorn_incomplete(questionnaire)
        chase(questionnaire)
        _, data = attachment(reminder(questionnaire, SETTINGS["Acorn Nursery"]), "Acorn")
        copy = questionnaire.root / "copy.xlsx"
        copy.write_bytes(data)
        (record,) = load_responses(questionnaire, ("incomplete",))
        completed = fill_excel(copy, questionnaire.returns_dir / "acorn completed.xlsx", {i["key"]: "Yes" for i in record["issues"]})
        when = time.time() - HOUR
        os.utime(completed, (when, when))
        result = collect(questionnaire)
        shown = {f.path: (f.status, f.code) for f in result.files}
        assert shown == {"acorn completed.xlsx": ("accepted", None), "acorn.xlsx": ("superseded", "completed")}
        assert not result.needs_attention
        (used,) = load_responses(questionnaire, ("accepted",))
        assert used["source_file"] == "acorn completed.xlsx"


class TestWhenToChase:
    def test_no_form_is_chased_more_than_once_a_day(self, questionnaire):
        """Through a server: three reminders; again the same day, none; the next day, three again."""
        acorn_incomplete(questionnaire)
        with smtp_server() as server:
            settings = SmtpSettings(parse_server(server.address))
            first = chase(questionnaire, smtp=settings, per_minute=0)
            assert len(first.sent) == 3 and len(server.inbox.messages) == 3
            again = chase(questionnaire, smtp=settings, per_minute=0)
            assert again.letters == [] and len(server.inbox.messages) == 3
            tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
            later = chase(questionnaire, smtp=settings, per_minute=0, now=tomorrow, collect_first=True)
            assert len(later.sent) == 3 and len(server.inbox.messages) == 6
            acorn = server.inbox.to(SETTINGS["Acorn Nursery"])[0]
            assert acorn.message["Subject"].startswith("Reminder: EY checklist: form MAA-")
            assert "no answer was given" in acorn.text and len(acorn.attachments) == 1

    def test_a_reminder_draft_sent_by_hand_the_next_day_counts_for_that_day_too(self, questionnaire):
        """Monday's reminders are drafts, sent from Outlook on Tuesday; a chase through the server on Tuesday sends
        none (they may have gone that day), and on Wednesday the three go."""
        acorn_incomplete(questionnaire)
        monday = dt.datetime.now(dt.UTC)
        assert len(chase(questionnaire, now=monday).drafted) == 3
        for path in (questionnaire.root / "outbox").glob("*.eml"):
            path.unlink()  # sent by hand on Tuesday
        with smtp_server() as server:
            settings = SmtpSettings(parse_server(server.address))
            tuesday = chase(questionnaire, smtp=settings, per_minute=0, now=monday + dt.timedelta(days=1),
                            collect_first=True)
            assert tuesday.letters == [] and server.inbox.messages == []
            wednesday = chase(questionnaire, smtp=settings, per_minute=0, now=monday + dt.timedelta(days=2),
                              collect_first=True)
            assert len(wednesday.sent) == 3
            assert sorted(a for m in server.inbox.messages for a in m.to) == sorted(SETTINGS.values())

    def test_a_chase_killed_half_way_resumes_without_duplicates(self, questionnaire):
        """'maa chase --smtp' is killed while the server takes the second reminder: the next run sends only the third;
        the second is listed as not known to have gone, and no setting has two reminders that day."""
        acorn_incomplete(questionnaire)
        with smtp_server() as server:
            server.inbox.hold_at = 2
            kill_maa_while_held(server, "chase", questionnaire.root, "--smtp", server.address, "--per-minute", "0",
                                "--yes")
            second = server.inbox.messages[1].to[0]
            settings = SmtpSettings(parse_server(server.address))
            resumed = chase(questionnaire, smtp=settings, per_minute=0)
            assert len(resumed.sent) == 1 and [e.to for e in resumed.unconfirmed] == [second]
            again = chase(questionnaire, smtp=settings, per_minute=0)
            assert again.letters == [] and [e.to for e in again.unconfirmed] == [second]
            assert sorted(a for m in server.inbox.messages for a in m.to) == sorted(SETTINGS.values())

    def test_chase_refuses_before_any_collect_and_when_the_last_is_more_than_an_hour_old(self, questionnaire):
        """Never collected, or collected two hours ago: refused, pointing at 'maa collect' or --collect."""
        with pytest.raises(MaaError) as never:
            chase(questionnaire)
        assert never.value.problems[0].code is ErrorCode.MAIL_NEVER_COLLECTED
        collect(questionnaire)
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
        with pytest.raises(MaaError) as stale:
            chase(questionnaire, now=later)
        assert stale.value.problems[0].code is ErrorCode.MAIL_COLLECT_STALE and "--collect" in str(stale.value)
        assert drafts(questionnaire) == {}
        fresh = chase(questionnaire, now=later, collect_first=True)
        assert fresh.collected is not None and len(fresh.drafted) == 3

    def test_chase_refuses_when_a_return_arrived_since_the_last_collect(self, questionnaire):
        """A return saved after the last collect: its sender must not be chased, so chase asks to collect first."""
        collect(questionnaire)
        tool = questionnaire.tools["early-years-safeguarding"]
        planned = form(questionnaire, "early-years-safeguarding", "Bluebell Pre-school", None)
        return_excel(questionnaire, planned, "bluebell.xlsx", all_yes(tool, {"setting_type": "Pre-school"}))
        with pytest.raises(MaaError) as newer:
            chase(questionnaire)
        assert newer.value.problems[0].code is ErrorCode.MAIL_RETURNS_NEWER
        done = chase(questionnaire, collect_first=True)
        assert sorted(x.respondent for x in done.drafted) == ["Acorn Nursery", "Church Lane Childminding"]

    def test_a_reminder_draft_nothing_is_owed_in_any_more_is_taken_back(self, questionnaire):
        """Yesterday's draft reminder for Bluebell, and Bluebell has since returned: the draft leaves outbox/."""
        collect(questionnaire)
        chase(questionnaire)
        assert "Bluebell Pre-school - reminder.eml" in drafts(questionnaire)
        tool = questionnaire.tools["early-years-safeguarding"]
        planned = form(questionnaire, "early-years-safeguarding", "Bluebell Pre-school", None)
        return_excel(questionnaire, planned, "bluebell.xlsx", all_yes(tool, {"setting_type": "Pre-school"}))
        result = chase(questionnaire, collect_first=True)
        assert result.withdrawn == ["Bluebell Pre-school"] and "Bluebell Pre-school - reminder.eml" not in drafts(questionnaire)


class TestChaseCommand:
    def test_chase_before_collecting_exits_2_and_with_collect_writes_the_reminders(self, questionnaire):
        """'maa chase' says to collect first; 'maa chase --collect' collects, then drafts three reminders."""
        refused = run("chase", questionnaire.root)
        assert refused.exit_code == 2 and "maa collect" in refused.output
        done = run("chase", questionnaire.root, "--collect")
        assert done.exit_code == 0, done.output
        assert "Collected first" in done.output and "3 draft(s)" in done.output


def _word_comments(docx: bytes) -> tuple[list[str], set[str]]:
    """The comments' texts, and the answer boxes (content-control tags) in the table cells they are anchored on."""
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        comments = etree.fromstring(z.read("word/comments.xml"))
        body = etree.fromstring(z.read("word/document.xml"))
    texts = ["".join(c.itertext()) for c in comments.iter(f"{W}comment")]
    anchored = set()
    for start in body.iter(f"{W}commentRangeStart"):
        cell = next(a for a in start.iterancestors() if a.tag == f"{W}tc")
        anchored |= {t.get(f"{W}val") for t in cell.iter(f"{W}tag")}
    return texts, anchored

