"""Names and dates of birth are masked however people and their software spell them, in text and file names."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys

import pytest

from maa_cli.definitions.audit import FormType
from maa_cli.forms.plan import issue_forms
from maa_cli.privacy.masking import DATE_MARK, MARK, Masker
from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace
from tests.conftest import AGENCIES_CSV, CASES_CSV, TODAY, build_files
from tests.test_collect_stories import DEADLINE, HOUR, aged, form, maca_answers, return_excel, return_word

ZOE_DOB = dt.date(2024, 8, 1)
ELLIE_DOB = dt.date(2019, 2, 14)
LEAKS = ["ellie", "marsh", "zoe", "zo\u00eb", "brien", "1.8.24", "140219", "14-02-2019", "14.02.2019", "2019-02-14",
         "14/02/2019", "2024-08-01", "01/08/2024"]


@pytest.fixture(scope="module")
def masker() -> Masker:
    return Masker.for_names(["Zo\u00eb O'Brien", "Ellie-Mae Marsh"], [ZOE_DOB, ELLIE_DOB])


class TestSpellings:
    @pytest.mark.parametrize("typed", ["Zoe", "ZOE", "zo\u00eb", "OBrien", "O\u2019Brien", "O Brien", "o'brien",
                                       "Zoe OBrien", "Zo\u00eb O\u2019Brien", "ZOE O'BRIEN"])
    def test_a_name_typed_without_its_accent_or_apostrophe_is_masked(self, masker, typed):
        """'Zo\u00eb O'Brien' typed as Zoe, OBrien or with Word's curly apostrophe (O\u2019Brien) is masked."""
        assert masker.text(f"Seen by {typed} today") == f"Seen by {MARK} today"

    @pytest.mark.parametrize(("name", "shown"), [
        ("EllieMaeMarsh.docx", f"{MARK}.docx"),
        ("ellie2019.docx", f"{MARK}2019.docx"),
        ("Zoe OBrien dob 1.8.24.docx", f"{MARK} dob {DATE_MARK}.docx"),
        ("Ellie-Mae 140219.docx", f"{MARK} {DATE_MARK}.docx"),
        ("police/14-02-2019.docx", f"police/{DATE_MARK}.docx"),
        ("dob 14.02.2019.docx", f"dob {DATE_MARK}.docx"),
        ("ellie_mae_marsh_010824.xlsx", f"{MARK}_{DATE_MARK}.xlsx"),
    ])
    def test_names_and_dates_run_together_in_file_names_are_masked(self, masker, name, shown):
        """Names run together or beside digits, and dates of birth after a folder or in ddmmyy, are masked in paths."""
        assert masker.path(name) == shown

    def test_the_rest_of_the_text_is_kept_exactly_as_written(self, masker):
        """Only the name and the date change: curly quotes, dashes and accents elsewhere stay as typed."""
        text = "Caf\u00e9 visit \u2013 Zo\u00eb\u2019s mum said \u201cfine\u201d on 1/8/24; r\u00e9sum\u00e9 filed"
        assert masker.text(text) == (f"Caf\u00e9 visit \u2013 {MARK}\u2019s mum said \u201cfine\u201d on {DATE_MARK}; "
                                     "r\u00e9sum\u00e9 filed")

    def test_everyday_words_in_a_name_are_still_masked_only_with_a_capital(self):
        """A child called Rose-May Will: 'the rose may wilt, we will see' survives; 'Rose-May' and 'RoseMay' do not."""
        m = Masker.for_names(["Rose-May Will"])
        assert m.text("the rose may wilt, we will see") == "the rose may wilt, we will see"
        assert m.text("Rose-May came; RoseMay.docx; WILL") == f"{MARK} came; {MARK}.docx; {MARK}"

    def test_other_dates_and_longer_numbers_are_not_masked(self, masker):
        """14/02/2020, 1140219 and 3/14/02/2019 are not the date of birth."""
        assert masker.text("14/02/2020, 1140219, 3/14/02/2019") == "14/02/2020, 1140219, 3/14/02/2019"


# -- the same in everything collect and status put out ---------------------------------------------


@pytest.fixture(scope="module")
def named_audit(tmp_path_factory):
    """A case audit whose children are Ellie-Mae Marsh (case A, born 14/02/2019) and Zo\u00eb O'Brien (case B, born 1/8/2024)."""
    base = tmp_path_factory.mktemp("names")
    cases = CASES_CSV.replace("Ellie Marsh", "Ellie-Mae Marsh").replace("Jayden Cole", "Zo\u00eb O'Brien")
    inputs = build_files(base / "inputs", {"agencies.csv": AGENCIES_CSV, "cases.csv": cases})
    new_audit(base / "audit", NewAudit(return_to="audits@northshire-scp.example",
        title="MACA: neglect", partnership="Northshire SCP", type="case_audit", deadline=DEADLINE, today=TODAY,
        agencies_csv=inputs["agencies.csv"], cases_csv=inputs["cases.csv"],
        form_types=[FormType(name="case-tool", tool="multi-agency-case-audit", per="agency_case", format="docx")]))
    ws = open_workspace(base / "audit")
    issue_forms(ws)
    issue_forms(ws, fmt="xlsx")
    answers = maca_answers(ws.tools["case-tool"])
    return_word(ws, form(ws, "case-tool", "Police", "A", "docx"), "EllieMaeMarsh.docx", answers)
    return_word(ws, form(ws, "case-tool", "Children's Social Care", "A", "docx"), "ellie2019.docx", answers)
    return_word(ws, form(ws, "case-tool", "Children's Social Care", "B", "docx"), "Zoe OBrien dob 1.8.24.docx", answers)
    return_word(ws, form(ws, "case-tool", "Police", "C", "docx"), "police/14-02-2019.docx", answers)
    return_excel(ws, form(ws, "case-tool", "Health Visiting", "B"), "O\u2019Brien HV.xlsx", dict(answers, assessment=""))
    for name in ("Ellie-Mae 140219.docx", "dob 14.02.2019.docx"):
        aged(build_files(ws.returns_dir, {name: b"not a form at all"})[name], HOUR)
    return ws


