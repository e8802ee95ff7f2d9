"""Returns that cannot be forged: each issued form carries a seal only the audit's key can make.

A form's id is worked out from public facts (audit, form type, agency, case), so a file can be
edited to claim any form. These stories edit genuine returns the way a tester would — another
agency's id written into the properties and the printed reference line, the seal removed — and
check that no such file is ever filed as someone else's return, while a child at risk is still shown.
"""

# ruff: noqa: F811 - the case_audit fixtures are imported from test_collect_stories and used as parameters
from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml

from maa_cli.errors import RestrictedStoreError
from maa_cli.forms.identity import make_form_id, make_seal, seal_matches
from maa_cli.forms.plan import issue_forms
from maa_cli.intake.collect import collect, load_responses
from maa_cli.intake.status import audit_status
from maa_cli.setup.restricted import FORM_KEY_FILE
from maa_cli.setup.workspace import open_workspace
from tests.conftest import run_maa
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

CSC, POLICE = "Children's Social Care", "Police"
_SEAL_LINE = re.compile(rb"\s*(?:\xc2\xb7|&#183;|&#xb7;)\s*seal [A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", re.IGNORECASE)
_SEAL_PROPERTY = re.compile(rb"<property [^>]*name=\"maa_form_seal\"[^>]*>.*?</property>", re.DOTALL)


def rewrite(src: Path, dst: Path, edit) -> Path:
    """Copy a returned file, passing each part's bytes through ``edit(name, data)`` (None drops the part)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = edit(item.filename, zin.read(item.filename))
            if data is not None:
                zout.writestr(item, data)
    return aged(dst, HOUR)


def claim(src: Path, dst: Path, real_id: str, claimed_id: str) -> Path:
    """The forgery: every trace of the real form id (properties, printed line) replaced by another form's."""
    return rewrite(src, dst, lambda name, data: data.replace(real_id.encode(), claimed_id.encode()))


def without_seal(src: Path, dst: Path) -> Path:
    """The form with its seal taken out of the properties and the printed reference line."""
    return rewrite(src, dst, lambda name, data: _SEAL_PROPERTY.sub(b"", _SEAL_LINE.sub(b"", data)))


def decision(result, name: str):
    (found,) = [f for f in result.files if f.path == name]
    return found


