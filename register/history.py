"""What a snapshot load keeps from before it: position history and rectifications (pure).

A *position* is a person at an organisation from a date; its identity across snapshots is
`register.snapshot.position_key` (`person_id|org_id|valid_from`). Loading a snapshot merges
its positions into those the store already has:

* listed now, known before: the snapshot's values, the same `position_id`, the
  `first_seen_*` of its first sighting, `last_seen_*` of this load, `ended_at` cleared
  (a position dropped earlier and listed again is current again);
* listed now, new: a new `position_id` (one more than the largest ever given), first and
  last seen in this load;
* known before, not listed now: kept as it was, ended — if it had no `valid_to`, `valid_to`
  becomes the load date and `ended_at` the load time; `last_seen_*` stay those of the last
  snapshot that listed it.

Rectifications (overrides a data subject asked for) are then re-applied to the merged rows,
except where the snapshot now carries the same value: those are returned as cleared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from matching.contact_points import normalise_email, normalise_phone
from matching.text import org_name_key, person_name_key
from register.snapshot import PERSON_COLUMNS, position_keys

HISTORY_COLUMNS = (
    "position_key",
    "first_seen_snapshot",
    "first_seen_at",
    "last_seen_snapshot",
    "last_seen_at",
    "ended_at",
)
_DATETIME_COLUMNS = ("first_seen_at", "last_seen_at", "ended_at")

# A person's name is theirs in every position; title, e-mail and mobile belong to a position,
# so a rectification of those applies to the positions the person holds now.
PERSON_NAME_FIELDS = ("first_name", "last_name")
POSITION_FIELDS = ("title", "email", "mobile")
PERSON_RECTIFIABLE_FIELDS = PERSON_NAME_FIELDS + POSITION_FIELDS
# Contact and address details; the business ID, status and classifications are facts of
# the trade register, rectified at the source, not here.
ORGANIZATION_RECTIFIABLE_FIELDS = (
    "name",
    "phone",
    "fax",
    "www",
    "visiting_street",
    "visiting_postcode",
    "visiting_city",
    "postal_street",
    "postal_postcode",
    "postal_city",
)
REQUIRED_FIELDS = frozenset({"first_name", "last_name", "name"})


def utc(value: datetime) -> datetime:
    """Aware UTC; a naive value (SQLite gives those back) is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass
class MergedPositions:
    rows: list[dict[str, Any]]  # the whole `persons` table after the load
    listed: set[int] = field(default_factory=set)  # position_ids this snapshot lists
    started: int = 0  # keys never seen before
    relisted: int = 0  # keys dropped by an earlier snapshot and listed again
    ended: int = 0  # current positions this snapshot no longer lists


def _previous_by_key(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    # Rows from before the history columns existed have no key: give them theirs.
    unkeyed = sorted((r for r in rows if not r.get("position_key")), key=lambda r: r["position_id"])
    for row, key in zip(unkeyed, position_keys(unkeyed), strict=True):
        row["position_key"] = key
    return {row["position_key"]: row for row in rows}


def merge_positions(
    previous: Sequence[dict[str, Any]],
    listed: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    snapshot_id: str,
    loaded_at: datetime,
) -> MergedPositions:
    """The `persons` table after loading `listed` (snapshot rows, `keys` their position
    keys) over `previous` (the table before; its row dicts are reused, and changed)."""
    loaded_at = utc(loaded_at)
    before = _previous_by_key(previous)
    next_id = max((int(r["position_id"]) for r in before.values()), default=0) + 1
    merged = MergedPositions(rows=[])
    for record, key in zip(listed, keys, strict=True):
        old = before.pop(key, None)
        row: dict[str, Any] = {column: record.get(column) for column in PERSON_COLUMNS}
        row["name_key"] = record["name_key"]
        row["email_key"] = record["email_key"]
        row["position_key"] = key
        row["first_seen_snapshot"], row["first_seen_at"] = snapshot_id, loaded_at
        if old is None:
            row["position_id"] = next_id
            next_id += 1
            merged.started += 1
        else:
            row["position_id"] = old["position_id"]
            merged.relisted += old.get("ended_at") is not None
            if old.get("first_seen_snapshot"):
                row["first_seen_snapshot"] = old["first_seen_snapshot"]
                row["first_seen_at"] = old["first_seen_at"]
        row["last_seen_snapshot"], row["last_seen_at"] = snapshot_id, loaded_at
        row["ended_at"] = None
        merged.listed.add(row["position_id"])
        merged.rows.append(row)
    for row in before.values():
        if row["valid_to"] is None:
            row["valid_to"] = loaded_at.date()
            row["ended_at"] = loaded_at
            merged.ended += 1
        merged.rows.append(row)
    for row in merged.rows:
        for column in _DATETIME_COLUMNS:
            if row.get(column) is not None:
                row[column] = utc(row[column])
    return merged


# -- rectifications --------------------------------------------------------------------------


def in_scope(field_name: str, row: Mapping[str, Any]) -> bool:
    """Whether a person rectification of `field_name` applies to this position row."""
    return field_name in PERSON_NAME_FIELDS or row["valid_to"] is None


def same_value(field_name: str, a: Any, b: Any) -> bool:
    """Equal as the field means it: e-mail case-insensitively, phones as numbers."""
    left, right = (str(v).strip() if v is not None else "" for v in (a, b))
    if field_name == "email":
        return (normalise_email(left) or left) == (normalise_email(right) or right)
    if field_name in {"mobile", "phone", "fax"}:
        return (normalise_phone(left) or left) == (normalise_phone(right) or right)
    return left == right


def set_person_field(row: dict[str, Any], field_name: str, value: str | None) -> bool:
    """Set a position row's field, keeping its look-up keys in step; True if it changed."""
    if row.get(field_name) == value:
        return False
    row[field_name] = value
    if field_name in PERSON_NAME_FIELDS:
        row["name_key"] = person_name_key(row["first_name"], row["last_name"])
    if field_name == "email":
        row["email_key"] = normalise_email(value)
    return True


def set_organization_field(row: dict[str, Any], field_name: str, value: str | None) -> bool:
    if row.get(field_name) == value:
        return False
    row[field_name] = value
    if field_name == "name":
        row["name_key"] = org_name_key(value)
    return True


def reapply_rectifications(
    organizations: Sequence[dict[str, Any]],
    positions: Sequence[dict[str, Any]],
    listed: set[int],
    rectifications: Sequence[Mapping[str, Any]],
) -> list[Mapping[str, Any]]:
    """Apply each rectification to the rows it concerns, in place; return those the
    snapshot now agrees with (all its rows in scope carry the value), which are not applied
    and should be deleted. One the snapshot says nothing about stays in force."""
    if not rectifications:
        return []
    orgs = {row["org_id"]: row for row in organizations}
    by_person: dict[str, list[dict[str, Any]]] = {}
    for row in positions:
        by_person.setdefault(row["person_id"], []).append(row)
    cleared = []
    for rect in rectifications:
        name, value = rect["field"], rect["value"]
        if rect["kind"] == "organization":
            org = orgs.get(rect["subject_id"])
            if org is None:
                continue
            if same_value(name, org.get(name), value):
                cleared.append(rect)
            else:
                set_organization_field(org, name, value)
            continue
        rows = [r for r in by_person.get(rect["subject_id"], []) if in_scope(name, r)]
        from_source = [r for r in rows if r["position_id"] in listed]
        if from_source and all(same_value(name, r.get(name), value) for r in from_source):
            cleared.append(rect)
            continue
        for row in rows:
            set_person_field(row, name, value)
    return cleared
