"""Finding audit tools: the built-in ones shipped with maa, or a YAML file by path."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import DefinitionError, ErrorCode, problem
from ..resources import bundled
from .load import load_model
from .tool import Tool
from .yamlio import load_located_kept, read_located


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


BUILT_IN = "built-in"


@dataclass(frozen=True)
class ToolSource:
    """A tool's YAML text and where it came from: ``source`` is "built-in" or the file's absolute path."""

    ref: str
    text: str
    source: str
    label: str  # how messages name it: "built-in tool early-years-safeguarding", or the path

    def load(self, lenient: bool = False, cache: Path | None = None) -> Tool:
        """The validated tool; with ``cache`` (a file), its parsed text is kept there (see :func:`load_located_kept`)."""
        return load_model(load_located_kept(self.text, self.label, cache), Tool, lenient=lenient)


def find_tool(ref: str, base: Path | None = None) -> ToolSource:
    """A tool by built-in id, or by path (relative to ``base`` first, then to the working folder).

    Raises:
        DefinitionError: no built-in tool and no file by that name.
    """
    files = _builtin_files()
    if ref in files:
        return ToolSource(ref, files[ref].read_text(encoding="utf-8"), BUILT_IN, f"built-in tool {ref}")
    candidates = [Path(ref)]
    if base is not None and not Path(ref).is_absolute():
        candidates.insert(0, base / ref)
    for path in candidates:
        if path.is_file():
            text = read_text(path)
            return ToolSource(ref, text, str(path.resolve()), str(path))
    raise DefinitionError(problem(ErrorCode.UNKNOWN_TOOL, tool=ref))


def read_text(path: Path) -> str:
    """A tool file's text as :func:`maa_cli.definitions.yamlio.read_located` reads it (UTF-8, BOM tolerated)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise DefinitionError(problem(ErrorCode.BAD_VALUE, file=str(path),
                                      detail=f"the file cannot be read ({exc.strerror or exc})")) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def load_builtin(tool_id: str, lenient: bool = False, cache: Path | None = None) -> Tool:
    files = _builtin_files()
    if tool_id not in files:
        raise DefinitionError(problem(ErrorCode.UNKNOWN_TOOL, tool=tool_id))
    return find_tool(tool_id).load(lenient, cache)


def load_tool_file(path: Path, lenient: bool = False) -> Tool:
    """Load and validate a tool YAML file. Raises DefinitionError naming line and column."""
    return load_model(read_located(Path(path)), Tool, lenient=lenient)


def resolve_tool(ref: str, base: Path | None = None, lenient: bool = False) -> Tool:
    """A tool by built-in id, or by path (relative to ``base``, the audit folder, then the working folder)."""
    return find_tool(ref, base).load(lenient)


def list_tools() -> list[ToolSummary]:
    """Summaries of the built-in tools, by id."""
    out = []
    for tool_id in builtin_ids():
        tool = load_builtin(tool_id)
        out.append(ToolSummary(tool.id, tool.title, tool.version, tool.kind, len(tool.questions()), "built-in"))
    return out