class TestForgedReturns:
    def test_a_police_form_edited_to_claim_social_cares_form_is_never_accepted_as_theirs(self, case_audit):
        """Police's return rewritten to carry Children's Social Care's form id is 'unverified', and CSC's form stays outstanding."""
        police, csc = form(case_audit, "case-tool", POLICE, "A", "docx"), form(case_audit, "case-tool", CSC, "A", "docx")
        tool = case_audit.tools["case-tool"]
        genuine = return_word(case_audit, police, "police.docx", maca_answers(tool))
        claim(genuine, case_audit.returns_dir / "csc case A.docx", police.form_id, csc.form_id)
        genuine.unlink()

        result = collect(case_audit)
        forged = decision(result, "csc case A.docx")
        assert (forged.status, forged.code, forged.form_id) == ("unverified", "wrong_seal", csc.form_id)
        assert "was not issued" in forged.reasons[0] and "check who sent" in forged.reasons[0].casefold()
        assert result.needs_attention and result.returned == 0
        assert csc.form_id not in {r["form_id"] for r in load_responses(case_audit, ("accepted", "incomplete"))}
        status = audit_status(case_audit)
        (csc_status,) = [f for f in status.forms if f.form_id == csc.form_id]
        assert csc_status.state == "outstanding"
        assert any(c.respondent == CSC for c in status.chase) and status.needs_attention

    def test_a_forgery_beside_the_genuine_return_neither_displaces_nor_conflicts_with_it(self, case_audit):
        """CSC's own return stays accepted and current when a forged copy of its form arrives too."""
        police, csc = form(case_audit, "case-tool", POLICE, "A", "docx"), form(case_audit, "case-tool", CSC, "A", "docx")
        tool = case_audit.tools["case-tool"]
        return_word(case_audit, csc, "csc.docx", maca_answers(tool))
        police_file = return_word(case_audit, police, "police.docx", maca_answers(tool) | {"involvement_summary": "Forged text."})
        claim(police_file, case_audit.returns_dir / "csc again.docx", police.form_id, csc.form_id)

        result = collect(case_audit)
        assert decision(result, "csc.docx").status == "accepted"
        assert decision(result, "csc again.docx").status == "unverified"
        assert not [f for f in result.files if f.status == "conflict"]
        current = {r["form_id"]: r for r in load_responses(case_audit)}
        assert current[csc.form_id]["source_file"] == "csc.docx"

    def test_a_form_whose_seal_was_taken_out_is_refused_in_an_audit_that_seals_its_forms(self, case_audit):
        """Removing the seal cannot pass a new form off as one from before seals: it is 'unverified', code no_seal."""
        police = form(case_audit, "case-tool", POLICE, "A")
        filled = return_excel(case_audit, police, "police filled.xlsx", maca_answers(case_audit.tools["case-tool"]))
        without_seal(filled, case_audit.returns_dir / "police.xlsx")
        filled.unlink()

        result = collect(case_audit)
        assert (decision(result, "police.xlsx").status, decision(result, "police.xlsx").code) == ("unverified", "no_seal")
        assert result.returned == 0

    def test_a_forged_yes_to_the_urgent_question_is_still_shown_marked_sender_not_verified(self, case_audit):
        """An urgent answer in a forged file is never hidden: it is listed, marked as from an unverified sender."""
        police, csc = form(case_audit, "case-tool", POLICE, "A", "docx"), form(case_audit, "case-tool", CSC, "A", "docx")
        filled = return_word(case_audit, police, "p.docx", maca_answers(case_audit.tools["case-tool"], urgent=True))
        claim(filled, case_audit.returns_dir / "forged.docx", police.form_id, csc.form_id)
        filled.unlink()

        result = collect(case_audit)
        (urgent,) = result.urgent
        assert urgent["form_id"] == csc.form_id and urgent["sender_verified"] is False
        (shown,) = audit_status(case_audit).urgent
        assert shown["sender_verified"] is False and shown["file"] == "forged.docx"

    def test_the_printed_seal_is_enough_when_the_document_properties_were_stripped(self, case_audit):
        """A genuine return whose properties Word's Document Inspector removed is still verified by its reference line."""
        police = form(case_audit, "case-tool", POLICE, "A", "docx")
        filled = return_word(case_audit, police, "p.docx", maca_answers(case_audit.tools["case-tool"]))
        rewrite(filled, case_audit.returns_dir / "inspected.docx", lambda name, data: None if name == "docProps/custom.xml" else data)
        filled.unlink()

        result = collect(case_audit)
        assert decision(result, "inspected.docx").status == "accepted"


