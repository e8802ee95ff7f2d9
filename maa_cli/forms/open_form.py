"""One open form for everyone (``maa issue-forms AUDIT --open``): the same Word and Excel form for every respondent.

Some partnerships send one form to every respondent (1,500 early years settings, say) instead of a
personal form each. The open form is the questionnaire with no respondent on it and one question
more, at the top, that asks who is answering: a drop-down of the roster's names in Excel, the name or
an identifier such as the Ofsted URN typed in Word. Questions that apply only to some respondents
(``applies_to``) are asked of everyone, with N/A offered and a note saying who may use it: the form
cannot know who will fill it in, and the answers are judged against the respondent it names.

The open form carries a form reference and a seal like every form, of its own (an id derived from the
audit and the form type, so a return of it is recognised from ``audit.yaml`` alone). The seal proves
a return came from the open form, not which respondent sent it: its returns are *self-declared*
(see :mod:`maa_cli.intake.respondents`). Issuing it records in the manifest that each respondent on
the roster was asked (a form of theirs with no file of its own), so status counts and chases them
as for personal forms; a personal form already issued is left as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ..definitions.audit import identifier_columns
from ..definitions.tool import NA, Tool
from ..errors import DefinitionError, ErrorCode, WorkspaceError, problem
from ..setup.workspace import FINDINGS_FORM_TYPE, Workspace, locked
from .content import FormContent
from .identity import FormIdentity, make_form_id, make_seal
from .manifest import read_manifest, save_manifest
from .naming import clean
from .plan import word_template

#: The answer key of the question that asks who is answering (on the open form only).
RESPONDENT_KEY = "maa-respondent"
FOLDER = "Open form"
_OPEN = "\x00open form"  # never an agency's name (a roster refuses control characters)
_ABOUT = "maa-about-you"


def open_form_id(ws: Workspace, form_type: str) -> str:
    """The form reference of the open form of ``form_type``: the same whenever it is issued."""
    return make_form_id(ws.audit.audit_id, form_type, _OPEN, None)


def open_types(ws: Workspace) -> list[str]:
    """The form types that can have an open form: answered once by each respondent (``per: agency``)."""
    return [ft.name for ft in ws.audit.form_types if ft.per == "agency" and ft.name != FINDINGS_FORM_TYPE]


def open_form_type(ws: Workspace, form_id: str) -> str | None:
    """The form type whose open form has the reference ``form_id``, or None."""
    return next((t for t in open_types(ws) if open_form_id(ws, t) == form_id), None)


def identifier_words(attribute: str) -> str:
    """How a roster column is named on a form: 'ofsted_urn' → 'Ofsted URN'."""
    words = attribute.replace("_", " ").replace("-", " ").split()
    known = {"urn": "URN", "ofsted": "Ofsted", "dfe": "DfE", "ukprn": "UKPRN", "ods": "ODS", "id": "ID"}
    return " ".join(known.get(w.casefold(), w) for w in words)


def open_tool(tool: Tool, *, names: list[str] | None = None, identifiers: list[str] = ()) -> Tool:
    """The open form's tool: ``tool`` with a first question asking who is answering.

    Args:
        names: the roster's names, offered as a drop-down (the Excel form); None asks for them to be typed.
        identifiers: roster columns a respondent may type instead of its name (the Word form says so).
    """
    data = tool.model_dump(mode="json", by_alias=True, exclude_none=True)
    for section in data["sections"]:
        for q in section["questions"]:
            applies = q.pop("applies_to", None)
            if applies:
                values = applies.get("in") or applies.get("not_in") or []
                whom = "is" if applies.get("in") else "is not"
                note = (f"Answer only if your {applies['attribute'].replace('_', ' ')} {whom} "
                        f"{' or '.join(values)}; otherwise answer {NA}.")
                q["guidance"] = f"{q['guidance']} {note}" if q.get("guidance") else note
                q["na"] = True
    why = ("One form goes to everyone taking part, so it does not know who you are: without this answer your "
           "return cannot be counted as yours.")
    if names is not None:
        question = {"id": RESPONDENT_KEY, "number": "0", "type": "single_choice", "choices": list(names),
                    "text": "Who is this form from? Choose your organisation (setting, school or agency) from the list.",
                    "guidance": why + " If it is not in the list, tell the audit team rather than choose another."}
    else:
        extra = "".join(f", or its {identifier_words(a)}" for a in identifiers)
        question = {"id": RESPONDENT_KEY, "number": "0", "type": "short_text",
                    "text": f"Who is this form from? Type your organisation's name (setting, school or agency) exactly as "
                            f"registered{extra}.", "guidance": why}
    data["sections"].insert(0, {"id": _ABOUT, "title": "About you", "questions": [question]})
    return Tool.model_validate(data)


def reading_tool(tool: Tool) -> Tool:
    """The tool a return of the open form is read with (its answer boxes are the same in Word and Excel)."""
    return open_tool(tool)


@dataclass
class OpenFormsResult:
    """What one ``issue_open_forms`` run did."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    asked: int = 0  # respondents newly recorded as asked by the open form
    form_types: list[str] = field(default_factory=list)


