"""'maa send': each respondent's forms in one message, as Outlook drafts or through a real SMTP server, at most once.

The server is aiosmtpd on this computer (tests/mailserver.py); drafts are parsed back with the email package.
"""

# ruff: noqa: F811 - the case_audit fixtures are imported from test_collect_stories and used as parameters
from __future__ import annotations

import datetime as dt
import email
import json
import os
import socket
from email import policy

import pytest
from typer.testing import CliRunner

from maa_cli.cli import app
from maa_cli.errors import ErrorCode, InputFileError, MaaError
from maa_cli.forms.manifest import read_manifest
from maa_cli.forms.plan import issue_forms
from maa_cli.mail.ledger import Ledger
from maa_cli.mail.send import send_forms
from maa_cli.mail.smtp import MailServerError, Relay, Server, SmtpSettings, parse_server
from maa_cli.setup.workspace import open_workspace
from tests.conftest import CHILD_DOBS, CHILD_NAMES
from tests.mailserver import PASSWORD, USER, kill_maa_while_held, self_signed, smtp_server, trusting
from tests.test_collect_stories import case_audit, case_audit_template  # noqa: F401 - fixtures

SETTINGS = {"Acorn Nursery": "dsl@acorn.example", "Church Lane Childminding": "mary@cm.example",
            "Bluebell Pre-school": "office@bluebell.example"}
AGENCIES = {"Police": "amira.khan@police.example", "Children's Social Care": "ben.carter@council.example",
            "Health Visiting": "grace.mensah@nhs.example"}


def drafts(ws) -> dict[str, email.message.EmailMessage]:
    """Every draft in outbox/, parsed, by file name."""
    folder = ws.root / "outbox"
    return {p.name: email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(folder.glob("*.eml"))} if folder.is_dir() else {}


def attachments(message) -> dict[str, bytes]:
    return {a.get_filename(): a.get_content() for a in message.iter_attachments()}


def issued(ws, agency: str) -> dict[str, bytes]:
    """The files issued to ``agency`` in each form type's own format, as forms/ holds them."""
    out = {}
    formats = {ft.name: ft.format for ft in ws.audit.form_types}
    for entry in read_manifest(ws).values():
        if entry.get("agency") == agency and not entry.get("withdrawn"):
            path = ws.forms_dir / entry["files"][formats[entry["form_type"]]]["file"]
            out[path.name] = path.read_bytes()
    return out


def smtp(server) -> SmtpSettings:
    return SmtpSettings(parse_server(server.address))


def set_email(ws, agency: str, address: str, **audit_changes):
    """Change an agency's address in audit.yaml (as an officer would) and reopen the audit."""
    from maa_cli.setup.workspace import audit_yaml

    audit = ws.audit.model_copy(deep=True, update=audit_changes)
    audit.agency(agency).email = address
    (ws.root / "audit.yaml").write_text(audit_yaml(audit), encoding="utf-8")
    return open_workspace(ws.root)


def _ledger_messages(ws) -> list[dict]:
    """The ledger's messages, as saved on disk (read as another program would)."""
    path = ws.state_dir / "mail.json"
    return json.loads(path.read_text(encoding="utf-8"))["messages"] if path.exists() else []


def names_a_child(text: str) -> bool:
    folded = text.casefold()
    return any(part.casefold() in folded for name in CHILD_NAMES for part in name.split()) or any(d in text for d in CHILD_DOBS)


