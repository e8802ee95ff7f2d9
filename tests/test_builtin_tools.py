"""The built-in audit tools shipped in audit_tools/: what an officer gets out of the box."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from maa_cli.definitions.load import load_model
from maa_cli.definitions.tool import NA, OTHER, Tool, answer_is_urgent
from maa_cli.definitions.yamlio import read_located

TOOLS_DIR = Path(__file__).resolve().parent.parent / "audit_tools"
BUILT_IN = ["early-years-safeguarding", "multi-agency-case-audit", "practitioner-reflection", "cp-file-review"]
# The copyrighted Essex questionnaire the early years tool was modelled on (structure only).
# The team's shared/ folder sits beside the repository (also in CI's clean clone).
_BESIDE = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "004_7b81f4270669ae4e.txt"
SEED = Path(os.environ.get("MAA_COPYRIGHT_SEED", str(_BESIDE)))
RUN = 12  # words in a row that count as copying


def load(name: str) -> Tool:
    return load_model(read_located(TOOLS_DIR / f"{name}.yaml"), Tool)


# -- every built-in tool ------------------------------------------------------


@pytest.mark.parametrize("name", BUILT_IN)
def test_built_in_tool_loads_with_version_and_instructions(name):
    """Each built-in tool validates, has a version like 1.1 (raised whenever its wording changes), is named after its file and tells the respondent how to fill it in."""
    tool = load(name)
    assert tool.id == name
    assert re.fullmatch(r"\d+\.\d+", tool.version)
    assert tool.instructions and len(tool.instructions.split()) >= 20


# -- early years safeguarding checklist --------------------------------------


def test_early_years_checklist_has_twenty_questions_numbered_in_order():
    """A setting sees the familiar 20 questions, numbered 1 to 20 in order."""
    tool = load("early-years-safeguarding")
    assert tool.kind == "questionnaire"
    assert [q.number for q in tool.questions()] == [str(n) for n in range(1, 21)]
    assert [q.id for q in tool.questions()] == [f"q{n}" for n in range(1, 21)]


def test_early_years_sub_parts_are_answered_separately_as_on_the_paper_form():
    """Questions 3, 7, 9, 15 and 19 split into lettered parts; 9 and 19 end with an unlettered closing part."""
    tool = load("early-years-safeguarding")
    expected = {
        "3": ["a", "b", "c"],
        "7": ["a", "b"],
        "9": ["a", "b", None],
        "15": ["a", "b", "c"],
        "19": ["a", "b", None],
    }
    actual = {q.number: [p.label for p in q.parts] for q in tool.questions() if q.parts}
    assert actual == expected
    closing = {q.number: q.parts[-1] for q in tool.questions() if q.number in ("9", "19")}
    assert "year" in closing["9"].text.casefold()
    assert "code of conduct" in closing["19"].text.casefold()
    assert {f.key for f in tool.fields()} >= {"q9.a", "q9.b", f"q9.{closing['9'].id}", f"q19.{closing['19'].id}"}


def test_training_route_is_one_multiple_choice_question_with_other():
    """Question 10 asks how staff get Level 2 training: tick the routes used, or say what else."""
    tool = load("early-years-safeguarding")
    q10 = tool.question("q10")
    assert q10.type == "multiple_choice"
    assert q10.other
    assert not q10.parts
    assert not q10.action_plan
    assert len(q10.choices) == 3
    assert tool.choices_for(q10)[-1] == OTHER
    assert "q10.other" in {f.key for f in tool.fields()}


def test_deputy_lead_question_does_not_apply_to_childminders():
    """A childminder has no deputy, so question 5 does not apply to them and N/A is offered."""
    tool = load("early-years-safeguarding")
    q5 = tool.question("q5")
    assert q5.applies_to is not None
    assert not q5.applies_to.applies({"setting_type": "Childminder"})
    assert not q5.applies_to.applies({"setting_type": "childminder"})
    assert q5.applies_to.applies({"setting_type": "Day nursery"})
    assert NA in tool.choices_for(q5)
    assert "childminder" in (tool.question("q4").guidance or "").casefold()


def test_every_early_years_compliance_question_has_action_plan_and_guidance():
    """Every Yes/No question gets Action points and When/who boxes, and guidance to act on a No."""
    tool = load("early-years-safeguarding")
    yes_no = [q for q in tool.questions() if q.type == "yes_no"]
    assert len(yes_no) == 19
    for q in yes_no:
        assert q.action_plan, q.id
        assert q.guidance, q.id
        assert {f"{q.id}.action", f"{q.id}.when_who"} <= {f.key for f in tool.fields()}
        assert q.themes, q.id
    assert sum(1 for q in yes_no if q.statutory_reference) >= 10


# -- multi-agency case audit ---------------------------------------------------


def test_case_audit_grades_practice_and_always_asks_why():
    """Each practice question takes an Ofsted-style grade with a required 'Why this judgement' box."""
    tool = load("multi-agency-case-audit")
    assert tool.kind == "case_audit"
    grades = [q for q in tool.questions() if q.type == "grade"]
    assert 6 <= len(grades) <= 8
    for q in grades:
        assert q.why, q.id
        assert tool.choices_for(q) == ["Outstanding", "Good", "Requires improvement", "Inadequate"]
        assert tool.field(f"{q.id}.why").required
        assert q.guidance, q.id
    assert "baby" in tool.question("voice_of_child").guidance.casefold()


def test_case_features_are_optional_ticks_with_other():
    """Case features are an optional tick list (domestic abuse, neglect …) with room for something else."""
    tool = load("multi-agency-case-audit")
    features = [q for q in tool.questions() if q.type == "multiple_choice"]
    assert len(features) == 1
    q = features[0]
    assert q.other and q.required is False
    assert {"Domestic abuse", "Neglect", "Parental mental health"} <= set(q.choices)


def test_urgent_concern_is_flagged_and_needs_a_description():
    """A 'Yes' to the urgent question signals a current risk, and the follow-up box becomes required."""
    tool = load("multi-agency-case-audit")
    urgent = [q for q in tool.questions() if q.urgent]
    assert len(urgent) == 1
    uq = urgent[0]
    assert uq.type == "yes_no"
    assert answer_is_urgent(tool.field(uq.id), "Yes")
    assert not answer_is_urgent(tool.field(uq.id), "No")
    followers = [q for q in tool.questions() if q.required_when and q.required_when.question == uq.id]
    assert len(followers) == 1
    assert followers[0].required_when.is_ == ["Yes"]
    assert followers[0].type == "long_text"


# -- practitioner reflection ---------------------------------------------------


def test_practitioner_reflection_is_short_and_mostly_free_text():
    """A practitioner answers six to eight reflective questions, most of them in their own words."""
    tool = load("practitioner-reflection")
    assert tool.kind == "reflection"
    questions = tool.questions()
    assert 6 <= len(questions) <= 8
    assert sum(1 for q in questions if q.type == "long_text") > len(questions) / 2
    assert any(q.type in ("grade", "single_choice") for q in questions)


# -- child protection file review ----------------------------------------------


def test_cp_file_review_marks_the_child_identifying_and_asks_for_actions():
    """Only the child's name and date of birth are identifying; actions must be listed when any are needed."""
    tool = load("cp-file-review")
    assert tool.kind == "record"
    assert {q.id for q in tool.questions() if q.identifying} == {"child_name", "child_dob"}
    assert tool.question("child_dob").type == "date"
    listing = tool.question("actions")
    assert listing.required_when.question == "actions_needed"
    assert listing.required_when.is_ == ["Yes"]
    assert tool.question("actions_needed").type == "yes_no"


