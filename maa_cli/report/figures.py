"""Every number the reports print, computed once from collected records.

Pure functions: they take the audit, its tools and the collected records (plain
dicts from :func:`maa_cli.intake.collect.load_responses`) and never touch files, so
tests can recompute each figure independently. Conventions, used everywhere:

* a percentage always travels with its numerator and denominator (:class:`Count`);
* N/A answers and unanswered questions leave the denominator;
* sub-parts roll up by the single rule in :func:`maa_cli.definitions.tool.roll_up`;
* only *accepted* returns count towards results; incomplete ones count as
  responses (the agency replied) but not towards answers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..definitions.tool import NA, NO, OTHER, YES, Question, Tool, not_met
from ..intake.judging import not_met_text, question_value

TEXT_TYPES = ("short_text", "long_text")


@dataclass(frozen=True)
class Count:
    """``n`` of ``of``, e.g. 3 of 5 (60%)."""

    n: int
    of: int

    @property
    def pct(self) -> float | None:
        return 100.0 * self.n / self.of if self.of else None

    def suppressed(self, small: int | None) -> bool:
        """Whether small-number suppression hides this count (or its complement, which would reveal it)."""
        if not small:
            return False
        return 0 < self.n < small or 0 < self.of - self.n < small

    def text(self, small: int | None = None, unit: str = "") -> str:
        unit = f" {unit}" if unit else ""
        if self.suppressed(small):
            if 0 < self.n < small:
                return f"a small number (fewer than {small}) of {self.of}{unit}"
            if self.n == 0:  # the whole denominator is small: it was none of them
                return f"none of {self.of}{unit}"
            return f"all but a small number (fewer than {small}) of {self.of}{unit}"
        if not self.of:
            return f"none{unit} (nothing to count)"
        return f"{self.n} of {self.of}{unit} ({percent(self.pct)})"


def percent(value: float | None) -> str:
    """A percentage as people write it in a report: whole numbers, '<1%' for a trace."""
    if value is None:
        return "–"
    if 0 < value < 1:
        return "<1%"
    if 99 < value < 100:
        return ">99%"
    return f"{value:.0f}%"


# -- answers to one question -------------------------------------------------------------------


@dataclass(frozen=True)
class Distribution:
    """How many gave each value. ``answered`` excludes N/A and blanks; percentages use it."""

    values: tuple[str, ...]
    counts: dict[str, int]
    not_applicable: int = 0
    unanswered: int = 0
    answered: int = 0  # respondents with an answer other than N/A

    def count(self, value: str) -> Count:
        return Count(self.counts.get(value, 0), self.answered)


@dataclass
class QuestionFigures:
    """The figures for one question of one form type."""

    form_type: str
    question: Question
    section: str
    kind: str  # yes_no | grade | choice | multiple | number | text | date
    distribution: Distribution | None = None
    parts: list[tuple[str, str, Distribution]] = field(default_factory=list)  # (label, text, distribution)
    compliance: Count | None = None  # yes/no: Yes of Yes+No (rolled up)
    positive: Count | None = None  # grade: the levels that meet the standard (or the better half), of all graded
    positive_label: str = ""
    by_group: dict[str, dict[str, Distribution]] = field(default_factory=dict)
    numbers: list[int] = field(default_factory=list)
    numbers_by_group: dict[str, dict[str, list[int]]] = field(default_factory=dict)  # number: the answers per group
    text_answers: int = 0

    @property
    def number(self) -> str:
        return self.question.number or self.question.id

    @property
    def headline(self) -> Count | None:
        return self.compliance if self.kind == "yes_no" else self.positive


def answer_questions(tool: Tool) -> list[tuple[str, Question]]:
    """(section title, question) for every question a report gives figures for: not identifying ones."""
    return [(s.title, q) for s in tool.sections for q in s.questions if not q.identifying]


def is_practice(q: Question) -> bool:
    """Whether a question judges practice. An urgent question (a child at risk now) and its
    follow-up are for acting on the same day, not for ranking or publishing."""
    return not q.urgent and q.required_when is None and not q.identifying


def positive_values(tool: Tool, q: Question) -> tuple[str, ...]:
    """The grades that count as good: those whose level meets the standard where the scale says
    (Outstanding and Good; Fully met; Green), else the better half of a plain scale."""
    scale = [v for v in tool.choices_for(q) if v != NA]
    levels = [tool.meaning(tool.field(q.id), v) for v in scale] if not q.parts else []
    if any(level is not None and level.meets is not None for level in levels):
        return tuple(v for v, level in zip(scale, levels, strict=True) if level is None or level.meets is not False)
    return tuple(scale[: max(1, len(scale) // 2)])


def distribution(values: list, order: tuple[str, ...], multiple: bool = False) -> Distribution:
    """Count ``values`` (one per respondent) in the order of ``order``; N/A and blanks apart."""
    counts: Counter = Counter()
    na = blank = answered = 0
    for v in values:
        if v in (None, "", []):
            blank += 1
        elif v == NA or v == [NA]:
            na += 1
        else:
            answered += 1
            for item in v if multiple else [v]:
                if item != NA:
                    counts[item] += 1
    ordered = tuple(order) + tuple(sorted(k for k in counts if k not in order))
    return Distribution(tuple(v for v in ordered if v != NA), dict(counts), na, blank, answered)


def question_figures(form_type: str, tool: Tool, records: list[dict], groups: dict[str, dict[str, str]] | None = None) -> list[QuestionFigures]:
    """Figures for every question of ``tool`` from the accepted ``records`` of one form type.

    Args:
        groups: optional breakdowns: ``{group name: {form_id: group value}}`` (e.g. by agency,
            or by the respondents' quadrant); each yes/no, grade, choice or number question is
            broken down by each group.
    """
    accepted = [r for r in records if r["form_type"] == form_type and r["status"] == "accepted"]
    out = []
    for section, q in answer_questions(tool):
        values = [question_value(tool, r["answers"], q.id) for r in accepted]
        qf = QuestionFigures(form_type, q, section, _kind(q))
        choices = tuple(v for v in tool.choices_for(q) if v != NA)
        if qf.kind in ("yes_no", "grade", "choice", "multiple"):
            multiple = qf.kind == "multiple"
            qf.distribution = distribution(values, choices, multiple)
            for name, by_form in (groups or {}).items():
                split: dict[str, list] = {}
                for r, v in zip(accepted, values, strict=True):
                    split.setdefault(by_form.get(r["form_id"]) or "Not recorded", []).append(v)
                qf.by_group[name] = {k: distribution(vs, choices, multiple) for k, vs in sorted(split.items())}
        if qf.kind == "yes_no":
            d = qf.distribution
            qf.compliance = Count(d.counts.get(YES, 0), d.counts.get(YES, 0) + d.counts.get(NO, 0))
            for p in q.parts:
                part_values = [r["answers"].get(f"{q.id}.{p.id}") for r in accepted]
                qf.parts.append((p.label or "", p.text, distribution(part_values, (YES, NO))))
        elif qf.kind == "grade":
            good = positive_values(tool, q)
            qf.positive = Count(sum(qf.distribution.counts.get(v, 0) for v in good), qf.distribution.answered)
            qf.positive_label = " or ".join(v.lower() for v in good) if len(good) <= 2 else "meeting the standard"
        elif qf.kind == "number":
            qf.numbers = sorted(v for v in values if isinstance(v, int))
            for name, by_form in (groups or {}).items():
                numbers: dict[str, list[int]] = {}
                for r, v in zip(accepted, values, strict=True):
                    if isinstance(v, int):
                        numbers.setdefault(by_form.get(r["form_id"]) or "Not recorded", []).append(v)
                qf.numbers_by_group[name] = {k: sorted(vs) for k, vs in sorted(numbers.items())}
        elif qf.kind in ("text", "date"):
            qf.text_answers = sum(1 for v in values if v not in (None, ""))
        out.append(qf)
    return out


def _kind(q: Question) -> str:
    qtype = q.type
    if qtype == "yes_no":
        return "yes_no"
    if qtype == "grade":
        return "grade"
    if qtype == "single_choice":
        return "choice"
    if qtype == "multiple_choice":
        return "multiple"
    if qtype == "number":
        return "number"
    if qtype == "date":
        return "date"
    return "text"


def weakest_first(figures: list[QuestionFigures]) -> list[QuestionFigures]:
    """Yes/no and grade questions with at least one answer, lowest headline percentage first.

    Ties keep form order, so the ranking is stable from run to run.
    """
    ranked = [qf for qf in figures if qf.headline is not None and qf.headline.of and is_practice(qf.question)]
    return sorted(ranked, key=lambda qf: qf.headline.n / qf.headline.of)


def median(values: list[int]) -> float | None:
    if not values:
        return None
    s = sorted(values)
    mid = len(s) // 2
    return float(s[mid]) if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


# -- themes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Theme:
    """A cross-cutting finding: ``label`` in ``count``, e.g. domestic abuse in 4 of 5 cases."""

    label: str
    count: Count
    unit: str
    source: str  # where it came from: "case features", "question themes", "grades across cases"

    def sentence(self, small: int | None = None) -> str:
        return f"{self.label} {self.verb} in {self.count.text(small, self.unit)}."

    @property
    def verb(self) -> str:
        return {"case features": "featured", "grades across cases": "was judged weaker by at least one agency"}.get(self.source, "was met")


def case_feature_themes(form_type: str, tool: Tool, records: list[dict]) -> list[Theme]:
    """Each ticked choice of a multiple-choice question across cases: a case counts once,
    when any agency ticked it. The denominator is the cases with an accepted return."""
    accepted = [r for r in records if r["form_type"] == form_type and r["status"] == "accepted" and r.get("case_ref")]
    cases = sorted({r["case_ref"] for r in accepted})
    out = []
    for _section, q in answer_questions(tool):
        if q.type != "multiple_choice":
            continue
        seen: dict[str, set] = {}
        for r in accepted:
            for choice in r["answers"].get(q.id) or []:
                if choice not in (OTHER, NA):
                    seen.setdefault(choice, set()).add(r["case_ref"])
        for choice in tool.choices_for(q):
            if choice in seen:
                out.append(Theme(choice, Count(len(seen[choice]), len(cases)), "cases", "case features"))
    return sorted(out, key=lambda t: -t.count.n)


def weaker_grade_themes(form_type: str, tool: Tool, records: list[dict]) -> list[Theme]:
    """For each graded question: cases where at least one agency gave a grade in the weaker half."""
    accepted = [r for r in records if r["form_type"] == form_type and r["status"] == "accepted" and r.get("case_ref")]
    cases = sorted({r["case_ref"] for r in accepted})
    out = []
    for _section, q in answer_questions(tool):
        if q.type != "grade":
            continue
        good = positive_values(tool, q)
        weak = {r["case_ref"] for r in accepted if r["answers"].get(q.id) not in (None, NA, *good)}
        graded = {r["case_ref"] for r in accepted if r["answers"].get(q.id) not in (None, NA)}
        if weak:
            out.append(Theme(q.text, Count(len(weak), len(graded or cases)), "cases", "grades across cases"))
    return sorted(out, key=lambda t: -t.count.n)


def tag_themes(figures: list[QuestionFigures]) -> list[Theme]:
    """Each question theme tag (``themes:`` in the tool): the share of answers that met it,
    pooling yes/no compliance and grades in the better half across the tagged questions."""
    pooled: dict[str, list[int]] = {}
    for qf in figures:
        count = qf.headline
        if count is None:
            continue
        for tag in qf.question.themes:
            n_of = pooled.setdefault(tag, [0, 0])
            n_of[0] += count.n
            n_of[1] += count.of
    out = [Theme(tag[:1].upper() + tag[1:], Count(n, of), "answers", "question themes") for tag, (n, of) in pooled.items() if of]
    return sorted(out, key=lambda t: t.count.n / t.count.of)


# -- one case across agencies (for the panel) ---------------------------------------------------------


@dataclass
class GradeComparison:
    """One graded question of one case: each agency's grade and how far apart they are."""

    question: Question
    grades: dict[str, str]  # agency -> grade (N/A and blanks left out)
    scale: tuple[str, ...]

    @property
    def spread(self) -> int:
        """Steps between the best and the worst grade given (0 when agencies agree)."""
        ranks = [self.scale.index(g) for g in self.grades.values() if g in self.scale]
        return max(ranks) - min(ranks) if ranks else 0

    @property
    def differs(self) -> bool:
        return len(set(self.grades.values())) > 1


def compare_grades(tool: Tool, records: list[dict]) -> list[GradeComparison]:
    """Grades given by each agency to each graded question, for the records of one case."""
    out = []
    for _section, q in answer_questions(tool):
        if q.type != "grade":
            continue
        scale = tuple(v for v in tool.choices_for(q) if v != NA)
        grades = {r.get("agency") or r["form_id"]: r["answers"].get(q.id) for r in records if r["status"] == "accepted"}
        out.append(GradeComparison(q, {a: g for a, g in grades.items() if g not in (None, NA)}, scale))
    return out


# -- answers that need action, and the respondent's own actions -----------------------------------------


@dataclass(frozen=True)
class ActionRow:
    """One question whose answer needs action (:func:`maa_cli.definitions.tool.not_met`), with what the
    respondent said they would do.

    ``answer`` is the answer as the plan shows it: "No", "No (b, c)", "Partly met", "Not met (a)".
    ``due`` is the target date given (ISO text, as collected) when the tool asks for one
    (``action_date: true``); ``rag`` the colour of the answer (green, amber or red) when its scale says.
    """

    form_id: str
    agency: str
    number: str
    question: str
    answer: str
    action: str
    when_who: str
    due: str | None = None
    rag: str | None = None
    question_id: str = ""


_RAG_ORDER = {"red": 0, "amber": 1, "green": 2}


def setting_actions(tool: Tool, records: list[dict]) -> list[ActionRow]:
    """Every question whose answer needs action in an accepted record, in form order.

    Yes/no answers of No (sub-parts rolled up), grades whose level says ``meets: false`` and
    choices marked ``meets: false`` alike, each with the respondent's action points, when/who and
    target date (blank where none was given: a return missing required action points is
    incomplete, so it is not here).
    """
    out = []
    for r in records:
        if r["status"] != "accepted":
            continue
        answers = r["answers"]
        for _section, q in answer_questions(tool):
            failing = not_met(tool, q, answers)
            if not failing:
                continue
            rags = sorted({n.level.rag for n in failing if n.level.rag}, key=lambda c: _RAG_ORDER.get(c, 3))
            out.append(ActionRow(r["form_id"], r.get("agency") or "", q.number or q.id, q.text,
                                 not_met_text(tool, q, answers), answers.get(f"{q.id}.action") or "",
                                 answers.get(f"{q.id}.when_who") or "", answers.get(f"{q.id}.due") or None,
                                 rags[0] if rags else None, q.id))
    return out
