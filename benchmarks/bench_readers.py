"""CPU time of maa's Word and Excel return readers, per file, and a check that what they read does not change.

    python benchmarks/bench_readers.py N                 (builds an audit of N filled returns, as bench.py does)
    python benchmarks/bench_readers.py --audit DIR       (the returns of an audit already made, e.g. by bench.py)
    ... --save reading.json                              (keep everything read from every return)
    ... --check reading.json                             (and fail if anything read differs from that)

Each return is first inspected by the safety checks, as ``maa collect`` does before reading it (their
parsed trees go to the reader), and only the read is timed: ``read_word`` / ``read_excel`` with the
form's tool, in CPU time (``time.process_time``), summed over every file of a format, best of
``--repeat`` passes. The saved reading is every RawReturn in full (answers with value, where and how;
identity and where it came from; the printed reference line; notes; what could not be read), so a
faster reader can be shown to read exactly what the slower one did.
Figures go in commit messages and the issue notes, not in a timed unit test.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path


def snapshot(raw) -> dict:
    """Everything a reader returned, as JSON (values by ``repr``, so a date never passes for its text)."""

    def ident(x):
        return None if x is None else dataclasses.asdict(x)

    return {
        "format": raw.format,
        "identity": ident(raw.identity),
        "identity_source": raw.identity_source,
        "printed": ident(raw.printed),
        "answers": {k: [repr(a.value), a.where, a.how] for k, a in raw.answers.items()},
        "answer_order": list(raw.answers),
        "unreadable": list(raw.unreadable),
        "tracked_changes": raw.tracked_changes,
        "notes": list(raw.notes),
    }


def _jobs(audit: Path) -> list[tuple[Path, str, object]]:
    """(return, format, tool) for every return whose form the manifest knows."""
    from maa_cli.forms.identity import FormIdentity
    from maa_cli.forms.manifest import read_manifest
    from maa_cli.office.ooxml import CUSTOM_PART, parse_custom_properties
    from maa_cli.setup.workspace import open_workspace

    ws = open_workspace(audit)
    manifest = read_manifest(ws)
    jobs = []
    for path in sorted(ws.returns_dir.iterdir()):
        import zipfile

        with zipfile.ZipFile(path) as z:
            identity = FormIdentity.from_properties(parse_custom_properties(z.read(CUSTOM_PART)))
        entry = manifest.get(identity.form_id) if identity else None
        tool = ws.tools.get(entry["form_type"]) if entry else None
        jobs.append((path, path.suffix.lstrip(".").lower(), tool))
    return jobs


def run(jobs, repeat: int) -> tuple[dict[str, float], dict[str, int], dict[str, dict]]:
    """Best-of-``repeat`` CPU seconds per format, files per format, and what was read from each file."""
    from maa_cli.intake.readers.excel import read_excel
    from maa_cli.intake.readers.word import read_word
    from maa_cli.intake.safety import inspect_file

    readers = {"docx": read_word, "xlsx": read_excel}
    best: dict[str, float] = {}
    counts: dict[str, int] = {}
    reading: dict[str, dict] = {}
    for _ in range(repeat):
        spent: dict[str, float] = {}
        counts = {}
        for path, fmt, tool in jobs:
            verdict = inspect_file(path)  # as collect does: its trees are handed to the reader
            if not verdict.ok:
                raise SystemExit(f"{path.name}: refused by the safety checks ({verdict.reason})")
            t = time.process_time()
            raw = readers[fmt](path, tool)
            spent[fmt] = spent.get(fmt, 0.0) + time.process_time() - t
            counts[fmt] = counts.get(fmt, 0) + 1
            reading[path.name] = snapshot(raw)
        for fmt, seconds in spent.items():
            best[fmt] = min(best.get(fmt, seconds), seconds)
    return best, counts, reading


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=300, help="returns to build when no --audit is given")
    parser.add_argument("--audit", type=Path, help="an audit whose returns/ holds filled returns")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--check", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        audit = args.audit
        if audit is None:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from bench import make_audit, make_returns

            audit = make_audit(Path(tmp), args.n)
            make_returns(audit)
        jobs = _jobs(audit)
        best, counts, reading = run(jobs, args.repeat)
    print(f"{'format':<8}{'files':>7}{'CPU ms per file':>17}")
    for fmt in sorted(best):
        print(f"{fmt:<8}{counts[fmt]:>7}{1000 * best[fmt] / counts[fmt]:>17.2f}")
    if args.save:
        args.save.write_text(json.dumps(reading, indent=1, sort_keys=True), encoding="utf-8")
    if args.check:
        expected = json.loads(args.check.read_text(encoding="utf-8"))
        differ = sorted(name for name in expected.keys() | reading.keys() if expected.get(name) != reading.get(name))
        for name in differ[:5]:
            print(f"differs: {name}\n  was {json.dumps(expected.get(name))[:600]}\n  now {json.dumps(reading.get(name))[:600]}")
        print(f"{len(reading) - len(differ)} of {len(expected)} returns read exactly as before")
        if differ:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
