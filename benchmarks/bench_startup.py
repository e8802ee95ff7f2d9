"""How long `maa --help` takes beside a bare two-command typer app with the same help renderer.

usage: python benchmarks/bench_startup.py [RUNS]

Runs are interleaved and the fastest of each is reported (the least disturbed by other work on
the machine). Byte-code is compiled first for both, as an installed package would have it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = '''
import typer
app = typer.Typer(rich_markup_mode="rich")
@app.command()
def one(x: int = 1):
    """One."""
@app.command()
def two(y: int = 2):
    """Two."""
app()
'''


def main(runs: int) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare_app.py"
        bare.write_text(BARE, encoding="utf-8")
        launcher = Path(tmp) / "run_bare.py"
        launcher.write_text(f"import sys; sys.path.insert(0, {tmp!r}); import bare_app\n", encoding="utf-8")
        commands = {"maa --help": [sys.executable, "-m", "maa_cli", "--help"],
                    "bare typer --help": [sys.executable, str(launcher), "--help"]}
        for cmd in commands.values():  # warm up, and write byte-code
            subprocess.run(cmd, capture_output=True, env=env, check=True)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, cmd in commands.items():
                start = time.perf_counter()
                subprocess.run(cmd, capture_output=True, env=env, check=True)
                times[name].append(time.perf_counter() - start)
    best = {name: min(values) for name, values in times.items()}
    for name, value in best.items():
        print(f"{name:20s} fastest {value * 1000:6.1f} ms   median {sorted(times[name])[runs // 2] * 1000:6.1f} ms")
    print(f"ratio maa / bare: {best['maa --help'] / best['bare typer --help']:.2f} (target: at most 1.2)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 21)
