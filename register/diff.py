"""What changed between two register snapshots, or between the store and a snapshot.

Counts and ids only (organisation ids, position keys `person_id|org_id|valid_from`,
`person_id:kind`): never names or contact details.

* organisations **added**: in the new, not in the old;
* organisations **ended**: active in the old, and in the new not active (liquidation,
  bankrupt, ceased, merged) or gone;
* organisations **merged**: in both, status `merged` in the new and not in the old (most
  are also counted as ended);
* positions **started**: current (no `valid_to`) in the new and not current in the old
  (new, or listed again);
* positions **ended**: current in the old and, in the new, given a `valid_to` or gone;
* prohibitions **added** / **removed**: a (person, kind) pair in one and not the other.

The store's side is what its current snapshot listed (positions dropped earlier and kept as
ended history do not count). Persons the store has erased are left out of both sides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import select

from register.snapshot import Snapshot, position_key, position_keys
from register.store import RegisterStore
from register.tables import organizations, persons, prohibitions
from register.tombstones import erased_ids


@dataclass(frozen=True)
class SnapshotDiff:
    old: str  # a label: the snapshot id, or "store <id>"
    new: str
    organizations_added: tuple[str, ...] = ()
    organizations_ended: tuple[str, ...] = ()
    organizations_merged: tuple[str, ...] = ()
    positions_started: tuple[str, ...] = ()
    positions_ended: tuple[str, ...] = ()
    prohibitions_added: tuple[str, ...] = ()
    prohibitions_removed: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        return {f.name: len(getattr(self, f.name)) for f in fields(self) if f.name not in _LABELS}


_LABELS = {"old", "new"}
_HEADINGS = {
    "organizations_added": "organisations added",
    "organizations_ended": "organisations ended",
    "organizations_merged": "organisations merged",
    "positions_started": "positions started",
    "positions_ended": "positions ended",
    "prohibitions_added": "prohibitions added",
    "prohibitions_removed": "prohibitions removed",
}


@dataclass
class _Side:
    label: str
    statuses: dict[str, str]  # org_id -> status
    positions: dict[str, tuple[str, bool]]  # position key -> (person_id, current)
    prohibitions: set[tuple[str, str]]


def _from_snapshot(snapshot: Snapshot) -> _Side:
    keys = position_keys(snapshot.persons)
    return _Side(
        label=snapshot.snapshot_id,
        statuses={o["org_id"]: o["status"] for o in snapshot.organizations},
        positions={
            key: (p["person_id"], p["valid_to"] is None)
            for key, p in zip(keys, snapshot.persons, strict=True)
        },
        prohibitions={(p["person_id"], p["kind"]) for p in snapshot.prohibitions},
    )


def _from_store(store: RegisterStore) -> _Side:
    current = store.current_snapshot()
    if current is None:
        return _Side("empty register", {}, {}, set())
    with store.engine.connect() as conn:
        statuses = dict(conn.execute(select(organizations.c.org_id, organizations.c.status)).all())
        rows = conn.execute(
            select(
                persons.c.position_key,
                persons.c.person_id,
                persons.c.org_id,
                persons.c.valid_from,
                persons.c.valid_to,
            ).where(
                (persons.c.last_seen_snapshot == current.snapshot_id)
                | persons.c.last_seen_snapshot.is_(None)
            )
        ).all()
        bans = conn.execute(select(prohibitions.c.person_id, prohibitions.c.kind)).all()
    return _Side(
        label=f"store {current.snapshot_id}",
        statuses=statuses,
        positions={
            (key or position_key(pid, org, start)): (pid, end is None)
            for key, pid, org, start, end in rows
        },
        prohibitions={(pid, kind) for pid, kind in bans},
    )


def _side(source: Snapshot | RegisterStore) -> _Side:
    return _from_store(source) if isinstance(source, RegisterStore) else _from_snapshot(source)


def _without(side: _Side, erased: set[str]) -> None:
    side.positions = {k: v for k, v in side.positions.items() if v[0] not in erased}
    side.prohibitions = {p for p in side.prohibitions if p[0] not in erased}


def diff_snapshots(
    old: Snapshot | RegisterStore,
    new: Snapshot | RegisterStore,
    *,
    store: RegisterStore | None = None,
) -> SnapshotDiff:
    """Compare two snapshots, or the store's current register with a snapshot (either
    side). Persons erased from the store (given as a side, or as `store`) are left out."""
    before, after = _side(old), _side(new)
    stores = [s for s in (old, new, store) if isinstance(s, RegisterStore)]
    if stores:
        everyone = {v[0] for v in (*before.positions.values(), *after.positions.values())}
        everyone |= {p[0] for p in before.prohibitions | after.prohibitions}
        stores[0].create_schema()
        with stores[0].engine.connect() as conn:
            erased = erased_ids(conn, everyone)
        _without(before, erased)
        _without(after, erased)
    return _compare(before, after)


def _compare(before: _Side, after: _Side) -> SnapshotDiff:
    def was_current(side: _Side, key: str) -> bool:
        return key in side.positions and side.positions[key][1]

    return SnapshotDiff(
        old=before.label,
        new=after.label,
        organizations_added=_sorted(set(after.statuses) - set(before.statuses)),
        organizations_ended=_sorted(
            org
            for org, status in before.statuses.items()
            if status == "active" and after.statuses.get(org, "gone") != "active"
        ),
        organizations_merged=_sorted(
            org
            for org, status in after.statuses.items()
            if status == "merged" and before.statuses.get(org, "merged") != "merged"
        ),
        positions_started=_sorted(
            key
            for key in after.positions
            if was_current(after, key) and not was_current(before, key)
        ),
        positions_ended=_sorted(
            key
            for key in before.positions
            if was_current(before, key) and not was_current(after, key)
        ),
        prohibitions_added=_sorted(f"{p}:{k}" for p, k in after.prohibitions - before.prohibitions),
        prohibitions_removed=_sorted(
            f"{p}:{k}" for p, k in before.prohibitions - after.prohibitions
        ),
    )


def _sorted(values: Any) -> tuple[str, ...]:
    return tuple(sorted(values))


def format_diff(diff: SnapshotDiff, details: bool = False) -> str:
    """Counts, one line each; with `details`, the ids under each count."""
    counts: Mapping[str, int] = diff.counts()
    width = max(len(h) for h in _HEADINGS.values())
    lines = [f"register diff: {diff.old} -> {diff.new}"]
    for name, heading in _HEADINGS.items():
        lines.append(f"  {heading:<{width}}  {counts[name]:>7}")
        if details:
            lines.extend(f"      {value}" for value in getattr(diff, name))
    return "\n".join(lines)
