"""Returns that come inside e-mails and zips, saved into returns/ as they arrived.

An officer drags an e-mail out of Outlook (.msg) or saves one from another mail program (.eml),
or saves a zip an agency sent: each attachment or member is judged exactly like a file saved
directly, with the sender's address kept beside it, and the container itself is never changed.
"""

# ruff: noqa: F811 - the case_audit fixtures are imported from test_collect_stories and used as parameters
from __future__ import annotations

import datetime as dt
import hashlib

from maa_cli.intake.collect import collect, load_responses
from maa_cli.intake.containers import MAX_DEPTH
from tests.conftest import run_maa
from tests.mailfiles import compound_file, eml, msg, msg_tree, zipped
from tests.test_collect_stories import (  # noqa: F401 - fixtures
    HOUR,
    aged,
    case_audit,
    case_audit_template,
    form,
    maca_answers,
    return_excel,
    return_word,
)


def filled(ws, agency: str, case: str, name: str, fmt: str = "docx", urgent: bool = False) -> bytes:
    """A completed return of ``agency``'s case tool for ``case``, as bytes (then removed from returns/)."""
    tool = ws.tools["case-tool"]
    write = return_word if fmt == "docx" else return_excel
    path = write(ws, form(ws, "case-tool", agency, case, fmt), f"_{name}", maca_answers(tool, urgent=urgent))
    data = path.read_bytes()
    path.unlink()
    return data


def files_by_path(result) -> dict:
    return {f.path: f for f in result.files}


