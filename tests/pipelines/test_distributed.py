"""The distributed path: a file matched in chunks on a real Dask cluster (two worker
processes) gives the same refreshed file, byte for byte, as the local run; and chunking
itself changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance
from dask.distributed import LocalCluster

from matching.parallel import SCHEDULER_ENV
from pipelines.cli import main, run_refresh
from synthetic import GeneratedData

pytestmark = pytest.mark.slow
AS_OF = "2026-11-25"


@pytest.fixture
def loaded(
    small_data: GeneratedData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    monkeypatch.setenv("TIETOHUOLTO_REGISTER_URL", f"sqlite:///{tmp_path / 'register.sqlite'}")
    monkeypatch.setenv("TIETOHUOLTO_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    assert main(["register", "load", str(small_data.snapshot_dir)]) == 0
    yield tmp_path


def _refresh(data: GeneratedData, out: Path, chunk_rows: int) -> tuple[bytes, dict[str, object]]:
    outcome = run_refresh(data.crm_file, "acme", out, AS_OF, chunk_rows=chunk_rows)
    with DagsterInstance.get() as instance:
        metadata = {
            key: value.value
            for entry in instance.all_logs(
                outcome["run_id"], of_type=DagsterEventType.ASSET_MATERIALIZATION
            )
            if entry.dagster_event is not None
            and entry.dagster_event.asset_key is not None
            and entry.dagster_event.asset_key.path == ["person_matches"]
            for key, value in entry.dagster_event.materialization.metadata.items()
        }
    return out.read_bytes(), metadata


def test_chunks_on_a_dask_cluster_give_the_local_file_byte_for_byte(
    small_data: GeneratedData, loaded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole, whole_meta = _refresh(small_data, loaded / "whole.csv", chunk_rows=100_000)
    local, local_meta = _refresh(small_data, loaded / "local.csv", chunk_rows=97)
    assert (whole_meta["chunks"], local_meta["chunks"]) == (1, 5)  # 400 rows, 3 quarantined
    assert local == whole

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        monkeypatch.setenv(SCHEDULER_ENV, cluster.scheduler_address)
        distributed, meta = _refresh(small_data, loaded / "dask.csv", chunk_rows=97)
        # The chunks really ran on the cluster, not here.
        assert "link_chunk" in cluster.scheduler.task_prefixes
    assert meta["executor"] == "dask"
    assert meta["chunks"] == 5
    assert distributed == local