# -- copyright guard -------------------------------------------------------------


def words(text: str) -> list[str]:
    """Lower-case words with punctuation and spacing differences removed."""
    text = text.casefold().replace("\u2019", "'").replace("\u2018", "'")
    return re.findall(r"[a-z0-9']+", text)


def runs(tokens: list[str]) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + RUN]) for i in range(len(tokens) - RUN + 1)}


def strings(data) -> list[str]:
    """Every text value in loaded YAML data."""
    if isinstance(data, dict):
        return [s for v in data.values() for s in strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in strings(v)]
    return [data] if isinstance(data, str) else []


def copied(texts: list[str], seed_runs: set[tuple[str, ...]]) -> list[str]:
    """The runs of RUN words from ``texts`` that also appear in the seed."""
    return [" ".join(r) for t in texts for r in sorted(runs(words(t)) & seed_runs)]


@pytest.fixture(scope="module")
def seed_runs():
    if not SEED.is_file():
        pytest.skip(f"copyright seed not available at {SEED} (set MAA_COPYRIGHT_SEED)")
    return runs(words(SEED.read_text(encoding="utf-8", errors="replace")))


def test_copyright_guard_catches_a_pasted_seed_sentence(seed_runs):
    """The guard itself works: a seed sentence pasted into guidance is caught."""
    line = next(ln for ln in SEED.read_text(encoding="utf-8", errors="replace").splitlines() if len(words(ln)) >= RUN + 3)
    assert copied([f"Guidance: {line.strip()} See the policy."], seed_runs)
    assert not copied(["Every setting needs a written policy that staff know about and follow in practice every day."], seed_runs)


@pytest.mark.parametrize("path", sorted(TOOLS_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_built_in_tools_do_not_copy_seed_text(path, seed_runs):
    """No built-in tool repeats twelve words in a row from the copyrighted seed questionnaire."""
    texts = strings(read_located(path).data)
    texts.append(path.read_text(encoding="utf-8"))  # comments too
    assert copied(texts, seed_runs) == []
