"""The maintenance rules: what a matched register record tells the customer about one row.

Every status and flag of `refreshed-file.md` is decided here and nowhere else. The order of
the rules is the order of precedence: an unreadable row is `invalid` whatever else holds; a
`disclosure` prohibition wins over everything that would disclose anything; an inactive
organisation says more than a person's own news.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from matching.addresses import postcode_key, same_street
from matching.business_id import BusinessIdState, normalise_business_id
from matching.contact_points import normalise_email, same_phone
from matching.names import same_given_name, same_person_name
from matching.schema import Evidence, Flag, OrgMethod, PersonMethod, Status
from matching.text import fold
from matching.title_meaning import same_title
from refresh.dates import is_stale

# The schema's words, in the order the spec lists them (and `refresh_flags` writes them).
STATUSES: tuple[str, ...] = tuple(Status)
FLAGS: tuple[str, ...] = tuple(Flag)
PROHIBITION_FLAGS = {
    "direct_marketing": "no_direct_marketing",
    "phone_marketing": "no_phone_marketing",
    "email_marketing": "no_email_marketing",
}
# Register values of these customer columns are withheld under each prohibition: the
# channels the prohibition concerns. Direct marketing concerns every contact channel.
WITHHELD_COLUMNS = {
    "direct_marketing": frozenset({"email", "phone", "mobile", "street", "postcode", "city"}),
    "phone_marketing": frozenset({"phone", "mobile"}),
    "email_marketing": frozenset({"email"}),
}
INACTIVE_ORG_STATUSES = frozenset({"ceased", "bankrupt", "liquidation", "merged"})


# Organisation-level register fields a contract may add as extra columns, by name.
ORGANISATION_FIELDS = (
    "business_id",
    "name",
    "status",
    "industry_code",
    "personnel_class",
    "revenue_class",
    "visiting_street",
    "visiting_postcode",
    "visiting_city",
    "postal_street",
    "postal_postcode",
    "postal_city",
    "phone",
    "www",
)


@dataclass(frozen=True)
class RefreshSettings:
    as_of: date
    stale_after_months: int = 18
    # Organisation fields the customer's contract allows us to add (`register_<field>`).
    allowed_org_fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = sorted(set(self.allowed_org_fields) - set(ORGANISATION_FIELDS))
        if unknown:
            raise ValueError(
                f"contract names unknown organisation field(s) {', '.join(unknown)}; "
                f"allowed: {', '.join(ORGANISATION_FIELDS)}"
            )


@dataclass
class Decision:
    """What the refreshed file says about one customer row."""

    status: str
    flags: list[str] = field(default_factory=list)
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    updates: dict[str, str] = field(default_factory=dict)
    confidence: float | None = None
    org_id: str = ""
    person_id: str = ""
    org_fields: dict[str, str] = field(default_factory=dict)
    # Why an `invalid` row was quarantined (no cell values): told in refresh_changes.
    reason: str = ""
    # How the match was made (`Evidence.text`), for the change report.
    evidence: str = ""

    def add_flag(self, flag: str) -> None:
        self.flags = [f for f in FLAGS if f in {*self.flags, flag}]

    @property
    def flags_text(self) -> str:
        return ";".join(flag for flag in FLAGS if flag in self.flags)

    def changes_text(self, column_names: Mapping[str, str] | None = None) -> str:
        """`column: old -> new` for each change, under the customer's own column name."""
        if self.reason:
            return f"reason: {self.reason}"
        names = column_names or {}
        return ";".join(
            f"{names.get(column, column)}: {old} -> {new}" for column, old, new in self.changes
        )


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _same_address(contact: Mapping[str, str], org: Mapping[str, Any], present: set[str]) -> bool:
    """Equal to the postal or the visiting address in every address column the customer has."""
    for prefix in ("postal", "visiting"):
        street = _text(org.get(f"{prefix}_street"))
        postcode = _text(org.get(f"{prefix}_postcode"))
        city = _text(org.get(f"{prefix}_city"))
        if (
            ("street" not in present or same_street(contact["street"], street))
            and (
                "postcode" not in present
                or postcode_key(contact["postcode"]) == postcode_key(postcode)
            )
            and ("city" not in present or fold(contact["city"]) == fold(city))
        ):
            return True
    return False


