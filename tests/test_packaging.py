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
    from maa_cli.catalog import builtin_ids
    from maa_cli.resources import bundled

    assert "early-years-safeguarding" in builtin_ids()
    assert (bundled("examples") / "early-years" / "settings.csv").is_file()
