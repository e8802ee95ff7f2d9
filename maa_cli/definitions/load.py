"""Turn located YAML data into pydantic models, with errors an officer can act on.

Pydantic's own messages ("Input should be 'yes_no', 'grade' …" at
``sections.0.questions.2.type``) are rewritten here into the catalog's shape:
file, line and column, the question concerned, what is wrong, what to do.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Literal, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError

from ..errors import DefinitionError, ErrorCode, Problem, problem
from .yamlio import Located

M = TypeVar("M", bound=BaseModel)

_WHAT = {"type": "question type", "kind": "tool kind", "per": "respondent unit", "format": "file format"}


def load_model(located: Located, model: type[M]) -> M:
    """Validate ``located.data`` as ``model``; raise one DefinitionError listing every problem."""
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            problems.extend(_translate(err, located, model))
        raise DefinitionError(_dedupe(problems), title=f"{located.file} cannot be used as written:") from None


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        key = (p.line, p.message)
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


def _translate(err: dict, located: Located, model: type[BaseModel]) -> list[Problem]:
    loc = tuple(step for step in err["loc"] if not (isinstance(step, str) and step.startswith("function-")))
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "cross_check" and "problems" in ctx:
        out = []
        for path, what, hint in ctx["problems"]:
            line, col = located.mark(path)
            out.append(
                problem(ErrorCode.CROSS_CHECK, file=located.file, line=line, column=col,
                        question=_question_of(located, path), detail=what, hint=hint)
            )
        return out
    line, col = located.mark(loc)
    where = dict(file=located.file, line=line, column=col, question=_question_of(located, loc))
    name = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        allowed = sorted(_fields_at(model, loc[:-1]))
        return [problem(ErrorCode.UNKNOWN_SETTING, key=name, suggestion=_suggest(name, allowed), allowed=", ".join(allowed), **where)]
    if kind == "missing":
        return [problem(ErrorCode.MISSING_SETTING, key=name, **where)]
    if kind in ("literal_error", "enum"):
        allowed = _literal_values(model, loc)
        value = str(err.get("input"))
        return [
            problem(ErrorCode.BAD_CHOICE, value=value, what=_WHAT.get(name, f"value for '{name}'"),
                    suggestion=_suggest(value, allowed), allowed=", ".join(allowed), **where)
        ]
    detail = err["msg"]
    if name and not name.isdigit():
        detail = f"'{name}': {detail[0].lower()}{detail[1:]}" if detail else name
    return [problem(ErrorCode.BAD_VALUE, detail=detail.replace("Value error, ", ""), **where)]


def _suggest(value: str, allowed: list[str]) -> str:
    norm = {a.replace("_", "").replace("-", "").casefold(): a for a in allowed}
    key = value.replace("_", "").replace("-", "").replace(" ", "").casefold()
    if key in norm:
        return f" — did you mean '{norm[key]}'?"
    close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
    return f" — did you mean '{close[0]}'?" if close else ""


def _unwrap(annotation):
    """The model class or Literal inside list[...] / X | None / dict[str, X]."""
    while True:
        origin = get_origin(annotation)
        if origin in (list, tuple, set):
            annotation = get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            annotation = args[0]
        elif origin is dict:
            annotation = get_args(annotation)[1]
        elif origin is typing.Annotated:
            annotation = get_args(annotation)[0]
        else:
            return annotation


def _field_by_name(model: type[BaseModel], name: str):
    for fname, info in model.model_fields.items():
        if name in (fname, info.alias):
            return info
    return None


def _walk(model: type[BaseModel], loc: tuple):
    """Follow ``loc`` through nested models; return the annotation reached (or None)."""
    current = model
    for step in loc:
        if isinstance(step, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = _field_by_name(current, step)
        if info is None:
            return None
        current = _unwrap(info.annotation)
    return current


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