class TestDrafts:
    def test_each_respondent_gets_one_outlook_draft_with_exactly_its_own_forms(self, questionnaire):
        """No server named: one .eml per setting in outbox/, X-Unsent, to the roster's contact, its own form attached."""
        result = send_forms(questionnaire)
        found = drafts(questionnaire)
        assert len(found) == len(result.drafted) == 3
        for agency, address in SETTINGS.items():
            (message,) = [m for m in found.values() if m["To"] == address]
            assert message["X-Unsent"] == "1" and message["From"] is None
            assert message["Reply-To"] == "audits@northshire-scp.example"
            assert attachments(message) == issued(questionnaire, agency)
            (form_id,) = [f for f, e in read_manifest(questionnaire).items() if e["agency"] == agency]
            assert message["Subject"] == f"EY checklist: form {form_id}"
            text = message.get_body(("plain",)).get_content()
            assert "31 January 2027" in text and "audits@northshire-scp.example" in text and form_id in text

    def test_a_case_audit_agency_gets_all_its_forms_in_one_message_and_no_child_s_name_in_the_text(self, case_audit):
        """Police worked with four cases: one draft carries its four forms; subjects and texts name no child."""
        send_forms(case_audit)
        found = drafts(case_audit)
        assert len(found) == 3
        police = next(m for m in found.values() if m["To"] == AGENCIES["Police"])
        assert attachments(police) == issued(case_audit, "Police") and len(attachments(police)) == 4
        assert police["Subject"].startswith("MACA: neglect: 4 forms (MAA-")
        for message in found.values():
            assert not names_a_child(message["Subject"] + message.get_body(("plain",)).get_content())
            assert "secure e-mail" in message.get_body(("plain",)).get_content()

    def test_the_wording_is_a_template_copied_into_the_audit_folder_for_the_partnership_to_edit(self, questionnaire):
        """The first run copies mail-send.txt.j2 into templates/; an edited copy is used and never overwritten."""
        first = send_forms(questionnaire)
        template = questionnaire.root / "templates" / "mail-send.txt.j2"
        assert first.templates == [template] and template.is_file()
        template.write_text("Subject: Please complete {{ forms_reference }}\n\nHello {{ contact_name }}. Due {{ deadline }}.\n",
                            encoding="utf-8")
        again = send_forms(questionnaire)
        assert again.templates == []
        message = next(m for m in drafts(questionnaire).values() if m["To"] == SETTINGS["Acorn Nursery"])
        assert message["Subject"].startswith("Please complete form MAA-")
        assert message.get_body(("plain",)).get_content().strip() == "Hello Priya Shah. Due 31 January 2027."
        assert template.read_text(encoding="utf-8").startswith("Subject: Please complete")

    def test_a_child_s_name_typed_into_the_title_stops_every_message_that_would_carry_it(self, case_audit):
        """The audit's title names a child by mistake: each message is refused, nothing is written."""
        ws = set_email(case_audit, "Police", AGENCIES["Police"], title="MACA: Ellie Marsh and others")
        result = send_forms(ws)
        assert len(result.refused) == 3 and result.drafted == [] and drafts(ws) == {}
        assert all("would name a child" in letter.refused for letter in result.refused)
        assert result.needs_attention

    def test_a_contact_who_shares_a_child_s_first_name_still_gets_the_forms(self, case_audit):
        """Police's contact is called Ellie, like the child in case A: the roster is not a child, so it goes."""
        audit = case_audit.audit.model_copy(deep=True)
        audit.agency("Police").contact_name = "Ellie Jones"
        from maa_cli.setup.workspace import audit_yaml

        (case_audit.root / "audit.yaml").write_text(audit_yaml(audit), encoding="utf-8")
        ws = open_workspace(case_audit.root)
        result = send_forms(ws)
        assert result.refused == [] and len(result.drafted) == 3
        police = next(m for m in drafts(ws).values() if m["To"] == AGENCIES["Police"])
        assert police.get_body(("plain",)).get_content().startswith("Dear Ellie Jones,")

    def test_a_draft_removed_from_the_outbox_counts_as_sent_and_is_not_written_again(self, questionnaire):
        """Sent from Outlook and deleted: the next run writes no draft for that setting; the others are refreshed."""
        send_forms(questionnaire)
        (questionnaire.root / "outbox" / "Acorn Nursery - forms.eml").unlink()
        again = send_forms(questionnaire)
        assert sorted(letter.respondent for letter in again.drafted) == ["Bluebell Pre-school", "Church Lane Childminding"]
        assert "Acorn Nursery - forms.eml" not in drafts(questionnaire)

    def test_a_form_issued_later_goes_alone_in_a_new_message(self, questionnaire):
        """A setting added to the roster after the first forms went gets its form; the others get nothing more."""
        from maa_cli.definitions.audit import Agency

        send_forms(questionnaire)
        for path in (questionnaire.root / "outbox").glob("*.eml"):
            path.unlink()  # all three sent by hand
        audit = questionnaire.audit.model_copy(deep=True)
        audit.agencies.append(Agency(name="Daisy Chain Nursery", contact_name="Ola Ade", email="ola@daisy.example",
                                     attributes={"setting_type": "Day nursery", "quadrant": "South"}))
        from maa_cli.setup.workspace import audit_yaml

        (questionnaire.root / "audit.yaml").write_text(audit_yaml(audit), encoding="utf-8")
        ws = open_workspace(questionnaire.root)
        issue_forms(ws)
        again = send_forms(ws)
        assert [letter.respondent for letter in again.drafted] == ["Daisy Chain Nursery"] and again.up_to_date == 3


    def test_a_setting_that_already_returned_its_form_is_not_sent_it(self, questionnaire):
        """Acorn's form was e-mailed by hand and came back before maa sent anything: only the other two get theirs."""
        from maa_cli.intake.collect import collect
        from tests.fill import all_yes, fill_excel

        (form_id, entry), = [(f, e) for f, e in read_manifest(questionnaire).items() if e["agency"] == "Acorn Nursery"]
        issued_xlsx = questionnaire.forms_dir / entry["files"]["xlsx"]["file"]
        back = fill_excel(issued_xlsx, questionnaire.returns_dir / "acorn.xlsx", all_yes(questionnaire.tools[entry["form_type"]]))
        old = back.stat().st_mtime - 3600
        os.utime(back, (old, old))
        assert [f.status for f in collect(questionnaire).files] == ["accepted"]
        result = send_forms(questionnaire)
        assert sorted(letter.respondent for letter in result.drafted) == ["Bluebell Pre-school", "Church Lane Childminding"]
        assert result.up_to_date == 1 and form_id not in {f for m in result.drafted for f in m.form_ids}


