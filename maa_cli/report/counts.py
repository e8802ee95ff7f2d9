"""The audit's headline counts: one vocabulary and one source for every output.

Every sentence, table row and banner that says how many cases or returns an audit
has takes its numbers from :class:`AuditCounts`, so a report can never say
"audited 3 cases" on one page and "1 case was audited" on the next. The words:

* **chosen** (sampled): cases taken into the audit, by random draw, nomination or
  list, less any withdrawn and replaced;
* **audited**: chosen cases with at least one complete return;
* **sent**: forms issued and not withdrawn;
* **returned**: forms sent back, complete or not;
* **complete** (used): returns every figure in the results is worked out from.

A questionnaire has no cases: it counts respondents **asked** and respondents who
**replied** (sent back at least one form, complete or not).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .figures import Count


@dataclass(frozen=True)
class AuditCounts:
    chosen: int
    audited: int
    sent: int
    returned: int
    complete: int
    asked: int
    replied: int

    @property
    def incomplete(self) -> int:
        return self.returned - self.complete

    @property
    def rate(self) -> Count:
        """Forms returned of forms sent."""
        return Count(self.returned, self.sent)

    def cases_sentence(self) -> str:
        """How many cases were chosen and how many audited, in the report's words."""
        if not self.chosen:
            return ""
        chosen = f"{self.chosen} {_plural(self.chosen, 'case')} chosen"
        if self.audited == self.chosen:
            return f"{chosen}, all audited" if self.chosen > 1 else f"{chosen} and audited"
        return f"{chosen}; {self.audited} audited so far"

    def returns_sentence(self) -> str:
        """Forms sent, returned and complete, e.g. '18 forms sent; 15 returned; 12 complete and used in the results'."""
        out = f"{self.sent} {_plural(self.sent, 'form')} sent; {self.returned} returned; {self.complete} complete and used in the results"
        if self.incomplete:
            out += f" ({self.incomplete} incomplete, so not counted)"
        return out

    def interim_banner(self, today: dt.date) -> str:
        """The line at the top of a report written before the panel has met."""
        return (f"Interim report: {self.returned} of {self.sent} returns received by {today.strftime('%d/%m/%Y')}; "
                "the panel has not yet met.")


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def audit_counts(ctx) -> AuditCounts:
    """Count once, from the report context: the cases in the audit, the issued forms and the collected records."""
    p = ctx.participation
    audited = {r["case_ref"] for r in ctx.accepted() if r.get("case_ref")}
    chosen = [c.case_ref for c in ctx.audit.cases]
    asked = [a for a in p.agencies if a.asked]
    return AuditCounts(
        chosen=len(chosen),
        audited=len([ref for ref in chosen if ref in audited]),
        sent=p.rate.of,
        returned=p.rate.n,
        complete=len(ctx.accepted()),
        asked=len(asked),
        replied=len([a for a in asked if a.returned]),
    )
