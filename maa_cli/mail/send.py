"""``maa send``: each respondent's issued forms, in one message to its contact.

Every form goes at most once: a respondent whose forms all went (sent, possibly sent, or a draft sent
from Outlook) gets nothing more, and one issued a new form later gets a message with just that form.
A form already returned (as 'maa collect' last found: sent by hand before maa sent anything, say) is
not sent: a form arriving after its return would only confuse.
``--resend RESPONDENT`` sends all of a respondent's forms again (a changed contact, a bounce, a
message listed as not known to have gone).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterable

from ..errors import ErrorCode, InputFileError, problem
from ..forms.manifest import counted_forms, read_manifest
from ..setup.workspace import Workspace
from .deliver import DEFAULT_PER_MINUTE, MailResult, run
from .ledger import Ledger
from .letters import (
    Attachment,
    FormItem,
    IssuedFile,
    Letter,
    carries_child,
    form_title,
    preferred_format,
    respondent_folders,
)
from .smtp import Relay, SmtpSettings


def send_forms(ws: Workspace, *, smtp: SmtpSettings | None = None, sender: str | None = None,
               resend: Iterable[str] = (), confirm_child_details: bool = False,
               confirm: Callable[[MailResult], bool] | None = None, per_minute: float = DEFAULT_PER_MINUTE,
               now: dt.datetime | None = None, progress: Callable[[int, int], None] | None = None,
               relay_factory: Callable[[SmtpSettings], Relay] = Relay) -> MailResult:
    """E-mail each respondent the forms it has not been sent yet: drafts in ``outbox/``, or through ``smtp``.

    Args:
        smtp: the mail server; None writes every message as a draft.
        sender: the From address (default: the audit's return address).
        resend: respondents whose forms all go again.
        confirm_child_details: send messages carrying a child's details through ``smtp`` too (else drafts).
        confirm: called with the planned run (see :attr:`MailResult.preview`) before anything is sent;
            nothing is written or sent unless it returns True.
        per_minute: at most this many messages a minute.

    Raises:
        InputFileError: a name given to ``resend`` is not a respondent of this audit.
        see :func:`maa_cli.mail.deliver.run`.
    """
    wanted = list(resend)

    def plan(ledger: Ledger, result: MailResult) -> list[Letter]:
        manifest = counted_forms(read_manifest(ws))
        again = _respondents(ws, manifest, wanted)
        # A resend still waiting in outbox/ stays a resend when its draft is refreshed.
        again |= {e.respondent for e in ledger.open_drafts("send") if e.resend}
        gone = ledger.forms_gone("send") | _returned(ws)
        folders = respondent_folders(manifest)
        owed: dict[str, list[tuple[str, dict]]] = {}
        for form_id, entry in manifest.items():
            if not entry.get("agency"):
                result.unsendable.append(form_id)  # a form per case or answered once: no roster address
            elif entry["agency"] in again or form_id not in gone:
                owed.setdefault(entry["agency"], []).append((form_id, entry))
        letters = []
        for agency in _in_roster_order(ws, {e.get("agency") for e in manifest.values() if e.get("agency")}):
            if agency not in owed:
                result.up_to_date += 1
                continue
            letters.append(_letter(ws, agency, folders.get(agency, agency), owed[agency], agency in again))
        return letters

    return run(ws, "send", plan, smtp=smtp, sender=sender, confirm_child_details=confirm_child_details,
               confirm=confirm, per_minute=per_minute, now=now, progress=progress, extra=lambda letter: {},
               relay_factory=relay_factory)


def _returned(ws: Workspace) -> set[str]:
    """Forms with a return, accepted or incomplete, as the last collect recorded them."""
    from ..intake.state import read_responses

    return {r["form_id"] for r in read_responses(ws, ("accepted", "incomplete")).records}


def _letter(ws: Workspace, agency: str, folder: str, forms: list[tuple[str, dict]], resend: bool) -> Letter:
    items, attachments, problems = [], [], []
    for form_id, entry in forms:
        issued = IssuedFile(ws, form_id, entry, preferred_format(ws, entry["form_type"]))
        why = issued.problem()
        if why:
            problems.append(why)
            continue
        child = carries_child(entry)
        items.append(FormItem(form_id, entry["form_type"], form_title(ws, entry["form_type"]), entry.get("case_ref"),
                              issued.name, child))
        attachments.append(Attachment(issued.name, issued.read, child))
    letter = Letter("send", agency, folder, None, None, items, attachments, resend=resend)
    if problems:  # all of a respondent's forms go together, or none: a half message would look complete
        letter.refused = "; ".join(problems)
    return letter


def _respondents(ws: Workspace, manifest: dict[str, dict], names: list[str]) -> set[str]:
    """The respondents named (as the manifest spells them), whatever their case.

    Raises:
        InputFileError: one is not a respondent with forms in this audit.
    """
    known = sorted({e["agency"] for e in manifest.values() if e.get("agency")})
    by_fold = {k.casefold(): k for k in known}
    out, problems = set(), []
    for name in names:
        found = by_fold.get(name.strip().casefold())
        if found is None:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            problems.append(problem(ErrorCode.MAIL_UNKNOWN_RESPONDENT, file=ws.root / "audit.yaml", value=name,
                                    suggestion=f" — did you mean '{close[0]}'?" if close else ""))
        else:
            out.add(found)
    if problems:
        raise InputFileError(problems)
    return out


def _in_roster_order(ws: Workspace, names: set[str]) -> list[str]:
    order = {a.name: i for i, a in enumerate(ws.audit.agencies)}
    return sorted(names, key=lambda n: (order.get(n, len(order)), n))
