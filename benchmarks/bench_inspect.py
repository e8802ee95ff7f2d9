"""CPU that the safety check (:func:`maa_cli.intake.safety.inspect_file`) spends per returned file.

    python benchmarks/bench_inspect.py [RETURNS_FOLDER] [--n N] [--rounds 3]

Every file in RETURNS_FOLDER (``.docx`` and ``.xlsx``) is inspected in turn, in the order ``maa
collect`` lists them, by one process, as one of collect's workers does: the first file of a kind pays
for the parts every return shares, the rest find them already measured. Each round runs in a fresh
process (nothing measured yet) and is timed with ``time.process_time``; the best round is printed, in
milliseconds of CPU per file for each format. Every file must pass: a refusal stops the benchmark.

The check hands the trees it built of a file's body to the readers, which take them in collect. Here no
reader runs, so they are dropped after each file, timed on their own: freeing them is the readers' cost
in collect, and left to the next file it would be charged to that file, whatever its format. The two
figures are printed apart (``inspect_file`` and ``+ freeing``); their sum is what ``inspect_file``
costs when nothing takes its trees.

Without a folder, an audit of N settings (default 200) is built and its returns written as
``benchmarks/bench.py`` writes them (half Word, half Excel, every answer filled in). The files are
only read, never changed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _one_round(folder: Path) -> dict:
    from maa_cli.intake.safety import inspect_file
    from maa_cli.intake.xmlcount import forget_trees

    files = sorted(p for p in folder.iterdir() if p.suffix in (".docx", ".xlsx"))
    spent: dict[str, list[tuple[float, float]]] = {}
    for path in files:
        start = time.process_time()
        verdict = inspect_file(path)
        inspected = time.process_time()
        forget_trees()
        freed = time.process_time()
        if not verdict.ok:
            raise SystemExit(f"{path.name} was refused: {verdict.code}: {verdict.reason}")
        spent.setdefault(path.suffix[1:], []).append((inspected - start, freed - inspected))
    return {kind: {"files": len(times), "ms": 1000 * sum(t for t, _ in times) / len(times),
                   "free_ms": 1000 * sum(f for _, f in times) / len(times)} for kind, times in spent.items()}


def _returns(root: Path, n: int) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench import make_audit, make_returns

    audit = make_audit(root, n)
    make_returns(audit)
    return audit / "returns"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, nargs="?", help="a folder of returns (default: build one)")
    parser.add_argument("--n", type=int, default=200, help="settings in the audit built when no folder is given")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each in a fresh process; the best is shown")
    parser.add_argument("--round", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.round:
        print(json.dumps(_one_round(args.round)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or _returns(Path(tmp), args.n)
        rounds = []
        for _ in range(args.rounds):
            done = subprocess.run([sys.executable, __file__, "--round", str(folder)], capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(done.stderr[-3000:] or done.stdout[-3000:])
            rounds.append(json.loads(done.stdout.strip().splitlines()[-1]))
    for kind in sorted(rounds[0]):
        best = min(rounds, key=lambda r: r[kind]["ms"])[kind]
        every = ", ".join(f"{r[kind]['ms']:.2f}" for r in rounds)
        print(f"{kind}: {best['files']} files, inspect_file {best['ms']:.2f} ms CPU per file "
              f"(+ freeing its trees {best['free_ms']:.2f} ms; best of {len(rounds)}: {every})")


if __name__ == "__main__":
    main()
