"""Issue 15, row 13: PostgreSQL TLS with host-name checks, and least privilege.

TLS: `.ci/run` gives the local server a certificate signed by a test CA and naming
IP:127.0.0.1 only, and exports the CA's path as TIETOHUOLTO_TEST_PG_ROOTCERT.
`sslmode=verify-full` to 127.0.0.1 works; to `localhost` (not in the certificate) and with
another CA it is refused.

Least privilege: three roles with unique names per run (created over the local socket as
the `postgres` superuser, which `.ci/run` — root — can do), one database; the loader loads
a register and runs `register.grants`; each role may do its job and is refused the rest
with `permission denied` (psycopg's InsufficientPrivilege).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.exc import DBAPIError, OperationalError

from register import RegisterStore, make_engine, read_snapshot, record_disclosures
from register.grants import grant_statements
from register.subjects import add_prohibition, erase
from synthetic import GeneratedData
from tests.faults.fault_tools import run_cli

pytestmark = pytest.mark.postgres

ROOTCERT = os.environ.get("TIETOHUOLTO_TEST_PG_ROOTCERT", "")


def _rootcert() -> str:
    if not ROOTCERT or not Path(ROOTCERT).is_file():
        pytest.skip(
            "TIETOHUOLTO_TEST_PG_ROOTCERT is not set to the test CA's certificate: "
            "run .ci/run (its TLS section) to give the server a CA-signed certificate"
        )
    return ROOTCERT


def _with_host(url: str, host: str, query: str) -> str:
    scheme, rest = url.split("://", 1)
    credentials, location = rest.split("@", 1)
    database = location.split("/", 1)[1].split("?", 1)[0]
    return f"{scheme}://{credentials}@{host}:5432/{database}?{query}"


# -- TLS ------------------------------------------------------------------------------------


def test_verify_full_to_the_certificates_address_loads_a_register(
    postgres_url: str, small_data: GeneratedData
) -> None:
    url = _with_host(postgres_url, "127.0.0.1", f"sslmode=verify-full&sslrootcert={_rootcert()}")
    engine = make_engine(url)
    try:
        info = RegisterStore(engine).load(read_snapshot(small_data.snapshot_dir))
        assert info.organization_count == small_data.organisations
        with engine.connect() as conn:
            ssl = conn.exec_driver_sql(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
            ).scalar_one()
        assert ssl is True
    finally:
        engine.dispose()


def test_verify_full_to_a_name_the_certificate_lacks_is_refused_in_one_line(
    postgres_url: str, faults_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _with_host(postgres_url, "localhost", f"sslmode=verify-full&sslrootcert={_rootcert()}")
    monkeypatch.setenv("TIETOHUOLTO_REGISTER_URL", url)
    result = run_cli("register", "status")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert 'does not match host name "localhost"' in lines[0]
    assert "tietohuolto:" in lines[0] and "Traceback" not in result.stderr


def test_verify_full_with_another_ca_is_refused(postgres_url: str, tmp_path: Path) -> None:
    _rootcert()
    other = tmp_path / "other-ca.crt"
    subprocess.run(
        [
            "openssl", "req", "-new", "-x509", "-days", "1", "-nodes",
            "-subj", "/CN=another CA", "-keyout", str(tmp_path / "other-ca.key"),
            "-out", str(other),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    url = _with_host(postgres_url, "127.0.0.1", f"sslmode=verify-full&sslrootcert={other}")
    engine = make_engine(url)
    try:
        with pytest.raises(OperationalError) as refused:
            RegisterStore(engine).current_snapshot()
    finally:
        engine.dispose()
    assert "certificate verify failed" in str(refused.value.orig)


# -- least privilege ------------------------------------------------------------------------


@dataclass(frozen=True)
class Roles:
    loader: str
    refresher: str
    subjects: str
    names: dict[str, str]


def _as_superuser(sql: str) -> None:
    """SQL as the `postgres` superuser over the local socket (root runs .ci/run)."""
    subprocess.run(
        ["runuser", "-u", "postgres", "--", "psql", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.fixture(scope="module")
def roles(postgres_server: str, small_data: GeneratedData) -> Iterator[Roles]:
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("creating PostgreSQL roles needs root (runuser -u postgres), as .ci/run has")
    tag = uuid.uuid4().hex[:10]
    names = {kind: f"th_{kind}_{tag}" for kind in ("loader", "refresher", "subjects")}
    password = uuid.uuid4().hex
    database = f"th_test_security_{tag}"
    for name in names.values():
        _as_superuser(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
    try:
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        base = postgres_server.rsplit("/", 1)[0]
        with psycopg.connect(f"{base}/{database}", autocommit=True) as conn:  # its owner
            conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
            conn.execute(f"GRANT USAGE, CREATE ON SCHEMA public TO {names['loader']}")
            conn.execute(
                f"GRANT USAGE ON SCHEMA public TO {names['refresher']}, {names['subjects']}"
            )
        host = base.split("@", 1)[1]
        urls = {k: f"postgresql://{n}:{password}@{host}/{database}" for k, n in names.items()}
        loader = make_engine(urls["loader"])
        RegisterStore(loader).load(read_snapshot(small_data.snapshot_dir))
        loader.dispose()
        with psycopg.connect(urls["loader"]) as conn:
            for statement in grant_statements(
                names["loader"], names["refresher"], names["subjects"]
            ):
                conn.execute(statement)
        yield Roles(urls["loader"], urls["refresher"], urls["subjects"], names)
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for name in names.values():
            _as_superuser(f"DROP ROLE IF EXISTS {name}")


def _person_ids(url: str, count: int) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT DISTINCT person_id FROM persons ORDER BY person_id LIMIT %s", (count,)
        ).fetchall()
    return [row[0] for row in rows]


def test_the_refresher_reads_the_register_and_writes_the_ledger(roles: Roles) -> None:
    store = RegisterStore(make_engine(roles.refresher))
    try:
        info = store.current_snapshot()
        assert info is not None
        assert store.counts()["organizations"] == info.organization_count
        person = _person_ids(roles.refresher, 1)[0]
        assert store.prohibitions_for([person]) is not None
        written = record_disclosures(
            store, "Asiakas Oy", "delivery-1", info.snapshot_id, {person: ["email", "title"]}
        )
        assert written == 1
    finally:
        store.engine.dispose()


def test_the_subject_role_erases_and_records_a_prohibition(roles: Roles) -> None:
    first, second = _person_ids(roles.subjects, 2)
    refresher = RegisterStore(make_engine(roles.refresher))
    subjects = RegisterStore(make_engine(roles.subjects))
    try:
        snapshot = refresher.current_snapshot()
        assert snapshot is not None
        record_disclosures(refresher, "Asiakas Oy", "delivery-2", snapshot.snapshot_id,
                           {first: ["email"]})  # fmt: skip
        assert erase(subjects, first, "tietosuoja@example.invalid").changed
        add_prohibition(subjects, second, "direct_marketing", "tietosuoja@example.invalid")
    finally:
        refresher.engine.dispose()
        subjects.engine.dispose()
    with psycopg.connect(roles.subjects) as conn:
        assert conn.execute("SELECT count(*) FROM tombstones").fetchone() == (1,)
        assert conn.execute(
            "SELECT count(*) FROM notified_prohibitions WHERE person_id = %s", (second,)
        ).fetchone() == (1,)
        assert conn.execute(
            "SELECT count(*) FROM disclosures WHERE person_id = %s", (first,)
        ).fetchone() == (0,)


# (role, statement): each must be refused with `permission denied`.
DENIED = [
    ("refresher", "INSERT INTO organizations (org_id, business_id, name, aux_names, status,"
                  " name_key) VALUES ('x', '1234567-8', 'X', '', 'active', 'x')"),
    ("refresher", "UPDATE persons SET email = 'x@example.invalid'"),
    ("refresher", "DELETE FROM prohibitions"),
    ("refresher", "UPDATE snapshots SET is_current = false"),
    ("refresher", "TRUNCATE TABLE persons"),
    ("refresher", "DROP TABLE organizations"),
    ("refresher", "CREATE TABLE stray (id integer)"),
    ("refresher", "INSERT INTO tombstones VALUES ('h', 'f', now(), 'r')"),
    ("refresher", "DELETE FROM notified_prohibitions"),
    ("refresher", "SELECT count(*) FROM rectifications"),
    ("refresher", "SELECT count(*) FROM subject_requests"),
    ("refresher", "UPDATE disclosures SET customer = 'another'"),
    ("subjects", "INSERT INTO disclosures (customer, delivery_id, person_id, fields,"
                 " disclosed_at, snapshot_id) VALUES ('c', 'd', 'p', 'email', now(), 's')"),
    ("subjects", "DELETE FROM disclosures"),
    ("subjects", "UPDATE disclosures SET customer = 'another'"),
    ("subjects", "INSERT INTO snapshots VALUES ('s', 'x', 'c', now(), 0, 0, 0, true)"),
    ("subjects", "INSERT INTO prohibitions VALUES ('p', 'direct_marketing', NULL)"),
    ("subjects", "TRUNCATE TABLE organizations"),
    ("subjects", "DELETE FROM organization_keys"),
    ("subjects", "DROP TABLE tombstones"),
]  # fmt: skip


@pytest.mark.parametrize(("role", "statement"), DENIED, ids=[f"{r}: {s[:40]}" for r, s in DENIED])
def test_permission_denied(roles: Roles, role: str, statement: str) -> None:
    with (
        psycopg.connect(getattr(roles, role)) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(statement)


@pytest.mark.parametrize("role", ["refresher", "subjects"])
def test_loading_a_snapshot_is_denied(roles: Roles, role: str, small_data: GeneratedData) -> None:
    engine = make_engine(getattr(roles, role))
    try:
        with pytest.raises(DBAPIError) as refused:
            RegisterStore(engine).load(read_snapshot(small_data.snapshot_dir))
    finally:
        engine.dispose()
    assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege)
    with psycopg.connect(roles.loader) as conn:  # the register is as the loader left it
        assert conn.execute("SELECT count(*) FROM snapshots").fetchone() == (1,)
