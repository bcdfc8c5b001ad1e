"""The register at rest: the SQLite file and its folder owner-only, and no silent public
tombstone salt (an erasure without a configured salt is refused, naming the variable)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from snapshot_factory import T1, T2, SnapshotWriter, org, person
from sqlalchemy import func, select, text

from pipelines.cli import main
from register import RegisterStore, Snapshot, SnapshotError, SubjectRequestError, erase
from register.tables import persons
from register.tombstones import TOMBSTONE_SALT_ENV

ENVIRONMENT_ENV = "TIETOHUOLTO_ENV"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


# -- the SQLite file ------------------------------------------------------------------------


@pytest.mark.usefixtures("usual_umask")
def test_sqlite_register_is_created_owner_only(tmp_path: Path) -> None:
    database = tmp_path / "var" / "data" / "register.sqlite"
    store = RegisterStore.from_url(f"sqlite:///{database}")
    try:
        store.create_schema()
        with store.engine.connect() as conn:
            conn.execute(text("CREATE TABLE probe (x INTEGER)"))
            conn.execute(text("INSERT INTO probe VALUES (1)"))
            conn.commit()
            # While a connection is open, WAL mode keeps its -wal and -shm files beside it.
            wal = database.with_name("register.sqlite-wal")
            shm = database.with_name("register.sqlite-shm")
            assert wal.exists() and shm.exists()
            assert _mode(wal) == 0o600, oct(_mode(wal))
            assert _mode(shm) == 0o600, oct(_mode(shm))
        assert _mode(database) == 0o600, oct(_mode(database))
        assert _mode(database.parent) == 0o700, oct(_mode(database.parent))
        assert _mode(database.parent.parent) == 0o700
    finally:
        store.engine.dispose()


@pytest.mark.usefixtures("usual_umask")
def test_rollback_journal_is_owner_only_too(tmp_path: Path) -> None:
    database = tmp_path / "register.sqlite"
    store = RegisterStore.from_url(f"sqlite:///{database}")
    try:
        with store.engine.connect() as conn:
            conn.execute(text("PRAGMA journal_mode=DELETE"))
            conn.execute(text("CREATE TABLE probe (x INTEGER)"))
            conn.execute(text("PRAGMA locking_mode=EXCLUSIVE"))
            conn.execute(text("INSERT INTO probe VALUES (1)"))
            conn.commit()
            conn.execute(text("PRAGMA journal_mode=PERSIST"))
            conn.execute(text("INSERT INTO probe VALUES (2)"))
            conn.commit()
            journal = database.with_name("register.sqlite-journal")
            assert journal.exists()
            assert _mode(journal) == 0o600, oct(_mode(journal))
    finally:
        store.engine.dispose()


@pytest.mark.usefixtures("usual_umask")
def test_an_existing_register_file_and_folder_are_left_as_they_are(tmp_path: Path) -> None:
    """Only what the store creates is made owner-only; an operator's own choice stands."""
    database = tmp_path / "register.sqlite"
    database.touch(mode=0o640)
    folder_mode = _mode(tmp_path)
    store = RegisterStore.from_url(f"sqlite:///{database}")
    store.create_schema()
    store.engine.dispose()
    assert _mode(database) == 0o640
    assert _mode(tmp_path) == folder_mode


# -- the tombstone salt ---------------------------------------------------------------------

ORGS = [org("O1", 0, "Alfa Oy")]
PEOPLE = [
    person("P1", "O1", "Anna", "Aalto"),
    person("P2", "O1", "Matti", "Meikäläinen"),
]


@pytest.fixture
def snapshot(make_snapshot: SnapshotWriter) -> Snapshot:
    return make_snapshot("s1", ORGS, PEOPLE, [])


@pytest.fixture
def no_salt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production as configured without the salt: no variable, no development mode."""
    monkeypatch.delenv(TOMBSTONE_SALT_ENV, raising=False)
    monkeypatch.delenv(ENVIRONMENT_ENV, raising=False)


def _positions(store: RegisterStore, person_id: str) -> int:
    with store.engine.connect() as conn:
        query = select(func.count()).select_from(persons).where(persons.c.person_id == person_id)
        return int(conn.execute(query).scalar_one())


@pytest.mark.usefixtures("no_salt")
def test_erasure_without_a_salt_is_refused_naming_the_variable(
    store: RegisterStore, snapshot: Snapshot
) -> None:
    store.load(snapshot, at=T1)  # loading a register without tombstones needs no salt

    with pytest.raises(SubjectRequestError) as caught:
        erase(store, "P2", "operator-1")

    message = str(caught.value)
    assert message.startswith(f"{TOMBSTONE_SALT_ENV}: is not set")
    assert "\n" not in message
    assert _positions(store, "P2") == 1  # refused, nothing changed


@pytest.mark.usefixtures("no_salt")
def test_cli_erasure_without_a_salt_is_one_line_on_stderr(
    store: RegisterStore,
    snapshot: Snapshot,
    register_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TIETOHUOLTO_REGISTER_URL", register_url)
    monkeypatch.setenv("TIETOHUOLTO_VAR", str(tmp_path / "var"))
    store.load(snapshot, at=T1)

    status = main(["subject", "erase", "--person-id", "P2", "--by", "operator-1"])

    err = capsys.readouterr().err
    assert status == 1
    assert err.count("\n") == 1 and TOMBSTONE_SALT_ENV in err
    assert _positions(store, "P2") == 1


def test_tombstones_without_the_salt_refuse_the_next_load(
    store: RegisterStore, snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOMBSTONE_SALT_ENV, "a-secret-salt-for-this-test")
    store.load(snapshot, at=T1)
    erase(store, "P2", "operator-1")

    monkeypatch.delenv(TOMBSTONE_SALT_ENV)
    monkeypatch.delenv(ENVIRONMENT_ENV, raising=False)
    with pytest.raises(SnapshotError, match=f"^{TOMBSTONE_SALT_ENV}: is not set"):
        store.load(snapshot, at=T2)
    # Not with the public development salt either: it differs from the one that made them.
    monkeypatch.setenv(ENVIRONMENT_ENV, "development")
    with pytest.raises(SnapshotError, match="differs from the salt"):
        store.load(snapshot, at=T2)
    monkeypatch.setenv(TOMBSTONE_SALT_ENV, "a-secret-salt-for-this-test")
    store.load(snapshot, at=T2)
    assert _positions(store, "P2") == 0


@pytest.mark.parametrize("mode", ["development", "test"])
def test_explicit_development_mode_erases_with_the_development_salt(
    store: RegisterStore, snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.delenv(TOMBSTONE_SALT_ENV, raising=False)
    monkeypatch.setenv(ENVIRONMENT_ENV, mode)
    store.load(snapshot, at=T1)
    erase(store, "P2", "operator-1")
    assert _positions(store, "P2") == 0
