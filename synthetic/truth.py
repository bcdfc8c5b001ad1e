"""The ground truth of one CRM row, derived from what was done to it, by the spec.

`shared/spec/refreshed-file.md`, "Which status, in order of precedence" and "What counts
as a change", written out as one function over the facts the generator knows by
construction. Nothing here looks at the matcher or the refresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from synthetic.vocab import CHANGE_FLAGS, INACTIVE_ORG_STATUSES, PROHIBITION_FLAGS


@dataclass
class Facts:
    """What the generator did to a row, in the terms the spec decides by."""

    # The row cannot be read, or has no person name and no organisation.
    junk: bool = False
    # Readable but a placeholder (a test record): not_found, `invalid` defensible.
    placeholder: bool = False
    # The register organisation the row means ('' = the register does not know it).
    org_id: str = ""
    org_status: str = ""
    successor_org_id: str = ""
    # The register person the row means, where the row's evidence identifies them.
    person_id: str = ""
    # Whether that person holds a current position at `org_id`.
    current_at_org: bool = False
    # Two register candidates fit equally well and nothing tells them apart.
    undecidable: bool = False
    prohibitions: set[str] = field(default_factory=set)
    # Facts that differ between the customer's row and the register (flags).
    changes: set[str] = field(default_factory=set)
    # Flags a refresh may set or not (filling an empty cell, a renamed organisation ...).
    optional: set[str] = field(default_factory=set)
    business_id_invalid: bool = False
    # 'stale', 'fresh' or 'edge' for the register row the person is matched to.
    staleness: str = "fresh"
    duplicate: bool = False


@dataclass(frozen=True)
class Truth:
    status: str
    acceptable: frozenset[str]
    flags: frozenset[str]
    optional: frozenset[str]
    true_org_id: str
    true_person_id: str
    alt_org_id: str


def decide(f: Facts) -> Truth:
    """Status by the spec's precedence, flags by its meaning of a change."""
    optional: set[str] = {"duplicate"} if f.duplicate else set()
    flags: set[str] = set()
    if f.junk:
        return Truth(
            "invalid", frozenset({"invalid"}), frozenset(), frozenset(optional), "", "", ""
        )
    if f.placeholder:
        return Truth(
            "not_found",
            frozenset({"not_found", "invalid"}),
            frozenset(),
            frozenset(optional | {"business_id_invalid"}),
            "",
            "",
            "",
        )
    alt = f.successor_org_id if f.org_status == "merged" or f.successor_org_id else ""
    if not f.org_id:
        # A foreign or unregistered organisation: not_found, never ambiguous.
        optional |= {"business_id_invalid"}
        return Truth(
            "not_found", frozenset({"not_found"}), frozenset(), frozenset(optional), "", "", ""
        )
    if f.undecidable:
        return Truth(
            "ambiguous",
            frozenset({"ambiguous"}),
            frozenset(),
            frozenset(optional),
            f.org_id,
            f.person_id,
            alt,
        )
    identified = bool(f.person_id)
    marketing = {PROHIBITION_FLAGS[k] for k in f.prohibitions if k in PROHIBITION_FLAGS}
    if identified and "disclosure" in f.prohibitions:
        # Nothing about them goes back: no flags (the row is returned as sent).
        return Truth(
            "opted_out",
            frozenset({"opted_out"}),
            frozenset(),
            frozenset(optional),
            f.org_id,
            f.person_id,
            alt,
        )
    if f.business_id_invalid:
        flags.add("business_id_invalid")
    if identified:
        flags |= marketing
    changes = set(f.changes)
    if f.org_status in INACTIVE_ORG_STATUSES:
        # Ceased, bankrupt, in liquidation or merged: org_inactive whoever the person is.
        # The successor's values may be written, with their flags; none is required.
        optional |= changes | f.optional | {"stale", "business_id_changed"}
        acceptable = (
            {"org_inactive"} if identified else {"org_inactive", "not_found", "person_left"}
        )
        return Truth(
            "org_inactive",
            frozenset(acceptable),
            frozenset(flags),
            frozenset(optional - flags),
            f.org_id,
            f.person_id,
            alt,
        )
    if identified and not f.current_at_org:
        optional |= changes | f.optional | {"stale"}
        return Truth(
            "person_left",
            frozenset({"person_left"}),
            frozenset(flags),
            frozenset(optional - flags),
            f.org_id,
            f.person_id,
            alt,
        )
    if not identified:
        # A person the register does not know at an organisation it knows.
        optional |= {
            c
            for c in changes | f.optional
            if c in {"business_id_changed", "address_changed", "name_changed"}
        }
        optional |= flags
        return Truth(
            "not_found",
            frozenset({"not_found", "person_left"}),
            frozenset(),
            frozenset(optional),
            f.org_id,
            "",
            alt,
        )
    flags |= changes
    if f.staleness == "stale":
        flags.add("stale")
    elif f.staleness == "edge":
        optional.add("stale")
    optional |= f.optional - flags
    status = "updated" if flags & CHANGE_FLAGS else "verified"
    acceptable = {status}
    if status == "verified" and optional & CHANGE_FLAGS:
        acceptable.add("updated")
    return Truth(
        status,
        frozenset(acceptable),
        frozenset(flags),
        frozenset(optional),
        f.org_id,
        f.person_id,
        alt,
    )
