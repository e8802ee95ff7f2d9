"""The restricted store: the only place identifying details live.

Children's names, dates of birth and dates of involvement, and answers to
``identifying`` questions, are kept here and nowhere else. The folder can sit
outside the audit folder (``restricted_store:`` in audit.yaml), e.g. on a more
tightly controlled share. Nothing written here is ever printed, logged or put
in a shareable report.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path

from . import atomic

CASES_FILE = "cases.csv"
ANSWERS_DIR = "answers"
README = (
    "This folder holds identifying details (children's names, dates of birth, and answers\n"
    "marked identifying). Keep access to the people who issue forms. maa never copies these\n"
    "details into reports, logs or --json output.\n"
)


@dataclass(frozen=True)
class CaseIdentity:
    case_ref: str
    child_name: str
    date_of_birth: dt.date
    last_involvement: dt.date | None = None


def write_cases(folder: Path, cases: list[CaseIdentity]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    atomic.write_text(folder / "README.txt", README)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["case_ref", "child_name", "date_of_birth", "last_involvement"])
    for c in cases:
        writer.writerow([c.case_ref, c.child_name, c.date_of_birth.isoformat(),
                         c.last_involvement.isoformat() if c.last_involvement else ""])
    path = folder / CASES_FILE
    # utf-8-sig so Excel on Windows shows names with accents correctly.
    atomic.write_bytes(path, buf.getvalue().encode("utf-8-sig"))
    return path


def read_cases(folder: Path) -> dict[str, CaseIdentity]:
    """Identifying details by case reference (empty when the store has none)."""
    path = folder / CASES_FILE
    if not path.exists():
        return {}
    out = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            last = row.get("last_involvement") or ""
            out[row["case_ref"]] = CaseIdentity(
                row["case_ref"], row["child_name"], dt.date.fromisoformat(row["date_of_birth"]),
                dt.date.fromisoformat(last) if last else None,
            )
    return out


def write_answers(folder: Path, form_id: str, answers: dict[str, object]) -> None:
    """Keep the answers to identifying questions of one form."""
    target = folder / ANSWERS_DIR / f"{form_id}.json"
    atomic.write_text(target, json.dumps(answers, default=str, indent=1, ensure_ascii=False))


def read_answers(folder: Path) -> dict[str, dict]:
    base = folder / ANSWERS_DIR
    if not base.is_dir():
        return {}
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(base.glob("*.json"))}
