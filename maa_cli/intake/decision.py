"""What collect decided about one returned file: one typed record from reading to state.

A :class:`Decision` is made when a file is examined (:mod:`maa_cli.intake.examine`),
may be changed when returns of the same form are compared
(:mod:`maa_cli.intake.duplicates`), and is kept between runs in ``.maa/files.json``
inside a :class:`FileEntry` (:mod:`maa_cli.intake.state`). Its JSON shape is the one
state files have always had, so a state written by an earlier maa reads unchanged.

Decisions hold text as read (unmasked); everything shown or logged is masked on the way out.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, fields

STATUSES = ("accepted", "incomplete", "rejected", "unverified", "pending", "superseded", "conflict", "withdrawn", "opened")
#: Statuses that need the officer: exit code 1.
ATTENTION = ("incomplete", "rejected", "unverified", "conflict")
#: The statuses of a file whose answers were read and judged.
JUDGED = ("accepted", "incomplete")
#: How far a judged return is known to come from the respondent it names: ``verified`` (it carries its
#: form's seal, or is from an audit made before seals) or ``self_declared`` (a return that cannot carry
#: a seal, such as a row of an online-form export: it names its respondent itself). A self-declared return
#: is shown apart and never displaces or conflicts with a verified one.
TRUST = ("verified", "self_declared")


@dataclass
class Decision:
    """The status of one file, why, and which issued form it is.

    ``code`` says why in a word scripts can test: for *pending* ``recent``, ``changing``,
    ``changed_while_reading``, ``empty``, ``corrupt``, ``unreadable``; for *rejected* the
    safety codes (``pdf``, ``macro``, ``doctype``, ``zip_bomb``, ``legacy_doc``, ``too_many_elements``,
    ``too_many_attributes``, ``too_deep``, ``huge_tag``, ``bad_encoding`` …) or
    ``no_identity``, ``unknown_form``, ``other_audit``, ``unreadable_answers``, ``blank``;
    for *unverified* (a file claiming to be a form whose seal it does not carry) ``no_seal`` or
    ``wrong_seal``; for *superseded* ``duplicate``, ``completed`` (another return keeps its answers and adds to them) or ``not_chosen``; ``conflict`` for a conflict;
    ``withdrawn`` for a return of a withdrawn form; *opened* (code ``container``) for an e-mail or zip
    whose attachments and members are listed as files of their own, or (code ``export``) for an online
    form's export whose rows are. A self-declared return (a row of an export, a return of the open form)
    that cannot be matched to the roster is *rejected* with ``respondent_unknown``, ``respondent_missing``,
    ``respondent_ambiguous``, ``respondents_disagree`` or ``not_asked``; an export's column that matches no
    question is *rejected* with ``unmatched_column``; an export as a whole with ``not_an_export``,
    ``no_respondent_column``, ``too_many_rows``, ``too_many_columns`` or ``export_in_container``; and a row
    replaced by a newer version of the same response is *superseded* with ``newer_row``.
    """

    status: str
    code: str | None = None
    reasons: list[str] = field(default_factory=list)
    form_id: str | None = None
    form_type: str | None = None
    agency: str | None = None
    case_ref: str | None = None
    warnings: list[str] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)  # each missing or invalid answer (question number, message)
    urgent: list[dict] = field(default_factory=list)  # answers signalling a risk to a child now
    sha256: str | None = None  # of the bytes that were judged
    modified: str | None = None  # the file's modification time (UTC, ISO 8601)
    trust: str = "verified"  # see TRUST
    #: The From address of the e-mail a return was attached to; for a row of an online-form export, only the
    #: domain of the e-mail address given in it ('@example.org').
    sender: str | None = None
    container: str | None = None  # the e-mail or zip in returns/ a return came out of (its path, masked when shown)
    #: A row of an online-form export: 'id:<form type>:<ID>' (rows of exports with one ID are versions of one
    #: response) or 'row:<export>:<row number>' when the export has no ID column.
    row_key: str | None = None
    #: A self-declared return, or an export: a digest of what it was judged with besides the file (the officer's
    #: column map and 'maa assign'); when that changes, the file is read again.
    basis: str | None = None

    @property
    def judged(self) -> bool:
        """Its answers were read and judged (accepted or incomplete)."""
        return self.status in JUDGED

    def copy(self, **changes) -> Decision:
        """An independent copy (lists too), with ``changes`` applied."""
        out = copy.deepcopy(self)
        for name, value in changes.items():
            setattr(out, name, value)
        return out

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Decision:
        """Read a decision as stored; unknown keys (from a newer maa) are ignored.

        Raises:
            ValueError: ``data`` is not a stored decision.
        """
        if not isinstance(data, dict) or not isinstance(data.get("status"), str):
            raise ValueError("not a decision")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def pending(code: str, reason: str, **kw) -> Decision:
    """A file to look at again on the next run (probably still being written)."""
    return Decision("pending", code, [reason], **kw)
