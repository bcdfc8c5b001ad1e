"""Row 14 of issue 15's fault harness, files at rest, end to end through the CLI in child
processes started with umask 022 (the machine's usual default): the SQLite register is
0600, a delivery's folder 0700 and its files 0600, a refused file lies owner-only in
rejected/, and retention removes the delivery and the refused file.

Also issue 15's operator expectation: `tietohuolto register load` shows in the Dagster UI
as a materialisation of `master_register` on the shared instance."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from dagster import AssetKey, DagsterInstance

from synthetic import GeneratedData
from tests.faults.fault_tools import run_cli


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    # Started as with a umask of 022: what the process itself sets must hold.
    return run_cli(*args, umask=0o022)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_files_at_rest_through_the_cli_under_umask_022(
    faults_env: Path, small_data: GeneratedData
) -> None:
    loaded = _cli("register", "load", str(small_data.snapshot_dir))
    assert loaded.returncode == 0, loaded.stderr
    assert _mode(faults_env / "register.sqlite") == 0o600

    # The load is a materialisation of master_register on the shared instance.
    with DagsterInstance.from_config(str(faults_env / "dagster")) as instance:
        event = instance.get_latest_materialization_event(AssetKey("master_register"))
    assert event is not None and event.asset_materialization is not None
    metadata = event.asset_materialization.metadata
    assert metadata["organizations"].value == small_data.organisations
    assert "register.sqlite" in str(metadata["store"].value)

    done = _cli("refresh", str(small_data.crm_file), "--customer", "acme")
    assert done.returncode == 0, done.stderr
    [delivery] = (faults_env / "outbox" / "acme").iterdir()
    assert _mode(faults_env / "outbox") & 0o077 == 0
    assert _mode(faults_env / "outbox" / "acme") == 0o700
    assert _mode(delivery) == 0o700
    files = list(delivery.rglob("*"))
    assert len(files) >= 5
    assert {path.name: _mode(path) for path in files} == {path.name: 0o600 for path in files}

    scan = faults_env / "scan.csv"
    scan.write_bytes(b"%PDF-1.7\n" + b"x" * 200)
    refused = _cli("refresh", str(scan), "--customer", "acme")
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1, refused.stderr
    rejected = faults_env / "inbox" / "acme" / "rejected"
    assert _mode(rejected) == 0o700
    assert {p.name: _mode(p) for p in rejected.iterdir()} == {
        "scan.csv": 0o600,
        "scan.csv.reason.txt": 0o600,
    }
    assert scan.is_file()  # the operator's own file is left alone

    swept = _cli("retention", "--days", "0")
    assert swept.returncode == 0, swept.stderr
    assert not delivery.exists()
    assert not rejected.exists() or list(rejected.iterdir()) == []
    print(
        "row 14: register 0600, delivery folder 0700 and its "
        f"{len(files)} files 0600, rejected file and reason 0600, all under umask 022; "
        "retention --days 0 removed the delivery and the rejected file"
    )
