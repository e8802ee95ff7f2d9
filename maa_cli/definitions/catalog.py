"""Finding audit tools: the built-in ones shipped with maa, or a YAML file by path."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import DefinitionError, ErrorCode, problem
from ..resources import bundled
from .load import load_model
from .tool import Tool
from .yamlio import load_located, read_located


@dataclass(frozen=True)
class ToolSummary:
    id: str
    title: str
    version: str
    kind: str
    questions: int
    source: str


def _builtin_files() -> dict[str, resources.abc.Traversable]:
    root = bundled("audit_tools")
    return {f.name[: -len(".yaml")]: f for f in root.iterdir() if f.name.endswith(".yaml")}


def builtin_ids() -> list[str]:
    return sorted(_builtin_files())


def load_builtin(tool_id: str) -> Tool:
    files = _builtin_files()
    if tool_id not in files:
        raise DefinitionError(problem(ErrorCode.UNKNOWN_TOOL, tool=tool_id))
    source = files[tool_id]
    return load_model(load_located(source.read_text(encoding="utf-8"), f"built-in tool {tool_id}"), Tool)


def load_tool_file(path: Path) -> Tool:
    """Load and validate a tool YAML file. Raises DefinitionError naming line and column."""
    return load_model(read_located(Path(path)), Tool)


def resolve_tool(ref: str, base: Path | None = None) -> Tool:
    """A tool by built-in id, or by path (relative to ``base``, the audit folder)."""
    if ref in _builtin_files():
        return load_builtin(ref)
    candidates = [Path(ref)]
    if base is not None and not Path(ref).is_absolute():
        candidates.insert(0, base / ref)
    for path in candidates:
        if path.is_file():
            return load_tool_file(path)
    raise DefinitionError(problem(ErrorCode.UNKNOWN_TOOL, tool=ref))


def list_tools() -> list[ToolSummary]:
    """Summaries of the built-in tools, by id."""
    out = []
    for tool_id in builtin_ids():
        tool = load_builtin(tool_id)
        out.append(ToolSummary(tool.id, tool.title, tool.version, tool.kind, len(tool.questions()), "built-in"))
    return out
