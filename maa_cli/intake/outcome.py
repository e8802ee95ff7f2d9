"""What a collect run tells the officer and scripts: a decision per file, shown (paths and reasons masked),
and the counts of issued, returned and outstanding forms. :mod:`maa_cli.intake.collect` explains the statuses."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..errors import RestrictedStoreError
from .decision import ATTENTION, STATUSES


@dataclass
class FileDecision:
    """A file's :class:`~maa_cli.intake.decision.Decision` as shown to the officer and scripts: with its
    path below returns/, no identifying values, names masked. ``code`` is explained on ``Decision``."""

    path: str  # relative to returns/
    status: str
    code: str | None = None
    form_id: str | None = None
    form_type: str | None = None
    agency: str | None = None
    case_ref: str | None = None
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)
    urgent: list[dict] = field(default_factory=list)
    sha256: str | None = None
    modified: str | None = None  # the file's modification time (UTC, ISO 8601)
    container: str | None = None  # the e-mail or zip (path below returns/) this file came out of
    sender: str | None = None  # the address the e-mail came from ('@domain' for a row of an online form's export)
    trust: str = "verified"  # or 'self_declared': it names its respondent itself (an export's row, the open form)


@dataclass
class CollectResult:
    """One collect run: a decision per file, and what the audit's issued forms look like now.

    ``issued``, ``returned`` (a file identified as the form came back) and ``outstanding``
    count forms; ``summary``'s statuses count files. ``read`` files were read in this run,
    ``reused`` ones were unchanged since a run that judged them.
    """

    files: list[FileDecision]
    issued: int
    returned: int = 0
    outstanding: int = 0
    skipped: list[dict] = field(default_factory=list)
    read: int = 0
    reused: int = 0
    #: Set when a case's identifying details are missing from the restricted store: every return was
    #: still judged and recorded, and urgent concerns are listed by form reference, but file names and
    #: reasons are hidden (a name in them could not be masked). The CLI exits 2 with this error.
    refusal: RestrictedStoreError | None = None
    hashed: int = 0  # changed size or time but the same content (a copied audit): hashed, decision kept
    warnings: list[str] = field(default_factory=list)  # state set aside and rebuilt, for the officer
    #: Nothing the last run's outcome depended on had changed, so it is this run's outcome (:mod:`.unchanged`).
    recalled: bool = False

    @property
    def summary(self) -> dict[str, int]:
        counts = {s: 0 for s in STATUSES}
        for f in self.files:
            counts[f.status] += 1
        return {"issued": self.issued, "returned": self.returned, **counts, "outstanding": self.outstanding}

    @property
    def urgent(self) -> list[dict]:
        return [dict(u, file=f.path, form_id=f.form_id, form_type=f.form_type, case_ref=f.case_ref, agency=f.agency)
                for f in self.files if f.status != "superseded" for u in f.urgent]

    @property
    def needs_attention(self) -> bool:
        return (any(f.status in ATTENTION for f in self.files) or bool(self.urgent) or self.refusal is not None
                or bool(self.warnings) or any(s.get("attention") for s in self.skipped))

    @classmethod
    def from_kept(cls, kept: dict) -> CollectResult:
        """The outcome of the last run (:meth:`to_json`), for a run that found nothing changed: every file reused."""
        files = [FileDecision(**f) for f in kept["files"]]
        summary = kept["summary"]
        return cls(files, issued=summary["issued"], returned=summary["returned"], outstanding=summary["outstanding"],
                   skipped=kept["skipped"], read=0, reused=len(files), recalled=True)

    def to_json(self) -> dict:
        out = {"summary": self.summary, "urgent": self.urgent, "files": [asdict(f) for f in self.files],
               "skipped": self.skipped, "warnings": self.warnings,
               "run": {"read": self.read, "reused": self.reused, "hashed": self.hashed, "recalled": self.recalled}}
        if self.refusal is not None:
            out["error"] = {"exit_code": self.refusal.exit_code, "problems": [p.to_dict() for p in self.refusal.problems]}
        return out