class TestEmailsAndZips:
    def test_each_attachment_of_a_saved_email_is_judged_like_a_file_saved_directly(self, case_audit):
        """An .eml with two agencies' forms attached gives two accepted returns, each naming its e-mail and sender."""
        police, csc = filled(case_audit, "Police", "A", "p.docx"), filled(case_audit, "Children's Social Care", "A", "c.docx")
        box = aged(eml(case_audit.returns_dir / "returns from police.eml", {"Police A.docx": police, "CSC A.docx": csc}), HOUR)
        before = hashlib.sha256(box.read_bytes()).hexdigest()

        result = collect(case_audit)
        found = files_by_path(result)
        assert found["returns from police.eml"].status == "opened"
        police_return = found["returns from police.eml#Police A.docx"]
        assert police_return.status == "accepted" and police_return.container == "returns from police.eml"
        assert police_return.sender == "amira.khan@police.example"
        assert found["returns from police.eml#CSC A.docx"].status == "accepted"
        assert result.returned == 2 and hashlib.sha256(box.read_bytes()).hexdigest() == before
        assert {r["agency"] for r in load_responses(case_audit)} == {"Police", "Children's Social Care"}

    def test_a_form_sent_from_an_unexpected_address_is_accepted_with_a_warning(self, case_audit):
        """Police's form arriving from a webmail address is used, but the officer is told to check the sender."""
        police = filled(case_audit, "Police", "A", "p.docx")
        aged(eml(case_audit.returns_dir / "fwd.eml", {"form.docx": police}, sender="someone@gmail.example"), HOUR)
        (police_return,) = [f for f in collect(case_audit).files if f.container]
        assert police_return.status == "accepted"
        assert any("gmail.example" in w and "police.example" in w for w in police_return.warnings)

    def test_a_form_sent_from_a_domain_audit_yaml_lists_for_the_agency_raises_no_warning(self, case_audit):
        """Police also write from kent.police.uk, listed under agency_domains (as 'maa send' uses it): no warning."""
        from maa_cli.setup.workspace import audit_yaml, open_workspace

        audit = case_audit.audit.model_copy(deep=True, update={"agency_domains": {"Police": ["police.uk"]}})
        (case_audit.root / "audit.yaml").write_text(audit_yaml(audit), encoding="utf-8")
        ws = open_workspace(case_audit.root)
        police = filled(ws, "Police", "A", "p.docx")
        aged(eml(ws.returns_dir / "fwd.eml", {"form.docx": police}, sender="a.khan@kent.police.uk"), HOUR)
        (police_return,) = [f for f in collect(ws).files if f.container]
        assert police_return.status == "accepted" and police_return.sender == "a.khan@kent.police.uk"
        assert not any("sent from an address" in w for w in police_return.warnings)

    def test_a_zip_inside_an_email_is_opened_too(self, case_audit):
        """An e-mail carrying a zip of two forms: both forms are judged, named by their path inside."""
        zip_bytes = zipped(case_audit.root / "inner.zip", {"forms/Police A.xlsx": filled(case_audit, "Police", "A", "p.xlsx", "xlsx"),
                                                           "forms/Police C.xlsx": filled(case_audit, "Police", "C", "q.xlsx", "xlsx")}).read_bytes()
        aged(eml(case_audit.returns_dir / "zipped.eml", {"forms.zip": zip_bytes}), HOUR)
        found = files_by_path(collect(case_audit))
        assert found["zipped.eml#forms.zip/forms/Police A.xlsx"].status == "accepted"
        assert found["zipped.eml#forms.zip/forms/Police C.xlsx"].status == "accepted"

    def test_a_zip_saved_into_returns_is_opened(self, case_audit):
        """A zip of returns is unpacked (into the private staging folder only) and each member judged."""
        aged(zipped(case_audit.returns_dir / "batch.zip", {"a/Police A.docx": filled(case_audit, "Police", "A", "p.docx"),
                                                           "notes.txt": b"thanks"}), HOUR)
        found = files_by_path(collect(case_audit))
        assert found["batch.zip#a/Police A.docx"].status == "accepted"
        assert found["batch.zip#notes.txt"].status == "rejected"

    def test_an_email_with_no_form_attached_is_rejected_with_what_to_ask_for(self, case_audit):
        """An e-mail whose only attachment is a logo says there was no form attached."""
        aged(eml(case_audit.returns_dir / "thanks.eml", {"logo.png": b"\x89PNG\r\n"}), HOUR)
        decision = files_by_path(collect(case_audit))["thanks.eml"]
        assert decision.status == "rejected" and decision.code == "no_attachment"
        assert "attach" in decision.reasons[0]

    def test_an_unchanged_email_is_not_opened_again(self, case_audit):
        """The second run reuses the container and every member it held."""
        aged(eml(case_audit.returns_dir / "r.eml", {"p.docx": filled(case_audit, "Police", "A", "p.docx")}), HOUR)
        collect(case_audit)
        again = collect(case_audit)
        assert again.read == 0 and again.reused == 2
        assert files_by_path(again)["r.eml#p.docx"].status == "accepted"

    def test_an_urgent_answer_in_an_attachment_is_shown_first(self, case_audit):
        """A 'Yes' to the urgent question in an attached form is listed as urgent, with the e-mail it came in."""
        aged(eml(case_audit.returns_dir / "urgent.eml", {"p.docx": filled(case_audit, "Police", "A", "p.docx", urgent=True)}), HOUR)
        (urgent,) = collect(case_audit).urgent
        assert urgent["file"] == "urgent.eml#p.docx" and urgent["case_ref"] == "A"

    def test_lateness_is_judged_by_when_the_email_was_sent(self, case_audit):
        """A form e-mailed before the deadline but saved into returns/ after it is not late."""
        deadline = case_audit.audit.deadline
        sent = dt.datetime.combine(deadline - dt.timedelta(days=2), dt.time(10), tzinfo=dt.UTC)
        box = eml(case_audit.returns_dir / "ontime.eml", {"p.docx": filled(case_audit, "Police", "A", "p.docx")}, date=sent)
        later = dt.datetime.combine(deadline + dt.timedelta(days=3), dt.time(9)).timestamp()
        import os

        os.utime(box, (later, later))
        collect(case_audit, now=later + HOUR)
        (record,) = load_responses(case_audit)
        assert record["late"] is False and record["received"] == (deadline - dt.timedelta(days=2)).isoformat()


