"""The hostile suite, run through 'maa collect' itself: every bad file gets its status and reason, the good
returns beside it are accepted, and the whole run stays within a time and memory bound.

Files are built in code (tests/hostile.py). The run is the real command in a subprocess limited to
1 GiB of address space, as a scheduled task would start it; its peak memory is measured with wait4.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import resource
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from maa_cli.forms.excel import defined_name
from maa_cli.forms.plan import issue_forms, plan_forms
from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace
from tests import hostile
from tests.conftest import TODAY, build_files
from tests.fill import all_yes, fill_excel

MEMORY_LIMIT = 1 << 30  # the address space the run may use
PEAK_RSS_BOUND = 400 * 1024 * 1024  # what it may actually touch
RUN_TIMEOUT_S = 60.0
FILE_BOUND_MS = 2000  # each file, from the run log
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
SETTINGS = ["Acorn Nursery", "Bluebell Pre-school", "Church Lane Childminding", "Daisy Chain Nursery", "Elm Tree Pre-school",
            "Fern House", "Glade Nursery"]

# file name -> (status, code) expected
EXPECTED = {
    "acorn.xlsx": ("accepted", None),
    "bluebell return.docx": ("accepted", None),  # an Excel workbook named .docx: judged by content
    "church lane formula.xlsx": ("accepted", None),
    "daisy far cell.xlsx": ("accepted", None),
    "elm 1MB answer.xlsx": ("accepted", None),
    "fern \u202egnp\u0007 😀.xlsx": ("accepted", None),
    "glade U+FFFE.xlsx": ("rejected", "unreadable_answers"),
    "growing.xlsx": ("pending", "corrupt"),
    "bomb document.docx": ("rejected", "doctype"),
    "bomb docx core.docx": ("rejected", "doctype"),
    "bomb sheet.xlsx": ("rejected", "doctype"),
    "bomb shared strings.xlsx": ("rejected", "doctype"),
    "bomb xlsx core.xlsx": ("rejected", "doctype"),
    "xxe document.docx": ("rejected", "doctype"),
    "xxe docx core.docx": ("rejected", "doctype"),
    "xxe sheet.xlsx": ("rejected", "doctype"),
    "xxe shared strings.xlsx": ("rejected", "doctype"),
    "xxe xlsx core.xlsx": ("rejected", "doctype"),
    "declares 60 MB.docx": ("rejected", "too_large"),
    "1001 parts.docx": ("rejected", "too_many_parts"),
    "zip slip.docx": ("rejected", "unsafe_name"),
    "truncated.xlsx": ("rejected", "corrupt"),
    "flipped deflate.docx": ("rejected", "corrupt"),
    "random.docx": ("rejected", "unknown"),
    "printed.pdf": ("rejected", "pdf"),
    "old word.docx": ("rejected", "legacy_doc"),
    "old excel.xlsx": ("rejected", "legacy_xls"),
    "labelled.docx": ("rejected", "encrypted"),
    "macro.docm": ("rejected", "macro"),
    "macro.xlsm": ("rejected", "macro"),
    "macro renamed.xlsx": ("rejected", "macro"),
    "zero bytes.docx": ("rejected", "empty"),
    "link to passwd.xlsx": ("rejected", "not_a_file"),
}


def _with_content_type(src: Path, dst: Path, old: str, new: str) -> Path:
    with zipfile.ZipFile(src) as z:
        types = z.read("[Content_Types].xml").replace(old.encode(), new.encode())
    return hostile.rewrite_zip(src, dst, {"[Content_Types].xml": types})


def _set_cell(path: Path, key: str, value) -> None:
    """Put a raw value in an answer cell, bypassing the formula guard a respondent's Excel does not have."""
    wb = load_workbook(path)
    sheet, coord = next(iter(wb.defined_names[defined_name(key)].destinations))
    wb[sheet][coord.replace("$", "")].value = value
    wb.save(path)


