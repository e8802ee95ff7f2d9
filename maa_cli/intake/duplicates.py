"""One form returned more than once: copies, conflicts and the officer's choice.

A form may come back twice: the same file saved from two e-mails, the Word and the
Excel version, a corrected return, two OneDrive conflict copies. A row of an online form's
export comes back in every later export of that form: rows with the same ID are versions of
one response, and the one completed last is used (:func:`_newest_rows`). Returns with the same
answers are one return (the earliest saved is kept, the others *superseded*). Returns
with different answers are a *conflict*: nothing is chosen silently, every copy is listed
until the officer picks one with ``maa choose``, which is remembered by content (SHA-256),
so renaming the chosen file does not undo the choice.

One exception loses nothing, so it needs no choice: a return that keeps every answer of each
other return of the form, unchanged, and adds to them (the reminder's annotated copy sent back
completed, a half-finished form finished later) is used, and the others are *superseded* by it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..dates import format_uk
from .decision import Decision
from .state import FileEntry


def resolve(entries: dict[str, FileEntry], choices: dict, audit_dir: Path) -> tuple[dict[str, Decision], dict[str, tuple]]:
    """Each file's decision as shown, and the current return of each form.

    Args:
        entries: the state entry of every file, by state key.
        choices: the officer's picks, ``{form_id: {"sha256": ...}}``.
        audit_dir: the audit folder, as the officer typed it, for the ``maa choose`` hint.

    Returns:
        ``(views, current)``: the decision to show for each key (references to other
        returns written ``{file:KEY}``), and ``{form_id: (sha256, status)}``.
    """
    views = {k: e.decision.copy() for k, e in entries.items()}
    _newest_rows(views, entries)
    forms: dict[str, list[str]] = {}
    for k, d in views.items():
        if d.judged and d.form_id:
            forms.setdefault(d.form_id, []).append(k)
    current: dict[str, tuple] = {}
    for form_id, keys in forms.items():
        keys = _verified_first(form_id, keys, views)
        # The earliest saved copy is the original; ties go by name, so every run decides the same way.
        keys.sort(key=lambda k: (views[k].modified or "", entries[k].path or "", k))
        answers = {k: entries[k].digest or views[k].sha256 for k in keys}
        chosen = [k for k in keys if views[k].sha256 == choices.get(form_id, {}).get("sha256")]
        if chosen:
            keep = chosen[0]
            for k in keys:
                if k != keep and answers[k] == answers[keep]:
                    _supersede(views[k], "duplicate", f"a copy with the same answers as '{{file:{keep}}}', the return chosen for form {form_id}")
                elif k != keep:
                    _supersede(views[k], "not_chosen", f"the officer chose '{{file:{keep}}}' for form {form_id} (maa choose)")
            current[form_id] = (views[keep].sha256, views[keep].status)
            continue
        originals: dict[str, str] = {}  # answers -> the first file that had them
        for k in keys:
            originals.setdefault(answers[k], k)
            if originals[answers[k]] != k:
                _supersede(views[k], "duplicate", f"a copy with the same answers as '{{file:{originals[answers[k]]}}}'")
        versions = list(originals.values())
        fuller = _completing(versions, entries) if len(versions) > 1 else None
        if fuller is not None:
            for k in versions:
                if k != fuller:
                    _supersede(views[k], "completed", f"'{{file:{fuller}}}' gives every answer this return gave, "
                               f"unchanged, and more, so it is the return used for form {form_id}")
            current[form_id] = (views[fuller].sha256, views[fuller].status)
        elif len(versions) == 1:
            current[form_id] = (views[keys[0]].sha256, views[keys[0]].status)
        else:
            _conflict(form_id, versions, views, audit_dir)
    return views, current


def _newest_rows(views: dict[str, Decision], entries: dict[str, FileEntry]) -> None:
    """Rows of online-form exports with the same ID are versions of one response: the one completed last is used.

    A newer export holds the older one's rows again, and a response changed since comes back with a later
    completion time: that is not a conflict, and not something for the officer to choose. Two versions
    completed at the same moment with different answers are left for :func:`resolve` (a conflict, if they name
    the same respondent): which is right cannot be told. Two rows with one ID that name different respondents
    are most likely rows of two online forms (each numbers its responses from 1): neither replaces the other,
    and both say so, in case it was one response changed to name another respondent.
    """
    rows: dict[str, list[str]] = {}
    for k, d in views.items():
        if d.row_key and d.row_key.startswith("id:") and d.status != "pending":
            rows.setdefault(d.row_key, []).append(k)
    for row_key, keys in rows.items():
        if len(keys) < 2:
            continue
        keys.sort(key=lambda k: (views[k].modified or "", entries[k].path or "", k))
        newest = views[keys[-1]]
        response = row_key.split(":", 2)[2]
        for k in keys[:-1]:
            older = views[k]
            if older.agency and newest.agency and older.agency != newest.agency:
                for one, other in ((older, keys[-1]), (newest, k)):
                    one.warnings = [*one.warnings, (
                        f"'{{file:{other}}}' has a row with the same ID ({response}) from {views[other].agency}: both are "
                        "used, as rows of two different online forms. If it is one response changed to name another "
                        "respondent, move the older export out of returns/")]
                continue
            if older.sha256 == newest.sha256:
                _supersede(older, "newer_row", f"the same response (ID {response}, unchanged) is also in "
                           f"'{{file:{keys[-1]}}}', which is used")
            elif (older.modified or "") < (newest.modified or ""):
                _supersede(older, "newer_row", f"an earlier version of the response with ID {response}: it was changed "
                           f"and sent again (completed {_when(newest.modified)}), in '{{file:{keys[-1]}}}', which is used")


def _completing(keys: list[str], entries: dict[str, FileEntry]) -> str | None:
    """The one return whose answers include every other return's answers unchanged, if there is one.

    Choosing it loses no answer anybody gave. Returns judged by an older maa carry no fingerprints,
    and stay a conflict for the officer."""
    prints = {k: entries[k].answered for k in keys}
    if any(p is None for p in prints.values()):
        return None
    for k in keys:
        mine = prints[k]
        if all(k == other or prints[other].items() <= mine.items() for other in keys):
            return k
    return None


def _verified_first(form_id: str, keys: list[str], views: dict[str, Decision]) -> list[str]:
    """The returns of a form that compete: the verified ones when there are any (a self-declared return
    never displaces or conflicts with a verified one), else the self-declared ones."""
    verified = [k for k in keys if views[k].trust == "verified"]
    if not verified or len(verified) == len(keys):
        return keys
    for k in keys:
        if k not in verified:
            _supersede(views[k], "self_declared", f"a return of form {form_id} that carries its seal came back "
                       f"('{{file:{verified[0]}}}'), so this self-declared one is not used")
    return verified


def _conflict(form_id: str, keys: list[str], views: dict[str, Decision], audit_dir: Path) -> None:
    listed = "; ".join(f"'{{file:{k}}}' ({views[k].status}, saved {_when(views[k].modified)})" for k in keys)
    for k in keys:
        views[k].status, views[k].code = "conflict", "conflict"
        views[k].reasons = [
            f"form {form_id} was returned {len(keys)} times with different answers: {listed}. Nothing was chosen "
            f"automatically: check with the agency which is right, then run: "
            f"maa choose {_quoted(audit_dir)} {form_id} FILE"] + views[k].reasons


def _supersede(view: Decision, code: str, reason: str) -> None:
    view.status, view.code, view.reasons, view.urgent = "superseded", code, [reason], []


def _when(iso: str | None) -> str:
    if not iso:
        return "?"
    local = dt.datetime.fromisoformat(iso).astimezone()
    return f"{format_uk(local.date())} {local:%H:%M}"


def _quoted(path: Path) -> str:
    # Double quotes work in cmd, PowerShell and POSIX shells alike for a path with spaces.
    text = str(path)
    return f'"{text}"' if any(c in text for c in " &()'") else text