class TestOutlookMessages:
    def test_a_form_attached_to_an_outlook_message_is_judged(self, case_audit):
        """An Outlook .msg (written here by an independent compound-file writer) gives up its attached form."""
        aged(msg(case_audit.returns_dir / "From Health Visiting.msg", {"HV B.docx": filled(case_audit, "Health Visiting", "B", "h.docx")}), HOUR)
        found = files_by_path(collect(case_audit))
        hv = found["From Health Visiting.msg#HV B.docx"]
        assert hv.status == "accepted" and hv.sender == "grace.mensah@nhs.example" and hv.agency == "Health Visiting"

    def test_a_message_sent_inside_exchange_gives_the_smtp_address_not_the_exchange_name(self, case_audit):
        """Outlook keeps an internal sender as an Exchange name ('/O=EXCHANGELABS/...'); the SMTP address is found
        among the other sender properties, and no wrong 'unexpected domain' warning follows."""
        tree = msg_tree({"HV B.docx": filled(case_audit, "Health Visiting", "B", "h.docx")})
        del tree["__substg1.0_5D01001F"]
        tree["__substg1.0_0C1F001F"] = "/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP/CN=RECIPIENTS/CN=GMENSAH".encode("utf-16-le")
        tree["__substg1.0_5D02001F"] = "grace.mensah@nhs.example".encode("utf-16-le")
        (case_audit.returns_dir / "internal.msg").write_bytes(compound_file(tree))
        aged(case_audit.returns_dir / "internal.msg", HOUR)
        hv = files_by_path(collect(case_audit))["internal.msg#HV B.docx"]
        assert hv.status == "accepted" and hv.sender == "grace.mensah@nhs.example"
        assert not any("e-mail address" in w for w in hv.warnings)

    def test_a_message_forwarded_inside_a_message_is_opened(self, case_audit):
        """A forwarded Outlook message attached to another gives up its form too."""
        inner = msg_tree({"Police C.docx": filled(case_audit, "Police", "C", "p.docx")}, sender="amira.khan@police.example")
        aged(msg(case_audit.returns_dir / "fwd.msg", {}, nested=inner), HOUR)
        (member,) = [f for f in collect(case_audit).files if f.container]
        assert member.status == "accepted" and member.path.endswith("/Police C.docx")

    def test_encrypted_and_rights_protected_messages_are_explained(self, case_audit):
        """S/MIME and rights-protected messages cannot be opened by maa: each says what to do instead."""
        aged(msg(case_audit.returns_dir / "smime.msg", {"x.p7m": b"x"}, message_class="IPM.Note.SMIME"), HOUR)
        aged(eml(case_audit.returns_dir / "protected.eml", {"message.rpmsg": b"\x76\xe8\x04\x60"}), HOUR)
        found = files_by_path(collect(case_audit))
        smime = [f for p, f in found.items() if p.startswith("smime.msg")]
        protected = [f for p, f in found.items() if p.startswith("protected.eml#")]
        assert any(f.code == "smime" and "Outlook" in f.reasons[0] for f in smime)
        assert any(f.code == "rights_protected" for f in protected)

    def test_nesting_is_bounded(self, case_audit):
        """Messages nested deeper than the limit are explained, not opened without end."""
        tree = msg_tree({"deep.docx": b"PK"})
        for _ in range(MAX_DEPTH + 2):
            tree = msg_tree({}, nested=tree)
        aged(msg(case_audit.returns_dir / "deep.msg", {}, nested=tree), HOUR)
        found = files_by_path(collect(case_audit))
        assert any(f.code == "too_deep" for f in found.values())


