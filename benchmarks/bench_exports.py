"""How long `maa collect` takes on one online form's export for a whole county (default 1,500 rows).

One Microsoft Forms workbook, one row per early years setting, on the built-in early years tool:
the first run (the export recognised, its columns matched, every row matched to the roster and
judged, a record written per row), a re-run with nothing new (every row's decision reused; the first
run wrote the column map, so only the run after it recalls its outcome), another, and a
newer export saved beside it holding every row again plus a few changed (rows superseded by ID).
Run:  python benchmarks/bench_exports.py [N]
Figures go in the issue notes, not in a timed unit test.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

from maa_cli.forms.open_form import issue_open_forms
from maa_cli.intake.collect import collect
from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.exports import Response, ms_forms_export  # noqa: E402


def _answers(tool) -> dict[str, object]:
    out: dict[str, object] = {}
    for f in tool.fields():
        if f.role != "answer":
            continue
        if f.type == "yes_no":
            out[f.key] = "Yes"
        elif f.choices:
            out[f.key] = [f.choices[0]] if f.type == "multiple_choice" else f.choices[0]
        elif f.type == "date":
            out[f.key] = dt.datetime(2026, 9, 1)
        elif f.required:
            out[f.key] = "Answered"
    return out


def _aged(path: Path) -> None:
    old = time.time() - 3600
    os.utime(path, (old, old))


def main(n: int = 1500) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = root / "settings.csv"
        with settings.open("w", newline="", encoding="utf-8") as handle:
            w = csv.writer(handle)
            w.writerow(["agency", "contact_name", "email", "setting_type", "ofsted_urn"])
            for i in range(n):
                w.writerow([f"Setting {i:04d}", f"DSL {i}", f"dsl{i}@setting.example", "Day nursery", f"EY{300000 + i}"])
        new_audit(root / "a", NewAudit(deadline=dt.date(2027, 12, 31), return_to="audits@northshire-scp.example",
                                       title="EY", partnership="P", type="questionnaire", tool="early-years-safeguarding",
                                       agencies_csv=settings, today=dt.date(2026, 11, 25)))
        ws = open_workspace(root / "a")
        t = time.perf_counter()
        issue_open_forms(ws)
        issue_s = time.perf_counter() - t
        tool = next(iter(ws.tools.values()))
        answers = _answers(tool)
        rows = [Response(f"Setting {i:04d}", answers, id=i + 1, completed=dt.datetime(2027, 1, 12, 10, 30))
                for i in range(n)]
        _aged(ms_forms_export(ws.returns_dir / "export 12 Jan.xlsx", tool, rows))

        t = time.perf_counter()
        first = collect(ws, settle_seconds=0)
        first_s = time.perf_counter() - t
        t = time.perf_counter()
        again = collect(ws, settle_seconds=0)
        again_s = time.perf_counter() - t
        t = time.perf_counter()
        third = collect(ws, settle_seconds=0)  # the first run wrote column-map.csv, an input: now nothing changes
        third_s = time.perf_counter() - t
        changed = [Response(r.respondent, r.answers, id=r.id, completed=dt.datetime(2027, 1, 19, 9, 0))
                   if i % 100 == 0 else r for i, r in enumerate(rows)]
        _aged(ms_forms_export(ws.returns_dir / "export 19 Jan.xlsx", tool, changed))
        t = time.perf_counter()
        newer = collect(ws, settle_seconds=0)
        newer_s = time.perf_counter() - t

        print(f"{n} settings, one export, tool {tool.id} ({len(tool.fields())} answer boxes)")
        print(f"issue-forms --open:            {issue_s:6.2f} s")
        print(f"first collect:                 {first_s:6.2f} s  ({first.summary['accepted']} rows accepted)")
        print(f"re-run, nothing new:           {again_s:6.2f} s  (read {again.read}, reused {again.reused}, "
              f"recalled: {again.recalled})")
        print(f"and again:                     {third_s:6.2f} s  (recalled: {third.recalled})")
        print(f"newer export beside it:        {newer_s:6.2f} s  ({newer.summary['superseded']} rows superseded, "
              f"{newer.summary['accepted']} accepted; read {newer.read}, reused {newer.reused})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1500)
