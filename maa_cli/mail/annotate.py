"""The annotated copy a reminder carries for a return that came back incomplete.

It is a freshly written form — the same form reference and seal, so its return is recognised as that
form — prefilled with the answers the respondent gave (as ``maa collect`` recorded them), with a Word
comment or an Excel note on each answer still missing or not usable. Their own file is never opened
and saved again: a library re-saving a file Excel or Word made can drop its drop-down lists and date
checks, so the copy is written by maa's own form writers, exactly as ``issue-forms`` writes a form.

An answer that could not be used was not kept (only what it lacked is), so its box is empty, with
the note saying what is needed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

from ..definitions.tool import AnswerField
from ..forms.content import FormContent
from ..office.cells import put


def prefill_from(content: FormContent, answers: dict, comments: dict | None = None) -> FormContent:
    """``content`` with the recorded ``answers`` filled in (the form's own prefilled details win).

    Recorded values are JSON: dates as ``YYYY-MM-DD``. Text typed after a choice ("Yes - see our policy")
    is put back after the choice, as the respondent wrote it.
    """
    comments = comments or {}
    fields = {f.key: f for f in content.tool.fields()}
    filled: dict[str, object] = {}
    for key, value in answers.items():
        f = fields.get(key)
        if f is None or value in (None, "", []):
            continue
        value = _typed(f, value)
        if key in comments and isinstance(value, str) and f.choices:
            value = f"{value} - {comments[key]}"
        filled[key] = value
    return dataclasses.replace(content, prefill={**filled, **content.prefill})


def _typed(f: AnswerField, value):
    if f.type == "date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def note_text(issue: dict) -> str:
    """What a note beside an answer says: the question and what is needed (never the answer given).
    ``issue`` as :func:`maa_cli.mail.chase.missing` gives it."""
    return f"Question {issue['number']} ({issue['question']}): {issue['message']}."


def annotated_form(content: FormContent, fmt: str, notes: dict[str, str], author: str) -> bytes:
    """The form for ``content`` (already prefilled) in ``fmt``, with ``notes`` by answer key."""
    if fmt == "xlsx":
        return _excel(content, notes, author)
    return _word(content, notes, author)


# -- Word: a comment on the answer's cell ---------------------------------------------------------


def _word(content: FormContent, notes: dict[str, str], author: str) -> bytes:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    # The writer's own steps (forms.word.write_word_form without the final save), so the copy is laid out
    # exactly as an issued form; the comments are added before it is saved.
    from ..forms.word import _FormBuilder
    from ..forms.word_base import finish_package, open_base
    from ..office.ooxml import checkbox_tag

    doc = open_base(content.word_template)
    _FormBuilder(doc, content).build()
    finish_package(doc, content)
    tags = {t.get(qn("w:val")): t for t in doc.element.body.iter(qn("w:tag"))}
    kinds = {f.key: f.type for f in content.tool.fields()}
    for key, text in notes.items():
        tag = tags.get(checkbox_tag(key, 1) if kinds.get(key) == "multiple_choice" else key)
        cell = _ancestor(tag, qn("w:tc")) if tag is not None else None
        paras = cell.findall(qn("w:p")) if cell is not None else []
        if not paras:
            continue
        comment = doc.comments.add_comment(text=text, author=author, initials=_initials(author))
        start = OxmlElement("w:commentRangeStart")
        start.set(qn("w:id"), str(comment.comment_id))
        first = paras[0]
        first.insert(1 if first.find(qn("w:pPr")) is not None else 0, start)
        end = OxmlElement("w:commentRangeEnd")
        end.set(qn("w:id"), str(comment.comment_id))
        run, ref = OxmlElement("w:r"), OxmlElement("w:commentReference")
        ref.set(qn("w:id"), str(comment.comment_id))
        run.append(ref)
        paras[-1].append(end)
        paras[-1].append(run)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _ancestor(element, tag: str):
    while element is not None and element.tag != tag:
        element = element.getparent()
    return element


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[:1].isalpha())[:4].upper() or "MAA"


# -- Excel: a note on the answer cell -----------------------------------------------------------


def _excel(content: FormContent, notes: dict[str, str], author: str) -> bytes:
    from openpyxl.comments import Comment

    # The writer's own steps (forms.excel.write_excel_form without the final save): see _word.
    from ..forms.excel import TICK, _FormBook, _without_library_name, defined_name

    wb = _FormBook(content).build()
    fields = {f.key: f for f in content.tool.fields()}
    for key, value in content.prefill.items():
        f = fields.get(key)
        if f is not None and f.type == "multiple_choice" and f.role == "answer" and isinstance(value, list):
            for i, choice in enumerate(f.choices):  # the writer prefills one cell per answer, not tick rows
                if choice in value:
                    cell = _cell(wb, defined_name(f"{key}#{i}"))
                    if cell is not None:
                        put(cell.parent, cell.row, cell.column, TICK)
    for key, text in notes.items():
        f = fields.get(key)
        name = defined_name(f"{key}#0" if f is not None and f.type == "multiple_choice" and f.role == "answer" else key)
        cell = _cell(wb, name)
        if cell is not None:
            note = Comment(text, author)
            note.width, note.height = 300, 110
            cell.comment = note
    out = io.BytesIO()
    wb.save(out)
    return _without_library_name(out.getvalue())


def _cell(wb, name: str):
    defined = wb.defined_names.get(name)
    if defined is None:
        return None
    for sheet, coord in defined.destinations:
        return wb[sheet][coord.replace("$", "")]
    return None
