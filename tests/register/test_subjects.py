"""Data-subject requests: access, rectification, erasure, prohibitions — each effective at
once, surviving later snapshot loads, audited, and refused cleanly on bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from snapshot_factory import T1, T2, T3, SnapshotWriter, ban, business_id, org, person
from sqlalchemy import func, select

from matching.text import person_name_key
from register import (
    RegisterStore,
    Snapshot,
    SubjectRequestError,
    TombstoneSaltError,
    access_report,
    add_prohibition,
    clear_rectification,
    erase,
    find_persons,
    record_disclosures,
    rectify,
    write_access_report,
)
from register.tables import (
    disclosures,
    notified_prohibitions,
    persons,
    rectifications,
    subject_requests,
    tombstones,
)
from register.tombstones import TOMBSTONE_SALT_ENV, tombstone_hash

ORGS = [
    org("O1", 0, "Alfa Oy", phone="09 123 4567"),
    org("O2", 1, "Beeta Oy", aux_names="Beta Ab|Beeta Konsultit"),
]
PEOPLE = [
    person("P1", "O1", "Anna", "Aalto", valid_from="2023-02-01"),
    person("P1", "O2", "Anna", "Aalto", valid_from="2018-01-01", valid_to="2023-01-31"),
    person("P2", "O1", "Matti", "Meikäläinen", title="myyntijohtaja"),
    person("P3", "O2", "Matti", "Meikäläinen", email="matti@beeta.example"),
]
BANS = [ban("P2", "direct_marketing")]


@pytest.fixture
def snapshot(make_snapshot: SnapshotWriter) -> Snapshot:
    return make_snapshot("s1", ORGS, PEOPLE, BANS)


@pytest.fixture
def loaded(store: RegisterStore, snapshot: Snapshot) -> RegisterStore:
    store.load(snapshot, at=T1)
    return store


def _count(store: RegisterStore, table: Any) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _state(store: RegisterStore) -> dict[str, Any]:
    """Everything a request could change, to compare before and after a refusal."""
    with store.engine.connect() as conn:
        return {
            table.name: sorted(map(tuple, conn.execute(select(table)).all()), key=repr)
            for table in (persons, rectifications, notified_prohibitions, tombstones)
        } | {
            "requests": _count(store, subject_requests),
            "disclosures": _count(store, disclosures),
        }


# -- access --------------------------------------------------------------------------------


def test_access_report_lists_both_recipients(loaded: RegisterStore, tmp_path: Path) -> None:
    record_disclosures(
        loaded, "acme", "acme-2026-10", "s1", {"P1": ["email", "title"], "P2": ["mobile"]}, at=T2
    )
    record_disclosures(loaded, "bigco", "bigco-7", "s1", {"P1": ["mobile"]}, at=T3)
    report = access_report(loaded, "P1", requested_by="operator-1")

    assert report["person"]["person_id"] == "P1"
    assert [(d["customer"], d["delivery_id"], d["fields"]) for d in report["disclosures"]] == [
        ("acme", "acme-2026-10", ["email", "title"]),
        ("bigco", "bigco-7", ["mobile"]),
    ]
    assert report["disclosures"][0]["disclosed_at"].startswith("2026-10-01")
    positions = {p["org_id"]: p for p in report["positions"]}
    assert positions["O1"]["current"] and positions["O1"]["organization"] == "Alfa Oy"
    assert not positions["O2"]["current"]
    assert positions["O2"]["business_id"] == business_id(1)
    assert positions["O1"]["first_seen_at"].startswith("2026-09-01")

    json_path, html_path = write_access_report(report, tmp_path / "out")
    assert json_path.name == "access-P1.json" and html_path.name == "access-P1.html"
    assert json.loads(json_path.read_text(encoding="utf-8")) == report
    page = html_path.read_text(encoding="utf-8")
    for heading in (
        "Person",
        "Positions",
        "Prohibitions",
        "Corrections",
        "Disclosures (recipients)",
        "About this report",
    ):
        assert f"<h2>{heading}</h2>" in page
    assert "<script" not in page.lower()
    assert "http://" not in page and "https://" not in page and "<link" not in page
    assert "bigco-7" in page and "Alfa Oy" in page
    with loaded.engine.connect() as conn:
        audit = conn.execute(select(subject_requests)).mappings().one()
    assert (audit["kind"], audit["person_id"], audit["requested_by"]) == (
        "access",
        "P1",
        "operator-1",
    )
    assert "Aalto" not in audit["detail"] and "@" not in audit["detail"]


def test_report_shows_prohibitions_and_corrections_escaped(
    loaded: RegisterStore, tmp_path: Path
) -> None:
    add_prohibition(loaded, "P2", "disclosure", requested_by="op")
    rectify(loaded, "person", "P2", "first_name", "Matti <Juhani>", requested_by="op")
    report = access_report(loaded, "P2", requested_by="op")
    assert {(p["kind"], p["source"]) for p in report["prohibitions"]} == {
        ("direct_marketing", "master register"),
        ("disclosure", "notified to us"),
    }
    assert report["rectifications"][0]["field"] == "first_name"
    assert [r["kind"] for r in report["earlier_requests"]] == ["prohibit", "rectify"]
    _, html_path = write_access_report(report, tmp_path)
    page = html_path.read_text(encoding="utf-8")
    assert "Matti &lt;Juhani&gt;" in page and "<Juhani>" not in page


def test_ambiguous_name_gives_several_candidates(loaded: RegisterStore) -> None:
    both = find_persons(loaded, name="Matti Meikäläinen")
    assert [c.person_id for c in both] == ["P2", "P3"]
    assert find_persons(loaded, name="MATTI MEIKALAINEN") == both
    assert "Alfa Oy" in both[0].describe()
    for where in ("Alfa Oy", "alfa", business_id(0).replace("-", ""), "O1"):
        assert [c.person_id for c in find_persons(loaded, name="Matti Meikäläinen", org=where)] == [
            "P2"
        ]
    assert [c.person_id for c in find_persons(loaded, name="Matti Meikäläinen", org="Beta")] == [
        "P3"
    ]
    assert find_persons(loaded, name="Nobody Known") == []
    assert [c.person_id for c in find_persons(loaded, email="MATTI@beeta.example")] == ["P3"]
    anna = find_persons(loaded, person_id="P1")
    assert len(anna) == 1 and len(anna[0].positions) == 2


@pytest.mark.parametrize(
    "request_",
    [
        lambda s: find_persons(s, person_id="P404"),
        lambda s: find_persons(s, email="matti.beeta.example"),
        lambda s: find_persons(s, email="x@", org="Alfa Oy"),
        lambda s: find_persons(s, name="Matti Meikäläinen", org="No Such Org"),
        find_persons,  # none of person id, e-mail or name
        lambda s: find_persons(s, person_id="P1", email="anna.aalto@o1.example"),
        lambda s: access_report(s, "P404", requested_by="op"),
        lambda s: access_report(s, "P1", requested_by=" "),
        lambda s: rectify(s, "person", "P404", "title", "CEO", requested_by="op"),
        lambda s: rectify(s, "person", "P1", "email", "anna@@example", requested_by="op"),
        lambda s: rectify(s, "person", "P1", "mobile", "not a number", requested_by="op"),
        lambda s: rectify(s, "person", "P1", "valid_to", "2020-01-01", requested_by="op"),
        lambda s: rectify(s, "person", "P1", "last_name", "", requested_by="op"),
        lambda s: rectify(s, "company", "O1", "name", "X", requested_by="op"),
        lambda s: rectify(s, "organization", "O9", "name", "X", requested_by="op"),
        lambda s: rectify(s, "organization", "O1", "status", "ceased", requested_by="op"),
        lambda s: rectify(s, "organization", "O1", "visiting_postcode", "1234", requested_by="op"),
        lambda s: clear_rectification(s, "person", "P1", "title", requested_by="op"),
        lambda s: erase(s, "P404", requested_by="op"),
        lambda s: add_prohibition(s, "P1", "telemarketing", requested_by="op"),
        lambda s: add_prohibition(s, "P404", "disclosure", requested_by="op"),
    ],
)
def test_bad_requests_are_refused_and_change_nothing(loaded: RegisterStore, request_: Any) -> None:
    before = _state(loaded)
    with pytest.raises(SubjectRequestError):
        request_(loaded)
    assert _state(loaded) == before


# -- rectification -------------------------------------------------------------------------


def test_rectification_applies_at_once_survives_reload_and_clears(
    loaded: RegisterStore, snapshot: Snapshot, make_snapshot: SnapshotWriter
) -> None:
    result = rectify(loaded, "person", "P1", "last_name", "Aalto-Berg", requested_by="op")
    assert result.changed == {"rows": 2}  # a name is the person's in every position
    rectify(loaded, "person", "P1", "email", "Anna.Berg@Alfa.example", requested_by="op")
    rectify(loaded, "organization", "O1", "name", "Alfa Group Oy", requested_by="op")

    def check_rectified() -> None:
        rows = loaded.positions_of(["P1"]).set_index("org_id")
        assert list(rows["last_name"]) == ["Aalto-Berg", "Aalto-Berg"]
        assert set(rows["name_key"]) == {person_name_key("Anna", "Aalto-Berg")}
        assert rows.loc["O1", "email_key"] == "anna.berg@alfa.example"
        assert rows.loc["O2", "email"] == "anna.aalto@o2.example"  # an ended position
        found = loaded.persons_by_email(["anna.berg@alfa.example"])
        assert list(found["person_id"]) == ["P1"]
        assert list(loaded.organizations_by_name_key(["alfa group"])["org_id"]) == ["O1"]

    check_rectified()
    loaded.load(snapshot, at=T2)  # the source still says otherwise
    check_rectified()
    assert _count(loaded, rectifications) == 3

    agreeing = [dict(p) for p in PEOPLE]
    for row in agreeing:
        if row["person_id"] == "P1":
            row["last_name"] = "Aalto-Berg"
    loaded.load(make_snapshot("s2", ORGS, agreeing, BANS), at=T3)
    with loaded.engine.connect() as conn:
        left = conn.execute(select(rectifications.c.field)).scalars().all()
        cleared = conn.execute(
            select(subject_requests.c.detail).where(
                subject_requests.c.kind == "rectification_cleared"
            )
        ).scalars()
        assert [d.split(";")[0] for d in cleared] == ["field=last_name"]
    assert sorted(left) == ["email", "name"]
    # The cleared override no longer holds: the source's next word counts.
    loaded.load(snapshot)
    assert set(loaded.positions_of(["P1"])["last_name"]) == {"Aalto"}


def test_position_fields_apply_to_current_positions_and_can_be_cleared(
    loaded: RegisterStore, snapshot: Snapshot
) -> None:
    rectify(loaded, "person", "P1", "title", "CFO", requested_by="op")
    titles = loaded.positions_of(["P1"]).set_index("org_id")["title"]
    assert titles.to_dict() == {"O1": "CFO", "O2": "toimitusjohtaja"}
    same = rectify(loaded, "person", "P1", "title", "CFO", requested_by="op")
    assert same.changed == {"rows": 0}
    clear_rectification(loaded, "person", "P1", "title", requested_by="op")
    assert _count(loaded, rectifications) == 0
    loaded.load(snapshot, at=T2)
    assert loaded.positions_of(["P1"]).set_index("org_id").loc["O1", "title"] == "toimitusjohtaja"
    nothing = rectify(loaded, "person", "P1", "title", "toimitusjohtaja", requested_by="op")
    assert nothing.note == "no change" and _count(loaded, rectifications) == 0


# -- erasure -------------------------------------------------------------------------------


def test_erased_person_stays_erased_and_ledger_is_anonymised(
    loaded: RegisterStore, snapshot: Snapshot
) -> None:
    record_disclosures(loaded, "acme", "d-1", "s1", {"P2": ["email"], "P1": ["title"]}, at=T2)
    add_prohibition(loaded, "P2", "disclosure", requested_by="op")
    rectify(loaded, "person", "P2", "title", "CSO", requested_by="op")
    result = erase(loaded, "P2", requested_by="dpo")
    marker = "erased:" + tombstone_hash("P2")
    assert result.subject == marker
    assert result.changed["positions"] == 1 and result.changed["disclosures"] == 1

    def check_gone() -> None:
        assert loaded.positions_of(["P2"]).empty
        assert loaded.prohibitions_for(["P2"]).empty
        assert "P2" not in set(loaded.persons_by_org(["O1"])["person_id"])

    check_gone()
    loaded.load(snapshot, at=T2)  # the snapshot still lists P2 (and their prohibition)
    check_gone()
    assert loaded.counts()["prohibitions"] == 0
    with loaded.engine.connect() as conn:
        ledger = dict(conn.execute(select(disclosures.c.person_id, disclosures.c.fields)).all())
        audit = conn.execute(select(subject_requests.c.person_id)).scalars().all()
        stones = conn.execute(select(tombstones)).mappings().all()
    assert ledger == {marker: "email", "P1": "title"}
    assert "P2" not in audit and audit.count(marker) == 3  # prohibit, rectify, erase
    assert [s["person_hash"] for s in stones] == [tombstone_hash("P2")]
    with pytest.raises(SubjectRequestError, match="erased"):
        find_persons(loaded, person_id="P2")
    with pytest.raises(SubjectRequestError, match="already"):
        erase(loaded, "P2", requested_by="dpo")
    # A delivery recorded later under the old id keeps only the marker.
    record_disclosures(loaded, "acme", "d-2", "s1", {"P2": ["email"]})
    with loaded.engine.connect() as conn:
        assert "P2" not in set(conn.execute(select(disclosures.c.person_id)).scalars())


def test_a_changed_salt_refuses_to_load(
    loaded: RegisterStore, snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    erase(loaded, "P3", requested_by="dpo")
    monkeypatch.setenv(TOMBSTONE_SALT_ENV, "another-salt")
    before = _state(loaded)
    with pytest.raises(TombstoneSaltError, match=TOMBSTONE_SALT_ENV):
        loaded.load(snapshot, at=T2)
    assert _state(loaded) == before
    with pytest.raises(SubjectRequestError):
        erase(loaded, "P1", requested_by="dpo")


# -- prohibitions --------------------------------------------------------------------------


def test_notified_prohibition_in_force_at_once_and_after_reload(
    loaded: RegisterStore, snapshot: Snapshot, make_snapshot: SnapshotWriter
) -> None:
    assert loaded.prohibitions_for(["P1"]).empty
    at = datetime(2026, 9, 15, 10, 0, tzinfo=UTC)
    add_prohibition(loaded, "P1", "email_marketing", requested_by="op", at=at)
    seen = loaded.prohibitions_for(["P1", "P2"])
    assert sorted(zip(seen["person_id"], seen["kind"], strict=True)) == [
        ("P1", "email_marketing"),
        ("P2", "direct_marketing"),
    ]
    assert list(seen.columns) == ["person_id", "kind", "registered_at"]
    again = add_prohibition(loaded, "P1", "email_marketing", requested_by="op")
    assert again.note == "already in force"
    loaded.load(snapshot, at=T2)
    assert list(loaded.prohibitions_for(["P1"])["kind"]) == ["email_marketing"]
    # A snapshot that carries it too: one prohibition, not two.
    loaded.load(make_snapshot("s2", ORGS, PEOPLE, [*BANS, ban("P1", "email_marketing")]), at=T3)
    assert list(loaded.prohibitions_for(["P1"])["kind"]) == ["email_marketing"]
    # And one that drops it again: the notified one stays.
    loaded.load(snapshot)
    assert list(loaded.prohibitions_for(["P1"])["kind"]) == ["email_marketing"]
