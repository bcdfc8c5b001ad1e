"""A generated register with many prohibitions, loaded once per backend, and its
snapshot read back as plain rows: the tests check selections against the snapshot
itself, not against the queries that made them."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from register import RegisterStore, make_engine, read_snapshot
from synthetic import GeneratedData, generate
from tests.conftest import AS_OF

# Far more prohibitions than the register's own rates, so that every kind is met often.
RATES = {
    "disclosure": 0.06,
    "direct_marketing": 0.08,
    "phone_marketing": 0.12,
    "email_marketing": 0.12,
}


@dataclass(frozen=True)
class Snapshot:
    organisations: dict[str, dict[str, str]]  # by org_id
    positions: list[dict[str, str]]
    prohibitions: dict[str, set[str]]  # person_id -> kinds


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def selection_data(tmp_path_factory: pytest.TempPathFactory) -> GeneratedData:
    return generate(
        tmp_path_factory.mktemp("selection"),
        orgs=800,
        crm_rows=20,
        seed=17,
        as_of=AS_OF,
        prohibition_rates=RATES,
    )


@pytest.fixture(scope="session")
def snapshot_rows(selection_data: GeneratedData) -> Snapshot:
    folder = selection_data.snapshot_dir
    bans: dict[str, set[str]] = {}
    for row in _rows(folder / "prohibitions.csv"):
        bans.setdefault(row["person_id"], set()).add(row["kind"])
    return Snapshot(
        organisations={row["org_id"]: row for row in _rows(folder / "organizations.csv")},
        positions=_rows(folder / "persons.csv"),
        prohibitions=bans,
    )


@pytest.fixture(scope="module")
def sqlite_store(
    tmp_path_factory: pytest.TempPathFactory, selection_data: GeneratedData
) -> Iterator[RegisterStore]:
    """One loaded SQLite register for a module's (hypothesis) tests."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('reg') / 'register.sqlite'}")
    store = RegisterStore(engine)
    store.load(read_snapshot(selection_data.snapshot_dir))
    yield store
    engine.dispose()


@pytest.fixture
def loaded_store(store: RegisterStore, selection_data: GeneratedData) -> RegisterStore:
    """The backend-parametrised store (SQLite and PostgreSQL) with the register loaded."""
    store.load(read_snapshot(selection_data.snapshot_dir))
    return store
