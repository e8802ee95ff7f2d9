"""How long `maa send` and `maa chase` take for a county's early years settings (default 1,500).

Times writing every message as an Outlook draft, a second run (nothing to send), sending every message
to an SMTP server on this computer (aiosmtpd, no pause between messages, so the figure is maa's own
cost: the real rate is set by --per-minute), and drafting reminders with an annotated copy for a
tenth of the settings returning incomplete forms.
Run:  python benchmarks/bench_mail.py [N]
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

from maa_cli.forms.plan import issue_forms, plan_forms
from maa_cli.intake.collect import collect
from maa_cli.mail.chase import chase
from maa_cli.mail.send import send_forms
from maa_cli.mail.smtp import SmtpSettings, parse_server
from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.fill import all_yes, fill_excel  # noqa: E402
from tests.mailserver import smtp_server  # noqa: E402


def main(n: int = 1500) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = root / "settings.csv"
        with settings.open("w", newline="", encoding="utf-8") as handle:
            w = csv.writer(handle)
            w.writerow(["agency", "contact_name", "email", "setting_type"])
            for i in range(n):
                w.writerow([f"Setting {i:04d}", f"DSL {i}", f"dsl{i}@setting{i % 400}.example", "Day nursery"])
        new_audit(root / "a", NewAudit(deadline=dt.date(2027, 12, 31), return_to="audits@northshire-scp.example",
                                       title="EY", partnership="P", type="questionnaire", tool="early-years-safeguarding",
                                       agencies_csv=settings, today=dt.date(2026, 11, 25)))
        ws = open_workspace(root / "a")
        t = time.perf_counter()
        issue_forms(ws)
        print(f"issue-forms, {n} Excel forms: {time.perf_counter() - t:.1f} s")

        t = time.perf_counter()
        drafted = send_forms(ws)
        took = time.perf_counter() - t
        size = sum(p.stat().st_size for p in (ws.root / "outbox").glob("*.eml"))
        print(f"send, {len(drafted.drafted)} drafts: {took:.1f} s ({len(drafted.drafted) / took:.0f}/s), "
              f"outbox {size / 1e6:.0f} MB")
        t = time.perf_counter()
        again = send_forms(ws)
        print(f"send again (drafts refreshed): {time.perf_counter() - t:.1f} s, {len(again.drafted)} drafts")

        with smtp_server() as server:
            t = time.perf_counter()
            sent = send_forms(ws, smtp=SmtpSettings(parse_server(server.address)), per_minute=0)
            took = time.perf_counter() - t
            print(f"send through localhost SMTP, {len(sent.sent)} messages: {took:.1f} s ({len(sent.sent) / took:.1f}/s); "
                  f"ledger {(ws.state_dir / 'mail.json').stat().st_size / 1e3:.0f} kB")
            t = time.perf_counter()
            nothing = send_forms(ws, smtp=SmtpSettings(parse_server(server.address)), per_minute=0)
            print(f"send again through SMTP: {time.perf_counter() - t:.1f} s, {len(nothing.sent)} sent")

        tool = next(iter(ws.tools.values()))
        answers = all_yes(tool, {"setting_type": "Day nursery"})
        for key in list(answers)[:3]:
            del answers[key]
        for i, form in enumerate(plan_forms(ws)[: n // 10]):
            target = fill_excel(ws.forms_dir / form.relpath, ws.returns_dir / f"r{i}.xlsx", answers)
            when = time.time() - 3600
            os.utime(target, (when, when))
        collect(ws, settle_seconds=0)
        t = time.perf_counter()
        reminded = chase(ws)
        took = time.perf_counter() - t
        annotated = sum(1 for x in reminded.letters for f in x.forms if f.annotated)
        print(f"chase, {len(reminded.drafted)} reminder drafts ({annotated} with an annotated copy): {took:.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1500)
