"""Snapshot history: positions a later snapshot drops stay known as ended; re-added ones
become current again; ids stay stable; a failed load changes nothing."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from snapshot_factory import T1, T2, T3, SnapshotWriter, org, person
from sqlalchemy import Column, MetaData, String, Table, func, insert, select

import register.store
from register import RegisterStore, fetch_candidates, position_key
from register.history import utc
from register.store import CANDIDATE_PERSON_COLUMNS
from register.tables import persons
from synthetic import generate


def _row(frame: pd.DataFrame, person_id: str) -> pd.Series:
    rows = frame[frame["person_id"] == person_id]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_position_dropped_then_readded(store: RegisterStore, make_snapshot: SnapshotWriter) -> None:
    orgs = [org("O1", 0, "Alfa Oy"), org("O2", 1, "Beeta Oy")]
    anna = person("P1", "O1", "Anna", "Aalto")
    ville = person("P2", "O1", "Ville", "Virtanen", valid_from="2021-03-01")
    left = person("P4", "O2", "Liisa", "Laine", valid_to="2025-12-31")
    first = make_snapshot("s1", orgs, [anna, left])
    second = make_snapshot("s2", orgs, [anna, ville])  # Ville added; Liisa's ended row dropped
    third = make_snapshot("s3", orgs, [ville])  # Anna dropped
    fourth = make_snapshot("s4", orgs, [anna, ville])  # Anna back

    store.load(first, at=T1)
    store.load(second, at=T2)
    staff = store.persons_by_org(["O1"])
    assert sorted(staff["person_id"]) == ["P1", "P2"]
    assert staff["valid_to"].isna().all()
    liisa = _row(store.positions_of(["P4"]), "P4")
    assert liisa["valid_to"] == date(2025, 12, 31)  # the source's date stays
    assert liisa["ended_at"] is None or pd.isna(liisa["ended_at"])
    assert liisa["last_seen_snapshot"] == first.snapshot_id

    store.load(third, at=T3)
    staff = store.persons_by_org(["O1"])
    assert list(staff.columns) == list(CANDIDATE_PERSON_COLUMNS)
    ended = _row(staff, "P1")
    assert ended["valid_to"] == T3.date()
    assert pd.isna(_row(staff, "P2")["valid_to"])
    # The ended position is found by the register-wide look-ups too.
    assert "P1" in set(store.persons_by_email([first.persons[0]["email_key"]])["person_id"])
    candidates = fetch_candidates(store, [orgs[0]["business_id"]], [], [], [])
    assert _row(candidates.persons, "P1")["valid_to"] == T3.date()
    by_name = store.persons_by_name_key([first.persons[0]["name_key"]])
    assert _row(by_name, "P1")["valid_to"] == T3.date()
    history = _row(store.positions_of(["P1"]), "P1")
    assert utc(history["ended_at"]) == T3
    assert history["first_seen_snapshot"] == first.snapshot_id
    assert utc(history["first_seen_at"]) == T1
    assert history["last_seen_snapshot"] == second.snapshot_id
    assert utc(history["last_seen_at"]) == T2
    assert history["position_key"] == position_key("P1", "O1", date(2020, 1, 1))
    position_id = int(history["position_id"])

    at = datetime(2026, 12, 1, 6, 0, tzinfo=T1.tzinfo)
    store.load(fourth, at=at)
    back = _row(store.positions_of(["P1"]), "P1")
    assert pd.isna(back["valid_to"])
    assert back["ended_at"] is None or pd.isna(back["ended_at"])
    assert int(back["position_id"]) == position_id
    assert back["first_seen_snapshot"] == first.snapshot_id
    assert back["last_seen_snapshot"] == fourth.snapshot_id
    assert utc(back["last_seen_at"]) == at
    assert pd.isna(_row(store.persons_by_org(["O1"]), "P1")["valid_to"])


def test_position_ids_stay_unique_and_stable(
    store: RegisterStore, make_snapshot: SnapshotWriter
) -> None:
    orgs = [org("O1", 0, "Alfa Oy")]
    a = person("P1", "O1", "Anna", "Aalto")
    b = person("P2", "O1", "Ville", "Virtanen")
    c = person("P3", "O1", "Eeva", "Eskola")
    # The same person in two roles from the same day: two positions, two keys.
    twin = person("P1", "O1", "Anna", "Aalto", title="talousjohtaja", responsibility_area="TALOUS")
    store.load(make_snapshot("s1", orgs, [a, b]), at=T1)
    ids_before = dict(zip(*_ids(store), strict=True))
    store.load(make_snapshot("s2", orgs, [c, b, a, twin]), at=T2)
    keys, ids = _ids(store)
    assert len(set(ids)) == len(ids) == 4
    after = dict(zip(keys, ids, strict=True))
    for key, position_id in ids_before.items():
        assert after[key] == position_id
    assert position_key("P1", "O1", date(2020, 1, 1)) + "#2" in after


def _ids(store: RegisterStore) -> tuple[list[str], list[int]]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(persons.c.position_key, persons.c.position_id)).all()
    return [r[0] for r in rows], [int(r[1]) for r in rows]


def test_failed_load_leaves_history_untouched(
    store: RegisterStore, make_snapshot: SnapshotWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    orgs = [org("O1", 0, "Alfa Oy")]
    store.load(make_snapshot("s1", orgs, [person("P1", "O1", "Anna", "Aalto")]), at=T1)
    before = store.positions_of(["P1"])

    def broken(*_args: object) -> None:
        raise RuntimeError("disk full")

    # The last table written: the others are already replaced inside the transaction.
    for writer in ("_insert_columns", "_copy_columns"):
        original = getattr(register.store, writer)
        monkeypatch.setattr(
            f"register.store.{writer}",
            lambda conn, table, data, original=original: (
                broken() if table.name == "prohibitions" else original(conn, table, data)
            ),
        )
    with pytest.raises(RuntimeError):
        store.load(make_snapshot("s2", orgs, []), at=T2)
    pd.testing.assert_frame_equal(store.positions_of(["P1"]), before)
    assert store.current_snapshot().loaded_at.date() == T1.date()  # type: ignore[union-attr]


def test_generated_register_reloaded_keeps_ids(store: RegisterStore, tmp_path: Path) -> None:
    from register import read_snapshot

    data = generate(tmp_path, orgs=30, crm_rows=20, seed=3, as_of=date(2026, 11, 25))
    snapshot = read_snapshot(data.snapshot_dir)
    store.load(snapshot, at=T1)
    first = store.persons_by_org({p["org_id"] for p in snapshot.persons})
    store.load(snapshot, at=T2)
    again = store.persons_by_org({p["org_id"] for p in snapshot.persons})
    assert len(again) == len(snapshot.persons)
    pd.testing.assert_frame_equal(
        first.sort_values("position_id").reset_index(drop=True),
        again.sort_values("position_id").reset_index(drop=True),
    )


def test_store_from_before_the_history_columns_is_upgraded(
    register_url: str, make_snapshot: SnapshotWriter
) -> None:
    """A store an earlier version made gains the new columns and tables on first use."""
    old = MetaData()
    legacy = [
        Column(c.name, c.type, primary_key=c.primary_key, autoincrement=False)
        for c in persons.columns
        if c.name in CANDIDATE_PERSON_COLUMNS
    ]
    Table("persons", old, *legacy)
    Table("prohibitions", old, Column("person_id", String(64)), Column("kind", String(20)))
    store = RegisterStore.from_url(register_url)
    old.create_all(store.engine)
    with store.engine.begin() as conn:
        conn.execute(
            insert(old.tables["persons"]).values(
                position_id=7,
                person_id="P1",
                org_id="O1",
                first_name="Anna",
                last_name="Aalto",
                valid_from=date(2020, 1, 1),
                name_key="anna aalto",
            )
        )
    orgs = [org("O1", 0, "Alfa Oy")]
    store.load(make_snapshot("s1", orgs, [person("P1", "O1", "Anna", "Aalto")]), at=T1)
    row = _row(store.positions_of(["P1"]), "P1")
    assert int(row["position_id"]) == 7  # the same position, recognised by its key
    assert row["last_seen_snapshot"] is not None
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(persons)).scalar_one() == 1
    store.engine.dispose()


def test_text_with_tabs_backslashes_and_line_breaks_round_trips(
    store: RegisterStore, make_snapshot: SnapshotWriter
) -> None:
    # The bulk writers escape what their formats give meaning to (PostgreSQL's COPY text
    # format: backslash, tab, line breaks); the register must read back what it was given.
    odd = "Tab\there \\N back\\slash\r\nline"
    orgs = [org("O1", 0, "Alfa Oy", visiting_street=odd, aux_names="A\\B|C\tD")]
    staff = [person("P1", "O1", "Anna", "Aalto", title=odd, verified_at="2026-01-02")]
    store.load(make_snapshot("s1", orgs, staff), at=T1)
    loaded = store.organizations_by_id(["O1"]).iloc[0]
    assert loaded["visiting_street"] == odd
    assert loaded["aux_names"] == "A\\B|C\tD"
    position = _row(store.persons_by_org(["O1"]), "P1")
    assert position["title"] == odd
    assert position["verified_at"] == date(2026, 1, 2)
    assert position["valid_to"] is None
    history = _row(store.positions_of(["P1"]), "P1")
    assert utc(history["first_seen_at"]) == T1
