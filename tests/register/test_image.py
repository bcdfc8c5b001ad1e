"""The register's columnar image (`register.image`): the candidate queries answer the same
from it as from SQL, the image a load writes is what reading the register back gives, and
a data subject's erasure or rectification takes effect for the next refresh."""

from __future__ import annotations

import csv
import os
import random
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from snapshot_factory import T1, T2, SnapshotWriter, ban, org, person
from sqlalchemy import Table, func, select

from pipelines.cli import main
from register import (
    RegisterStore,
    access_report,
    add_prohibition,
    erase,
    make_engine,
    read_snapshot,
    rectify,
)
from register.image import IMAGE_ENV, fingerprint, image_from_database, image_root
from register.store import CANDIDATE_PERSON_COLUMNS
from register.tables import organization_keys, organizations, persons
from synthetic import GeneratedData

ORGS = [org("O1", 1, "Alfa Oy", visiting_postcode="00100", www="alfa.fi"), org("O2", 2, "Beta")]
PEOPLE = [
    person("P1", "O1", "Aino", "Aalto"),
    person("P2", "O1", "Eino", "Eskola"),
    person("P3", "O2", "Ilmari", "Ikonen", valid_to="2025-12-31"),
    person("P4", "O2", "Outi", "Oja", email=""),
]


@pytest.fixture
def loaded_by_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_data: GeneratedData
) -> Path:
    """A private var/ and Dagster home, the small register loaded into SQLite by the CLI;
    the register file's path."""
    register = tmp_path / "register.sqlite"
    monkeypatch.setenv("TIETOHUOLTO_VAR", str(tmp_path))
    monkeypatch.setenv("TIETOHUOLTO_REGISTER_URL", f"sqlite:///{register}")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    assert main(["register", "load", str(small_data.snapshot_dir)]) == 0
    return register


def _sql_twin(store: RegisterStore) -> RegisterStore:
    return RegisterStore(store.engine, image=False)


def _count(store: RegisterStore, table: Table) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _same(image: pd.DataFrame, sql: pd.DataFrame, key: list[str]) -> None:
    assert list(image.columns) == list(sql.columns)
    pd.testing.assert_frame_equal(
        image.sort_values(key).reset_index(drop=True),
        sql.sort_values(key).reset_index(drop=True),
    )


def test_a_file_register_keeps_its_image_beside_it(store: RegisterStore) -> None:
    root = image_root(store.engine)
    assert root is not None
    if store.engine.dialect.name == "sqlite":
        assert root.name == "register.sqlite.image"


def test_no_image_when_switched_off_or_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    assert image_root(make_engine("sqlite://")) is None
    monkeypatch.setenv(IMAGE_ENV, "off")
    assert image_root(make_engine("sqlite:////tmp/x.sqlite")) is None


