"""The disclosure ledger: who received which fields (names, never values) and retention."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from register import (
    LEDGER_RETENTION_MONTHS,
    LedgerError,
    RegisterStore,
    ledger_cutoff,
    purge_ledger,
    record_disclosures,
)
from register.tables import disclosures


def _ledger(store: RegisterStore) -> list[tuple[str, str, str, str]]:
    store.create_schema()
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(
                disclosures.c.customer,
                disclosures.c.delivery_id,
                disclosures.c.person_id,
                disclosures.c.fields,
            ).order_by(disclosures.c.delivery_id, disclosures.c.person_id)
        ).all()
    return [tuple(r) for r in rows]


def test_rows_for_a_delivery_none_for_persons_without_fields(store: RegisterStore) -> None:
    written = record_disclosures(
        store,
        "acme",
        "d-1",
        "snap-1",
        {"P1": ["email", "title", "email"], "P2": [], "P3": iter(("mobile",))},
    )
    assert written == 2
    assert _ledger(store) == [
        ("acme", "d-1", "P1", "email,title"),
        ("acme", "d-1", "P3", "mobile"),
    ]


def test_recording_a_delivery_again_replaces_it(store: RegisterStore) -> None:
    record_disclosures(store, "acme", "d-1", "snap-1", {"P1": ["email"], "P2": ["title"]})
    record_disclosures(store, "acme", "d-2", "snap-1", {"P1": ["mobile"]})
    record_disclosures(store, "acme", "d-1", "snap-1", {"P1": ["email"]})
    assert _ledger(store) == [("acme", "d-1", "P1", "email"), ("acme", "d-2", "P1", "mobile")]


@pytest.mark.parametrize(
    ("customer", "disclosed"),
    [
        ("", {"P1": ["email"]}),
        ("acme", {"P1": ["matti.meikalainen@example.fi"]}),
        ("acme", {"P1": ["+358 40 1234567"]}),
        ("acme", {"": ["email"]}),
    ],
)
def test_refused_entries_write_nothing(
    store: RegisterStore, customer: str, disclosed: dict[str, list[str]]
) -> None:
    with pytest.raises(LedgerError):
        record_disclosures(store, customer, "d-1", "snap-1", {"P0": ["email"], **disclosed})
    assert _ledger(store) == []


def test_purge_by_age(store: RegisterStore) -> None:
    old = datetime(2024, 1, 10, 12, 0, tzinfo=UTC)
    recent = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    record_disclosures(store, "acme", "d-old", "s", {"P1": ["email"], "P2": ["title"]}, at=old)
    record_disclosures(store, "acme", "d-new", "s", {"P1": ["email"]}, at=recent)
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    cutoff = ledger_cutoff(LEDGER_RETENTION_MONTHS, now=now)
    assert cutoff == datetime(2024, 11, 25, 9, 0, tzinfo=UTC)
    assert purge_ledger(store, cutoff) == 2
    assert _ledger(store) == [("acme", "d-new", "P1", "email")]
    assert purge_ledger(store, cutoff) == 0
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(disclosures)).scalar_one() == 1


def test_cutoff_clamps_to_month_end() -> None:
    assert ledger_cutoff(1, now=datetime(2026, 3, 31, tzinfo=UTC)) == datetime(
        2026, 2, 28, tzinfo=UTC
    )
    assert ledger_cutoff(24, now=datetime(2026, 2, 28, tzinfo=UTC)).year == 2024