def issue_open_forms(ws: Workspace, *, form_type: str | None = None, fmt: str | None = None, force: bool = False,
                     now: dt.datetime | None = None) -> OpenFormsResult:
    """Write the open form (Word and Excel, or ``fmt`` only) of each questionnaire, and record that every respondent
    on the roster was asked by it. A form already written is kept unless ``force``.

    Raises:
        WorkspaceError: the audit has no questionnaire answered by each respondent, or no respondents, or
            ``form_type`` is not one of them.
        DefinitionError: a tool is too long to take the extra question.
        AuditLocked: another maa run is working on this audit.
    """
    types = open_types(ws)
    if form_type is not None:
        if form_type not in types:
            raise WorkspaceError(problem(ErrorCode.OPEN_FORM_TYPE, file=ws.root / "audit.yaml", value=form_type,
                                         allowed=", ".join(types) or "none in this audit"))
        types = [form_type]
    if not types:
        raise WorkspaceError(problem(ErrorCode.OPEN_FORM_TYPE, file=ws.root / "audit.yaml", value="(any)",
                                     allowed="none in this audit"))
    if not ws.audit.agencies:
        raise WorkspaceError(problem(ErrorCode.OPEN_FORM_NO_ROSTER, file=ws.root / "audit.yaml"))
    identifiers = list(identifier_columns(list(ws.audit.agencies)))  # what a respondent may type instead of its name
    stamp = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    result = OpenFormsResult(form_types=types)
    with locked(ws):
        manifest = read_manifest(ws)
        for name in types:
            for fmt_ in [fmt] if fmt else ["docx", "xlsx"]:
                path = open_form_path(ws, name, fmt_)
                if path.exists() and not force:
                    result.kept.append(path)
                    continue
                _write(ws, name, fmt_, path, identifiers)
                result.written.append(path)
            result.asked += _record_asked(ws, manifest, name, stamp)
        if result.asked:
            save_manifest(ws, manifest)
    return result


def open_form_path(ws: Workspace, form_type: str, fmt: str) -> Path:
    """Where the open form of ``form_type`` is written: ``forms/Open form/<title> - open form.<fmt>``."""
    ft = ws.form_type(form_type)
    title = ft.title or ws.tools[form_type].title
    return ws.forms_dir / FOLDER / f"{clean(title, 80)} - open form.{fmt}"


def _write(ws: Workspace, form_type: str, fmt: str, path: Path, identifiers: list[str]) -> None:
    from .excel import write_excel_form
    from .word import write_word_form

    audit, ft, tool = ws.audit, ws.form_type(form_type), ws.tools[form_type]
    names = [a.name for a in audit.agencies] if fmt == "xlsx" else None
    try:
        derived = open_tool(tool, names=names, identifiers=list(identifiers))
    except ValidationError as exc:
        raise DefinitionError(problem(ErrorCode.OPEN_FORM_TOO_LONG, file=ws.root / "audit.yaml", form_type=form_type,
                                      detail=str(exc.errors()[0].get("msg", exc)))) from None
    form_id = open_form_id(ws, form_type)
    key = ws.form_key
    content = FormContent(
        tool=derived,
        identity=FormIdentity(form_id, tool.id, tool.version, audit.audit_id, make_seal(key, form_id) if key else None),
        partnership=audit.partnership, audit_title=audit.title, form_title=ft.title or tool.title,
        for_whom="Everyone asked to take part: one form for all (question 0 asks who you are)",
        deadline=audit.deadline, return_to=audit.return_to, word_template=word_template(ws),
        marking=audit.protective_marking or None, secure_email_hint=audit.secure_email_hint,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    (write_excel_form if fmt == "xlsx" else write_word_form)(content, path)


def _record_asked(ws: Workspace, manifest: dict, form_type: str, stamp: str) -> int:
    """Add a form for each respondent not yet asked for ``form_type`` (no file of its own: the open form asks)."""
    tool = ws.tools[form_type]
    added = 0
    for agency in ws.audit.agencies:
        form_id = make_form_id(ws.audit.audit_id, form_type, agency.name, None)
        if form_id in manifest:
            continue
        manifest[form_id] = {"form_type": form_type, "respondent": agency.name, "agency": agency.name, "case_ref": None,
                             "tool": tool.id, "tool_version": tool.version, "files": {},
                             "open_form": open_form_id(ws, form_type), "asked_at": stamp}
        added += 1
    return added
