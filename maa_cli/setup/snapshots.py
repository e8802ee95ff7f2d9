"""The audit's own copy of each tool it uses: what every later command reads.

``maa new-audit`` copies each form type's tool — built in or a file — into the audit folder
(``tools/<form type>.yaml``) and records the copy's SHA-256, the tool's version and where it
came from in ``audit.yaml``. From then on the audit reads only its copy, so it works from any
folder (Task Scheduler runs in another), after the folder is moved or copied, and after an
upgrade of maa rewords a built-in tool. Editing the original changes nothing until
``maa tools update`` (:mod:`maa_cli.forms.tool_versions`), which shows the differences and which
issued forms carry which version.

An audit made before copies were kept resolves its tools as it always did (built-in id, or a
path relative to the audit folder or the working folder) until ``maa issue-forms`` takes the
copies; so does a form type added to ``audit.yaml`` later.

The officer's findings form (``maa report``) is maa's own and is not copied: it follows the
reports of the maa version that writes them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path, PurePosixPath

from .. import atomic
from ..definitions.audit import Audit, FormType, ToolSnapshot
from ..definitions.catalog import ToolSource, find_tool, read_text
from ..definitions.tool import Tool
from ..errors import DefinitionError, ErrorCode, problem

TOOLS_DIR = "tools"
FINDINGS_FORM_TYPE = "findings"
FINDINGS_TOOL = "findings-form"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def snapshot_path(root: Path, ft: FormType) -> Path:
    """Where the audit keeps its copy of a form type's tool."""
    rel = ft.snapshot.file if ft.snapshot else f"{TOOLS_DIR}/{ft.name}.yaml"
    return root / PurePosixPath(rel)


def take(root: Path, ft: FormType, source: ToolSource, today: dt.date) -> FormType:
    """Write the copy of ``source`` for ``ft`` into the audit folder; return ``ft`` recording it.

    The text is kept exactly as written (comments included), so the copy reads like the original.
    """
    tool = source.load(lenient=True)
    rel = f"{TOOLS_DIR}/{ft.name}.yaml"
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, source.text)
    record = ToolSnapshot(file=rel, sha256=sha256_text(source.text), version=tool.version, source=source.source,
                          taken=today)
    return ft.model_copy(update={"snapshot": record})


def load_form_type_tool(root: Path, ft: FormType) -> Tool:
    """The tool a form type uses: the audit's copy, or (an audit made before copies) the tool it names.

    What each tool's text parsed to is kept in ``.maa/cache`` while the text is the same.

    Raises:
        DefinitionError: the copy is missing, or a tool cannot be used as written.
    """
    cache = _parsed_copy(root, ft.name)
    if ft.snapshot is None:
        return find_tool(ft.tool, root).load(lenient=True, cache=cache)
    path = snapshot_path(root, ft)
    if not path.is_file():
        raise DefinitionError(problem(ErrorCode.SNAPSHOT_MISSING, file=path, form_type=ft.name, copy=ft.snapshot.file))
    return ToolSource(ft.tool, read_text(path), str(path), str(path)).load(lenient=True, cache=cache)


def load_tools(root: Path, audit: Audit) -> dict[str, Tool]:
    """Every form type's tool, by form type name, with the audit's local terms filled in (plus the findings form)."""
    from ..definitions.catalog import load_builtin

    tools = {ft.name: load_form_type_tool(root, ft).with_terms(audit.local_terms) for ft in audit.form_types}
    if FINDINGS_FORM_TYPE not in tools:
        tools[FINDINGS_FORM_TYPE] = load_builtin(FINDINGS_TOOL, cache=_parsed_copy(root, FINDINGS_FORM_TYPE))
    return tools


def _parsed_copy(root: Path, form_type: str) -> Path:
    """Where the parsed text of a form type's tool is kept (named by a digest: form type names are the officer's)."""
    import hashlib

    return root / ".maa" / "cache" / f"tool-{hashlib.blake2b(form_type.encode(), digest_size=8).hexdigest()}.json"


def missing(audit: Audit) -> list[FormType]:
    """Form types whose tool the audit has no copy of yet."""
    return [ft for ft in audit.form_types if ft.snapshot is None]


def take_missing(root: Path, audit: Audit, today: dt.date | None = None) -> Audit:
    """The audit with a copy taken of every tool it has none of (written into ``tools/``).

    The tool is found as the audit found it before copies were kept: a built-in id, or a path
    relative to the audit folder or the working folder.
    """
    today = today or dt.date.today()
    form_types = [take(root, ft, find_tool(ft.tool, root), today) if ft.snapshot is None else ft
                  for ft in audit.form_types]
    return audit.model_copy(update={"form_types": form_types})


def unused_terms(audit: Audit, tools: dict[str, Tool]) -> list[str]:
    """A note for each of audit.yaml's local terms that no tool of the audit uses (most likely a misspelling)."""
    from ..definitions.checks import suggest

    declared = sorted({name for tool in tools.values() for name in tool.local_terms})
    return [f"audit.yaml gives the local term '{name}', which none of this audit's tools uses"
            + (suggest(name, declared) or (f" (they use: {', '.join(declared)})" if declared else ""))
            for name in audit.local_terms if name not in declared]
