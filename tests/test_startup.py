"""`maa --help` starts fast: heavy libraries load only in the commands that use them."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("docx", "openpyxl", "jinja2", "matplotlib", "lxml", "defusedxml")


def test_the_cli_module_does_not_import_heavy_libraries():
    """Importing the CLI and building its help loads none of python-docx, openpyxl, jinja2 or charting."""
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from maa_cli.cli import app\n"
        "r = CliRunner().invoke(app, ['--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"imported at start-up: {out}"


def test_version_is_printed():
    """`maa --version` names the version."""
    out = subprocess.run([sys.executable, "-m", "maa_cli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("maa ")
