"""Small audit tools and form contents built in code, for the form writer and reader tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from maa_cli.definitions.tool import Tool
from maa_cli.forms.content import FormContent
from maa_cli.forms.identity import FormIdentity, make_form_id

PARTNERSHIP = "Northshire Safeguarding Children Partnership"
AUDIT_ID = "maca-2025-neglect"


def case_tool() -> Tool:
    """A case audit tool with one question of every type, sub-parts and companion boxes."""
    return Tool.model_validate(
        {
            "id": "case-audit-test",
            "title": "Multi-agency case audit",
            "version": "1.2",
            "kind": "case_audit",
            "instructions": "Answer from your agency's records for the last 12 months.\n\nBe specific.",
            "sections": [
                {
                    "id": "involvement",
                    "title": "Involvement and chronology",
                    "intro": "About your agency's work with the child.",
                    "questions": [
                        {"id": "q1", "number": "1", "text": "Was your agency involved with the child in the last 12 months?", "type": "yes_no", "na": True},
                        {"id": "q2", "number": "2", "text": "When did your involvement start?", "type": "date"},
                        {"id": "q3", "number": "3", "text": "Which services did you provide?", "type": "multiple_choice", "choices": ["Health visiting", "School nursing", "CAMHS"], "other": True},
                        {"id": "q4", "number": "4", "text": "How many contacts were recorded?", "type": "number"},
                        {"id": "q5", "number": "5", "text": "Lead practitioner's role", "type": "short_text", "required": False},
                    ],
                },
                {
                    "id": "practice",
                    "title": "Quality of practice",
                    "questions": [
                        {
                            "id": "q6",
                            "number": "6",
                            "text": "Was the child's voice heard?",
                            "type": "yes_no",
                            "parts": [
                                {"id": "a", "label": "a", "text": "Was the child seen alone?"},
                                {"id": "b", "label": "b", "text": "Were the child's wishes recorded?"},
                            ],
                            "guidance": "A new baby's voice can be lost among older siblings.",
                            "links": [{"title": "Working Together 2023", "url": "https://www.gov.uk/government/publications/working-together-to-safeguard-children--2"}],
                        },
                        {"id": "q7", "number": "7", "text": "How would you grade management oversight?", "type": "grade", "scale": "ofsted", "why": True, "action_plan": True},
                        {"id": "q8", "number": "8", "text": "Which route did the referral take?", "type": "single_choice", "choices": ["MASH", "Direct to social care", "Early help"], "na": True,
                         "applies_to": {"attribute": "sector", "in": ["health", "police"]}},
                        {"id": "q9", "number": "9", "text": "What worked well?", "type": "long_text", "statutory_reference": "Children Act 2004, section 11"},
                    ],
                },
            ],
        }
    )


def form_content(tool: Tool | None = None, **overrides) -> FormContent:
    """The form for one agency about one case, with the child's identifying details."""
    tool = tool or case_tool()
    identity = FormIdentity(make_form_id(AUDIT_ID, "agency-case", "Northshire Community Health", "Case A"), tool.id, tool.version, AUDIT_ID)
    values = {
        "tool": tool,
        "identity": identity,
        "partnership": PARTNERSHIP,
        "audit_title": "Neglect case audit 2025",
        "form_title": "Agency case audit form",
        "for_whom": "Northshire Community Health",
        "case_ref": "Case A",
        "identifying": (("Child's name", "Amelia Test"), ("Date of birth", "03/07/2019")),
        "deadline": dt.date(2025, 3, 14),
        "return_to": "audits@northshire-scp.example",
        "respondent_attributes": {"sector": "education"},
    }
    values.update(overrides)
    return FormContent(**values)


def write_form(tmp_path: Path, name: str = "form.docx", **overrides) -> tuple[FormContent, Path]:
    """Write a Word form for :func:`form_content` and return it with its path."""
    from maa_cli.forms.word import write_word_form

    content = form_content(**overrides)
    path = tmp_path / name
    write_word_form(content, path)
    return content, path