class TestTheKey:
    def test_the_form_key_is_kept_only_in_the_restricted_store(self, case_audit, monkeypatch, capsys):
        """No form, state file, log or JSON output holds the key; only its seals are printed on forms."""
        tool = case_audit.tools["case-tool"]
        return_word(case_audit, form(case_audit, "case-tool", POLICE, "A", "docx"), "p.docx", maca_answers(tool, urgent=True))
        _code, out, _err = run_maa(monkeypatch, capsys, "collect", str(case_audit.root), "--json")
        key = case_audit.form_key
        needles = [key, key.hex().encode(), key.hex().upper().encode()]
        restricted = case_audit.restricted_dir.resolve()
        outside = [p for p in case_audit.root.rglob("*") if p.is_file() and restricted not in p.resolve().parents]
        assert outside and not [p for p in outside if any(n in _all_text(p) for n in needles)]
        assert not any(n.decode("latin-1") in out for n in needles[1:])
        assert "sealed_forms: true" in (case_audit.root / "audit.yaml").read_text(encoding="utf-8")

    def test_a_sealed_audit_whose_key_is_missing_refuses_to_collect_and_says_what_to_restore(self, case_audit):
        """Without the key no return could be trusted, so collect stops before reading anything (fail closed)."""
        (case_audit.restricted_dir / FORM_KEY_FILE).unlink()
        ws = open_workspace(case_audit.root)
        with pytest.raises(RestrictedStoreError) as excinfo:
            collect(ws)
        assert FORM_KEY_FILE in str(excinfo.value) and "missing" in str(excinfo.value)

    def test_an_audit_made_before_seals_accepts_its_unsealed_forms(self, case_audit, tmp_path):
        """An audit.yaml without 'sealed_forms' (an older audit) issues forms without seals and accepts them as before."""
        root = tmp_path / "older"
        shutil.copytree(case_audit.root, root)
        shutil.rmtree(root / "forms")
        (root / ".maa" / "manifest.json").unlink()
        data = yaml.safe_load((root / "audit.yaml").read_text(encoding="utf-8"))
        del data["sealed_forms"]
        (root / "audit.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        (root / "restricted" / FORM_KEY_FILE).unlink()
        older = open_workspace(root)
        issue_forms(older)
        police = form(older, "case-tool", POLICE, "A", "docx")
        assert "seal" not in police.content.identity.reference_line()
        return_word(older, police, "p.docx", maca_answers(older.tools["case-tool"]))
        assert decision(collect(older), "p.docx").status == "accepted"


class TestSeals:
    def test_a_seal_made_for_one_form_never_opens_another(self):
        """Among many forms of one audit, each seal matches its own form id only, and differs under another key."""
        ids = {make_form_id("audit-1", "case-tool", f"agency {i}", ref) for i in range(40) for ref in "ABCDE"}
        key, other_key = b"k" * 32, b"j" * 32
        seals = {fid: make_seal(key, fid) for fid in ids}
        assert len(set(seals.values())) == len(ids)
        assert all(seal_matches(key, fid, s) for fid, s in seals.items())
        some = sorted(ids)[:20]
        assert not any(seal_matches(key, a, seals[b]) for a in some for b in some if a != b)
        assert not any(seal_matches(other_key, fid, seals[fid]) for fid in some)

    def test_the_json_output_says_which_returns_are_unverified(self, case_audit, monkeypatch, capsys):
        """'maa collect --json' gives the status and code scripts can test, and exits 1."""
        police = form(case_audit, "case-tool", POLICE, "A", "docx")
        csc = form(case_audit, "case-tool", CSC, "A", "docx")
        filled = return_word(case_audit, police, "p.docx", maca_answers(case_audit.tools["case-tool"]))
        claim(filled, case_audit.returns_dir / "f.docx", police.form_id, csc.form_id)
        filled.unlink()
        code, out, _err = run_maa(monkeypatch, capsys, "collect", str(case_audit.root), "--json")
        data = json.loads(out)
        assert code == 1
        assert data["summary"]["unverified"] == 1 and data["files"][0]["code"] == "wrong_seal"



def _all_text(path: Path) -> bytes:
    """A file's bytes, and for Office files the bytes of every part (the key must be in none of them)."""
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            data += b"".join(z.read(n) for n in z.namelist())
    return data


class TestSelfDeclaredReturns:
    """Returns that cannot carry a seal (an online-form export row) name their respondent themselves."""

    @staticmethod
    def entries(*specs):
        from maa_cli.intake.decision import Decision
        from maa_cli.intake.state import FileEntry

        return {key: FileEntry([1, 1], Decision("accepted", form_id="MAA-AAAA-AAAA", sha256=key * 8, trust=trust,
                                                modified=f"2026-12-0{i + 1}T10:00:00+00:00"), digest=digest, path=f"{key}.xlsx")
                for i, (key, trust, digest) in enumerate(specs)}

    def test_a_self_declared_return_never_displaces_a_verified_one(self, tmp_path):
        """A later self-declared return with other answers is superseded, not a conflict: the verified return stays current."""
        from maa_cli.intake.duplicates import resolve

        views, current = resolve(self.entries(("a", "verified", "x"), ("b", "self_declared", "y")), {}, tmp_path)
        assert views["a"].status == "accepted" and (views["b"].status, views["b"].code) == ("superseded", "self_declared")
        assert current == {"MAA-AAAA-AAAA": ("a" * 8, "accepted")}

    def test_a_self_declared_return_is_used_when_no_verified_one_came_back(self, tmp_path):
        """With only self-declared returns, they are compared with each other as usual (copies, conflicts)."""
        from maa_cli.intake.duplicates import resolve

        views, current = resolve(self.entries(("a", "self_declared", "x"), ("b", "self_declared", "y")), {}, tmp_path)
        assert views["a"].status == views["b"].status == "conflict" and current == {}
