"""Wording of the reports' text blocks, from jinja2 templates in ``templates/``.

A partnership can override any block by putting a file of the same name in its
audit folder's ``templates/``. Templates come only from those two places; what
respondents typed is passed *as data* and is never itself rendered, so
``{{ 7*7 }}`` typed into an answer stays those eight characters. The sandbox
stops a partnership's own template reaching Python internals. Autoescape is off
on purpose: the output is plain text handed to python-docx and openpyxl, which
escape XML themselves (HTML escaping would print ``&amp;`` in a report).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..resources import bundled
from .figures import Count, percent


def _bundled_source(name: str):
    source = bundled("templates") / name
    if not source.is_file():
        return None
    text = source.read_text(encoding="utf-8")
    return text, None, lambda: True


@lru_cache(maxsize=8)
def _environment(override: str | None):
    from jinja2 import ChoiceLoader, FileSystemLoader, FunctionLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    loaders = [FunctionLoader(_bundled_source)]
    if override:
        loaders.insert(0, FileSystemLoader(override))
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["count"] = lambda c, small=None, unit="": c.text(small, unit) if isinstance(c, Count) else str(c)
    env.filters["percent"] = percent
    env.filters["names"] = join_names
    env.filters["plural"] = lambda n, one, many=None: one if n == 1 else (many or one + "s")
    return env


def render(name: str, audit_dir: Path | None = None, **data) -> str:
    """Render template ``name`` with ``data``; blank lines separate paragraphs in the result."""
    override = audit_dir / "templates" if audit_dir is not None and (audit_dir / "templates" / name).is_file() else None
    text = _environment(str(override) if override else None).get_template(name).render(**data)
    return "\n\n".join(p.strip() for p in text.split("\n\n") if p.strip())


def join_names(items, conjunction: str = "and") -> str:
    """'A', 'A and B', 'A, B and C'."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
