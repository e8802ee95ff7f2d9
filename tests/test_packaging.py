"""maa installed from a wheel works from any folder: every package and data file is shipped."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_code_package_is_listed_for_the_wheel():
    """A new sub-package of maa_cli cannot be forgotten in pyproject.toml (the demo would break when installed)."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "maa_cli").rglob("__init__.py")}
    assert found <= listed, f"missing from pyproject packages: {sorted(found - listed)}"


def test_bundled_tools_and_examples_are_found_through_the_package():
    """Built-in tools and example files are reached via importlib.resources, not the working folder."""
    from maa_cli.definitions.catalog import builtin_ids
    from maa_cli.resources import bundled

    assert "early-years-safeguarding" in builtin_ids()
    assert (bundled("examples") / "early-years" / "settings.csv").is_file()


def test_a_non_editable_install_works_from_another_folder(tmp_path):
    """Built and installed like a release (not editable), maa finds its tools and examples from any folder."""
    import os
    import subprocess
    import sys

    target = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(ROOT)],
        capture_output=True, text=True,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = (
        "import maa_cli, sys\n"
        f"assert maa_cli.__file__.startswith({str(target)!r}), maa_cli.__file__\n"
        "from maa_cli.definitions.catalog import list_tools\n"
        "from maa_cli.resources import bundled\n"
        "print(sorted(t.id for t in list_tools()))\n"
        "print((bundled('examples') / 'case-audit' / 'cases.csv').is_file())\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "early-years-safeguarding" in run.stdout and run.stdout.strip().endswith("True")
