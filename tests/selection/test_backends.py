"""The same selection on SQLite and PostgreSQL: the same persons, the ledger, the access
report; and a ledger created before selections gains its new columns."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, text

from register import RegisterStore, access_report, make_engine, record_disclosures
from register.access_report import render_access_html
from selection import parse_order, select_persons
from tests.conftest import AS_OF
from tests.selection.checks import check_ledger, check_selection
from tests.selection.conftest import Snapshot

ORDER = {
    "order_id": "spring",
    "customer": "acme",
    "purpose": "campaign",
    "campaign_id": "kevat-2027",
    "campaign_end": "2027-04-30",
    "channels": ["post", "email", "phone"],
    "max_persons": 40,
    "organisation": {"regions": ["Uusimaa", "Pirkanmaa", "Varsinais-Suomi"]},
    "person": {"areas": ["JOHTO", "MYYNTI", "TALOUS"], "top_of_area": True},
}


def test_selection_ledger_and_access_report_on_both_backends(
    loaded_store: RegisterStore, snapshot_rows: Snapshot, sqlite_store: RegisterStore
) -> None:
    order = parse_order(ORDER)
    selection = select_persons(loaded_store, order, AS_OF)
    check_selection(snapshot_rows, order, selection, AS_OF)
    assert len(selection.rows) == 40  # the cap
    assert selection.summary["removed"]["over_cap"] > 0
    # The cap is shared: the three wanted areas take turns.
    per_area = selection.rows["responsibility_area"].value_counts()
    assert len(per_area) == 3 and per_area.max() - per_area.min() <= 1
    # Both backends select exactly the same persons with the same values.
    reference = select_persons(sqlite_store, order, AS_OF).rows
    assert selection.rows.fillna("").equals(reference.fillna(""))

    snapshot = loaded_store.current_snapshot()
    assert snapshot is not None
    written = record_disclosures(
        loaded_store,
        "acme",
        order.folder_name,
        snapshot.snapshot_id,
        selection.disclosed,
        purpose="campaign",
        campaign_id="kevat-2027",
    )
    assert written == 40
    check_ledger(loaded_store, selection, order.folder_name)

    person = str(selection.rows["person_id"].iloc[0])
    report = access_report(loaded_store, person, "tietosuoja@example.invalid")
    entries = [d for d in report["disclosures"] if d["delivery_id"] == "selection-spring"]
    assert len(entries) == 1
    assert entries[0]["purpose"] == "campaign" and entries[0]["campaign_id"] == "kevat-2027"
    assert "first_name" in entries[0]["fields"]
    page = render_access_html(report)
    assert "kevat-2027" in page and "campaign" in page


def _old_ledger(conn: object) -> None:
    # The disclosures table as `metadata.create_all` made it before selections existed.
    conn.execute(  # type: ignore[attr-defined]
        text(
            "CREATE TABLE disclosures (disclosure_id INTEGER PRIMARY KEY, "
            "customer VARCHAR(200) NOT NULL, delivery_id VARCHAR(200) NOT NULL, "
            "person_id VARCHAR(80) NOT NULL, fields TEXT NOT NULL, "
            "disclosed_at TIMESTAMP NOT NULL, snapshot_id VARCHAR(100) NOT NULL)"
        )
        if conn.dialect.name == "sqlite"  # type: ignore[attr-defined]
        else text(
            "CREATE TABLE disclosures (disclosure_id SERIAL PRIMARY KEY, "
            "customer VARCHAR(200) NOT NULL, delivery_id VARCHAR(200) NOT NULL, "
            "person_id VARCHAR(80) NOT NULL, fields TEXT NOT NULL, "
            "disclosed_at TIMESTAMP WITH TIME ZONE NOT NULL, snapshot_id VARCHAR(100) NOT NULL)"
        )
    )
    conn.execute(  # type: ignore[attr-defined]
        text(
            "INSERT INTO disclosures (customer, delivery_id, person_id, fields, disclosed_at, "
            "snapshot_id) VALUES ('acme', 'd-old', 'P1', 'email', :at, 's-1')"
        ),
        {"at": datetime(2026, 10, 1, tzinfo=UTC)},
    )


@pytest.mark.parametrize("twice", [False, True])
def test_an_old_ledger_gains_purpose_and_campaign(register_url: str, twice: bool) -> None:
    engine = make_engine(register_url)
    try:
        with engine.begin() as conn:
            _old_ledger(conn)
        for _ in range(2 if twice else 1):  # idempotent: a second store adds nothing
            store = RegisterStore(engine)
            record_disclosures(
                store, "acme", "selection-x", "s-1", {"P1": ["email"]}, purpose="continuous"
            )
            record_disclosures(store, "acme", "d-new", "s-1", {"P2": ["title"]})  # a refresh
        columns = {c["name"] for c in inspect(engine).get_columns("disclosures")}
        assert {"purpose", "campaign_id"} <= columns
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT delivery_id, purpose, campaign_id FROM disclosures ORDER BY 1")
            ).all()
        assert [tuple(r) for r in rows] == [
            ("d-new", None, None),
            ("d-old", None, None),
            ("selection-x", "continuous", None),
        ]
    finally:
        engine.dispose()


def test_the_ledger_refuses_a_campaign_without_its_id(sqlite_store: RegisterStore) -> None:
    from register import LedgerError

    with pytest.raises(LedgerError):
        record_disclosures(sqlite_store, "acme", "x", "s", {"P1": ["email"]}, purpose="campaign")
    with pytest.raises(LedgerError):
        record_disclosures(sqlite_store, "acme", "x", "s", {"P1": ["email"]}, purpose="ads")


def test_a_selection_run_again_keeps_whom_the_earlier_run_disclosed(store: RegisterStore) -> None:
    def run(disclosed: dict[str, list[str]]) -> None:
        record_disclosures(
            store,
            "acme",
            "selection-o",
            "s-1",
            disclosed,
            purpose="continuous",
            replace_delivery=False,
        )

    run({"P1": ["email", "first_name"], "P2": ["title"]})
    run({"P2": ["email"], "P3": ["phone"]})
    with store.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT person_id, fields FROM disclosures WHERE delivery_id = 'selection-o' "
                "ORDER BY person_id"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("P1", "email,first_name"),
        ("P2", "email,title"),
        ("P3", "phone"),
    ]