class _Changes:
    """Collects changed columns, applying only those the customer has, non-empty, and the
    prohibitions allow."""

    def __init__(self, contact: Mapping[str, str], present: set[str], withheld: set[str]):
        self.contact, self.present, self.withheld = contact, present, withheld
        self.decision_flags: set[str] = set()
        self.changes: list[tuple[str, str, str]] = []
        self.updates: dict[str, str] = {}

    def compare(self, column: str, new: str, flag: str, same: bool) -> None:
        old = self.contact.get(column, "")
        # An empty cell is data the customer does not have: filling it would add personal
        # (or, without a contract, organisation) data, which a processor must not.
        if column not in self.present or not old or not new or same:
            return
        self.decision_flags.add(flag)
        if column in self.withheld:
            return
        self.changes.append((column, old, new))
        self.updates[column] = new


def decide(
    contact: Mapping[str, str],
    present: set[str],
    evidence: Evidence,
    orgs: Mapping[str, Mapping[str, Any]],
    positions: Mapping[tuple[str, str], Mapping[str, Any]],
    prohibitions: Mapping[str, set[str]],
    settings: RefreshSettings,
) -> Decision:
    """The refreshed-file verdict for one row (see the module docstring for precedence)."""
    if contact.get("problem"):
        return Decision(Status.INVALID, reason=str(contact["problem"]))
    bid_flags: list[str] = (
        [Flag.BUSINESS_ID_INVALID] if evidence.business_id_state == BusinessIdState.INVALID else []
    )
    if not evidence.org_id:
        status = (
            Status.AMBIGUOUS if evidence.org_method == OrgMethod.AMBIGUOUS else Status.NOT_FOUND
        )
        return Decision(status, flags=bid_flags)
    org_confidence = round(float(evidence.org_confidence), 2)
    if evidence.person_method == PersonMethod.AMBIGUOUS:
        return Decision(
            Status.AMBIGUOUS, flags=bid_flags, org_id=evidence.org_id, confidence=org_confidence
        )
    person_id = evidence.person_id or evidence.elsewhere_person_id
    kinds = prohibitions.get(person_id, set()) if person_id else set()
    if "disclosure" in kinds:
        return Decision(Status.OPTED_OUT)
    flags = bid_flags + [PROHIBITION_FLAGS[k] for k in sorted(kinds) if k in PROHIBITION_FLAGS]
    # Both matches must be right: the chance of that, taking them as independent.
    confidence = (
        round(float(evidence.org_confidence * evidence.person_confidence), 2)
        if evidence.person_id
        else org_confidence
    )
    org = orgs[evidence.org_id]
    position_org = evidence.position_org_id or evidence.org_id
    # Ceased, bankrupt, in liquidation or merged says more than the person's own news, even
    # where the person carried on in a merger's successor (the spec's precedence).
    if org.get("status") in INACTIVE_ORG_STATUSES:
        return _inactive(contact, present, org, evidence, flags, confidence)
    if evidence.person_id and evidence.position_current:
        position = positions[(evidence.person_id, position_org)]
        return _refresh_matched(
            contact, present, position, orgs[position_org], kinds, flags, settings, confidence
        )
    if evidence.person_id or evidence.found_elsewhere or evidence.role_held:
        return Decision(
            Status.PERSON_LEFT,
            flags=flags,
            org_id=evidence.org_id,
            person_id=person_id,
            confidence=confidence,
        )
    return Decision(Status.NOT_FOUND, flags=flags, org_id=evidence.org_id, confidence=confidence)