@pytest.mark.parametrize("batch_rows", [None, 7])
def test_candidate_queries_answer_the_same_from_the_image_and_from_sql(
    store: RegisterStore,
    small_data: GeneratedData,
    monkeypatch: pytest.MonkeyPatch,
    batch_rows: int | None,
) -> None:
    if batch_rows:  # the tables' files in many record batches, as a large register's are
        monkeypatch.setattr("register.image._FILE_BATCH", batch_rows)
    store.load(read_snapshot(small_data.snapshot_dir))
    image = store.candidate_image()
    assert image is not None
    if batch_rows:
        with pa.memory_map(str(image.folder / "persons.arrow")) as mapped:
            reader = pa.ipc.open_file(mapped)
            assert reader.num_record_batches == -(-_count(store, persons) // batch_rows)
    sql = _sql_twin(store)
    with store.engine.connect() as conn:
        orgs = conn.execute(select(organizations.c.org_id, organizations.c.business_id)).all()
        org_names = conn.execute(select(organizations.c.name_key)).scalars().all()
        people = conn.execute(select(persons.c.name_key, persons.c.email_key)).all()
        keys = conn.execute(select(organization_keys.c.key)).scalars().all()
    draw = random.Random(3)
    org_ids = [*draw.sample([o for o, _ in orgs], 60), "no-such-org", ""]
    business_ids = [*draw.sample([b for _, b in orgs], 60), "0000000-0"]
    name_keys = [*draw.sample([n for n, _ in people], 80), "nobody"]
    emails = draw.sample([e for _, e in people if e], 80)
    cases = [
        ("organizations_by_id", org_ids, ["org_id"]),
        ("organizations_by_business_id", business_ids, ["org_id"]),
        ("organizations_by_name_key", draw.sample(org_names, 40), ["org_id"]),
        ("persons_by_org", org_ids, ["position_id"]),
        ("persons_by_email", emails, ["position_id"]),
        ("persons_by_name_key", name_keys, ["position_id"]),
        ("persons_by_org", [], ["position_id"]),
    ]
    for method, values, key in cases:
        found = getattr(store, method)(values)
        _same(found, getattr(sql, method)(values), key)
        assert found.empty == (not values), method
    wanted = draw.sample(keys, 300)
    for limit in (1, 3, 50):
        _same(
            store.organization_key_hits(wanted, max_block=limit),
            sql.organization_key_hits(wanted, max_block=limit),
            ["key", "org_id"],
        )


def test_the_image_a_load_writes_is_what_reading_the_register_back_gives(
    store: RegisterStore, make_snapshot: SnapshotWriter, tmp_path: Path
) -> None:
    # History, a rectification and a prohibition: what a load's own columns hold is not
    # just the snapshot.
    store.load(make_snapshot("s1", ORGS, PEOPLE, [ban("P2", "direct_marketing")]), at=T1)
    rectify(store, "person", "P1", "title", "Hallituksen pj", requested_by="op")
    rectify(store, "organization", "O1", "name", "Gamma Oy", requested_by="op")
    store.load(make_snapshot("s2", ORGS, PEOPLE[:3]), at=T2)  # P4's position ends
    made_at_load = store.candidate_image()
    assert made_at_load is not None
    with store.engine.connect() as conn:
        tied_to = fingerprint(conn)
        assert tied_to is not None
        read_back = image_from_database(
            conn, tmp_path / "read-back", tied_to, CANDIDATE_PERSON_COLUMNS
        )
    files = sorted(p.name for p in made_at_load.folder.iterdir())
    assert files == sorted(p.name for p in read_back.iterdir())
    for name in files:
        if name.endswith(".arrow"):
            with (
                pa.memory_map(str(made_at_load.folder / name)) as one,
                pa.memory_map(str(read_back / name)) as other,
            ):
                assert (
                    pa.ipc.open_file(one).read_all().equals(pa.ipc.open_file(other).read_all())
                ), name
    ended = store.persons_by_org(["O2"]).set_index("person_id")
    assert ended.loc["P4", "valid_to"] is not None  # the ended position is in the image
    assert store.persons_by_org(["O1"]).set_index("person_id").loc["P1", "title"] == (
        "Hallituksen pj"
    )
    # The organisation's name words are those of its rectified name.
    assert store.organizations_by_id(["O1"])["name_words"].tolist() == ["gamma"]


def test_a_request_makes_the_next_query_read_a_new_image(
    store: RegisterStore, make_snapshot: SnapshotWriter
) -> None:
    store.load(make_snapshot("s1", ORGS, PEOPLE), at=T1)
    before = store.candidate_image()
    assert before is not None and "P2" in set(store.persons_by_org(["O1"])["person_id"])
    rectify(store, "person", "P1", "title", "Myyntijohtaja", requested_by="op")
    after = store.candidate_image()
    assert after is not None and after.folder != before.folder
    assert not before.folder.exists()  # one image at a time: the stale one is deleted
    assert store.persons_by_org(["O1"]).set_index("person_id").loc["P1", "title"] == (
        "Myyntijohtaja"
    )
    erase(store, "P2", requested_by="dpo")
    # The erased person's data left the disk with the image, before any refresh.
    assert not after.folder.exists()
    assert "P2" not in set(store.persons_by_org(["O1"])["person_id"])
    assert store.persons_by_name_key(["eino eskola"]).empty
    # Another process's store (the next refresh) sees the same.
    other = RegisterStore(make_engine(str(store.engine.url.render_as_string(False))))
    assert "P2" not in set(other.persons_by_org(["O1"])["person_id"])


def test_a_rectified_mobile_is_looked_up_by_its_new_number(
    store: RegisterStore, make_snapshot: SnapshotWriter
) -> None:
    people = [
        person("P1", "O1", "Aino", "Aalto", mobile="040 123 4567"),
        person("P2", "O1", "Eino", "Eskola", mobile=""),
        person("P5", "O1", "Ulla", "Uusi", mobile="ei numeroa"),
    ]
    store.load(make_snapshot("s1", ORGS, people), at=T1)
    keys = store.persons_by_org(["O1"]).set_index("person_id")["mobile_key"]
    assert keys["P1"] == "+358401234567"
    assert keys["P2"] == keys["P5"] == ""  # no number, or not a number: no key
    rectify(store, "person", "P1", "mobile", "050-765 4321", requested_by="op")
    for answering in (store, _sql_twin(store)):
        rows = answering.persons_by_org(["O1"]).set_index("person_id")
        assert rows.loc["P1", "mobile"] == "050-765 4321"
        assert rows.loc["P1", "mobile_key"] == "+358507654321"


def test_an_organisations_name_words_follow_a_rectified_name(
    store: RegisterStore, make_snapshot: SnapshotWriter
) -> None:
    orgs = [org("O1", 1, "Alfa Oy", aux_names="Alfa Ab|Alfa Consulting Ltd|  "), ORGS[1]]
    store.load(make_snapshot("s1", orgs, PEOPLE), at=T1)
    for answering in (store, _sql_twin(store)):
        words = answering.organizations_by_id(["O1", "O2"]).set_index("org_id")["name_words"]
        # Each name's words once, official first; the legal form and blank names left out.
        assert words["O1"] == "alfa|alfa consulting"
        assert words["O2"] == "beta"
    rectify(store, "organization", "O1", "name", "Gamma Oy", requested_by="op")
    for answering in (store, _sql_twin(store)):
        words = answering.organizations_by_business_id([orgs[0]["business_id"]])["name_words"]
        assert words.tolist() == ["gamma|alfa|alfa consulting"]


@pytest.mark.slow
def test_an_erasure_takes_effect_for_the_next_refresh(
    tmp_path: Path, loaded_by_cli: Path, small_data: GeneratedData
) -> None:
    register = loaded_by_cli
    images = register.with_name("register.sqlite.image")
    assert [p for p in images.iterdir() if p.is_dir()], "the load wrote no image"

    def refreshed(name: str) -> list[dict[str, str]]:
        out = tmp_path / name
        code = main(
            ["refresh", str(small_data.crm_file), "--as-of", "2026-11-25", "--output", str(out)]
        )
        assert code == 0
        with out.open(encoding="cp1252", newline="") as handle:
            return list(csv.DictReader(handle, delimiter=";"))

    first = refreshed("first.csv")
    matched = [r["register_person_id"] for r in first if r["register_person_id"]]
    assert matched
    erased = matched[0]
    erase(RegisterStore.from_url(f"sqlite:///{register}"), erased, requested_by="dpo")
    second = refreshed("second.csv")
    assert erased not in {r["register_person_id"] for r in second}
    # The rows that meant someone else are still found.
    assert sum(bool(r["register_person_id"]) for r in second) >= len(matched) - 2


def test_a_killed_build_is_swept_and_a_running_one_left_alone(
    store: RegisterStore, make_snapshot: SnapshotWriter
) -> None:
    root = image_root(store.engine)
    assert root is not None
    root.mkdir(parents=True, exist_ok=True)
    killed, running = root / ".building-killed", root / ".building-running"
    for folder in (killed, running):
        folder.mkdir()
        (folder / "persons.arrow").write_bytes(b"partial")
    os.utime(killed, (time.time() - 7200, time.time() - 7200))
    store.load(make_snapshot("s1", ORGS, PEOPLE), at=T1)
    assert not killed.exists()
    assert running.exists()
    assert store.candidate_image() is not None


def test_register_status_tells_where_the_image_is_and_whether_it_is_current(
    loaded_by_cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    register = loaded_by_cli
    capsys.readouterr()
    assert main(["register", "status"]) == 0
    assert "register.sqlite.image" in capsys.readouterr().out.split("candidate image:")[1]
    store = RegisterStore.from_url(f"sqlite:///{register}")
    with store.engine.connect() as conn:
        first = conn.execute(select(persons.c.person_id)).scalar()
    erase(store, str(first), requested_by="dpo")
    assert main(["register", "status"]) == 0
    assert "none current" in capsys.readouterr().out


def test_fixed_width_keys_find_exactly_their_own_rows() -> None:
    from register.image import _Lookup

    values = ["abc", "abcd", "ab", "äänekoski", "abc", "", None, "zz", "ab "]
    lookup = _Lookup.of(pa.chunked_array([pa.array(values, pa.string())]))
    wanted = ["abc", "ab", "abcd", "äänekoski", "ab ", "a", "abcde", "x" * 200, "zz", "\x00"]
    found = lookup.positions(wanted)
    rows = {
        key: sorted(lookup.rows(found[i : i + 1]).tolist()) if found[i] >= 0 else None
        for i, key in enumerate(wanted)
    }
    assert rows == {
        "abc": [0, 4],
        "ab": [2],
        "abcd": [1],
        "äänekoski": [3],
        "ab ": [8],
        "a": None,
        "abcde": None,
        "x" * 200: None,
        "zz": [7],
        "\x00": None,
    }
    with pytest.raises(ValueError, match="NUL"):
        _Lookup.of(pa.chunked_array([pa.array(["a\x00b"], pa.string())]))


def test_requests_that_change_nothing_the_queries_return_keep_the_image(
    store: RegisterStore, make_snapshot: SnapshotWriter
) -> None:
    store.load(make_snapshot("s1", ORGS, PEOPLE), at=T1)
    image = store.candidate_image()
    assert image is not None
    add_prohibition(store, "P1", "direct_marketing", requested_by="op")
    access_report(store, "P2", requested_by="op")
    assert store.candidate_image() is image  # no rebuild after a prohibition or an access
    assert not store.prohibitions_for(["P1"]).empty  # the prohibition is read at once


@settings(max_examples=150, deadline=None)
@given(
    batches=st.lists(
        st.lists(st.one_of(st.none(), st.text(max_size=6)), min_size=1, max_size=7),
        min_size=1,
        max_size=5,
    ),
    picks=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=40),
)
def test_a_query_takes_the_rows_asked_for_in_their_order_from_a_file_of_many_batches(
    batches: list[list[str | None]], picks: list[int]
) -> None:
    """Rows are taken batch by batch (so that a large query does not read the whole file
    at once), yet come back as `take` on the whole table gives them: in the order asked,
    repeats included, across batch boundaries."""
    from register.image import RegisterImage

    schema = pa.schema([("value", pa.string()), ("row", pa.int64())])
    start, parts = 0, []
    for values in batches:
        rows = list(range(start, start + len(values)))
        parts.append(
            pa.record_batch([pa.array(values, pa.string()), pa.array(rows)], schema=schema)
        )
        start += len(values)
    table = pa.Table.from_batches(parts)
    rows = np.array([pick % table.num_rows for pick in picks], dtype=np.int64)
    image = RegisterImage(Path(), {}, {}, [])
    assert image._take(table, rows).to_pylist() == table.take(pa.array(rows)).to_pylist()


def test_a_load_that_fails_leaves_the_register_and_its_image_as_they_were(
    store: RegisterStore, make_snapshot: SnapshotWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The image of a load is made while its transaction writes: a transaction that fails
    # after that must publish nothing and leave no files behind.
    store.load(make_snapshot("s1", ORGS, PEOPLE), at=T1)
    root = image_root(store.engine)
    assert root is not None
    before = sorted(p.name for p in root.iterdir())

    def fail(conn: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("register.store.bump_revision", fail)
    with pytest.raises(RuntimeError, match="went away"):
        store.load(make_snapshot("s2", ORGS[:1], PEOPLE[:1]), at=T2)
    assert sorted(p.name for p in root.iterdir()) == before
    image = store.candidate_image()
    assert image is not None
    assert set(store.organizations_by_id(["O1", "O2"])["org_id"]) == {"O1", "O2"}
