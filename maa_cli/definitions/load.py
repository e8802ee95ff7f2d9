"""Turn located YAML data into pydantic models, with errors an officer can act on.

Pydantic's own messages ("Input should be 'yes_no', 'grade' …" at
``sections.0.questions.2.type``) never reach an officer: each kind of validation error
is rewritten here into a catalog message (:class:`maa_cli.errors.ErrorCode`) with the
file, line and column, the question concerned, what is wrong and what to do — in the
words of someone writing a form, not of a programmer.

A tool whose settings have mistakes is also checked as a whole as far as it can be
(:func:`maa_cli.definitions.checks.raw_problems`), so every problem comes out in one run.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Literal, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError

from ..errors import DefinitionError, ErrorCode, Problem, problem
from .checks import LENIENT_CODES, CheckProblem, raw_problems, suggest
from .scales import Level, LevelSpec
from .tool import ID_PATTERN, LENIENT, PART_ID_PATTERN, TOOL_ID_PATTERN, Question, Tool
from .yamlio import Located

M = TypeVar("M", bound=BaseModel)

_WHAT = {"type": "question type", "kind": "tool kind", "per": "respondent unit", "format": "file format",
         "rag": "colour (rag)", "prefill": "thing to prefill"}
#: What each id rule means, for the officer: (what the value is used as, the rule in words, how to make one).
_PATTERNS = {
    ID_PATTERN: ("an id", "an id uses only letters, digits, '_' and '-' (no spaces or dots), starts with a letter or "
                          "digit and is at most 40 characters long", 40, "_-"),
    PART_ID_PATTERN: ("a part id", "a part id uses only lower-case letters, digits and '_', at most 20 characters",
                      20, "_"),
    TOOL_ID_PATTERN: ("the tool's id", "a tool id uses only lower-case letters, digits and '-' (no spaces), starts "
                                       "with a letter or digit and is at most 60 characters long", 60, "-"),
    r"^[a-z0-9][a-z0-9-]{0,39}$": ("a form type name", "a form type name uses only lower-case letters, digits and "
                                                       "'-', and is at most 40 characters long", 40, "-"),
    r"^[A-Za-z0-9-]{6,64}$": ("an audit id", "an audit id is 6 to 64 letters, digits and '-'", 64, "-"),
}
_EXPECTED = {
    "list": ("a list", "[first, second] on one line, or one item per line starting with '- '"),
    "mapping": ("a set of settings", "'name: value' lines indented under it"),
    "text": ("text", "plain text after the ':' (in quotes if it contains ': ' or starts with a special character)"),
    "bool": ("true or false", "true or false (without quotes)"),
    "int": ("a whole number", "digits only, e.g. 5"),
    "number": ("a number", "digits only, e.g. 5"),
}
_TYPES = {
    "list_type": "list", "tuple_type": "list", "set_type": "list", "dict_type": "mapping", "model_type": "mapping",
    "model_attributes_type": "mapping", "dataclass_type": "mapping", "string_type": "text", "bool_type": "bool",
    "bool_parsing": "bool", "int_type": "int", "int_parsing": "int", "int_from_float": "int", "float_type": "number",
    "float_parsing": "number", "decimal_type": "number",
}
_ITEMS = {"sections": "section (each with an id, a title and questions)", "questions": "question",
          "form_types": "form type", "is": "answer", "in": "answer", "is_not": "answer", "not_in": "answer",
          "all": "condition", "any": "condition"}


def load_model(located: Located, model: type[M], lenient: bool = False) -> M:
    """Validate ``located.data`` as ``model``; raise one DefinitionError listing every problem.

    ``lenient`` (a tool an audit already uses) lets through the problems in
    :data:`maa_cli.definitions.checks.LENIENT_CODES`; 'maa tools check' is never lenient.
    """
    try:
        return model.model_validate(located.data, context=LENIENT if lenient else None)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        problems = []
        for err in errors:
            problems.extend(_translate(err, located, model))
        if model is Tool and not any(err["type"] == "cross_check" for err in errors):
            # The tool's checks as a whole did not run: run them on every part that is right on its own.
            problems += [_checked(cp, located) for cp in raw_problems(located.data, Question)
                         if not (lenient and cp.code in LENIENT_CODES)]
        raise DefinitionError(_dedupe(problems), title=f"{located.file} cannot be used as written:") from None


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        key = (p.line, p.column, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return sorted(out, key=lambda p: (p.line or 0, p.column or 0))


def _question_of(located: Located, loc: tuple) -> str | None:
    """The id of the question (or section) a path points into, if any."""
    data = located.data
    found = None
    for i, step in enumerate(loc):
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(data, dict) and i > 0 and loc[i - 1] in ("questions", "parts") and "id" in data:
            found = str(data["id"]) if loc[i - 1] == "questions" else f"{found}.{data['id']}"
    return found


def _where(located: Located, path: tuple) -> dict:
    line, col = located.mark(path)
    return dict(file=located.file, line=line, column=col, question=_question_of(located, path))


def _checked(cp: CheckProblem, located: Located) -> Problem:
    return problem(ErrorCode[cp.code], **cp.params, **_where(located, cp.path))


def _translate(err: dict, located: Located, model: type[BaseModel]) -> list[Problem]:
    loc = tuple(step for step in err["loc"] if not (isinstance(step, str) and step.startswith("function-")))
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "cross_check" and "problems" in ctx:
        out = []
        for item in ctx["problems"]:
            if isinstance(item, CheckProblem):
                out.append(_checked(item, located))
            else:  # audit.yaml's checks: (path, what is wrong, what to do)
                path, what, hint = item
                out.append(problem(ErrorCode.CROSS_CHECK, detail=what, hint=hint, **_where(located, path)))
        return out
    where = _where(located, loc)
    if kind == "maa":
        params = {k: v for k, v in ctx.items() if k != "code"}
        return [problem(ErrorCode[ctx["code"]], **params, **where)]
    name = _name(loc)
    key = next((str(s) for s in reversed(loc) if isinstance(s, str)), "")
    value = err.get("input")
    if kind == "extra_forbidden":
        allowed = sorted(_fields_at(model, loc[:-1]))
        return [problem(ErrorCode.UNKNOWN_SETTING, key=str(loc[-1]), suggestion=suggest(str(loc[-1]), allowed),
                        allowed=", ".join(allowed), **where)]
    if kind == "missing":
        return [problem(ErrorCode.MISSING_SETTING, key=str(loc[-1]) if loc else "a setting", **where)]
    if kind in ("literal_error", "enum"):
        allowed = _literal_values(model, loc)
        text = _shown(value)
        return [problem(ErrorCode.BAD_CHOICE, value=text, what=_WHAT.get(key, f"value for '{key}'"),
                        suggestion=suggest(text, allowed), allowed=", ".join(allowed), **where)]
    if kind == "string_pattern_mismatch":
        what, rule, limit, joiner = _PATTERNS.get(str(ctx.get("pattern")), ("a name", "it uses characters maa does not allow", 40, "-"))
        return [problem(ErrorCode.ID_FORMAT, value=_shown(value), what=what, rule=rule,
                        suggestion=_id_like(_shown(value), limit, joiner, lower=ctx.get("pattern") != ID_PATTERN), **where)]
    if value is None and kind in _TYPES:
        return [problem(ErrorCode.EMPTY_VALUE, name=name, key=key or "the setting", **where)]
    if kind in _TYPES:
        expected, example = _EXPECTED[_TYPES[kind]]
        return [problem(ErrorCode.WRONG_TYPE, name=name, expected=expected, example=example, **where)]
    if kind in ("too_short", "string_too_short") and (ctx.get("min_length") in (1, None)):
        if kind == "string_too_short":
            return [problem(ErrorCode.EMPTY_VALUE, name=name, key=key or "the setting", **where)]
        return [problem(ErrorCode.TOO_FEW, name=name, item=_ITEMS.get(key, "item"), **where)]
    if kind in ("too_short", "too_long", "string_too_short", "string_too_long"):
        bound = (f"at least {ctx.get('min_length')}" if "short" in kind else f"at most {ctx.get('max_length')}")
        unit = "characters long" if kind.startswith("string") else "items"
        fix = "Shorten it." if "long" in kind else "Add to it."
        return [problem(ErrorCode.TEXT_LENGTH, name=name, bound=f"{bound} {unit}", fix=fix, **where)]
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {"greater_than_equal": "at least", "greater_than": "more than", "less_than_equal": "at most", "less_than": "less than"}
        limit = next(v for k, v in ctx.items() if k in ("ge", "gt", "le", "lt"))
        return [problem(ErrorCode.NUMBER_RANGE, name=name, bound=f"{words[kind]} {limit}", **where)]
    if kind.startswith(("date", "datetime")):
        return [problem(ErrorCode.NOT_A_DATE, name=name, **where)]
    if kind in ("value_error", "assertion_error"):
        # Our own validators (a day-first date in audit.yaml) raise plain sentences.
        detail = str(ctx.get("error") or err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return [problem(ErrorCode.BAD_VALUE, detail=f"{name}: {detail}", **where)]
    return [problem(ErrorCode.BAD_VALUE, detail=f"{name} has a value maa cannot use here", **where)]


def _name(loc: tuple) -> str:
    """How a message names the setting: 'version', 'item 2 of choices'."""
    if not loc:
        return "the file"
    if isinstance(loc[-1], int):
        parent = next((str(s) for s in reversed(loc) if isinstance(s, str)), "the list")
        return f"item {loc[-1] + 1} of '{parent}'"
    return f"'{loc[-1]}'"


def _shown(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = " ".join(str(value).split()) if value is not None else ""
    return text if len(text) <= 60 else text[:59] + "…"


def _id_like(value: str, limit: int, joiner: str, lower: bool = True) -> str:
    """A value that keeps to an id rule: 'Question 1.2' → 'question-1-2'."""
    text = value.casefold() if lower else value
    allowed = "a-z0-9" if lower else "A-Za-z0-9"
    text = re.sub(rf"[^{allowed}{re.escape(joiner)}]+", joiner[0], text).strip(joiner)
    return (text or "q1")[:limit].rstrip(joiner) or "q1"


# -- reading the models' annotations (for 'allowed here' and 'use one of') --------------------


def _strip(annotation):
    while True:
        origin = get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            annotation = args[0]
        elif origin is typing.Annotated:
            annotation = get_args(annotation)[0]
        elif annotation is Level:
            return LevelSpec
        else:
            return annotation


def _field_by_name(model: type[BaseModel], name: str):
    for fname, info in model.model_fields.items():
        if name in (fname, info.alias):
            return info
    return None


def _walk(model: type[BaseModel], loc: tuple):
    """Follow ``loc`` through nested models, lists and mappings; return the annotation reached (or None)."""
    current = model
    for step in loc:
        current = _strip(current)
        origin = get_origin(current)
        if origin in (list, tuple, set):
            current = get_args(current)[0]
            continue
        if origin is dict:
            current = get_args(current)[1]
            continue
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(step, str):
            info = _field_by_name(current, step)
            if info is None:
                return None
            current = info.annotation
            continue
        return None
    return _strip(current)


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    target = _walk(model, loc) if loc else model
    if isinstance(target, type) and issubclass(target, BaseModel):
        return [info.alias or name for name, info in target.model_fields.items()]
    return []


def _literal_values(model: type[BaseModel], loc: tuple) -> list[str]:
    target = _walk(model, loc)
    if get_origin(target) is Literal:
        return [str(v) for v in get_args(target)]
    return []
