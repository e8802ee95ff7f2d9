"""Finding maa's bundled data (built-in tools, templates, examples).

Installed, they are package data inside ``maa_cli`` (``maa_cli.audit_tools`` …),
found with importlib.resources so a wheel works from any folder. Running from
a source checkout without installing, they are the top-level folders.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def bundled(name: str):
    """The Traversable for bundled folder ``name`` (audit_tools, templates or examples)."""
    try:
        return resources.files(f"maa_cli.{name}")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / name
