"""Safe YAML reading that remembers where every value came from.

Definitions are written by hand, so mistakes must be reported by line and column.
This loader is stricter than ``yaml.safe_load``: it refuses duplicate keys (which
YAML silently resolves to the last one), anchors and aliases (the "billion laughs"
expansion bomb needs them, and hand-written tools never do) and any ``!tag``.

It is also bounded: a file over :data:`MAX_BYTES`, nested deeper than
:data:`MAX_DEPTH` or holding more than :data:`MAX_NODES` values is refused, at the
line where it goes too far, before pyyaml's composer (which recurses once per level)
or pydantic could run out of stack or time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from ..errors import DefinitionError, ErrorCode, problem

Path_ = tuple  # a path into the loaded data, e.g. ("sections", 0, "questions", 2, "type")
_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:timestamp",
}
MAX_BYTES = 2_000_000
#: A tool nests at most 8 levels (sections, a question, its parts, a part's choices) and audit.yaml 5.
MAX_DEPTH = 32
#: Values (keys, scalars, lists and mappings) in one file. The largest built-in tool has 607; an
#: audit.yaml for 3,000 settings with a few attributes each has about 50,000.
MAX_NODES = 200_000


class Located:
    """Plain data from a YAML file plus a map from data path to (line, column)."""

    def __init__(self, data, marks: dict[Path_, tuple[int, int]] | Callable[[], dict], file: str):
        self.data = data
        self._marks = marks  # or what makes them: a parsed copy's marks are needed only for a message
        self.file = file

    @property
    def marks(self) -> dict[Path_, tuple[int, int]]:
        if callable(self._marks):
            self._marks = self._marks()
        return self._marks

    def mark(self, path) -> tuple[int | None, int | None]:
        """Line and column of the deepest known node on ``path`` (1-based)."""
        path = tuple(path)
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get((), (None, None))


def _convert(node, path, marks, file, ctor):
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if node.tag not in _PLAIN_TAGS:
        raise DefinitionError(problem(ErrorCode.YAML_TAG, file=file, line=marks[path][0], column=marks[path][1], tag=node.tag))
    if isinstance(node, yaml.MappingNode):
        out: dict = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, path + ("<key>",), marks, file, ctor)
            if isinstance(key, list | dict):
                raise DefinitionError(problem(ErrorCode.YAML_NOT_MAPPING, file=file, line=key_node.start_mark.line + 1,
                                              column=key_node.start_mark.column + 1))
            if key in out:
                raise DefinitionError(
                    problem(ErrorCode.YAML_DUPLICATE_KEY, file=file, line=key_node.start_mark.line + 1,
                            column=key_node.start_mark.column + 1, key=key)
                )
            out[key] = _convert(value_node, path + (key,), marks, file, ctor)
            marks[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        marks.pop(path + ("<key>",), None)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(child, path + (i,), marks, file, ctor) for i, child in enumerate(node.value)]
    return ctor.construct_object(node, deep=True)


class _NoAliasComposer(yaml.SafeLoader):
    def __init__(self, stream):
        super().__init__(stream)
        self._depth = self._nodes = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _AliasFound(event.start_mark)
        event = self.peek_event()
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _AliasFound(event.start_mark)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _TooMuch(ErrorCode.YAML_TOO_BIG, event.start_mark, MAX_NODES)
        if not isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            return super().compose_node(parent, index)
        # Checked before descending: pyyaml composes each level in a recursive call of its own.
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _TooMuch(ErrorCode.YAML_TOO_DEEP, event.start_mark, MAX_DEPTH)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _AliasFound(Exception):
    def __init__(self, mark):
        self.mark = mark


class _TooMuch(Exception):
    def __init__(self, code: ErrorCode, mark, limit: int):
        self.code, self.mark, self.limit = code, mark, limit


def load_located(text: str, file: str) -> Located:
    """Parse ``text`` (from ``file``) into plain data with line marks.

    Raises:
        DefinitionError: syntax errors, duplicate keys, aliases, tags, a file that
            is not a mapping at the top, or one past :data:`MAX_BYTES`,
            :data:`MAX_DEPTH` or :data:`MAX_NODES`.
    """
    if len(text) > MAX_BYTES:
        raise DefinitionError(_too_large(file))
    loader = _NoAliasComposer(text)
    try:
        try:
            node = loader.get_single_node()
        except _AliasFound as found:
            raise DefinitionError(problem(ErrorCode.YAML_ALIAS, file=file, line=found.mark.line + 1,
                                          column=found.mark.column + 1)) from None
        except _TooMuch as over:
            where = {"line": over.mark.line + 1, "column": over.mark.column + 1}
            raise DefinitionError(problem(over.code, file=file, limit=over.limit, **where)) from None
        except yaml.MarkedYAMLError as exc:
            raise DefinitionError(syntax_problem(exc, file)) from None
        except yaml.YAMLError:
            raise DefinitionError(problem(ErrorCode.YAML_SYNTAX, file=file, detail=_UNREADABLE)) from None
    finally:
        loader.dispose()
    if node is None or not isinstance(node, yaml.MappingNode):
        raise DefinitionError(problem(ErrorCode.YAML_NOT_MAPPING, file=file, line=1, column=1))
    marks: dict = {}
    data = _convert(node, (), marks, file, yaml.SafeLoader(""))
    return Located(data, marks, file)


_UNREADABLE = "maa cannot make sense of it from this point on"
#: pyyaml's words for a mistake (in its problem, or in what it was doing) → the catalog's plain message.
#: The mark is where the officer should look: the mistake itself, or where the unclosed thing began.
_SYNTAX = (
    ("\'\\t\'", "problem", ErrorCode.YAML_TAB),
    ("unknown escape character", "problem", ErrorCode.YAML_BACKSLASH),
    ("quoted scalar", "context", ErrorCode.YAML_UNCLOSED_QUOTE),
    ("flow sequence", "context", ErrorCode.YAML_UNCLOSED_BRACKET),
    ("flow mapping", "context", ErrorCode.YAML_UNCLOSED_BRACKET),
    ("mapping values are not allowed", "problem", ErrorCode.YAML_COLON_IN_TEXT),
    ("could not find expected ':'", "context", ErrorCode.YAML_MISSING_COLON),
    ("expected <block end>", "problem", ErrorCode.YAML_INDENT),
    ("did not find expected key", "problem", ErrorCode.YAML_INDENT),
    ("did not find expected '-' indicator", "problem", ErrorCode.YAML_INDENT),
    ("expected <document start>", "problem", ErrorCode.YAML_INDENT),
)


def syntax_problem(exc: yaml.MarkedYAMLError, file: str):
    """A YAML syntax error in the officer's words, at the line and column to look at."""
    words = f"{exc.problem or ''} | {exc.context or ''}"
    for needle, where, code in _SYNTAX:
        if needle in words:
            mark = (exc.context_mark if where == "context" else exc.problem_mark) or exc.problem_mark or exc.context_mark
            if code is ErrorCode.YAML_TAB and exc.problem_mark is not None:
                mark = exc.problem_mark
            return problem(code, file=file, line=mark.line + 1 if mark else None,
                           column=mark.column + 1 if mark else None)
    mark = exc.problem_mark or exc.context_mark
    return problem(ErrorCode.YAML_SYNTAX, file=file, line=mark.line + 1 if mark else None,
                   column=mark.column + 1 if mark else None, detail=_UNREADABLE)


