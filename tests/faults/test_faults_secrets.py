"""Row 12 of issue 15's fault harness, secrets: a `TIETOHUOLTO_REGISTER_URL` with a
password is never echoed — not by `register status`, nor by a refresh that fails on a bad
host, in stdout/stderr, the Dagster event log, run config, run tags or error text."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance

from synthetic import GeneratedData
from tests.faults.fault_tools import run_cli

SECRET = "Canary-Pw-7731"


def test_the_register_password_is_never_echoed(
    faults_env: Path, small_data: GeneratedData, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "TIETOHUOLTO_REGISTER_URL",
        f"postgresql://tietohuolto:{SECRET}@register.invalid:5432/register?connect_timeout=2",
    )
    outputs = [
        run_cli("register", "status"),
        run_cli("refresh", str(small_data.crm_file), "--customer", "acme"),
    ]
    for done in outputs:
        assert done.returncode != 0
        assert SECRET not in done.stdout + done.stderr, (done.stdout + done.stderr)[-2000:]
    seen = 0
    with DagsterInstance.from_config(str(faults_env / "dagster")) as instance:
        for run in instance.get_runs():
            seen += 1
            assert SECRET not in repr(run.run_config) and SECRET not in repr(run.tags)
            for entry in instance.all_logs(run.run_id):
                assert SECRET not in repr(entry)
    assert seen >= 1
    print(
        f"row 12: 0 hits of the password in 2 commands' output and {seen} run(s)' "
        "config, tags and event log"
    )


@pytest.mark.postgres
def test_a_successful_load_and_refresh_on_postgresql_leave_no_password(
    faults_env: Path,
    small_data: GeneratedData,
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Runs that work, on PostgreSQL with the password in the URL: the load's
    materialisation (the catalog's `store`), the refresh's run, the event log and every
    file under DAGSTER_HOME and var/ hold the URL without its password."""
    user_and_password = postgres_url.split("://", 1)[1].split("@", 1)[0]
    assert ":" in user_and_password, "the test server's URL carries a password"
    password = user_and_password.split(":", 1)[1]
    needles = [f":{password}@".encode(), f"password={password}".encode()]
    monkeypatch.setenv("TIETOHUOLTO_REGISTER_URL", postgres_url)
    outputs = [
        run_cli("register", "load", str(small_data.snapshot_dir)),
        run_cli("register", "status"),
        run_cli("refresh", str(small_data.crm_file), "--customer", "acme"),
    ]
    for done in outputs:
        assert done.returncode == 0, done.stderr[-800:]
        text = (done.stdout + done.stderr).encode()
        assert not any(needle in text for needle in needles), text[-2000:]
    files = [p for p in faults_env.rglob("*") if p.is_file()]
    hits = [
        str(p.relative_to(faults_env)) for p in files if any(n in p.read_bytes() for n in needles)
    ]
    assert hits == []
    stores = []
    with DagsterInstance.from_config(str(faults_env / "dagster")) as instance:
        event = instance.get_latest_materialization_event(AssetKey("master_register"))
        assert event is not None and event.asset_materialization is not None
        stores.append(str(event.asset_materialization.metadata["store"].value))
        for run in instance.get_runs():
            assert password not in repr(run.run_config)
    assert stores and all(":***@" in store or password not in store for store in stores)
    print(
        f"row 12 (PostgreSQL, runs that work): 0 hits of the password in 3 commands' output "
        f"and {len(files)} files under DAGSTER_HOME and var/; the catalog shows {len(stores)} "
        "store URL(s) redacted"
    )
