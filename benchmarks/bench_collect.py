"""How long `maa collect` takes on a questionnaire the size of a county (default 300 returns).

Compares a first run (each file copied once, inspected, identified, read and judged,
its answers recorded and an accepted copy kept), a re-run with nothing new (maa reuses
decisions for files whose size and mtime are unchanged), an hourly run that finds one
new return, and the naive approach of reading and hashing every file again.
Run:  python benchmarks/bench_collect.py [N]
Figures go in the issue notes, not in a timed unit test.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import sys
import tempfile
import time
from pathlib import Path

from maa_cli.forms.plan import issue_forms, plan_forms
from maa_cli.intake.collect import collect
from maa_cli.intake.readers.excel import read_excel
from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.fill import all_yes, fill_excel  # noqa: E402


def main(n: int = 300) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = root / "settings.csv"
        with settings.open("w", newline="", encoding="utf-8") as handle:
            w = csv.writer(handle)
            w.writerow(["agency", "contact_name", "email", "setting_type"])
            for i in range(n):
                w.writerow([f"Setting {i:04d}", f"DSL {i}", f"dsl{i}@setting.example", "Day nursery"])
        new_audit(root / "a", NewAudit(deadline=dt.date(2027, 12, 31), return_to="audits@northshire-scp.example", title="EY", partnership="P", type="questionnaire",
                                       tool="early-years-safeguarding", agencies_csv=settings, today=dt.date(2026, 11, 25)))
        ws = open_workspace(root / "a")
        t = time.perf_counter()
        issue_forms(ws)
        issue_s = time.perf_counter() - t
        tool = next(iter(ws.tools.values()))
        answers = all_yes(tool)
        for i, form in enumerate(plan_forms(ws)):
            fill_excel(ws.forms_dir / form.relpath, ws.returns_dir / f"r{i}.xlsx", answers)
        t = time.perf_counter()
        first = collect(ws, settle_seconds=0)
        first_s = time.perf_counter() - t
        t = time.perf_counter()
        again = collect(ws, settle_seconds=0)
        again_s = time.perf_counter() - t
        forms = plan_forms(ws)
        fill_excel(ws.forms_dir / forms[0].relpath, ws.returns_dir / "new arrival.xlsx", answers)
        t = time.perf_counter()
        one_new = collect(ws, settle_seconds=0)
        one_new_s = time.perf_counter() - t
        t = time.perf_counter()
        for path in sorted(ws.returns_dir.glob("r*.xlsx")):  # the naive re-run: read and hash everything
            hashlib.sha256(path.read_bytes()).hexdigest()
            read_excel(path, tool)
        naive_s = time.perf_counter() - t
        print(f"returns: {n}")
        print(f"issue-forms (Excel):         {issue_s:6.2f} s  ({issue_s / n * 1000:.0f} ms a form)")
        print(f"collect, first run:          {first_s:6.2f} s  (read {first.read}, accepted {first.summary['accepted']}; "
              f"{first_s / n * 1000:.0f} ms a file)")
        print(f"collect, nothing new:        {again_s:6.2f} s  (read {again.read}, reused {again.reused})")
        print(f"collect, one new return:     {one_new_s:6.2f} s  (read {one_new.read}, reused {one_new.reused}; "
              f"the new copy is {one_new.summary['superseded']} superseded duplicate)")
        print(f"naive re-read of every file: {naive_s:6.2f} s  ({naive_s / max(again_s, 1e-9):.0f}x the re-run)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
