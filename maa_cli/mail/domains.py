"""Which e-mail domains an agency's messages may go to: the known-domains rule of ``maa send`` and ``maa chase``.

Forms can name a child, so a message goes only to an address at one of its agency's *known* domains:

* when ``audit.yaml`` lists domains for the agency under ``agency_domains``, those (and their
  subdomains: ``nhs.net`` takes ``x@nhs.net``, ``police.uk`` takes ``x@kent.police.uk``), plus the
  domains its messages already went to;
* otherwise the domains its messages already went to (the ledger keeps them) or, before the first,
  the domain of its address in the roster — unless that domain looks like a misspelling of a mail
  domain everyone knows (``nhs.nte``, ``gmial.com``, ``acorn.co.ul``), which nobody uses on purpose.

So an address edited after the forms went (a typo "fixed" to a look-alike domain, a new contact
elsewhere) is refused until the partnership lists the new domain, and a mistyped roster address is
caught before the first message rather than after.
"""

from __future__ import annotations

#: Mail domains a misspelling of which is a typo, not somebody's own domain: public services, the UK's
#: public suffixes, and the big free mail providers settings use. Compared label for label at the end.
WELL_KNOWN = (
    "nhs.net", "nhs.uk", "police.uk", "gov.uk", "cjsm.net", "egress.com",
    "co.uk", "org.uk", "ac.uk", "sch.uk", "ltd.uk", "plc.uk", "net.uk",
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com", "live.co.uk",
    "yahoo.com", "yahoo.co.uk", "icloud.com", "aol.com", "btinternet.com", "sky.com", "talktalk.net",
    "virginmedia.com",
)


def within(domain: str, domains) -> bool:
    """``domain`` is one of ``domains`` or a subdomain of one (all casefolded)."""
    return any(domain == d or domain.endswith("." + d) for d in domains)


def look_alike(domain: str) -> str | None:
    """The well-known mail domain ``domain`` (casefolded) looks like a misspelling of, or None.

    One letter wrong, missing, extra or two swapped, in the labels at the end: ``nhs.nte`` (nhs.net),
    ``kent.polcie.uk`` (police.uk), ``acorn.co.ul`` (co.uk). A domain that is one of them, or under one, is not.
    """
    labels = domain.split(".")
    for known in WELL_KNOWN:
        count = known.count(".") + 1
        if len(labels) < count:
            continue
        tail = ".".join(labels[-count:])
        if tail != known and not within(domain, WELL_KNOWN) and _one_slip(tail, known):
            return known
    return None


def refusal(agency: str, domain: str, went: set[str], listed: list[str]) -> str | None:
    """Why a message to an address at ``domain`` may not go to ``agency``, or None when the domain is known.

    Args:
        went: the domains the agency's messages went to (see :meth:`maa_cli.mail.ledger.Ledger.domains`).
        listed: its domains under ``agency_domains`` in ``audit.yaml`` (casefolded).
    """
    if listed:
        if within(domain, listed) or domain in went:
            return None
        return (f"its address is at {domain}, which is not one of the domains audit.yaml lists for it under "
                f"agency_domains ({', '.join(listed)}): correct the address under 'agencies', or, if it is right, "
                f"add {domain} to agency_domains for '{agency}', then run again")
    if went:
        if domain in went:
            return None
        return (f"its address is now at {domain}, but its messages went to {', '.join(sorted(went))}: if the contact "
                f"really changed, add {domain} to agency_domains for '{agency}' in audit.yaml and run again")
    typo = look_alike(domain)
    if typo is not None:
        return (f"its address is at {domain}, which looks like a misspelling of {typo}: correct the address under "
                f"'agencies' in audit.yaml, or, if {domain} is right, add it to agency_domains for '{agency}', "
                "then run again")
    return None


def _one_slip(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by exactly one letter changed, added, dropped, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1:]
