"""Data-subject requests on the master register: access, rectification, erasure, prohibition.

The register holds personal data of the people who decide in Finnish organisations, and
they have rights over it. Each function here handles one kind of request in one
transaction and notes it in `subject_requests` (ids, kinds and field names, never values).
Bad input — an unknown id, an ambiguous look-up, a malformed e-mail, an unknown kind or
field — is refused with `SubjectRequestError` and changes nothing.

What survives the next snapshot load: a rectification (re-applied until the source
agrees), an erasure (a tombstone makes the load skip the person) and a notified
prohibition (kept in its own table, unioned into `RegisterStore.prohibitions_for`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, update

from matching.business_id import BusinessIdState, normalise_business_id
from matching.contact_points import normalise_email, normalise_phone
from matching.text import fold, org_name_key, person_name_key
from register.access_report import render_access_html, write_access_report
from register.history import (
    ORGANIZATION_RECTIFIABLE_FIELDS,
    PERSON_RECTIFIABLE_FIELDS,
    REQUIRED_FIELDS,
    in_scope,
    set_organization_field,
    set_person_field,
    utc,
)
from register.image import bump_revision, discard_images
from register.ledger import LEDGER_RETENTION_MONTHS
from register.snapshot import PROHIBITION_KINDS
from register.store import RegisterStore
from register.tables import (
    disclosures,
    notified_prohibitions,
    organizations,
    persons,
    prohibitions,
    rectifications,
    snapshots,
    subject_requests,
    tombstones,
)
from register.tombstones import (
    TombstoneSaltError,
    TombstoneSaltMissing,
    erased_marker,
    salt_fingerprint,
    tombstone_hash,
    tombstone_hashes,
    tombstone_salt,
)

RECTIFIABLE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "person": PERSON_RECTIFIABLE_FIELDS,
    "organization": ORGANIZATION_RECTIFIABLE_FIELDS,
}
PROHIBITION_DESCRIPTIONS = {
    "direct_marketing": "no use or disclosure of your data for direct marketing",
    "disclosure": "nothing about you is disclosed to our customers",
    "phone_marketing": "no phone marketing",
    "email_marketing": "no e-mail marketing",
}
_POSTCODE = re.compile(r"^\d{5}$")
_MAX_VALUE = 500


class SubjectRequestError(ValueError):
    """A data-subject request refused; nothing was changed."""


@dataclass(frozen=True)
class CandidatePosition:
    org_id: str
    organization: str | None  # None: the organisation is no longer in the register
    business_id: str | None
    title: str | None
    current: bool


@dataclass(frozen=True)
class PersonCandidate:
    """A person a look-up found, with enough to tell them apart from namesakes."""

    person_id: str
    first_name: str
    last_name: str
    positions: tuple[CandidatePosition, ...]

    def describe(self) -> str:
        where = "; ".join(
            f"{p.title or 'no title'} at {p.organization or p.org_id}"
            f"{f' ({p.business_id})' if p.business_id else ''}"
            f"{'' if p.current else ', ended'}"
            for p in self.positions
        )
        return f"{self.person_id}  {self.first_name} {self.last_name}  {where}"


@dataclass(frozen=True)
class RequestResult:
    """What a request did: its audit id and counts of what changed."""

    request_id: str
    kind: str
    subject: str  # the person_id or org_id (for an erasure, the tombstone marker)
    changed: Mapping[str, int] = field(default_factory=dict)
    note: str = ""


# -- input checks --------------------------------------------------------------------------


def _operator(requested_by: str) -> str:
    if not isinstance(requested_by, str) or not requested_by.strip():
        raise SubjectRequestError("say who handles the request (requested_by is empty)")
    if len(requested_by.strip()) > 200:
        raise SubjectRequestError("requested_by is longer than 200 characters")
    return requested_by.strip()


def _identifier(value: str | None, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SubjectRequestError(f"{what} is empty")
    if len(value.strip()) > 64:
        raise SubjectRequestError(f"{what} is longer than 64 characters: no such id")
    return value.strip()


# The requests that change what the candidate queries return (positions, organisations).
# An access request reads, a prohibition is read from the database at every refresh, and
# clearing a rectification leaves the rows as they are until the next load: none of them
# makes the register's columnar image stale.
_CHANGES_THE_REGISTER = frozenset({"rectify", "erase"})


def _audit(
    conn: Connection,
    kind: str,
    requested_by: str,
    at: datetime,
    *,
    person_id: str | None = None,
    org_id: str | None = None,
    detail: str = "",
) -> str:
    request_id = uuid.uuid4().hex
    if kind in _CHANGES_THE_REGISTER:
        # An image of the register made before this request is stale once it commits.
        bump_revision(conn)
    conn.execute(
        insert(subject_requests).values(
            request_id=request_id,
            kind=kind,
            requested_by=requested_by,
            requested_at=at,
            person_id=person_id,
            org_id=org_id,
            detail=detail,
        )
    )
    return request_id


def _hashes(conn: Connection) -> set[str]:
    try:
        return tombstone_hashes(conn)
    except (TombstoneSaltError, TombstoneSaltMissing) as exc:
        raise SubjectRequestError(str(exc)) from exc


def _salt() -> str:
    # No silent fallback to a public salt: an erasure without one is refused, unchanged.
    try:
        return tombstone_salt()
    except TombstoneSaltMissing as exc:
        raise SubjectRequestError(str(exc)) from exc


def _unknown_person(conn: Connection, person_id: str) -> SubjectRequestError:
    hashes = _hashes(conn)
    if hashes and tombstone_hash(person_id) in hashes:
        return SubjectRequestError(
            f"person {person_id} has been erased: the register holds nothing on them"
        )
    return SubjectRequestError(f"no person with id {person_id} in the register")


def _positions(conn: Connection, person_id: str) -> list[dict[str, Any]]:
    query = (
        select(persons)
        .where(persons.c.person_id == person_id)
        .order_by(persons.c.valid_from, persons.c.position_id)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def _now(at: datetime | None) -> datetime:
    return utc(at or datetime.now(UTC))


# -- access --------------------------------------------------------------------------------


def _organizations_matching(conn: Connection, org: str) -> set[str]:
    """org_ids an operator's `--org` means: a business ID in any notation, the register's
    org_id, or the name (official or auxiliary) without legal form."""
    text = org.strip()
    found: set[str] = set()
    business_id, state = normalise_business_id(text)
    if state is BusinessIdState.VALID:
        query = select(organizations.c.org_id).where(organizations.c.business_id == business_id)
        found |= set(conn.execute(query).scalars())
    found |= set(
        conn.execute(select(organizations.c.org_id).where(organizations.c.org_id == text)).scalars()
    )
    key = org_name_key(text)
    if key:
        query = select(organizations.c.org_id).where(organizations.c.name_key == key)
        found |= set(conn.execute(query).scalars())
    if not found and key:
        query = select(organizations.c.org_id, organizations.c.aux_names).where(
            organizations.c.aux_names != ""
        )
        for org_id, aux in conn.execute(query):
            if any(org_name_key(name) == key for name in aux.split("|") if fold(name)):
                found.add(org_id)
    return found


def find_persons(
    store: RegisterStore,
    person_id: str | None = None,
    email: str | None = None,
    name: str | None = None,
    org: str | None = None,
) -> list[PersonCandidate]:
    """The persons a requester may be: by person_id, work e-mail or full name ("First
    Last", compared folded), the latter two optionally narrowed by `org` (name or business
    ID). Several candidates mean the look-up is ambiguous: list them, do not guess. An
    e-mail or name nobody has gives an empty list; an unknown person_id is refused."""
    given = [v for v in (person_id, email, name) if v is not None and str(v).strip()]
    if len(given) != 1:
        raise SubjectRequestError("give exactly one of person id, e-mail or name")
    if person_id and org:
        raise SubjectRequestError("an organisation narrows a look-up by e-mail or name only")
    store.create_schema()
    with store.engine.connect() as conn:
        if person_id:
            pid = _identifier(person_id, "person id")
            rows = _positions(conn, pid)
            if not rows:
                raise _unknown_person(conn, pid)
        elif email:
            key = normalise_email(email)
            if key is None:
                raise SubjectRequestError("the e-mail address is malformed")
            query = select(persons).where(persons.c.email_key == key)
            rows = [dict(r) for r in conn.execute(query).mappings()]
        else:
            key = person_name_key(name, None)
            if not key:
                raise SubjectRequestError("the name has no letters to look up")
            query = select(persons).where(persons.c.name_key == key)
            rows = [dict(r) for r in conn.execute(query).mappings()]
        if org:
            wanted = _organizations_matching(conn, org)
            if not wanted:
                raise SubjectRequestError("no organisation in the register matches --org")
            rows = [r for r in rows if r["org_id"] in wanted]
        found = sorted({r["person_id"] for r in rows})
        if found and not person_id:
            # Every position of each person found, to tell namesakes apart.
            query = (
                select(persons)
                .where(persons.c.person_id.in_(found))
                .order_by(persons.c.valid_from, persons.c.position_id)
            )
            rows = [dict(r) for r in conn.execute(query).mappings()]
        orgs = _organizations(conn, {r["org_id"] for r in rows})
    by_person: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_person.setdefault(row["person_id"], []).append(row)
    candidates = []
    for pid, positions in sorted(by_person.items()):
        latest = _latest(positions)
        candidates.append(
            PersonCandidate(
                person_id=pid,
                first_name=latest["first_name"],
                last_name=latest["last_name"],
                positions=tuple(
                    CandidatePosition(
                        org_id=p["org_id"],
                        organization=orgs.get(p["org_id"], {}).get("name"),
                        business_id=orgs.get(p["org_id"], {}).get("business_id"),
                        title=p["title"],
                        current=p["valid_to"] is None,
                    )
                    for p in positions
                ),
            )
        )
    return candidates


def _organizations(conn: Connection, org_ids: set[str]) -> dict[str, dict[str, Any]]:
    if not org_ids:
        return {}
    query = select(
        organizations.c.org_id,
        organizations.c.name,
        organizations.c.business_id,
        organizations.c.status,
    ).where(organizations.c.org_id.in_(sorted(org_ids)))
    return {row["org_id"]: dict(row) for row in conn.execute(query).mappings()}


def _latest(positions: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The position whose names count: a current one first, then the last seen."""

    def rank(p: Mapping[str, Any]) -> tuple[bool, str, int]:
        seen = p.get("last_seen_at")
        return (p["valid_to"] is None, _iso(seen) or "", int(p["position_id"]))

    return max(positions, key=rank)


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return utc(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def access_report(
    store: RegisterStore, person_id: str, requested_by: str, *, at: datetime | None = None
) -> dict[str, Any]:
    """Everything the register holds on the person, as a JSON-ready dict: every position
    (ended ones too, with first/last seen), the organisations, prohibitions, rectifications
    in force, and the ledger's recipients (customer, delivery, date, fields)."""
    operator = _operator(requested_by)
    pid = _identifier(person_id, "person id")
    now = _now(at)
    store.create_schema()
    with store.engine.begin() as conn:
        rows = _positions(conn, pid)
        if not rows:
            raise _unknown_person(conn, pid)
        orgs = _organizations(conn, {r["org_id"] for r in rows})
        from_snapshot = conn.execute(
            select(prohibitions.c.kind, prohibitions.c.registered_at)
            .where(prohibitions.c.person_id == pid)
            .order_by(prohibitions.c.kind)
        ).all()
        notified = conn.execute(
            select(notified_prohibitions.c.kind, notified_prohibitions.c.registered_at)
            .where(notified_prohibitions.c.person_id == pid)
            .order_by(notified_prohibitions.c.kind)
        ).all()
        overrides = (
            conn.execute(
                select(rectifications)
                .where(and_(rectifications.c.kind == "person", rectifications.c.subject_id == pid))
                .order_by(rectifications.c.field)
            )
            .mappings()
            .all()
        )
        ledger = (
            conn.execute(
                select(disclosures)
                .where(disclosures.c.person_id == pid)
                .order_by(disclosures.c.disclosed_at, disclosures.c.disclosure_id)
            )
            .mappings()
            .all()
        )
        earlier = (
            conn.execute(
                select(subject_requests)
                .where(subject_requests.c.person_id == pid)
                .order_by(subject_requests.c.requested_at)
            )
            .mappings()
            .all()
        )
        current = (
            conn.execute(select(snapshots).where(snapshots.c.is_current.is_(True)))
            .mappings()
            .first()
        )
        request_id = _audit(
            conn,
            "access",
            operator,
            now,
            person_id=pid,
            detail=f"positions={len(rows)};disclosures={len(ledger)}",
        )
    latest = _latest(rows)
    names = sorted({f"{r['first_name']} {r['last_name']}" for r in rows})
    return {
        "report": "access",
        "request_id": request_id,
        "generated_at": _iso(now),
        "handled_by": operator,
        "person": {
            "person_id": pid,
            "first_name": latest["first_name"],
            "last_name": latest["last_name"],
            "names_on_record": names,
        },
        "positions": [_position(r, orgs.get(r["org_id"])) for r in rows],
        "prohibitions": [
            {
                "kind": kind,
                "meaning": PROHIBITION_DESCRIPTIONS.get(kind, kind),
                "registered_at": _iso(registered),
                "source": source,
            }
            for source, entries in (
                ("master register", from_snapshot),
                ("notified to us", notified),
            )
            for kind, registered in entries
        ],
        "rectifications": [
            {
                "field": r["field"],
                "value": r["value"],
                "requested_at": _iso(r["requested_at"]),
                "request_id": r["request_id"],
            }
            for r in overrides
        ],
        "disclosures": [
            {
                "customer": d["customer"],
                "delivery_id": d["delivery_id"],
                "disclosed_at": _iso(d["disclosed_at"]),
                "fields": d["fields"].split(","),
                "snapshot_id": d["snapshot_id"],
                # A selection's purpose and campaign; a refresh delivery has neither.
                "purpose": d.get("purpose") or "refresh",
                "campaign_id": d.get("campaign_id") or "",
            }
            for d in ledger
        ],
        "earlier_requests": [
            {
                "kind": r["kind"],
                "requested_at": _iso(r["requested_at"]),
                "request_id": r["request_id"],
            }
            for r in earlier
        ],
        "register": {
            "snapshot_id": current["snapshot_id"] if current else None,
            "loaded_at": _iso(current["loaded_at"]) if current else None,
            "ledger_retention_months": LEDGER_RETENTION_MONTHS,
        },
    }


def _position(row: Mapping[str, Any], org: Mapping[str, Any] | None) -> dict[str, Any]:
    return {
        "org_id": row["org_id"],
        "organization": org["name"] if org else None,
        "business_id": org["business_id"] if org else None,
        "organization_status": org["status"] if org else None,
        "title": row["title"],
        "responsibility_area": row["responsibility_area"],
        "email": row["email"],
        "mobile": row["mobile"],
        "valid_from": _iso(row["valid_from"]),
        "valid_to": _iso(row["valid_to"]),
        "verified_at": _iso(row["verified_at"]),
        "current": row["valid_to"] is None,
        "first_seen_snapshot": row.get("first_seen_snapshot"),
        "first_seen_at": _iso(row.get("first_seen_at")),
        "last_seen_snapshot": row.get("last_seen_snapshot"),
        "last_seen_at": _iso(row.get("last_seen_at")),
        "ended_at": _iso(row.get("ended_at")),
    }


# -- rectification -------------------------------------------------------------------------


def _check_field(kind: str, field_name: str) -> None:
    if kind not in RECTIFIABLE_FIELDS:
        raise SubjectRequestError(f"unknown kind {kind!r}; choose person or organization")
    allowed = RECTIFIABLE_FIELDS[kind]
    if field_name not in allowed:
        raise SubjectRequestError(
            f"{field_name!r} cannot be rectified for a {kind}; choose from {', '.join(allowed)}"
        )


def _rectified_value(kind: str, field_name: str, value: str | None) -> str | None:
    _check_field(kind, field_name)
    text = value.strip() if isinstance(value, str) else None
    if not text:
        if field_name in REQUIRED_FIELDS:
            raise SubjectRequestError(f"{field_name} cannot be empty")
        return None
    if len(text) > _MAX_VALUE:
        raise SubjectRequestError(f"the value is longer than {_MAX_VALUE} characters")
    if field_name == "email" and normalise_email(text) is None:
        raise SubjectRequestError("the e-mail address is malformed")
    if field_name in {"mobile", "phone", "fax"} and normalise_phone(text) is None:
        raise SubjectRequestError(f"the {field_name} value is not a phone number")
    if field_name.endswith("_postcode") and not _POSTCODE.match(text):
        raise SubjectRequestError(f"{field_name} must be five digits")
    if field_name == "www" and any(ch.isspace() for ch in text):
        raise SubjectRequestError("www must be a web address without spaces")
    return text


def rectify(
    store: RegisterStore,
    kind: str,
    id: str,  # the person_id or org_id
    field: str,
    value: str | None,
    requested_by: str,
    *,
    at: datetime | None = None,
) -> RequestResult:
    """Override a register value at once and after every later snapshot load, until a
    snapshot carries the same value (then the override is dropped) or it is cleared.

    A person's names apply to all their positions; title, e-mail and mobile to the
    positions they hold now. An organisation's contact and address fields apply to it.
    Look-up keys (name_key, email_key) follow. An empty value means "unknown" (not allowed
    for names). A value the register already holds changes nothing and stores nothing.
    """
    operator = _operator(requested_by)
    new_value = _rectified_value(kind, field, value)
    subject = _identifier(id, f"{kind} id")
    now = _now(at)
    store.create_schema()
    with store.engine.begin() as conn:
        if kind == "person":
            rows = _positions(conn, subject)
            if not rows:
                raise _unknown_person(conn, subject)
            scope = [r for r in rows if in_scope(field, r)]
            if not scope:
                raise SubjectRequestError(
                    f"person {subject} holds no current position: {field} belongs to a "
                    "position held now"
                )
            changed = 0
            for row in scope:
                if set_person_field(row, field, new_value):
                    changed += 1
                    conn.execute(
                        update(persons)
                        .where(persons.c.position_id == row["position_id"])
                        .values(
                            {
                                field: new_value,
                                "name_key": row["name_key"],
                                "email_key": row["email_key"],
                            }
                        )
                    )
        else:
            org = (
                conn.execute(select(organizations).where(organizations.c.org_id == subject))
                .mappings()
                .first()
            )
            if org is None:
                raise SubjectRequestError(f"no organisation with id {subject} in the register")
            row = dict(org)
            changed = int(set_organization_field(row, field, new_value))
            if changed:
                conn.execute(
                    update(organizations)
                    .where(organizations.c.org_id == subject)
                    .values({field: new_value, "name_key": row["name_key"]})
                )
        key = and_(
            rectifications.c.kind == kind,
            rectifications.c.subject_id == subject,
            rectifications.c.field == field,
        )
        existing = conn.execute(select(rectifications.c.value).where(key)).first()
        person_id, org_id = (subject, None) if kind == "person" else (None, subject)
        if not changed and existing is None:
            request_id = _audit(
                conn,
                "rectify",
                operator,
                now,
                person_id=person_id,
                org_id=org_id,
                detail=f"field={field};no change: the register holds this value",
            )
            return RequestResult(request_id, "rectify", subject, {"rows": 0}, "no change")
        request_id = _audit(
            conn,
            "rectify",
            operator,
            now,
            person_id=person_id,
            org_id=org_id,
            detail=f"field={field};rows={changed}",
        )
        conn.execute(delete(rectifications).where(key))
        conn.execute(
            insert(rectifications).values(
                kind=kind,
                subject_id=subject,
                field=field,
                value=new_value,
                requested_at=now,
                request_id=request_id,
            )
        )
    return RequestResult(request_id, "rectify", subject, {"rows": changed})


def clear_rectification(
    store: RegisterStore,
    kind: str,
    id: str,  # the person_id or org_id
    field: str,
    requested_by: str,
    *,
    at: datetime | None = None,
) -> RequestResult:
    """Stop overriding the field. The rows keep the rectified value until the next
    snapshot load brings the source's."""
    operator = _operator(requested_by)
    _check_field(kind, field)
    subject = _identifier(id, f"{kind} id")
    now = _now(at)
    store.create_schema()
    with store.engine.begin() as conn:
        gone = conn.execute(
            delete(rectifications).where(
                and_(
                    rectifications.c.kind == kind,
                    rectifications.c.subject_id == subject,
                    rectifications.c.field == field,
                )
            )
        ).rowcount
        if not gone:
            raise SubjectRequestError(f"no rectification of {field} for {kind} {subject} in force")
        person_id, org_id = (subject, None) if kind == "person" else (None, subject)
        request_id = _audit(
            conn,
            "clear_rectification",
            operator,
            now,
            person_id=person_id,
            org_id=org_id,
            detail=f"field={field}",
        )
    return RequestResult(request_id, "clear_rectification", subject, {"rectifications": 1})


# -- erasure -------------------------------------------------------------------------------


def erase(
    store: RegisterStore, person_id: str, requested_by: str, *, at: datetime | None = None
) -> RequestResult:
    """Remove the person from the register for good: positions (current and ended),
    prohibitions, rectifications. A tombstone (keyed hash of the person_id) makes later
    snapshot loads skip them; their ledger rows and earlier request records keep only the
    marker `erased:<hash>` in place of the id."""
    operator = _operator(requested_by)
    pid = _identifier(person_id, "person id")
    now = _now(at)
    salt = _salt()
    store.create_schema()
    with store.engine.begin() as conn:
        person_hash = tombstone_hash(pid, salt)
        if person_hash in _hashes(conn):
            raise SubjectRequestError(f"person {pid} has already been erased")
        marker = erased_marker(pid)
        counts = {
            "positions": conn.execute(delete(persons).where(persons.c.person_id == pid)).rowcount,
            "prohibitions": conn.execute(
                delete(prohibitions).where(prohibitions.c.person_id == pid)
            ).rowcount,
            "notified_prohibitions": conn.execute(
                delete(notified_prohibitions).where(notified_prohibitions.c.person_id == pid)
            ).rowcount,
            "rectifications": conn.execute(
                delete(rectifications).where(
                    and_(rectifications.c.kind == "person", rectifications.c.subject_id == pid)
                )
            ).rowcount,
            "disclosures": conn.execute(
                update(disclosures).where(disclosures.c.person_id == pid).values(person_id=marker)
            ).rowcount,
            "requests": conn.execute(
                update(subject_requests)
                .where(subject_requests.c.person_id == pid)
                .values(person_id=marker)
            ).rowcount,
        }
        if not any(counts.values()):
            raise SubjectRequestError(f"no person with id {pid} in the register")
        request_id = _audit(
            conn,
            "erase",
            operator,
            now,
            person_id=marker,
            detail=";".join(f"{k}={v}" for k, v in counts.items()),
        )
        conn.execute(
            insert(tombstones).values(
                person_hash=person_hash,
                salt_fingerprint=salt_fingerprint(salt),
                erased_at=now,
                request_id=request_id,
            )
        )
    # The register's columnar images may hold the person: gone now, not at the next refresh.
    discard_images(store.engine)
    return RequestResult(request_id, "erase", marker, {k: int(v) for k, v in counts.items()})


# -- prohibitions --------------------------------------------------------------------------


def add_prohibition(
    store: RegisterStore,
    person_id: str,
    kind: str,
    requested_by: str,
    *,
    registered_at: date | None = None,
    at: datetime | None = None,
) -> RequestResult:
    """A prohibition the person notified to us: in force at once (the next
    `prohibitions_for` returns it) and kept whatever later snapshots carry."""
    operator = _operator(requested_by)
    if kind not in PROHIBITION_KINDS:
        raise SubjectRequestError(
            f"unknown prohibition kind {kind!r}; choose from {', '.join(sorted(PROHIBITION_KINDS))}"
        )
    pid = _identifier(person_id, "person id")
    now = _now(at)
    store.create_schema()
    with store.engine.begin() as conn:
        if not conn.execute(
            select(persons.c.position_id).where(persons.c.person_id == pid)
        ).first():
            raise _unknown_person(conn, pid)
        existing = conn.execute(
            select(notified_prohibitions.c.kind).where(
                and_(notified_prohibitions.c.person_id == pid, notified_prohibitions.c.kind == kind)
            )
        ).first()
        note = "already in force" if existing else ""
        request_id = _audit(
            conn,
            "prohibit",
            operator,
            now,
            person_id=pid,
            detail=f"kind={kind}" + (f";{note}" if note else ""),
        )
        if existing is None:
            conn.execute(
                insert(notified_prohibitions).values(
                    person_id=pid,
                    kind=kind,
                    registered_at=registered_at or now.date(),
                    request_id=request_id,
                )
            )
    return RequestResult(request_id, "prohibit", pid, {"prohibitions": 0 if existing else 1}, note)


__all__ = [
    "RECTIFIABLE_FIELDS",
    "CandidatePosition",
    "PersonCandidate",
    "RequestResult",
    "SubjectRequestError",
    "access_report",
    "add_prohibition",
    "clear_rectification",
    "erase",
    "find_persons",
    "rectify",
    "render_access_html",
    "write_access_report",
]
