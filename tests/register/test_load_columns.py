"""The store merges a snapshot's positions into their history a column at a time; the
row-by-row `register.history.merge_positions` is the reference it must agree with."""

from __future__ import annotations

import copy
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from register.history import merge_positions
from register.snapshot import PERSON_COLUMNS, position_key
from register.store import _merge_positions
from register.tables import persons

AT = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
EARLIER = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)


def _position(rng: random.Random, person: int, org: int, start: date | None) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(PERSON_COLUMNS)
    row.update(
        person_id=f"P{person}",
        org_id=f"O{org}",
        first_name="Anna",
        last_name=f"Aalto{person}",
        title=rng.choice(["toimitusjohtaja", None]),
        valid_from=start,
        valid_to=rng.choice([None, None, date(2026, 1, 1)]),
    )
    row["name_key"] = f"anna aalto{person}"
    row["email_key"] = rng.choice([None, f"p{person}@o{org}.fi"])
    row["position_key"] = position_key(row["person_id"], row["org_id"], start)
    return row


def _case(seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(seed)
    pool = {
        (p, o, rng.choice([None, date(2020, 1, 1) + timedelta(days=rng.randrange(900))]))
        for p in range(rng.randrange(1, 30))
        for o in range(3)
        if rng.random() < 0.5
    }
    keys = sorted(pool, key=str)
    previous = []
    ids = rng.sample(range(1, 500), len(keys))
    for (p, o, start), position_id in zip(keys, ids, strict=True):
        if rng.random() < 0.6:
            row = _position(rng, p, o, start)
            row["position_id"] = position_id
            seen = rng.random() < 0.8
            row["first_seen_snapshot"] = "s0" if seen else None
            row["first_seen_at"] = EARLIER.replace(tzinfo=None) if seen else None
            row["last_seen_snapshot"], row["last_seen_at"] = "s0", EARLIER
            row["ended_at"] = rng.choice([None, EARLIER])
            previous.append(row)
    listed = [_position(rng, p, o, start) for p, o, start in keys if rng.random() < 0.7]
    rng.shuffle(listed)
    return previous, listed


def _comparable(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    names = [c.name for c in persons.columns]
    iso = [
        tuple(
            v.isoformat() if isinstance(v, date) and not isinstance(v, datetime) else v
            for v in (row.get(n) for n in names)
        )
        for row in rows
    ]
    return sorted(iso, key=lambda r: r[0])


@pytest.mark.parametrize("seed", range(40))
def test_columns_merge_as_rows_do(seed: int) -> None:
    previous, listed = _case(seed)
    names = [c.name for c in persons.columns]
    columns = {n: [row.get(n) for row in previous] for n in names}
    frame = pd.DataFrame(
        {
            n: pd.Series(
                [v.isoformat() if isinstance(v, date) else v for v in (r[n] for r in listed)],
                dtype=object,
            )
            for n in (*PERSON_COLUMNS, "name_key", "email_key", "position_key")
        }
    )
    merged, listed_ids = _merge_positions(columns, frame, "s1", AT)
    expected = merge_positions(
        copy.deepcopy(previous), listed, [r["position_key"] for r in listed], "s1", AT
    )
    rows = [dict(zip(merged, values, strict=True)) for values in zip(*merged.values(), strict=True)]
    assert listed_ids == expected.listed
    assert _comparable(rows) == _comparable(expected.rows)
