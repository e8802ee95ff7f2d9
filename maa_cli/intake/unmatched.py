"""Returns that were not used, or reached the wrong place, and what the officer does about each.

``maa status`` lists every file in ``returns/`` that is not simply a respondent's return, in one of
two places:

* **unmatched**: maa could not tell whose return it is, or could not use it at all — a row of an
  online form's export naming a setting that is not on the roster, an export's column that matches
  no question, a file with no form reference, a PDF, a file still being saved;
* **misdirected**: it is somebody's return, but it came to the wrong place or from the wrong
  address — a form of another audit, a file claiming a form that was not issued to its sender (no
  seal, or another form's seal), a self-declared return of a respondent that was never asked, a
  return of a form withdrawn from the sample, or a return sent from outside the respondent's usual
  e-mail domain.

Each entry carries ``todo``: the one thing to do next, in plain English, with the command to paste
where there is one. The reasons collect gave stay beside it, so the officer sees why as well as what.
"""

from __future__ import annotations

from .decision import Decision
from .respondents import other_domain

#: Codes of returns that belong to somebody, but came to the wrong place or from the wrong sender.
MISDIRECTED = ("other_audit", "no_seal", "wrong_seal", "not_asked", "withdrawn")
_RESPONDENT_CODES = ("respondent_unknown", "respondent_missing", "respondent_ambiguous", "respondents_disagree")
_SEND_AGAIN = ("Ask the sender to send the completed form again as the .docx or .xlsx file issued to them, then "
               "move this file out of returns/.")

#: What to do, by code. ``{collect}``, ``{assign}`` and ``{agency}`` are filled in for each file.
TODO: dict[str, str] = {
    "respondent": "Find out who sent it, then run: {assign} (RESPONDENT: the name on the roster; the reason "
                  "offers the close match, if there is one).",
    "unmatched_column": "In column-map.csv, write the key of the question this column answers beside it (or "
                        "'ignore'), then run: {collect}",
    "not_an_export": "If it is an online form's export, map its columns in column-map.csv, then run: {collect}. "
                     "If it is not a return at all, move it out of returns/.",
    "no_respondent_column": "In column-map.csv, write 'respondent' beside the column that names who each row is "
                            "from, then run: {collect}",
    "export_in_container": "Save the export out of the e-mail or zip into returns/ on its own, then run: {collect}",
    "no_identity": "Ask the sender to fill in the form that was sent to them (or copy the answers into it); move "
                   "this file out of returns/ once it is replaced.",
    "unknown_form": "If it belongs to another audit, move it into that audit's returns/ folder; otherwise ask the "
                    "sender for the form issued to them.",
    "blank": "Ask the respondent for the completed form: this may be the blank form, attached by mistake.",
    "unreadable_answers": _SEND_AGAIN,
    "no_attachment": "Ask the sender to attach the completed form and send it again.",
    "pending": "Nothing yet: it is read on the next 'maa collect' (it was still being saved, or could not be "
               "opened). If it stays here, open it yourself to see whether it is damaged.",
    # misdirected
    "other_audit": "Move it into the returns/ folder of the audit it belongs to, then run: {collect}",
    "no_seal": "Check who sent it: it is not used, and {agency}'s form stays outstanding. If it really is their "
               "return, ask them to fill in the form that was sent to them.",
    "not_asked": "If {agency} should answer, issue its form (maa issue-forms; or --open when one form went to "
                 "everyone), then run: {collect}. If the return is someone else's, run: {assign}",
    "withdrawn": "Let the sender know it is no longer needed: its case was replaced in the sample. Nothing else "
                 "to do.",
    "sender": "Check with {agency} that they sent it. If they did not, move it out of returns/ and run: {collect}",
    "sender_row": "Check with {agency} that this row is theirs. If it is not, find out whose it is and run: {assign}",
}
TODO["wrong_seal"] = TODO["no_seal"]


def todo(d: Decision, status: str, path: str, root: str) -> str:
    """What the officer does about the file at ``path`` (below returns/) whose decision is ``d``."""
    key = status if status in ("pending", "withdrawn") else "respondent" if d.code in _RESPONDENT_CODES else d.code or ""
    text = TODO.get(key, _SEND_AGAIN)
    return text.format(collect=f'maa collect "{root}"', assign=f'maa assign "{root}" "{path}" RESPONDENT',
                       agency=d.agency or "the respondent")


def kind(d: Decision, status: str) -> str | None:
    """``unmatched``, ``misdirected``, or None for a return used (or set aside) as it should be."""
    if status == "withdrawn" or (status in ("rejected", "unverified") and d.code in MISDIRECTED):
        return "misdirected"
    if status in ("pending", "rejected", "unverified"):
        return "unmatched"
    return None


def sender_todo(d: Decision, path: str, root: str) -> str:
    """What to do about a return used as ``d.agency``'s that came from another e-mail domain."""
    text = TODO["sender_row" if d.row_key else "sender"]
    return text.format(collect=f'maa collect "{root}"', assign=f'maa assign "{root}" "{path}" RESPONDENT', agency=d.agency)


def wrong_sender(d: Decision, status: str, known_email: str | None, listed: list[str]) -> str | None:
    """For a return used as a respondent's: the domain it came from, when that is not the respondent's usual one
    (its contact's, or one ``agency_domains`` lists for it)."""
    if status not in ("accepted", "incomplete", "conflict") or not d.sender:
        return None
    other = other_domain(d.sender, known_email, listed)
    return other[0] if other else None