class TestHostileContainers:
    def test_a_zip_bomb_attached_to_an_email_is_refused_like_one_saved_directly(self, case_audit):
        """The member gets the same safety verdict as a file in returns/; the good attachment beside it is accepted."""
        import zipfile
        from io import BytesIO

        bomb = BytesIO()
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("[Content_Types].xml", b"<Types/>")
            zf.writestr("word/document.xml", b"\0" * (60 << 20))
        aged(eml(case_audit.returns_dir / "mixed.eml", {"bomb.docx": bomb.getvalue(),
                                                         "p.docx": filled(case_audit, "Police", "A", "p.docx")}), HOUR)
        found = files_by_path(collect(case_audit))
        assert found["mixed.eml#bomb.docx"].status == "rejected"
        assert found["mixed.eml#bomb.docx"].code in ("zip_bomb", "too_large")
        assert found["mixed.eml#p.docx"].status == "accepted"

    def test_the_json_output_lists_each_inner_file_with_its_container(self, case_audit, monkeypatch, capsys):
        """'maa collect --json' has one entry per attachment, each naming the e-mail it came in."""
        import json

        aged(eml(case_audit.returns_dir / "r.eml", {"p.docx": filled(case_audit, "Police", "A", "p.docx")}), HOUR)
        _code, out, _err = run_maa(monkeypatch, capsys, "collect", str(case_audit.root), "--json")
        files = json.loads(out)["files"]
        (inner,) = [f for f in files if f["container"]]
        assert inner["container"] == "r.eml" and inner["path"] == "r.eml#p.docx" and inner["sender"]


class TestWhatCannotBeOpenedIsExplained:
    """Each kind of content maa cannot open says what to do, saved directly or arriving in an e-mail."""

    @staticmethod
    def locked_zip(case_audit) -> bytes:
        from tests.hostile import buffer_zip, patch_central_directory

        form = filled(case_audit, "Police", "A", "p.docx")
        return patch_central_directory(buffer_zip({"Police A.docx": form}), "Police A.docx", flags=1)

    def test_a_password_protected_zip_saved_into_returns_is_explained(self, case_audit):
        """The zip is not opened: the officer is told to unpack it with the agency's password."""
        path = case_audit.returns_dir / "secure.zip"
        path.write_bytes(self.locked_zip(case_audit))
        aged(path, HOUR)
        (d,) = collect(case_audit).files
        assert (d.status, d.code) == ("rejected", "encrypted_zip") and "password" in d.reasons[0]

    def test_a_password_protected_zip_attached_to_an_email_is_explained(self, case_audit):
        """The attachment is listed with the same explanation; the e-mail's other form is still read."""
        aged(eml(case_audit.returns_dir / "secure.eml", {"forms.zip": self.locked_zip(case_audit),
                                                          "CSC A.docx": filled(case_audit, "Children's Social Care", "A", "c.docx")}), HOUR)
        found = files_by_path(collect(case_audit))
        assert (found["secure.eml#forms.zip"].status, found["secure.eml#forms.zip"].code) == ("rejected", "encrypted_zip")
        assert "password" in found["secure.eml#forms.zip"].reasons[0]
        assert found["secure.eml#CSC A.docx"].status == "accepted"

    def test_an_smime_encrypted_eml_is_explained(self, case_audit):
        """A message encrypted with S/MIME, saved from a mail program, says to open it in Outlook and save the form."""
        from email.message import EmailMessage

        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "ben.carter@council.example", "audits@x.example", "Return"
        message.set_content(b"\x30\x82encrypted", maintype="application", subtype="pkcs7-mime", filename="smime.p7m",
                            params={"smime-type": "enveloped-data"})
        path = case_audit.returns_dir / "encrypted.eml"
        path.write_bytes(bytes(message))
        aged(path, HOUR)
        found = files_by_path(collect(case_audit))
        explained = [f for p, f in found.items() if p.startswith("encrypted.eml#")]
        assert [f.code for f in explained] == ["smime"] and "Outlook" in explained[0].reasons[0]

    def test_a_rights_protected_outlook_message_is_explained(self, case_audit):
        """An .msg whose attachment is a rights-protected .rpmsg says only Outlook can open it."""
        aged(msg(case_audit.returns_dir / "protected.msg", {"message.rpmsg": b"\x76\xe8\x04\x60"}), HOUR)
        found = files_by_path(collect(case_audit))
        explained = [f for p, f in found.items() if p.startswith("protected.msg#")]
        assert [f.code for f in explained] == ["rights_protected"] and "Outlook" in explained[0].reasons[0]
