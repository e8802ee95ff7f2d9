"""Collecting many returns on every core gives the same outcome as on one."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time

import pytest

from maa_cli.forms.plan import plan_forms
from maa_cli.forms.pool import write_forms
from maa_cli.intake import ahead, examine
from maa_cli.intake.ahead import AHEAD_DIR
from maa_cli.intake.collect import collect
from maa_cli.intake.safety import inspect_file
from maa_cli.setup.workspace import open_workspace
from tests.fill import complete_prefill
from tests.mailfiles import eml
from tests.test_form_seals import claim, without_seal


def _returns(ws) -> None:
    """Each setting sends its form back filled in, twice over (Word, missing one answer, and Excel, complete), then a
    scan, an e-mail with a return attached, a copy of a return, a forgery claiming another setting's form and a
    return with its seal taken out."""
    jobs, ids = [], []
    for fmt in ("docx", "xlsx"):
        for form in plan_forms(ws, fmt=fmt):
            answers = complete_prefill(form.content.tool, form.content.respondent_attributes)
            if fmt == "docx":  # the first question that must be answered, left blank
                answers.pop(next(f.key for f in form.content.tool.fields() if f.role == "answer" and f.required))
            content = dataclasses.replace(form.content, prefill=answers)
            jobs.append((content, fmt, ws.returns_dir / f"{form.content.for_whom} ({fmt}).{fmt}"))
            ids.append(form.content.identity.form_id)
    list(write_forms(jobs, workers=1))
    (ws.returns_dir / "scanned.pdf").write_bytes(b"%PDF-1.4 not a form")
    first, second = sorted(ws.returns_dir.glob("*.xlsx"))[:2]
    eml(ws.returns_dir / "fwd.eml", {first.name: first.read_bytes()})  # an e-mail: judged by the main process
    (ws.returns_dir / "copy of second.xlsx").write_bytes(second.read_bytes())  # the same answers twice
    by_path = {path: form_id for (_content, _fmt, path), form_id in zip(jobs, ids, strict=True)}
    claim(first, ws.returns_dir / "forged.xlsx", by_path[first], by_path[second])
    without_seal(jobs[0][2], ws.returns_dir / "unsealed.docx")
    old = time.time() - 3600
    for path in ws.returns_dir.iterdir():
        os.utime(path, (old, old))


def first_return(ws):
    return sorted(ws.returns_dir.glob("*.xlsx"))[0]


def _outcome(ws, workers: int) -> dict:
    result = collect(ws, settle_seconds=0, workers=workers)
    out = result.to_json()
    for f in out["files"]:
        f.pop("modified", None)
    return out


@pytest.mark.parametrize("head_start", [0, 5])
def test_returns_read_ahead_by_worker_processes_are_judged_exactly_as_in_one_process(questionnaire, tmp_path, monkeypatch,
                                                                                      head_start):
    """Decisions, reasons, records and the run's figures agree; the workers leave no copies behind. The main process
    reads the first ``head_start`` files itself, while the workers start."""
    ws = questionnaire
    _returns(ws)
    twin = tmp_path / "twin"
    shutil.copytree(ws.root, twin)
    alone = _outcome(open_workspace(twin), workers=1)
    inspected_here = []
    monkeypatch.setattr(ahead, "TAKE_BACK", False)  # wait for the workers, however slowly they start
    monkeypatch.setattr(ahead, "HEAD_START", head_start)
    monkeypatch.setattr(examine, "inspect_file", lambda path: inspected_here.append(path) or inspect_file(path))
    together = _outcome(ws, workers=2)
    # Every other file was inspected (and read) by a worker, but for the e-mail's attachment: e-mails are the
    # main process's.
    assert len(inspected_here) == head_start + 1
    assert inspected_here[-1].name == first_return(ws).name and "members" in inspected_here[-1].parts
    assert json.dumps(together, sort_keys=True, default=str) == json.dumps(alone, sort_keys=True, default=str)
    assert together["run"]["read"] == 12
    statuses = {f["status"] for f in together["files"]}
    assert statuses >= {"rejected", "opened", "superseded", "accepted", "unverified"}
    assert "completed" in {f["code"] for f in together["files"]}  # the Word return, completed by the Excel one
    assert {f["code"] for f in together["files"] if f["status"] == "unverified"} == {"wrong_seal", "no_seal"}
    assert not (ws.restricted_dir / AHEAD_DIR).exists()
    records = sorted(p.relative_to(ws.root).as_posix() for p in ws.restricted_dir.rglob("*") if p.is_file())
    twins = sorted(p.relative_to(twin).as_posix() for p in (twin / ws.restricted_dir.relative_to(ws.root)).rglob("*") if p.is_file())
    assert records == twins
    for rel in records:  # the same answers and decisions, whichever process judged them
        mine, theirs = ws.root / rel, twin / rel
        if rel.endswith(".json"):
            assert _without_time(mine) == _without_time(theirs), rel
        else:
            assert mine.read_bytes() == theirs.read_bytes(), rel


def _without_time(path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data.pop("collected_at", None)
    return data


def test_a_return_saved_over_after_a_worker_read_it_is_judged_on_what_it_holds_now(questionnaire, monkeypatch):
    ws = questionnaire
    _returns(ws)
    (last,) = ws.returns_dir.glob("Church Lane*.xlsx")  # in the first batch the workers take
    forged = ws.returns_dir / "forged.xlsx"
    replacement = forged.read_bytes()
    monkeypatch.setattr(ahead, "TAKE_BACK", False)
    monkeypatch.setattr(ahead, "HEAD_START", 0)

    def save_over(done: int, total: int) -> None:
        if done == 1:  # a worker has judged the first batch; someone saves another file over one of its returns
            last.write_bytes(replacement)
            os.utime(last, (time.time() - 1800, time.time() - 1800))

    result = collect(ws, settle_seconds=0, workers=2, progress=save_over)
    (shown,) = [f for f in result.files if f.path == last.name]
    assert (shown.status, shown.code) == ("unverified", "wrong_seal")


def test_large_returns_and_a_narrow_window_give_the_same_outcome(questionnaire, tmp_path, monkeypatch):
    """Workers send no bytes back (every return counts as large) and have one batch at a time: the main process
    reads each accepted return again, keeps it only as judged, and the outcome and kept copies are the same."""
    ws = questionnaire
    _returns(ws)
    twin = tmp_path / "twin"
    shutil.copytree(ws.root, twin)
    alone = _outcome(open_workspace(twin), workers=1)
    monkeypatch.setattr(ahead, "TAKE_BACK", False)
    monkeypatch.setattr(ahead, "HEAD_START", 0)
    monkeypatch.setattr(ahead, "BATCH", 2)
    monkeypatch.setattr(ahead, "WINDOW", 1)
    monkeypatch.setattr(examine, "SHIP_BYTES", 0)
    together = _outcome(ws, workers=2)
    assert json.dumps(together, sort_keys=True, default=str) == json.dumps(alone, sort_keys=True, default=str)
    copies = sorted((ws.restricted_dir / "collected").rglob("*.xlsx")) + sorted((ws.restricted_dir / "collected").rglob("*.docx"))
    twins = sorted((twin / "restricted" / "collected").rglob("*.xlsx")) + sorted((twin / "restricted" / "collected").rglob("*.docx"))
    assert copies and [p.read_bytes() for p in copies] == [p.read_bytes() for p in twins]
