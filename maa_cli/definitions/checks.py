"""Checks that need the whole tool: ids, conditions, scales, local terms, settings that do not fit a type.

They run on a validated :class:`~maa_cli.definitions.tool.Tool` (its model validator calls
:func:`tool_problems`) and also on a tool whose settings have mistakes of their own
(:func:`raw_problems`): every question and scale that validates on its own is checked, so
``maa tools check`` lists every problem in a file in one run, not a few per run.

Each problem is a path into the YAML data (for its line and column), a catalog code
(:class:`maa_cli.errors.ErrorCode`) and the code's parameters.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from pydantic import TypeAdapter, ValidationError

from .conditions import Condition
from .scales import BUILT_IN_SCALES, NA, YES_NO_LEVELS, Level
from .vocabulary import CHOICE_TYPES, MAX_FORM_ROWS, OTHER, TERM_PATTERN, TERM_TEXT_KEYS, terms_used

_LEVELS = TypeAdapter(list[Level])
_TEXT_TYPES = ("short_text", "long_text")
_WORDS = {"short_text": "short text", "long_text": "long text", "date": "date", "number": "number",
          "yes_no": "yes/no", "single_choice": "single choice", "multiple_choice": "multiple choice", "grade": "grade"}


#: Problems that make a tool say something it does not mean (a setting with no effect, a condition that can
#: never hold) but that maa can still work with. 'maa tools check' and 'maa new-audit' refuse them; an audit
#: already using the tool is not stopped by them, so an audit made with an older maa keeps working after an
#: upgrade that checks more.
LENIENT_CODES = frozenset({
    "SETTING_DOES_NOT_FIT", "ACTION_PLAN_NEVER", "REQUIRED_AND_CONDITION", "MIN_OVER_MAX", "CONDITION_BAD_VALUE",
    "CONDITION_NOT_CHOICE", "CONDITION_SELF", "VALUE_NOT_OFFERED", "UNKNOWN_TERM", "TERM_NAME",
})


@dataclass(frozen=True)
class CheckProblem:
    """One problem found by a check: where (a path into the YAML data), which catalog code, its parameters."""

    path: tuple
    code: str
    params: dict = field(default_factory=dict)


@dataclass
class _Q:
    path: tuple
    id: str | None
    model: object | None  # None: the question has mistakes of its own (reported by validation)
    removed: frozenset = frozenset()  # settings left out to check the rest (their mistakes are reported already)

    @property
    def shape_known(self) -> bool:
        """Whether what the question offers is known (none of the settings that decide it had mistakes)."""
        return self.model is not None and not (self.removed & _SHAPE)


#: Settings that decide what a question offers: when one has a mistake, nothing is judged from the question.
_SHAPE = frozenset({"type", "parts", "scale", "choices", "na", "other"})


@dataclass
class _View:
    """What the checks need from a tool, whether it validated or not."""

    scales: dict[str, list[Level]]
    sections: list[tuple[tuple, str | None]]
    questions: list[_Q]
    terms: set[str]
    term_paths: list[tuple[tuple, str]]  # (path of the local_terms key, name)
    texts: list[tuple[tuple, str]]
    tool: object | None = None
    broken: set[str] = field(default_factory=set)  # scales with mistakes of their own: nothing is judged by them


def tool_problems(tool) -> list[CheckProblem]:
    """Every cross-check problem of a validated :class:`~maa_cli.definitions.tool.Tool`."""
    sections, questions, texts = [], [], []
    for si, s in enumerate(tool.sections):
        sections.append((("sections", si), s.id))
        texts += [(("sections", si, k), getattr(s, k)) for k in ("title", "intro") if getattr(s, k)]
        for qi, q in enumerate(s.questions):
            path = ("sections", si, "questions", qi)
            questions.append(_Q(path, q.id, q))
            texts += _question_texts(q, path)
    texts += [((k,), getattr(tool, k)) for k in ("title", "instructions") if getattr(tool, k)]
    view = _View({**BUILT_IN_SCALES, **tool.scales}, sections, questions, set(tool.local_terms),
                 [(("local_terms", k), k) for k in tool.local_terms], texts, tool)
    return _check(view)


def raw_problems(data, question_model) -> list[CheckProblem]:
    """The cross-check problems of a tool read from YAML that did not validate as a whole.

    Anything malformed is skipped here (validation reports it); everything else is checked.
    ``question_model`` is :class:`~maa_cli.definitions.tool.Question`, each question being
    validated on its own.
    """
    if not isinstance(data, dict):
        return []
    scales, broken = dict(BUILT_IN_SCALES), set()
    for name, levels in (data.get("scales") or {}).items() if isinstance(data.get("scales"), dict) else []:
        try:
            scales[str(name)] = _LEVELS.validate_python(levels)
        except ValidationError:
            scales[str(name)] = []  # it exists; its own mistakes are reported by validation
            broken.add(str(name))
    sections, questions, texts = [], [], []
    for si, s in _dicts(data.get("sections")):
        sections.append((("sections", si), _text(s.get("id"))))
        texts += [(("sections", si, k), s[k]) for k in ("title", "intro") if isinstance(s.get(k), str)]
        for qi, raw in _dicts(s.get("questions")):
            path = ("sections", si, "questions", qi)
            model, removed = _best_effort(raw, question_model)
            texts += _question_texts(model, path) if model is not None and not removed else _raw_texts(raw, path)
            questions.append(_Q(path, _text(raw.get("id")), model, removed))
    texts += [((k,), data[k]) for k in ("title", "instructions") if isinstance(data.get(k), str)]
    terms = data.get("local_terms") if isinstance(data.get("local_terms"), dict) else {}
    view = _View(scales, sections, questions, {str(k) for k in terms}, [(("local_terms", k), str(k)) for k in terms], texts,
                 broken=broken)
    return _check(view)


def _best_effort(raw: dict, question_model) -> tuple[object | None, frozenset]:
    """The question as validated, or with the settings that have mistakes left out (so the rest can be checked)."""
    removed: set[str] = set()
    data = dict(raw)
    for _attempt in range(3):
        try:
            return question_model.model_validate(data), frozenset(removed)
        except ValidationError as exc:
            bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
            if not bad or not bad - removed or bad & {"id", "text"}:
                return None, frozenset(removed)
            removed |= bad
            data = {k: v for k, v in data.items() if k not in removed}
    return None, frozenset(removed)


# -- the checks ------------------------------------------------------------------------------------


def _check(view: _View) -> list[CheckProblem]:
    out = _ids(view)
    keys = _answer_keys(view)
    for q in view.questions:
        if q.shape_known:
            out += [p for p in _question(view, q) if not _under_removed(p.path, q)]
        if q.model is not None:
            out += _conditions(view, q, keys)
    out += _cycles(view)
    out += _terms(view)
    if not out and view.tool is not None and (rows := view.tool.form_rows()) > MAX_FORM_ROWS:
        out.append(CheckProblem(("sections",), "FORM_TOO_LONG", {"rows": rows, "limit": MAX_FORM_ROWS}))
    return out


def _under_removed(path: tuple, q: _Q) -> bool:
    rest = path[len(q.path):]
    return bool(rest) and rest[0] in q.removed


def _ids(view: _View) -> list[CheckProblem]:
    out, seen = [], {}
    for path, sid in view.sections:
        if sid is None:
            continue
        if sid in seen:
            out.append(CheckProblem(path + ("id",), "TOOL_DUPLICATE_ID", {"id": sid, "what": "section"}))
        seen.setdefault(sid, path)
    for q in view.questions:
        if q.id is None:
            continue
        if q.id in seen:
            out.append(CheckProblem(q.path + ("id",), "TOOL_DUPLICATE_ID", {"id": q.id, "what": "question"}))
        seen.setdefault(q.id, q.path)
        parts: set[str] = set()
        for pi, p in enumerate(q.model.parts if q.model else []):
            if p.id in parts:
                out.append(CheckProblem(q.path + ("parts", pi, "id"), "TOOL_DUPLICATE_ID",
                                        {"id": p.id, "what": f"part of question '{q.id}'"}))
            parts.add(p.id)
    return out


def _question(view: _View, q: _Q) -> list[CheckProblem]:
    m, path = q.model, q.path
    if m.parts and m.type is None:
        return [CheckProblem(path + ("type",), "QUESTION_NO_TYPE", {"id": m.id, "hint": "the type its parts share"})]
    if not m.parts and m.type is None:
        return [CheckProblem(path, "QUESTION_NO_TYPE", {"id": m.id, "hint": "its type"})]
    out = []
    if not m.parts:
        out += _answerable(view, m, m.type, path, f"question '{m.id}'")
    else:
        for pi, p in enumerate(m.parts):
            ptype = p.type or m.type
            out += _answerable(view, p, ptype, path + ("parts", pi), f"part '{p.id}' of question '{m.id}'", m)
        # Settings the parts inherit: checked against the type they share.
        out += _fits(m, m.type, path, f"question '{m.id}'", skip_choices=True)
        if m.scale is not None and m.scale not in view.scales:
            out.append(CheckProblem(path + ("scale",), "UNKNOWN_SCALE_NAME", {
                "scale": m.scale, "name": f"question '{m.id}'", "suggestion": _suggest(m.scale, list(view.scales)),
                "allowed": ", ".join(sorted(view.scales))}))
    out += _companions(view, m, path)
    return out


def _answerable(view: _View, src, qtype: str, path: tuple, name: str, q: object | None = None) -> list[CheckProblem]:
    out = _fits(src, qtype, path, name)
    if qtype in ("single_choice", "multiple_choice") and not (src.choices or (q is not None and q.choices)):
        out.append(CheckProblem(path + ("choices",), "CHOICES_MISSING", {"name": name, "type": _WORDS[qtype]}))
    if src.scale is not None and qtype == "grade" and src.scale not in view.scales:
        out.append(CheckProblem(path + ("scale",), "UNKNOWN_SCALE_NAME",
                                {"scale": src.scale, "name": name, "suggestion": _suggest(src.scale, list(view.scales)),
                                 "allowed": ", ".join(sorted(view.scales))}))
    offered = _offered(view, src, qtype, q)
    if src.urgent and qtype in ("single_choice", "multiple_choice", "grade") and not src.urgent_values:
        out.append(CheckProblem(path + ("urgent",), "URGENT_VALUES_MISSING", {"name": name}))
    for i, value in enumerate(src.urgent_values or []):
        if offered is not None and offered and _match(value, offered) is None:
            out.append(CheckProblem(path + ("urgent_values", i), "VALUE_NOT_OFFERED",
                                    {"value": value, "setting": "urgent_values", "name": name,
                                     "suggestion": _suggest(value, offered), "allowed": ", ".join(offered)}))
    return out


def _fits(src, qtype: str, path: tuple, name: str, skip_choices: bool = False) -> list[CheckProblem]:
    """Settings written on a question or part whose type makes no use of them."""
    what = _WORDS.get(qtype, qtype)
    bad: list[tuple[str, str]] = []
    if src.other and qtype not in ("single_choice", "multiple_choice"):
        bad.append(("other", "Remove 'other', or make the question a single_choice or multiple_choice."))
    if src.choices is not None and not skip_choices and qtype not in ("single_choice", "multiple_choice"):
        fix = ("A grade takes its answers from a scale: move the levels under 'scales:' and name that scale with "
               "'scale:'." if qtype == "grade" else "Remove 'choices', or make the question a single_choice or multiple_choice.")
        bad.append(("choices", fix))
    if src.scale is not None and qtype != "grade":
        bad.append(("scale", "Remove 'scale', or make the question a grade."))
    for key in ("min", "max"):
        if getattr(src, key) is not None and qtype != "number":
            bad.append((key, f"Remove '{key}': only a number question can have a smallest or largest answer."))
    if src.na and qtype not in CHOICE_TYPES:
        bad.append(("na", "Remove 'na': a question answered in words, a number or a date is simply left blank "
                          "when it does not apply (make it 'required: false')."))
    if src.urgent_values is not None and qtype not in ("single_choice", "multiple_choice", "grade"):
        bad.append(("urgent_values", "Remove 'urgent_values': on a yes/no question 'urgent: true' makes Yes urgent, "
                                     "and any answer to other types is."))
    if src.prefill == "date_of_birth" and qtype != "date":
        bad.append(("prefill", "Make the question a date, or prefill something else."))
    if src.prefill in ("child_name", "case_ref", "agency") and qtype not in _TEXT_TYPES:
        bad.append(("prefill", "Make the question short_text, or prefill something else."))
    out = [CheckProblem(path + (key,), "SETTING_DOES_NOT_FIT", {"key": key, "name": name, "type": what, "fix": fix})
           for key, fix in bad]
    if src.min is not None and src.max is not None and src.min > src.max and qtype == "number":
        out.append(CheckProblem(path + ("min",), "MIN_OVER_MAX", {"name": name, "min": src.min, "max": src.max}))
    return out


def _companions(view: _View, m, path: tuple) -> list[CheckProblem]:
    """action_plan, action_date, why and required against what the question is."""
    types = {p.type or m.type for p in m.parts} if m.parts else {m.type}
    judged = types & set(CHOICE_TYPES)
    name = f"question '{m.id}'"
    what = " or ".join(sorted(_WORDS.get(t, str(t)) for t in types))
    out = []
    if m.action_plan and not judged:
        out.append(CheckProblem(path + ("action_plan",), "SETTING_DOES_NOT_FIT", {
            "key": "action_plan", "name": name, "type": what,
            "fix": "An answer in words, a number or a date never needs action, so no action points would be asked for. "
                   "Remove 'action_plan', or make the question yes_no, a grade or a choice."}))
    elif m.action_plan and not _uses_broken(view, m) and not any(level.meets is False for level in _all_levels(view, m)):
        out.append(CheckProblem(path + ("action_plan",), "ACTION_PLAN_NEVER", {"name": name, "example": _example(view, m)}))
    if m.action_date and not m.action_plan:
        out.append(CheckProblem(path + ("action_date",), "SETTING_DOES_NOT_FIT", {
            "key": "action_date", "name": name, "type": what,
            "fix": "A target date belongs to action points: add 'action_plan: true', or remove 'action_date'."}))
    if m.why and not judged:
        out.append(CheckProblem(path + ("why",), "SETTING_DOES_NOT_FIT", {
            "key": "why", "name": name, "type": what,
            "fix": "'Why this judgement' explains a grade or a choice: remove 'why' from a question answered in words."}))
    if m.required_when is not None and m.required is True:
        out.append(CheckProblem(path + ("required",), "REQUIRED_AND_CONDITION", {"name": name}))
    return out


def _uses_broken(view: _View, m) -> bool:
    """Whether the question takes its answers from a scale that has mistakes of its own, or is unknown (reported already)."""
    names = [src.scale or m.scale or "ofsted" for src in m.parts or [m] if (src.type or m.type) == "grade"]
    return any(name in view.broken or name not in view.scales for name in names)


def _all_levels(view: _View, m) -> list[Level]:
    out = []
    for src in m.parts or [m]:
        out += _levels(view, src, src.type or m.type, m)
    return out


def _levels(view: _View, src, qtype: str | None, q: object | None = None) -> list[Level]:
    if qtype == "yes_no":
        return list(YES_NO_LEVELS.values())
    if qtype == "grade":
        name = src.scale or (q.scale if q is not None else None) or "ofsted"
        return list(view.scales.get(name, []))
    if qtype in ("single_choice", "multiple_choice"):
        return list(src.choices or (q.choices if q is not None else None) or [])
    return []


def _example(view: _View, m) -> str:
    levels = _all_levels(view, m)
    weaker = str(levels[-1]) if levels else "Not met"
    if m.type == "grade" or any(p.type == "grade" for p in m.parts):
        scale = m.scale or next((p.scale for p in m.parts if p.scale), None) or "ofsted"
        return f"under 'scales:', write {scale}'s weaker levels as {{value: {weaker}, meets: false}}"
    return f"write the choice as {{value: {weaker}, meets: false}}"


def _offered(view: _View, src, qtype: str | None, q: object | None = None) -> list[str] | None:
    """The answers a question or part offers (N/A and 'Other' included), or None for words, numbers and dates."""
    if qtype not in CHOICE_TYPES:
        return None
    values = [str(v) for v in _levels(view, src, qtype, q)]
    if src.other or (q is not None and q.other):
        values.append(OTHER)
    if src.na or (q is not None and q.na):
        values.append(NA)
    return values


# -- conditions ------------------------------------------------------------------------------------


def _answer_keys(view: _View) -> dict[str, tuple[_Q, object]]:
    """Every id a condition may name: question ids, and each answer box's key (parts, action points …)."""
    out: dict[str, tuple[_Q, object]] = {}
    for q in view.questions:
        if q.id is None:
            continue
        out[q.id] = (q, None)
        m = q.model
        if m is None:
            continue
        for p in m.parts:
            out[f"{m.id}.{p.id}"] = (q, p)
        if m.why:
            out[f"{m.id}.why"] = (q, "why")
        if m.other or any(p.other for p in m.parts):
            out[f"{m.id}.other"] = (q, "other")
        if m.action_plan:
            for role in ("action", "when_who") + (("due",) if m.action_date else ()):
                out[f"{m.id}.{role}"] = (q, role)
    return out