def _inactive(
    contact: Mapping[str, str],
    present: set[str],
    org: Mapping[str, Any],
    evidence: Evidence,
    flags: list[str],
    confidence: float,
) -> Decision:
    """`org_inactive`; where the person carried on in the organisation's successor, the
    customer's business ID moves to it (a public organisation identifier, not personal
    data): the account now lives there."""
    successor = _text(org.get("successor_business_id"))
    changes = _Changes(contact, present, withheld=set())
    customer_bid, _ = normalise_business_id(contact.get("business_id"))
    # Only where the person carried on in the successor: of a contact who did not, or whom
    # the register does not know, the successor says nothing.
    carried_on = bool(
        evidence.position_current
        and evidence.position_org_id
        and evidence.position_org_id != evidence.org_id
    )
    if successor and customer_bid is not None and carried_on:
        changes.compare("business_id", successor, "business_id_changed", customer_bid == successor)
    return Decision(
        Status.ORG_INACTIVE,
        flags=[flag for flag in FLAGS if flag in set(flags) | changes.decision_flags],
        changes=changes.changes,
        updates=changes.updates,
        org_id=evidence.org_id,
        person_id=evidence.person_id,
        confidence=confidence,
    )


def _refresh_matched(
    contact: Mapping[str, str],
    present: set[str],
    position: Mapping[str, Any],
    org: Mapping[str, Any],
    kinds: set[str],
    flags: list[str],
    settings: RefreshSettings,
    confidence: float,
) -> Decision:
    """`verified` or `updated`: compare every column the customer has by meaning."""
    withheld: set[str] = set()
    for kind in kinds:
        withheld |= WITHHELD_COLUMNS.get(kind, frozenset())
    changes = _Changes(contact, present, withheld)
    first, last = _text(position.get("first_name")), _text(position.get("last_name"))
    # The name is one fact, however the customer split it over the two columns.
    same_name = same_person_name(contact["first_name"], contact["last_name"], first, last)
    changes.compare(
        "first_name",
        first,
        "name_changed",
        same_name or same_given_name(contact["first_name"], first),
    )
    changes.compare(
        "last_name", last, "name_changed", same_name or fold(contact["last_name"]) == fold(last)
    )
    title = _text(position.get("title"))
    area = _text(position.get("responsibility_area"))
    changes.compare("title", title, "title_changed", same_title(contact["title"], title, area))
    email = _text(position.get("email"))
    changes.compare(
        "email", email, "email_changed", normalise_email(contact["email"]) == normalise_email(email)
    )
    mobile = _text(position.get("mobile"))
    phone_column = "mobile" if "mobile" in present else "phone"
    changes.compare(
        phone_column, mobile, "phone_changed", same_phone(contact[phone_column], mobile)
    )
    # The organisation's name is not compared: the register's id names the organisation,
    # and a customer's own way of writing it (or its name before a renaming) is no fact
    # about the contact. Its current name is an organisation field a contract may add
    # (`register_name`), as both independent generators' truths also expect.
    customer_bid, _ = normalise_business_id(contact["business_id"])
    if customer_bid is not None:
        register_bid = _text(org.get("business_id"))
        changes.compare(
            "business_id", register_bid, "business_id_changed", customer_bid == register_bid
        )
    if not _same_address(contact, org, present):
        for column in ("street", "postcode", "city"):
            new = _text(org.get(f"postal_{column}")) or _text(org.get(f"visiting_{column}"))
            same = {
                "street": same_street(contact["street"], new),
                "postcode": postcode_key(contact["postcode"]) == postcode_key(new),
                "city": fold(contact["city"]) == fold(new),
            }[column]
            changes.compare(column, new, "address_changed", same)
    all_flags = set(flags) | changes.decision_flags
    verified_at = position.get("verified_at")
    if is_stale(verified_at, settings.as_of, settings.stale_after_months):
        all_flags.add("stale")
    status = Status.UPDATED if changes.decision_flags else Status.VERIFIED
    return Decision(
        status,
        flags=[flag for flag in FLAGS if flag in all_flags],
        changes=changes.changes,
        updates=changes.updates,
        confidence=confidence,
        org_id=str(org.get("org_id")),
        person_id=str(position.get("person_id")),
    )