def build_returns(ws) -> dict[str, object]:
    forms = {f.agency: f for f in plan_forms(ws)}
    tool = ws.tools[next(iter(forms.values())).form_type]
    r = ws.returns_dir
    answers = {name: all_yes(tool, ws.audit.agency(name).attributes) for name in SETTINGS}

    def good(setting: str, name: str, **extra) -> Path:
        return fill_excel(ws.forms_dir / forms[setting].relpath, r / name, answers[setting] | extra)

    acorn = good("Acorn Nursery", "acorn.xlsx")
    good("Bluebell Pre-school", "bluebell return.docx")
    _set_cell(good("Church Lane Childminding", "church lane formula.xlsx"), "q1.action", "=1+2")
    daisy = good("Daisy Chain Nursery", "daisy far cell.xlsx")
    wb = load_workbook(daisy)
    wb["Form"]["A1048576"].value = "styled far below"
    wb.save(daisy)
    elm = good("Elm Tree Pre-school", "elm 1MB answer.xlsx", **{"q2.action": "LONGANSWER"})
    with zipfile.ZipFile(elm) as z:  # written into the XML: openpyxl itself cuts text at Excel's 32,767 characters
        sheet = z.read("xl/worksheets/sheet1.xml").replace(b"LONGANSWER", b"x" * 1_000_000)
    _replace_member(elm, "xl/worksheets/sheet1.xml", sheet)
    good("Fern House", "fern \u202egnp\u0007 😀.xlsx", **{"q1.action": "Staff\u202e trained \u200bok 😀\ufeff done"})
    glade = good("Glade Nursery", "glade U+FFFE.xlsx")
    with zipfile.ZipFile(glade) as z:  # a non-character XML may not hold: the sheet no longer parses
        sheet = z.read("xl/worksheets/sheet1.xml").replace(b"</t>", "\ufffe</t>".encode(), 1)
    _replace_member(glade, "xl/worksheets/sheet1.xml", sheet)

    docx = hostile.good_docx(r.parent / "plain.docx")
    for prefix, payload in (("bomb", hostile.BILLION_LAUGHS), ("xxe", hostile.EXTERNAL_ENTITY)):
        for label, base, member in (("document.docx", docx, "word/document.xml"), ("docx core.docx", docx, "docProps/core.xml"),
                                    ("sheet.xlsx", acorn, "xl/worksheets/sheet1.xml"),
                                    ("shared strings.xlsx", acorn, "xl/sharedStrings.xml"), ("xlsx core.xlsx", acorn, "docProps/core.xml")):
            hostile.rewrite_zip(base, r / f"{prefix} {label}", {member: payload})
    data = hostile.rewrite_zip(docx, r.parent / "src.docx", {"word/media/big.png": b"x" * 1000}).read_bytes()
    (r / "declares 60 MB.docx").write_bytes(hostile.patch_central_directory(data, "word/media/big.png", file_size=60 << 20, compress_size=1 << 20))
    hostile.rewrite_zip(docx, r / "1001 parts.docx", {f"word/media/image{n}.png": b"" for n in range(1001)})
    hostile.rewrite_zip(docx, r / "zip slip.docx", {"../evil.xml": b"<x/>"})
    (r / "truncated.xlsx").write_bytes(acorn.read_bytes()[: acorn.stat().st_size // 2])
    (r / "flipped deflate.docx").write_bytes(_flipped(docx))
    (r / "random.docx").write_bytes(os.urandom(50_000))
    (r / "printed.pdf").write_bytes(hostile.pdf_bytes())
    (r / "old word.docx").write_bytes(hostile.cfb(hostile.LEGACY_DOC))
    (r / "old excel.xlsx").write_bytes(hostile.cfb(hostile.LEGACY_XLS))
    (r / "labelled.docx").write_bytes(hostile.cfb(hostile.ENCRYPTED_PACKAGE))
    _with_content_type(docx, r / "macro.docm", WORD_MAIN, "application/vnd.ms-word.document.macroEnabled.main+xml")
    _with_content_type(acorn, r / "macro.xlsm", EXCEL_MAIN, "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    _with_content_type(acorn, r / "macro renamed.xlsx", EXCEL_MAIN, "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    (r / "zero bytes.docx").write_bytes(b"")
    (r / "link to passwd.xlsx").symlink_to("/etc/passwd")
    (r / "~$acorn.xlsx").write_bytes(b"\x05Priya Shah" + bytes(150))
    old = time.time() - 3600
    for path in r.iterdir():
        if not path.is_symlink():
            os.utime(path, (old, old))
    (r / "growing.xlsx").write_bytes(acorn.read_bytes()[:4000])  # still arriving: saved just now, cut short
    os.utime(r / "growing.xlsx", (time.time() - 30, time.time() - 30))
    return {"acorn": acorn}


def _replace_member(path: Path, member: str, data: bytes) -> None:
    with zipfile.ZipFile(path) as z:
        items = [(info, data if info.filename == member else z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, body in items:
            z.writestr(info, body)


def _flipped(docx: Path) -> bytes:
    data = bytearray(docx.read_bytes())
    with zipfile.ZipFile(docx) as z:
        info = z.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 10, start + info.compress_size - 10, 7):
        data[offset] ^= 0xA5
    return bytes(data)


def digests(folder: Path) -> dict[str, bytes]:
    return {p.name: (os.readlink(p).encode() if p.is_symlink() else p.read_bytes()) for p in sorted(folder.iterdir())}


def run_collect(root: Path, tmp: Path) -> tuple[int, dict, float, int]:
    """Run 'maa collect --json' under the memory limit; (exit code, JSON, seconds, peak RSS in bytes)."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    start = time.monotonic()
    with (tmp / "stderr.txt").open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "maa_cli", "collect", str(root), "--json"],
                                stdout=subprocess.PIPE, stderr=err, preexec_fn=limit)
        watchdog = threading.Timer(RUN_TIMEOUT_S, proc.kill)
        watchdog.start()
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)  # wait4, not wait: it reports this child's own peak memory
        watchdog.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - start
    assert seconds < RUN_TIMEOUT_S, f"collect did not finish within {RUN_TIMEOUT_S} s"
    return proc.returncode, json.loads(out), seconds, usage.ru_maxrss * 1024


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    rows = "".join(f"{name},Contact {i},c{i}@setting.example,{'Childminder' if 'Childminding' in name else 'Day nursery'}\n"
                   for i, name in enumerate(SETTINGS))
    csv = build_files(base, {"settings.csv": "agency,contact_name,email,setting_type\n" + rows})["settings.csv"]
    new_audit(base / "audit", NewAudit(return_to="audits@northshire-scp.example", title="EY checklist", partnership="Northshire SCP", type="questionnaire",
                                       tool="early-years-safeguarding", agencies_csv=csv, deadline=dt.date(2027, 1, 31), today=TODAY))
    ws = open_workspace(base / "audit")
    issue_forms(ws)
    build_returns(ws)
    before = digests(ws.returns_dir)
    code, data, seconds, peak = run_collect(ws.root, base)
    return {"ws": ws, "base": base, "code": code, "data": data, "seconds": seconds, "peak": peak, "before": before,
            "files": {f["path"]: f for f in data["files"]}}


def shown(name: str) -> str:
    """A file name as collect shows it: characters that can disguise a name or drive a terminal become '?'."""
    return re.sub(r"[\x00-\x1f\u202a-\u202e]", "?", name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_file_gets_its_status_and_a_reason(hostile_run, name):
    """Every hostile or odd file is judged on its own: the expected status and code, with a reason when not accepted."""
    f = hostile_run["files"][shown(name)]
    assert (f["status"], f["code"]) == EXPECTED[name], f["reasons"]
    if f["status"] != "accepted":
        assert f["reasons"] and all(r.strip() for r in f["reasons"])


def test_the_good_returns_beside_them_are_accepted_with_what_was_typed(hostile_run):
    """Six settings' returns are accepted; the formula stays text, the long answer is whole, invisible characters go."""
    from maa_cli.intake.collect import load_responses

    records = {r["agency"]: r["answers"] for r in load_responses(hostile_run["ws"])}
    assert set(records) == set(SETTINGS) - {"Glade Nursery"}
    assert records["Church Lane Childminding"]["q1.action"] == "=1+2"
    assert len(records["Elm Tree Pre-school"]["q2.action"]) == 1_000_000
    assert records["Fern House"]["q1.action"] == "Staff trained ok 😀 done"
    bluebell = hostile_run["files"]["bluebell return.docx"]
    assert any("maa went by its content" in w for w in bluebell["warnings"])
    assert any("formula" in w for w in hostile_run["files"]["church lane formula.xlsx"]["warnings"])


def test_the_lock_file_is_skipped_and_the_run_says_something_needs_attention(hostile_run):
    """Word's '~$' lock file is not a return; rejected files make the exit code 1."""
    assert [s["path"] for s in hostile_run["data"]["skipped"]] == ["~$acorn.xlsx"]
    assert hostile_run["code"] == 1


def test_the_run_stays_within_its_time_and_memory_bounds(hostile_run):
    """Under a 1 GiB address-space limit the run finishes; no file took over 2 s, and peak memory stayed modest."""
    log = [json.loads(line) for line in (hostile_run["ws"].state_dir / "runlog.jsonl").read_text().splitlines()]
    slowest = max((e for e in log if e["event"] == "read"), key=lambda e: e["ms"])
    assert slowest["ms"] < FILE_BOUND_MS, slowest
    assert hostile_run["seconds"] < RUN_TIMEOUT_S and hostile_run["peak"] < PEAK_RSS_BOUND, hostile_run["peak"]


def test_returns_are_byte_for_byte_unchanged_and_a_second_run_changes_nothing(hostile_run):
    """collect only reads: every file (and the link) is as it was, and running again reads only what is still pending."""
    ws = hostile_run["ws"]
    assert digests(ws.returns_dir) == hostile_run["before"]
    kept = {p: p.read_bytes() for p in sorted(ws.state_dir.rglob("*")) if p.is_file() and p.name != "lock"}
    code, data, _, _ = run_collect(ws.root, hostile_run["base"])
    assert (code, data["run"]["read"]) == (1, 1)  # the growing file is looked at again
    assert {p: p.read_bytes() for p in kept} == kept
    assert digests(ws.returns_dir) == hostile_run["before"]