def read_located(path: Path, cache: Path | None = None) -> Located:
    """Read a YAML file from disk (UTF-8, BOM tolerated) into :class:`Located` data.

    With ``cache``, what the file parsed to is kept there and used while the file is byte for byte
    the same: a county's audit.yaml (1,500 settings) takes the located loader most of a second on
    every command, its cached copy a few hundredths.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DefinitionError(problem(ErrorCode.UNKNOWN_TOOL, file=str(path), tool=str(path))) from None
    except OSError as exc:
        raise DefinitionError(problem(ErrorCode.BAD_VALUE, file=str(path),
                                      detail=f"the file cannot be read ({exc.strerror or exc})")) from None
    if len(raw) > MAX_BYTES:
        raise DefinitionError(_too_large(str(path)))
    key = _cache_key(raw) if cache is not None else ""
    if cache is not None:
        kept = _from_cache(cache, key, str(path))
        if kept is not None:
            return kept
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    located = load_located(text, str(path))
    if cache is not None:
        _to_cache(cache, key, located)
    return located


def load_located_kept(text: str, file: str, cache: Path | None) -> Located:
    """:func:`load_located`, with what ``text`` parsed to kept in ``cache`` and used while it is the same text
    (an audit's tools are parsed by every command: about a tenth of a second each time)."""
    if cache is None:
        return load_located(text, file)
    key = _cache_key(text.encode("utf-8", "surrogatepass"))
    kept = _from_cache(cache, key, file)
    if kept is not None:
        return kept
    located = load_located(text, file)
    _to_cache(cache, key, located)
    return located


# -- the parsed copy of a file, kept while the file is unchanged ---------------------------------------
# JSON, not pickle (a file on a shared drive is never code to run), with each value tagged so that what
# JSON cannot hold comes back as it was: dates and times, and mapping keys that are not text.


def _cache_key(raw: bytes) -> str:
    import hashlib

    from .. import __version__

    return f"{__version__}:{hashlib.blake2b(raw, digest_size=20).hexdigest()}"


def _encode(value):
    import datetime as dt

    if isinstance(value, dict):
        return {"m": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return {"l": [_encode(v) for v in value]}
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    return value  # text, numbers, true/false and null, as JSON has them


def _decode(value):
    import datetime as dt

    if not isinstance(value, dict):
        return value
    if "m" in value:
        return {_decode(k): _decode(v) for k, v in value["m"]}
    if "l" in value:
        return [_decode(v) for v in value["l"]]
    if "dt" in value:
        return dt.datetime.fromisoformat(value["dt"])
    return dt.date.fromisoformat(value["d"])


def _from_cache(cache: Path, key: str, file: str) -> Located | None:
    import json

    try:
        kept = json.loads(cache.read_text(encoding="utf-8"))
        if kept.get("key") != key:
            return None
        raw = kept["marks"]
        if not isinstance(raw, list):
            return None

        def marks() -> dict:  # only when a message needs a line number: most commands never do
            try:
                return {tuple(_decode(p) for p in path): (line, column) for path, line, column in raw}
            except (ValueError, TypeError, KeyError, AttributeError):
                return {}  # a damaged copy: the message names the field, without its line

        return Located(_decode(kept["data"]), marks, file)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # missing, damaged or from another version: parse the file itself


def _to_cache(cache: Path, key: str, located: Located) -> None:
    import json

    from .. import atomic
    from ..errors import MaaError

    marks = [[[_encode(p) for p in path], line, column] for path, (line, column) in located.marks.items()]
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_text(cache, json.dumps({"key": key, "data": _encode(located.data), "marks": marks},
                                            separators=(",", ":")))
    except (OSError, MaaError):
        pass  # a read-only, full or busy share (atomic says which as a MaaError): parsed each time, as before


def _too_large(file: str):
    return problem(ErrorCode.BAD_VALUE, file=file, detail=f"the file is larger than {MAX_BYTES // 1_000_000} MB")


def dump(data) -> str:
    """Write plain data as block-style YAML, keeping key order and Unicode."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