class TestThroughAMailServer:
    def test_every_respondent_gets_exactly_its_own_forms_and_a_second_run_sends_nothing(self, questionnaire):
        """Three settings, three messages, each to its contact with its own form; run again: nothing goes."""
        with smtp_server() as server:
            result = send_forms(questionnaire, smtp=smtp(server), per_minute=0)
            assert len(result.sent) == 3 and not result.needs_attention
            assert sorted(a for m in server.inbox.messages for a in m.to) == sorted(SETTINGS.values())
            for agency, address in SETTINGS.items():
                (got,) = server.inbox.to(address)
                assert got.attachments == issued(questionnaire, agency)
                assert got.sender == "audits@northshire-scp.example" and got.message["Message-ID"]
                assert got.message["X-Unsent"] is None
            again = send_forms(questionnaire, smtp=smtp(server), per_minute=0)
            assert again.sent == [] and again.letters == [] and again.up_to_date == 3
            assert len(server.inbox.messages) == 3
        ledger = json.loads((questionnaire.state_dir / "mail.json").read_text(encoding="utf-8"))
        assert [m["state"] for m in ledger["messages"]] == ["sent"] * 3

    def test_a_run_killed_half_way_resumes_without_duplicates(self, questionnaire):
        """'maa send --smtp' is killed (no clean-up) while the server is taking the second message: the next run
        sends only the third; the second, recorded as sending, is listed and never sent again on its own."""
        with smtp_server() as server:
            server.inbox.hold_at = 2
            seen = {}

            def recorded():
                seen.update({m["to"]: m["state"] for m in _ledger_messages(questionnaire)})

            kill_maa_while_held(server, "send", questionnaire.root, "--smtp", server.address, "--per-minute", "0", "--yes",
                                before_kill=recorded)
            first, second = (m.to[0] for m in server.inbox.messages)
            assert seen == {first: "sent", second: "sending"}  # 'sending' was saved before the message went
            resumed = send_forms(questionnaire, smtp=smtp(server), per_minute=0)
            (third,) = (x.to for x in resumed.sent)
            assert sorted(a for m in server.inbox.messages for a in m.to) == sorted(SETTINGS.values())
            assert [e.to for e in resumed.unconfirmed] == [second] and resumed.needs_attention
            again = send_forms(questionnaire, smtp=smtp(server), per_minute=0)
            assert again.sent == [] and [e.to for e in again.unconfirmed] == [second] and len(server.inbox.messages) == 3
            for agency, address in SETTINGS.items():
                (got,) = server.inbox.to(address)
                assert got.attachments == issued(questionnaire, agency)
        assert {m["to"]: m["state"] for m in _ledger_messages(questionnaire)} == {
            first: "sent", second: "sending", third: "sent"}

    def test_stopped_between_the_server_s_ok_and_the_record_the_message_is_listed_until_resent_by_hand(self, questionnaire):
        """The server took the second message but maa never noted it: the third goes next run, the second is listed
        as not known to have gone on every run, until the officer sends it again with --resend."""

        class Killed(Exception):
            pass

        class DiesAfterTwo(Relay):
            count = 0

            def send(self, message, sender, to):
                super().send(message, sender, to)
                DiesAfterTwo.count += 1
                if DiesAfterTwo.count == 2:
                    raise Killed  # as if the process were killed between the server's OK and 'sent'

        with smtp_server() as server:
            with pytest.raises(Killed):
                send_forms(questionnaire, smtp=smtp(server), per_minute=0, relay_factory=DiesAfterTwo)
            assert len(server.inbox.messages) == 2
            resumed = send_forms(questionnaire, smtp=smtp(server), per_minute=0)
            assert len(resumed.sent) == 1 and len(server.inbox.messages) == 3
            assert sorted(a for m in server.inbox.messages for a in m.to) == sorted(SETTINGS.values())
            (unknown,) = resumed.unconfirmed
            second = server.inbox.messages[1].to[0]
            assert unknown.to == second and unknown.state == "sending" and resumed.needs_attention
            third = send_forms(questionnaire, smtp=smtp(server), per_minute=0)
            assert third.sent == [] and [e.to for e in third.unconfirmed] == [second]
            respondent = next(a for a, address in SETTINGS.items() if address == second)
            settled = send_forms(questionnaire, smtp=smtp(server), per_minute=0, resend=[respondent])
            assert [letter.respondent for letter in settled.sent] == [respondent] and settled.unconfirmed == []
            assert len(server.inbox.to(second)) == 2

    def test_a_broken_connection_mid_message_stops_the_run_and_that_message_is_listed_not_resent(self, questionnaire):
        """The server vanishes while a message is handed over: the run stops; that one is 'not known to have gone'."""
        class Vanishes(Relay):
            def send(self, message, sender, to):
                if to == SETTINGS["Church Lane Childminding"]:
                    self.conn.sock.shutdown(socket.SHUT_RDWR)  # the connection drops under the message
                return super().send(message, sender, to)

        with smtp_server() as server:
            first = send_forms(questionnaire, smtp=smtp(server), per_minute=0, relay_factory=Vanishes)
            assert first.stopped and "Church Lane Childminding" in first.stopped
            assert [e.respondent for e in first.unconfirmed] == ["Church Lane Childminding"]
            second = send_forms(questionnaire, smtp=smtp(server), per_minute=0)
            assert [letter.respondent for letter in second.sent] == ["Bluebell Pre-school"]
            assert server.inbox.to(SETTINGS["Church Lane Childminding"]) == []

    def test_a_recipient_the_server_refuses_is_not_sent_and_is_tried_again_next_run(self, questionnaire):
        """550 for one address: the others go; that one is 'not sent' with the server's words, and goes once accepted."""
        with smtp_server() as server:
            server.inbox.refuse.add(SETTINGS["Bluebell Pre-school"])
            first = send_forms(questionnaire, smtp=smtp(server), per_minute=0)
            assert len(first.sent) == 2
            ((letter, why),) = first.not_sent
            assert letter.respondent == "Bluebell Pre-school" and why.startswith("550")
            server.inbox.refuse.clear()
            second = send_forms(questionnaire, smtp=smtp(server), per_minute=0)
            assert [x.respondent for x in second.sent] == ["Bluebell Pre-school"] and len(server.inbox.messages) == 3

    def test_forms_naming_a_child_stay_drafts_unless_confirmed_and_then_carry_the_secure_marker(self, case_audit):
        """Case forms carry the child's name and date of birth: drafts only, until --confirm-child-details with a
        marker set in audit.yaml; then sent with '[secure]' before the subject, and their drafts removed."""
        with smtp_server() as server:
            held = send_forms(case_audit, smtp=smtp(server), per_minute=0)
            assert server.inbox.messages == [] and len(held.held) == 3 and held.preview.child_details == 3
            assert len(drafts(case_audit)) == 3
            with pytest.raises(MaaError) as refused:
                send_forms(case_audit, smtp=smtp(server), per_minute=0, confirm_child_details=True)
            assert refused.value.problems[0].code is ErrorCode.MAIL_MARKER_MISSING
            ws = set_email(case_audit, "Police", AGENCIES["Police"], secure_subject_marker="[secure]")
            sent = send_forms(ws, smtp=smtp(server), per_minute=0, confirm_child_details=True)
            assert len(sent.sent) == 3 and drafts(ws) == {}
            assert all(m.message["Subject"].startswith("[secure] MACA: neglect") for m in server.inbox.messages)
            assert server.inbox.to(AGENCIES["Police"])[0].attachments == issued(ws, "Police")

    def test_the_preview_counts_come_before_anything_is_sent_and_no_means_nothing_goes(self, case_audit):
        """The officer sees how many messages carry a child's details, and can stop there."""
        seen = []
        with smtp_server() as server:
            result = send_forms(case_audit, smtp=smtp(server), per_minute=0, confirm=lambda r: seen.append(r.preview) or False)
            (preview,) = seen
            assert (preview.messages, preview.child_details, preview.held, preview.to_send) == (3, 3, 3, 0)
            assert result.cancelled and server.inbox.messages == [] and drafts(case_audit) == {}

    def test_an_address_changed_to_another_domain_after_forms_went_is_refused_until_the_domain_is_listed(self, questionnaire):
        """Acorn's address is edited to a look-alike domain: --resend is refused; listed in agency_domains, it goes."""
        with smtp_server() as server:
            send_forms(questionnaire, smtp=smtp(server), per_minute=0)
            ws = set_email(questionnaire, "Acorn Nursery", "dsl@acorn.exmaple")
            refused = send_forms(ws, smtp=smtp(server), per_minute=0, resend=["acorn nursery"])
            (letter,) = refused.refused
            assert "acorn.exmaple" in letter.refused and "agency_domains" in letter.refused
            assert len(server.inbox.messages) == 3
            ws = set_email(ws, "Acorn Nursery", "new.dsl@acorn-group.example",
                           agency_domains={"Acorn Nursery": ["acorn-group.example"]})
            moved = send_forms(ws, smtp=smtp(server), per_minute=0, resend=["Acorn Nursery"])
            assert [x.to for x in moved.sent] == ["new.dsl@acorn-group.example"]
            assert server.inbox.to("new.dsl@acorn-group.example")[0].attachments == issued(ws, "Acorn Nursery")

    def test_a_roster_address_at_a_misspelt_well_known_domain_is_refused_before_the_first_message(self, case_audit):
        """Health Visiting's address was typed 'nhs.nte': nothing goes to it, even as a draft; the others go. Listed
        under agency_domains (if it really were theirs), it goes."""
        ws = set_email(case_audit, "Health Visiting", "grace.mensah@nhs.nte")
        with smtp_server() as server:
            ws = set_email(ws, "Police", AGENCIES["Police"], secure_subject_marker="[secure]")
            result = send_forms(ws, smtp=smtp(server), per_minute=0, confirm_child_details=True)
            (letter,) = result.refused
            assert letter.respondent == "Health Visiting" and "misspelling of nhs.net" in letter.refused
            assert sorted(x.respondent for x in result.sent) == ["Children's Social Care", "Police"]
            assert server.inbox.to("grace.mensah@nhs.nte") == [] and drafts(ws) == {} and result.needs_attention
            ws = set_email(ws, "Health Visiting", "grace.mensah@nhs.nte", agency_domains={"Health Visiting": ["nhs.nte"]})
            listed = send_forms(ws, smtp=smtp(server), per_minute=0, confirm_child_details=True)
            assert [x.respondent for x in listed.sent] == ["Health Visiting"]

    def test_when_audit_yaml_lists_an_agency_s_domains_an_address_elsewhere_is_refused_from_the_first_message(
            self, case_audit):
        """Police's domains are listed as police.uk: a roster address at police.example is refused; one at
        kent.police.uk (a subdomain) goes."""
        ws = set_email(case_audit, "Police", AGENCIES["Police"], agency_domains={"Police": ["police.uk"]})
        refused = send_forms(ws)
        (letter,) = refused.refused
        assert letter.respondent == "Police" and "police.example" in letter.refused and "police.uk" in letter.refused
        ws = set_email(ws, "Police", "amira.khan@kent.police.uk")
        result = send_forms(ws)
        assert result.refused == [] and "amira.khan@kent.police.uk" in [m["To"] for m in drafts(ws).values()]

    def test_look_alikes_of_well_known_mail_domains_are_told_from_real_ones(self):
        """One slip from nhs.net, gmail.com, co.uk or police.uk is a typo; those domains and their subdomains are not."""
        from maa_cli.mail.domains import look_alike

        assert [look_alike(d) for d in ("nhs.nte", "gmial.com", "acorn.co.ul", "kent.polcie.uk", "btinternt.com")] == \
            ["nhs.net", "gmail.com", "co.uk", "police.uk", "btinternet.com"]
        assert [look_alike(d) for d in ("nhs.net", "kent.police.uk", "acorn.co.uk", "acorn.example", "gov.au",
                                        "acorn-nursery.org.uk", "nhs.uk")] == [None] * 7

    def test_resend_names_a_respondent_of_this_audit_or_is_refused_with_a_suggestion(self, questionnaire):
        """A typo in --resend sends nothing and suggests the name."""
        with pytest.raises(InputFileError) as refused:
            send_forms(questionnaire, resend=["Acorn Nursey"])
        assert "did you mean 'Acorn Nursery'" in str(refused.value)

    def test_starttls_is_used_when_offered_with_the_certificate_checked_and_the_login_from_the_settings(self, questionnaire, tmp_path):
        """A server offering STARTTLS and requiring a login: maa encrypts, checks the certificate, logs in, sends."""
        cert = self_signed(tmp_path)
        with smtp_server(cert=cert, login=True) as server:
            settings = SmtpSettings(parse_server(server.address), user=USER, password=PASSWORD, tls=trusting(cert[0]))
            result = send_forms(questionnaire, smtp=settings, per_minute=0)
            assert len(result.sent) == 3
            assert all(m.encrypted and m.user == USER for m in server.inbox.messages)

    def test_an_untrusted_certificate_or_a_wrong_password_sends_nothing(self, questionnaire, tmp_path):
        """A certificate this computer does not trust, or a refused login: a clear error, nothing recorded."""
        cert = self_signed(tmp_path)
        with smtp_server(cert=cert, login=True) as server:
            with pytest.raises(MailServerError) as untrusted:
                send_forms(questionnaire, smtp=SmtpSettings(parse_server(server.address), user=USER, password=PASSWORD),
                           per_minute=0)
            assert untrusted.value.problems[0].code is ErrorCode.MAIL_TLS_FAILED
            with pytest.raises(MailServerError) as wrong:
                send_forms(questionnaire, smtp=SmtpSettings(parse_server(server.address), user=USER, password="guess",
                                                            tls=trusting(cert[0])), per_minute=0)
            assert wrong.value.problems[0].code is ErrorCode.MAIL_LOGIN and "internal relay" in str(wrong.value)
            assert server.inbox.messages == [] and Ledger.load(questionnaire).entries == []

    def test_a_server_without_tls_is_refused_unless_it_is_this_computer(self, questionnaire, monkeypatch):
        """Plain SMTP to localhost is allowed; the same server taken for a remote one is refused before any message."""
        assert parse_server("127.0.0.1:25").local and parse_server("[::1]:25").local and parse_server("localhost:2525").local
        assert not parse_server("relay.council.example:25").local
        with smtp_server() as server:
            monkeypatch.setattr(Server, "local", property(lambda self: False))
            with pytest.raises(MailServerError) as refused:
                send_forms(questionnaire, smtp=smtp(server), per_minute=0)
            assert refused.value.problems[0].code is ErrorCode.MAIL_NO_TLS
            assert server.inbox.messages == []

    def test_messages_go_at_a_gentle_rate(self, questionnaire, monkeypatch):
        """At 20 a minute, maa waits three seconds between messages."""
        import maa_cli.mail.deliver as deliver

        waits = []
        monkeypatch.setattr(deliver.time, "sleep", lambda seconds: waits.append(seconds))
        with smtp_server() as server:
            send_forms(questionnaire, smtp=smtp(server), per_minute=20)
        assert len(waits) == 2 and all(2.5 < w <= 3.0 for w in waits)

    def test_a_ledger_that_cannot_be_read_stops_sending_rather_than_sending_again(self, questionnaire):
        """A damaged .maa/mail.json: exit 2 with what to do; nothing is sent."""
        with smtp_server() as server:
            send_forms(questionnaire, smtp=smtp(server), per_minute=0)
            (questionnaire.state_dir / "mail.json").write_text('{"version": 1, "messages": [', encoding="utf-8")
            with pytest.raises(MaaError) as refused:
                send_forms(questionnaire, smtp=smtp(server), per_minute=0)
            assert refused.value.problems[0].code is ErrorCode.MAIL_LEDGER_UNREADABLE and len(server.inbox.messages) == 3


