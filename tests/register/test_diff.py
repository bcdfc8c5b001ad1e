"""What changed between two snapshots: counts and ids, snapshot to snapshot or store to
snapshot."""

from __future__ import annotations

import pytest
from snapshot_factory import T1, SnapshotWriter, ban, business_id, org, person

from register import RegisterStore, Snapshot, diff_snapshots, erase, format_diff


@pytest.fixture
def pair(make_snapshot: SnapshotWriter) -> tuple[Snapshot, Snapshot]:
    old = make_snapshot(
        "old",
        [
            org("O1", 0, "Alfa Oy"),
            org("O2", 1, "Beeta Oy"),
            org("O3", 2, "Gamma Oy"),
            org("O4", 3, "Delta Oy"),
            org("O6", 5, "Epsilon Oy", status="liquidation"),
        ],
        [
            person("P1", "O1", "Anna", "Aalto"),  # stays
            person("P2", "O1", "Ville", "Virtanen"),  # gets valid_to
            person("P3", "O2", "Eeva", "Eskola"),  # gone
            person("P5", "O1", "Kalle", "Koski", valid_to="2024-01-31"),  # listed again, current
        ],
        [ban("P1", "email_marketing")],
    )
    new = make_snapshot(
        "new",
        [
            org("O1", 0, "Alfa Oy"),
            org("O2", 1, "Beeta Oy", status="ceased"),
            org("O3", 2, "Gamma Oy", status="merged", successor_business_id=business_id(0)),
            org("O5", 4, "Zeta Oy"),
            org("O6", 5, "Epsilon Oy", status="merged"),
        ],
        [
            person("P1", "O1", "Anna", "Aalto"),
            person("P2", "O1", "Ville", "Virtanen", valid_to="2026-06-30"),
            person("P4", "O5", "Olli", "Ojala", valid_from="2026-07-01"),  # new
            person("P5", "O1", "Kalle", "Koski"),
        ],
        [ban("P1", "email_marketing"), ban("P4", "disclosure")],
    )
    return old, new


def test_counts_of_a_hand_made_pair(pair: tuple[Snapshot, Snapshot]) -> None:
    old, new = pair
    diff = diff_snapshots(old, new)
    assert diff.counts() == {
        "organizations_added": 1,
        "organizations_ended": 3,
        "organizations_merged": 2,
        "positions_started": 2,
        "positions_ended": 2,
        "prohibitions_added": 1,
        "prohibitions_removed": 0,
    }
    assert diff.organizations_added == ("O5",)
    assert diff.organizations_ended == ("O2", "O3", "O4")
    assert diff.organizations_merged == ("O3", "O6")
    assert diff.positions_started == ("P4|O5|2026-07-01", "P5|O1|2020-01-01")
    assert diff.positions_ended == ("P2|O1|2020-01-01", "P3|O2|2020-01-01")
    assert diff.prohibitions_added == ("P4:disclosure",)


def test_format_shows_counts_and_ids_only_with_details(pair: tuple[Snapshot, Snapshot]) -> None:
    old, new = pair
    diff = diff_snapshots(old, new)
    short = format_diff(diff, details=False)
    assert short.splitlines()[0] == f"register diff: {old.snapshot_id} -> {new.snapshot_id}"
    assert "organisations ended" in short
    assert "O4" not in short
    detailed = format_diff(diff, details=True)
    assert "      O4" in detailed
    assert "      P4:disclosure" in detailed
    assert "Ojala" not in detailed  # ids, never names


def test_store_against_snapshot_is_the_same_diff(
    store: RegisterStore, pair: tuple[Snapshot, Snapshot]
) -> None:
    old, new = pair
    assert diff_snapshots(store, new).counts()["organizations_added"] == 5  # empty register
    store.load(old, at=T1)
    from_store = diff_snapshots(store, new)
    from_files = diff_snapshots(old, new)
    assert from_store.old == f"store {old.snapshot_id}"
    assert from_store.counts() == from_files.counts()
    assert from_store.positions_ended == from_files.positions_ended
    # After loading the new one, the dropped P3 stays in the store as history but the
    # store's side is what its current snapshot listed: nothing changes.
    store.load(new)
    assert not any(diff_snapshots(store, new).counts().values())
    assert diff_snapshots(old, store).counts() == from_files.counts()


def test_erased_persons_are_left_out(store: RegisterStore, pair: tuple[Snapshot, Snapshot]) -> None:
    old, new = pair
    store.load(old, at=T1)
    erase(store, "P3", requested_by="tester")
    diff = diff_snapshots(old, new, store=store)
    assert all("P3" not in key for key in diff.positions_ended)
