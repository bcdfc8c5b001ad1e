"""Operating it: the inbox sensor, the nightly schedule, partitions and a PostgreSQL-backed
instance, exercised through Dagster's own contexts and a real instance."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import psycopg
import pytest
from dagster import (
    DagsterInstance,
    RunRequest,
    SkipReason,
    build_schedule_context,
    build_sensor_context,
)

from pipelines.cli import main
from pipelines.definitions import defs
from pipelines.schedules import nightly_register_schedule
from pipelines.sensors import inbox_sensor
from synthetic import GeneratedData

pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TIETOHUOLTO_VAR", str(tmp_path))
    monkeypatch.setenv("TIETOHUOLTO_REGISTER_URL", f"sqlite:///{tmp_path / 'register.sqlite'}")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.delenv("TIETOHUOLTO_CUSTOMERS", raising=False)
    return tmp_path


def _tick(instance: DagsterInstance, cursor: str | None) -> tuple[list[RunRequest], list[str], str]:
    context = build_sensor_context(instance=instance, cursor=cursor)
    result = inbox_sensor(context)
    keys = [
        key
        for request in result.dynamic_partitions_requests or []
        for key in request.partition_keys
    ]
    return list(result.run_requests or []), keys, str(result.cursor)


def test_inbox_sensor_runs_each_complete_file_once(env: Path, small_data: GeneratedData) -> None:
    inbox = env / "inbox" / "acme"
    inbox.mkdir(parents=True)
    shutil.copyfile(small_data.crm_file, inbox / "crm-export.csv")
    (inbox / "~$crm-export.csv").write_text("lock", encoding="utf-8")  # Excel's lock file
    (inbox / "upload.csv.part").write_text("half a file", encoding="utf-8")
    with DagsterInstance.ephemeral() as instance:
        requests, keys, cursor = _tick(instance, None)
        assert requests == []  # first sight: wait until the size is stable
        requests, keys, cursor = _tick(instance, cursor)
        assert len(requests) == 1 and len(keys) == 1
        key = keys[0]
        assert key.startswith("acme/") and "-crm-export-" in key
        assert requests[0].partition_key == key and requests[0].run_key == key
        assert requests[0].tags["customer"] == "acme"
        config = requests[0].run_config["ops"]["contacts"]["config"]
        assert config["crm_file"].endswith("crm-export.csv")
        assert _tick(instance, cursor)[0] == []  # never twice


def test_file_still_growing_waits(env: Path) -> None:
    inbox = env / "inbox" / "acme"
    inbox.mkdir(parents=True)
    growing = inbox / "big.csv"
    growing.write_text("Etunimi;Sukunimi\n", encoding="utf-8")
    with DagsterInstance.ephemeral() as instance:
        _, _, cursor = _tick(instance, None)
        time.sleep(0.01)
        with growing.open("a", encoding="utf-8") as handle:
            handle.write("Matti;Virtanen\n")
        requests, _, cursor = _tick(instance, cursor)
        assert requests == []
        assert len(_tick(instance, cursor)[0]) == 1


def test_refused_file_is_moved_aside_with_its_reason(env: Path) -> None:
    """The sensor does not read files in its tick: the run refuses the file and moves it
    aside (see tests/pipelines/test_security_inbox.py)."""
    inbox = env / "inbox" / "acme"
    inbox.mkdir(parents=True)
    (inbox / "broken.csv").write_text('Etunimi;Sukunimi\n"Matti;Virtanen\n', encoding="utf-8")
    with DagsterInstance.ephemeral() as instance:
        _, _, cursor = _tick(instance, None)
        requests, keys, cursor = _tick(instance, cursor)
        assert len(requests) == 1
        instance.add_dynamic_partitions("deliveries", keys)
        result = defs.resolve_job_def("refresh_job").execute_in_process(
            run_config=requests[0].run_config,
            instance=instance,
            partition_key=keys[0],
            raise_on_error=False,
        )
    assert not result.success
    assert not (inbox / "broken.csv").exists()
    reason = (inbox / "rejected" / "broken.csv.reason.txt").read_text(encoding="utf-8")
    assert "broken.csv, line 2" in reason


def test_nightly_customer_waits_for_a_fresh_register(
    env: Path, small_data: GeneratedData, monkeypatch: pytest.MonkeyPatch
) -> None:
    contracts = env / "customers.toml"
    contracts.write_text('[customers.yo]\nschedule = "nightly"\n', encoding="utf-8")
    monkeypatch.setenv("TIETOHUOLTO_CUSTOMERS", str(contracts))
    inbox = env / "inbox" / "yo"
    inbox.mkdir(parents=True)
    shutil.copyfile(small_data.crm_file, inbox / "nightly.csv")
    with DagsterInstance.ephemeral() as instance:
        _, _, cursor = _tick(instance, None)
        assert _tick(instance, cursor)[0] == []  # complete, but waits for the register
        assert main(["register", "load", str(small_data.snapshot_dir)]) == 0
        requests, _, _ = _tick(instance, cursor)
    assert len(requests) == 1


def test_nightly_schedule_loads_only_a_new_snapshot(env: Path, small_data: GeneratedData) -> None:
    with DagsterInstance.ephemeral() as instance:
        context = build_schedule_context(instance=instance)
        assert isinstance(nightly_register_schedule(context), SkipReason)
        shutil.copytree(small_data.snapshot_dir, env / "snapshots" / "2026-11-25")
        request = nightly_register_schedule(context)
        assert isinstance(request, RunRequest)
        folder = request.run_config["ops"]["master_register"]["config"]["snapshot_dir"]
        assert folder.endswith("2026-11-25")
        assert main(["register", "load", folder]) == 0
        skipped = nightly_register_schedule(context)
        assert isinstance(skipped, SkipReason) and "already" in str(skipped.skip_message)


@pytest.mark.postgres
def test_delivery_on_a_postgresql_backed_instance(
    env: Path, small_data: GeneratedData, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The production instance: runs and events stored in PostgreSQL."""
    info = psycopg.conninfo.conninfo_to_dict(postgres_url)
    monkeypatch.setenv("DAGSTER_PG_HOST", str(info.get("host", "127.0.0.1")))
    monkeypatch.setenv("DAGSTER_PG_PORT", str(info.get("port", "5432")))
    monkeypatch.setenv("DAGSTER_PG_USER", str(info["user"]))
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", str(info["password"]))
    monkeypatch.setenv("DAGSTER_PG_DB", str(info["dbname"]))
    assert main(["register", "load", str(small_data.snapshot_dir)]) == 0
    assert main(["refresh", str(small_data.crm_file), "--customer", "acme"]) == 0
    with psycopg.connect(postgres_url) as conn:
        statuses = [row[0] for row in conn.execute("SELECT status FROM runs")]
        partitions = [
            row[0]
            for row in conn.execute(
                "SELECT partition FROM dynamic_partitions WHERE partitions_def_name = 'deliveries'"
            )
        ]
    assert statuses == ["SUCCESS"]
    assert len(partitions) == 1 and partitions[0].startswith("acme/")
    assert not list((env / "dagster").glob("**/*.db"))  # nothing went to SQLite storage