def run(*args, env=None, input=None):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200", **(env or {})}, input=input)


class TestCommandLine:
    def test_send_writes_drafts_and_says_what_to_do_with_them(self, questionnaire):
        """'maa send AUDIT': the counts, where the drafts are, one click each in Outlook."""
        result = run("send", questionnaire.root)
        assert result.exit_code == 0, result.output
        assert "3 messages to 3 respondent(s)" in result.output and "0 carry a child's name" in result.output
        assert "3 draft(s)" in result.output and "click Send" in result.output

    def test_send_through_a_server_needs_a_yes_when_there_is_no_terminal_to_ask_in(self, questionnaire):
        """No terminal and no --yes: the preview, then exit 2 and nothing sent; with --yes it goes."""
        with smtp_server() as server:
            asked = run("send", questionnaire.root, "--smtp", server.address, "--per-minute", "0")
            assert asked.exit_code == 2 and "--yes" in asked.output and server.inbox.messages == []
            done = run("send", questionnaire.root, "--smtp", server.address, "--per-minute", "0", "--yes")
            assert done.exit_code == 0, done.output
            assert "3 sent through 127.0.0.1" in done.output and len(server.inbox.messages) == 3

    def test_the_password_comes_from_the_environment_never_the_command_line(self, questionnaire, tmp_path):
        """--smtp-user without MAA_SMTP_PASSWORD is refused; set in the environment, maa logs in over TLS."""
        cert = self_signed(tmp_path)
        with smtp_server(cert=cert, login=True) as server:
            missing = run("send", questionnaire.root, "--smtp", server.address, "--smtp-user", USER, "--yes",
                          env={"MAA_SMTP_PASSWORD": ""})
            assert missing.exit_code == 2 and "MAA_SMTP_PASSWORD" in missing.output
            env = {"MAA_SMTP_PASSWORD": PASSWORD, "SSL_CERT_FILE": str(cert[0])}
            done = run("send", questionnaire.root, "--smtp", server.address, "--smtp-user", USER, "--yes",
                       "--per-minute", "0", env=env)
            assert done.exit_code == 0, done.output
            assert [m.user for m in server.inbox.messages] == [USER] * 3
        assert "--password" not in run("send", "-h").output

    def test_a_message_not_known_to_have_gone_is_listed_with_the_command_to_send_it_again(self, questionnaire):
        """The officer sees who, to which address, and how to --resend."""
        ledger = Ledger.load(questionnaire)
        from maa_cli.mail.ledger import Entry

        ledger.add(Entry("S00001", "send", "Acorn Nursery", "dsl@acorn.example", ["MAA-AAAA-AAAA"], "sending",
                         "2027-01-10T10:31:00+00:00", dt.date.today().isoformat(), subject="EY checklist: form MAA-AAAA-AAAA"))
        result = run("send", questionnaire.root)
        assert result.exit_code == 1
        assert "not known to have gone" in result.output and '--resend "Acorn Nursery"' in result.output

    def test_send_and_chase_answer_dash_h_with_an_example(self):
        """Both commands have help with an example."""
        for command in ("send", "chase"):
            out = run(command, "-h").output
            assert f"maa {command}" in out and "--smtp" in out and "HOST:PORT" in out