def _conditions(view: _View, q: _Q, keys: dict) -> list[CheckProblem]:
    out = []
    for setting, condition in q.model.conditions:
        for leaf, sub in condition.leaves():
            if leaf.question is None:
                continue
            path = q.path + (setting,) + sub
            out += _leaf(view, q.model, leaf, path, keys, setting)
    return out


def _leaf(view: _View, owner, leaf: Condition, path: tuple, keys: dict, setting: str) -> list[CheckProblem]:
    ref = leaf.question
    if ref not in keys:
        return [CheckProblem(path + ("question",), "CONDITION_UNKNOWN_TARGET",
                             {"ref": ref, "id": owner.id, "suggestion": _suggest(ref, list(keys))})]
    if ref.split(".")[0] == owner.id:
        return [CheckProblem(path + ("question",), "CONDITION_SELF", {"id": owner.id, "setting": setting})]
    if leaf.test not in ("is", "is_not", "in", "not_in"):
        return []
    entry, part = keys[ref]
    if not entry.shape_known or _uses_broken(view, entry.model):
        return []  # the target (or its scale) has mistakes of its own, reported already
    target = entry.model
    offered = _target_offers(view, target, part)
    if offered is None:
        return [CheckProblem(path + (leaf.test,), "CONDITION_NOT_CHOICE", {"ref": ref, "test": leaf.test})]
    out = []
    for i, value in enumerate(leaf.values):
        if _match(value, offered) is None:
            at = path + (leaf.test, i) if len(leaf.values) > 1 else path + (leaf.test,)
            out.append(CheckProblem(at, "CONDITION_BAD_VALUE", {
                "value": value, "ref": ref, "suggestion": _suggest(value, offered), "allowed": ", ".join(offered)}))
    return out