def _maa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "maa_cli", *args], capture_output=True, text=True, timeout=120)


def _leaks(text: str) -> list[str]:
    # Form references are random base32 ('MAA-ZOE7-…' once made this test fail): they are not names.
    folded = re.sub(r"MAA-[A-Z2-7]{4}-[A-Z2-7]{4}", "MAA-XXXX-XXXX", text).casefold()
    return [leak for leak in LEAKS if leak in folded]


def test_names_and_dates_in_file_names_never_reach_json_the_run_log_or_the_state(named_audit):
    """collect --json, status --json, the run log, files.json and the records show every file masked."""
    ws = named_audit
    collected = _maa("collect", str(ws.root), "--json")
    status = _maa("status", str(ws.root), "--json")
    files = json.loads(collected.stdout)["files"]
    assert len(files) == 7 and {f["status"] for f in files} == {"accepted", "incomplete", "rejected"}, collected.stderr
    assert "[name].docx" in {f["path"] for f in files}
    outputs = {
        "collect --json": json.dumps(json.loads(collected.stdout), ensure_ascii=False),
        "status --json": json.dumps(json.loads(status.stdout), ensure_ascii=False),
        "runlog.jsonl": "\n".join(json.dumps(json.loads(line), ensure_ascii=False)
                                  for line in (ws.state_dir / "runlog.jsonl").read_text(encoding="utf-8").splitlines()),
        "files.json": (ws.state_dir / "files.json").read_text(encoding="utf-8"),
        "records": "".join(p.read_text(encoding="utf-8") for p in sorted((ws.restricted_dir / "records").glob("*.json"))),
    }
    for where, text in outputs.items():
        assert not _leaks(text), f"{where} shows {_leaks(text)}"