def test_no_outbox_draft_holds_a_child_s_name_outside_its_attachments(case_audit):
    """Everything in a draft but the attached forms (headers, text, file names) is free of children's names."""
    send_forms(case_audit)
    for name, message in drafts(case_audit).items():
        assert not names_a_child(name)
        heads = "\n".join(f"{k}: {v}" for k, v in message.items())
        assert not names_a_child(heads + message.get_body(("plain",)).get_content())
        assert not any(names_a_child(a.get_filename()) for a in message.iter_attachments())


@pytest.fixture(autouse=True)
def _no_password_in_environment(monkeypatch):
    monkeypatch.delenv("MAA_SMTP_PASSWORD", raising=False)
    yield
    assert os.environ.get("MAA_SMTP_PASSWORD") is None



def test_a_resend_draft_is_a_new_message_beside_the_one_sent_by_hand(questionnaire):
    """Acorn's draft was sent from Outlook; --resend writes a new draft, kept on the next run; once sent by hand
    too, Acorn is up to date and nothing of it is written again."""
    send_forms(questionnaire)
    outbox = questionnaire.root / "outbox"
    (outbox / "Acorn Nursery - forms.eml").unlink()
    resent = send_forms(questionnaire, resend=["Acorn Nursery"])
    assert "Acorn Nursery" in [x.respondent for x in resent.drafted]
    kept = send_forms(questionnaire)
    assert "Acorn Nursery" in [x.respondent for x in kept.drafted] and kept.withdrawn == []
    (outbox / "Acorn Nursery - forms.eml").unlink()
    done = send_forms(questionnaire)
    assert "Acorn Nursery" not in [x.respondent for x in done.drafted]
    ledger = Ledger.load(questionnaire)
    acorn = [e for e in ledger.entries if e.respondent == "Acorn Nursery"]
    assert [(e.resend, ledger.went(e)) for e in acorn] == [(False, True), (True, True)]
