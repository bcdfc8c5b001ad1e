"""Row 12 of issue 15's fault harness, secrets: a `TIETOHUOLTO_REGISTER_URL` with a
password is never echoed — not by `register status`, nor by a refresh that fails on a bad
host, in stdout/stderr, the Dagster event log, run config, run tags or error text."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import DagsterInstance

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
