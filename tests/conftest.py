"""Shared fixtures: a register store on each backend, generated data sets."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from register import RegisterStore, make_engine
from synthetic import GeneratedData, generate
from tests.matched_file import MatchedFile, match_file

# Tests erase persons with the public development tombstone salt; outside this explicit
# mode the project refuses to erase without TIETOHUOLTO_TOMBSTONE_SALT.
os.environ.setdefault("TIETOHUOLTO_ENV", "test")
# A PostgreSQL register's columnar image goes under var/ by default: the tests' test
# databases keep theirs in a temporary folder instead.
os.environ.setdefault(
    "TIETOHUOLTO_REGISTER_IMAGE_DIR", tempfile.mkdtemp(prefix="tietohuolto-register-image-")
)

POSTGRES_URL = os.environ.get(
    "TIETOHUOLTO_TEST_POSTGRES_URL",
    "postgresql://tietohuolto:tietohuolto@127.0.0.1:5432/postgres",
)
AS_OF = date(2026, 11, 25)


def _postgres_reachable() -> bool:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The PostgreSQL server `.ci/run` starts; in CI its absence fails loudly."""
    if not _postgres_reachable():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required in CI and is unreachable at {POSTGRES_URL}")
        pytest.skip("PostgreSQL not reachable (start it: pg_ctlcluster 15 main start)")
    return POSTGRES_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    name = f"th_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = postgres_server.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        _drop_database(postgres_server, name)


def _drop_database(server: str, name: str) -> None:
    """Drop a test database. An autovacuum worker of the server's own role may be at work
    in it, which FORCE may not end for us: it finishes in moments, so try again."""
    for attempt in range(20):
        try:
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except psycopg.errors.InsufficientPrivilege:
            if attempt == 19:
                raise
            time.sleep(0.25)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def register_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same register tests on the embedded default and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'register.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(register_url: str) -> Iterator[RegisterStore]:
    engine = make_engine(register_url)
    yield RegisterStore(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def small_data(tmp_path_factory: pytest.TempPathFactory) -> GeneratedData:
    """A small generated register and CRM file with ground truth, shared by the session."""
    return generate(tmp_path_factory.mktemp("small"), orgs=150, crm_rows=400, seed=7, as_of=AS_OF)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say at the end how many tests were skipped because PostgreSQL was unreachable, and
    how to start it: `make test` never drops them silently."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "PostgreSQL not reachable" in str(getattr(report, "longrepr", ""))
    ]
    if skipped:
        terminalreporter.write_sep("=", "PostgreSQL", yellow=True, bold=True)
        terminalreporter.write_line(
            f"{len(skipped)} test(s) skipped: PostgreSQL not reachable at "
            f"{POSTGRES_URL.split('@')[-1]}. Start it with `pg_ctlcluster 15 main start` "
            "(roles: see .ci/run) or set TIETOHUOLTO_TEST_POSTGRES_URL, then run again."
        )


@pytest.fixture
def small_matched(tmp_path: Path, small_data: GeneratedData) -> Iterator[MatchedFile]:
    """`small_data` matched up to its persons, on a register store of its own."""
    matched = match_file(tmp_path, small_data)
    yield matched
    matched.store.engine.dispose()