def _target_offers(view: _View, target, part) -> list[str] | None:
    if isinstance(part, str):  # a companion box: why, other, action points, when/who, target date
        return None
    if part is not None:
        return _offered(view, part, part.type or target.type, target)
    if not target.parts:
        return _offered(view, target, target.type)
    if target.type == "yes_no" and all((p.type or "yes_no") == "yes_no" for p in target.parts):
        values = ["Yes", "No"] + ([NA] if target.na or any(p.na for p in target.parts) else [])
        return values
    offered: list[str] = []
    for p in target.parts:
        found = _offered(view, p, p.type or target.type, target)
        offered += [v for v in found or [] if v not in offered]
    return offered or None


def _cycles(view: _View) -> list[CheckProblem]:
    """applies_when conditions that depend on each other in a circle: none of the questions could ever be decided."""
    edges = {q.id: (q, q.model.applies_when.questions()) for q in view.questions
             if q.model is not None and q.model.applies_when is not None}
    out, reported = [], set()
    for start in edges:
        stack, seen = [(start, (start,))], set()
        while stack:
            node, trail = stack.pop()
            for nxt in sorted(edges.get(node, (None, set()))[1]):
                if nxt == start and len(trail) > 1:
                    cycle = frozenset(trail)
                    if cycle not in reported:
                        reported.add(cycle)
                        q = edges[start][0]
                        out.append(CheckProblem(q.path + ("applies_when",), "CONDITION_CYCLE",
                                                {"cycle": " → ".join(trail + (start,))}))
                elif nxt in edges and nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, trail + (nxt,)))
    return out


