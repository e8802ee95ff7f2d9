"""A past case draw can be repeated exactly, whatever day it is repeated on."""

from __future__ import annotations

import datetime as dt

from typer.testing import CliRunner

from maa_cli.cli import app
from maa_cli.setup.workspace import open_workspace


def test_the_same_file_seed_and_draw_date_give_the_same_cases_and_the_date_is_recorded(tmp_path, csvs):
    """Eligibility depends on the day, so the draw date is an input: given again, the draw is the same."""
    picks = []
    for name in ("first", "again"):
        result = CliRunner().invoke(app, [
            "new-audit", str(tmp_path / name), "--title", "MACA", "--partnership", "P", "--tool", "multi-agency-case-audit",
            "--agencies", str(csvs["agencies.csv"]), "--cases", str(csvs["cases.csv"]),
            "--sample", "3", "--seed", "9", "--draw-date", "01/10/2026", "--deadline",
            (dt.date.today() + dt.timedelta(days=60)).strftime("%d/%m/%Y"),
            "--return-to", "audits@northshire-scp.example"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        audit = open_workspace(tmp_path / name).audit
        assert audit.created.isoformat() == "2026-10-01"
        picks.append([c.case_ref for c in audit.cases])
    assert picks[0] == picks[1] and len(picks[0]) == 3
