"""Tiny hand-written register snapshots (csv module) for the register tests."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from stdnum.fi import ytunnus

from register import Snapshot, read_snapshot
from register.snapshot import ORGANIZATION_COLUMNS, PERSON_COLUMNS, PROHIBITION_COLUMNS

# Load times of consecutive snapshots in the tests: the date ends dropped positions.
T1 = datetime(2026, 9, 1, 6, 0, tzinfo=UTC)
T2 = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
T3 = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


def business_id(n: int) -> str:
    """The n-th valid business ID from 1000000-x on (some seven-digit stems have none)."""
    found = -1
    for stem in range(1_000_000, 1_100_000):
        for digit in range(10):
            if ytunnus.is_valid(f"{stem}-{digit}"):
                found += 1
                if found == n:
                    return f"{stem}-{digit}"
    raise AssertionError("ran out of business IDs")


def org(org_id: str, n: int, name: str, status: str = "active", **extra: str) -> dict[str, str]:
    row = dict.fromkeys(ORGANIZATION_COLUMNS, "")
    row.update(org_id=org_id, business_id=business_id(n), name=name, status=status)
    row.update(extra)
    return row


def person(
    person_id: str,
    org_id: str,
    first: str,
    last: str,
    valid_from: str = "2020-01-01",
    valid_to: str = "",
    **extra: str,
) -> dict[str, str]:
    row = dict.fromkeys(PERSON_COLUMNS, "")
    row.update(
        person_id=person_id,
        org_id=org_id,
        first_name=first,
        last_name=last,
        title="toimitusjohtaja",
        responsibility_area="JOHTO",
        email=f"{first}.{last}@{org_id.lower()}.example".lower(),
        mobile="+358 40 1234567",
        valid_from=valid_from,
        valid_to=valid_to,
        verified_at="2026-08-01",
    )
    row.update(extra)
    return row


def _write(path: Path, columns: tuple[str, ...], rows: Iterable[Mapping[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)


def write_snapshot(
    folder: Path,
    organizations: Iterable[Mapping[str, str]],
    persons: Iterable[Mapping[str, str]],
    prohibitions: Iterable[Mapping[str, str]] = (),
) -> Snapshot:
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "organizations.csv", ORGANIZATION_COLUMNS, organizations)
    _write(folder / "persons.csv", PERSON_COLUMNS, persons)
    _write(folder / "prohibitions.csv", PROHIBITION_COLUMNS, prohibitions)
    return read_snapshot(folder)


SnapshotWriter = Callable[..., Snapshot]


def ban(person_id: str, kind: str, registered_at: str = "2025-05-05") -> dict[str, str]:
    return {"person_id": person_id, "kind": kind, "registered_at": registered_at}
