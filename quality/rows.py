"""Row-level validation: which rows are quarantined, and why (reasons hold no cell values)."""

from __future__ import annotations

import pandas as pd

from matching.contact_points import normalise_email

NO_IDENTITY = "no name or e-mail to identify the contact"
PLACEHOLDER = "a test or placeholder row: an example e-mail domain and no real organisation"
# What CRM users type where a test row needs an organisation ("Testi Testaaja" at "Testi"
# is the Finnish John Doe).
_PLACEHOLDER_NAMES = frozenset({"", "testi", "test", "demo", "esimerkki", "example", "asd"})

# Domains reserved for examples and tests (RFC 2606, RFC 6761): no real mailbox is there.
_RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
_RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost")


def _reserved(email: str) -> bool:
    domain = email.rpartition("@")[2]
    return domain in _RESERVED_DOMAINS or domain.endswith(_RESERVED_SUFFIXES)


def quarantine_reasons(contacts: pd.DataFrame) -> pd.Series:
    """The reader's problem where it had one; else a row with nothing to identify a person
    by (no name, and no e-mail that is an address); else a test row (an example domain's
    e-mail, and no organisation or a placeholder for one). Empty string for a usable
    row."""
    reasons = contacts["problem"].astype(str).copy()
    names = (
        contacts["first_name"].str.strip()
        + contacts["last_name"].str.strip()
        + contacts["full_name"].str.strip()
    )
    email_keys = contacts["email"].map(lambda e: normalise_email(e) or "")
    organisation = (
        contacts["org_name"].str.strip().str.casefold()
        + contacts["business_id"].str.strip().str.casefold()
    )
    reasons[(reasons == "") & (names == "") & (email_keys == "")] = NO_IDENTITY
    # Raw text: the e-mail validator itself refuses the reserved domains.
    placeholder = organisation.isin(_PLACEHOLDER_NAMES) & contacts[
        "email"
    ].str.strip().str.lower().map(_reserved)
    reasons[(reasons == "") & placeholder] = PLACEHOLDER
    return reasons
