"""What a re-run costs after an audit folder is copied to a new share (``cp -r``: every file gets a new time).

Today's behaviour (no content check) is measured in the same process by switching the content
check off, which is exactly the old code path for a file whose size or time changed: every return
is *pending* while its new time is recent (two minutes), then every return is read and judged again.
With the check, each return whose size matches is hashed (streamed, never parsed); if the bytes are
the ones judged, the decision is kept.

Also measures a re-run with nothing new, with and without reading back each return's record (the
check that finds a damaged record in the restricted store).

Run:  python benchmarks/bench_copied_audit.py [N]      (default 300 returns)
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

import maa_cli.intake.run as run_module
from maa_cli.forms.plan import issue_forms, plan_forms
from maa_cli.intake import state
from maa_cli.intake.collect import collect
from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.fill import all_yes, fill_excel  # noqa: E402


def _audit(root: Path, n: int) -> Path:
    settings = root / "settings.csv"
    with settings.open("w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(["agency", "contact_name", "email", "setting_type"])
        for i in range(n):
            w.writerow([f"Setting {i:04d}", f"DSL {i}", f"dsl{i}@setting.example", "Day nursery"])
    new_audit(root / "a", NewAudit(deadline=dt.date(2027, 12, 31), return_to="audits@northshire-scp.example", title="EY", partnership="P", type="questionnaire",
                                   tool="early-years-safeguarding", agencies_csv=settings, today=dt.date(2026, 11, 25)))
    ws = open_workspace(root / "a")
    issue_forms(ws)
    answers = all_yes(next(iter(ws.tools.values())))
    for i, form in enumerate(plan_forms(ws)):
        fill_excel(ws.forms_dir / form.relpath, ws.returns_dir / f"r{i}.xlsx", answers)
    collect(ws, now=time.time() + 3600, settle_seconds=0)
    return root / "a"


def _copy(source: Path, target: Path) -> tuple[Path, float]:
    """``cp -r`` (no ``-p``): new modification times. Returns the copy and when it was made."""
    shutil.copytree(source, target, copy_function=shutil.copy)
    return target, time.time()


def _timed(ws, now: float):
    start = time.perf_counter()
    result = collect(ws, now=now)
    return result, time.perf_counter() - start


def main(n: int = 300) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        original = _audit(root, n)

        old, copied_at = _copy(original, root / "old")
        real_check = run_module._same_content
        run_module._same_content = lambda *args: False  # today's behaviour
        try:
            ws = open_workspace(old)
            right_after, t1 = _timed(ws, copied_at + 1)
            settled, t2 = _timed(ws, copied_at + 130)  # past the two minutes a changed file is pending
        finally:
            run_module._same_content = real_check

        new, copied_at = _copy(original, root / "new")
        ws = open_workspace(new)
        kept, t3 = _timed(ws, copied_at + 1)
        nothing_new, t4 = _timed(ws, copied_at + 130)

        real_has_version = state.has_version
        state.has_version = lambda ws, form_id, sha256, repairs=None: real_has_version(ws, form_id, sha256)  # no read-back
        try:
            unchecked, t5 = _timed(ws, copied_at + 140)
        finally:
            state.has_version = real_has_version

        s = right_after.summary
        print(f"returns: {n}, copied with new modification times (cp -r)")
        print("today (no content check):")
        print(f"  run right after the copy:  {t1:6.2f} s  pending {s['pending']}, accepted {s['accepted']}, "
              f"urgent shown {len(right_after.urgent)}")
        print(f"  run two minutes later:     {t2:6.2f} s  read {settled.read}, accepted {settled.summary['accepted']}")
        print(f"  until settled:             {t1 + t2:6.2f} s of work, and {n} returns pending for two minutes")
        print("with the content check:")
        print(f"  run right after the copy:  {t3:6.2f} s  hashed {kept.hashed}, read {kept.read}, "
              f"accepted {kept.summary['accepted']}, pending {kept.summary['pending']}")
        print(f"  the next run:              {t4:6.2f} s  hashed {nothing_new.hashed}, read {nothing_new.read}")
        print(f"re-run with nothing new, records read back: {t4:6.2f} s; without the read-back: {t5:6.2f} s "
              f"(read {unchecked.read})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
