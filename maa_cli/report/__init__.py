"""Reports (``maa report``): outputs built from collected answers, never from files.

Shareable outputs go to ``reports/`` and name cases by reference only, with
narrative masked; anything identifying goes to ``reports/restricted/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..collect import load_responses
from ..workspace import Workspace


@dataclass
class ReportResult:
    written: list[Path] = field(default_factory=list)
    responses: int = 0
    notes: list[str] = field(default_factory=list)


def build_reports(ws: Workspace) -> ReportResult:
    """Write every report the collected answers allow."""
    from .data_workbook import write_data_workbook

    responses = load_responses(ws)
    result = ReportResult(responses=len(responses))
    result.written.append(write_data_workbook(ws, responses))
    if not responses:
        result.notes.append("no accepted returns yet: run 'maa collect' first; the workbook has headings only")
    return result