# -- local terms -------------------------------------------------------------------------------------


def _terms(view: _View) -> list[CheckProblem]:
    import re

    out = []
    for path, name in view.term_paths:
        if not re.fullmatch(TERM_PATTERN, name):
            out.append(CheckProblem(path, "TERM_NAME", {"term": name}))
    for path, text in view.texts:
        for name in terms_used(text):
            if name not in view.terms:
                out.append(CheckProblem(path, "UNKNOWN_TERM", {
                    "term": name, "suggestion": _suggest(name, sorted(view.terms)),
                    "declared": ", ".join(sorted(view.terms)) or "none yet"}))
    return out


def _question_texts(q, path: tuple) -> list[tuple[tuple, str]]:
    out = [(path + (k,), getattr(q, k)) for k in TERM_TEXT_KEYS if isinstance(getattr(q, k, None), str)]
    out += [(path + ("parts", i, "text"), p.text) for i, p in enumerate(q.parts)]
    out += [(path + ("links", i, "title"), link.title) for i, link in enumerate(q.links)]
    return out


def _raw_texts(raw: dict, path: tuple) -> list[tuple[tuple, str]]:
    out = [(path + (k,), raw[k]) for k in TERM_TEXT_KEYS if isinstance(raw.get(k), str)]
    out += [(path + ("parts", i, "text"), p["text"]) for i, p in _dicts(raw.get("parts")) if isinstance(p.get("text"), str)]
    return out


# -- helpers -------------------------------------------------------------------------------------------


def _dicts(value):
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield i, item


def _text(value) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    return str(value) if isinstance(value, str | int | float) else None


def _fold(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _match(value: str, offered: list[str]) -> str | None:
    folded = _fold(value)
    return next((o for o in offered if _fold(o) == folded), None)


def suggest(value: str, allowed: list[str]) -> str:
    """' — did you mean 'X'?' for the closest of ``allowed`` (spelling, case, '_' and '-' ignored), or ''."""
    return _suggest(value, allowed)


def _suggest(value: str, allowed: list[str]) -> str:
    value = str(value)
    norm = {a.replace("_", "").replace("-", "").replace(" ", "").casefold(): a for a in allowed}
    key = value.replace("_", "").replace("-", "").replace(" ", "").casefold()
    if key in norm and norm[key] != value:
        return f" — did you mean '{norm[key]}'?"
    lowered = {a.casefold(): a for a in allowed}
    close = difflib.get_close_matches(value.casefold(), list(lowered), n=1, cutoff=0.6)
    return f" — did you mean '{lowered[close[0]]}'?" if close else ""
