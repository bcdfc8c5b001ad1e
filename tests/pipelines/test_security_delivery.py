"""Deliveries against what the login-less UI accepts (issue 15, "Fix first"): partition
keys that are not safe names, a launchpad's `output_path` or outbox, world-readable
files, and the server's paths in what the customer receives."""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance, DagsterInvalidConfigError

from pipelines.cli import main
from pipelines.definitions import defs
from pipelines.partitions import split_key
from pipelines.paths import ensure_dagster_home
from synthetic import GeneratedData

pytestmark = pytest.mark.slow
AS_OF = "2026-11-25"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_data: GeneratedData) -> Path:
    """A private var/ with the small register loaded, and acme's file under the inbox's
    `manual/` folder, as an operator launching by hand puts it."""
    monkeypatch.setenv("TIETOHUOLTO_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("TIETOHUOLTO_REGISTER_URL", f"sqlite:///{tmp_path / 'register.sqlite'}")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    for name in ("TIETOHUOLTO_CUSTOMERS", "TIETOHUOLTO_INBOX", "TIETOHUOLTO_OUTBOX"):
        monkeypatch.delenv(name, raising=False)
    assert main(["register", "load", str(small_data.snapshot_dir)]) == 0
    manual = tmp_path / "var" / "inbox" / "acme" / "manual"
    manual.mkdir(parents=True)
    shutil.copyfile(small_data.crm_file, manual / "export.csv")
    return tmp_path


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual default, under which files are created world-readable."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _config(env: Path, **contacts: str) -> dict[str, Any]:
    crm_file = env / "var" / "inbox" / "acme" / "manual" / "export.csv"
    return {
        "ops": {
            "contacts": {"config": {"crm_file": str(crm_file), **contacts}},
            "refreshed_table": {"config": {"as_of": AS_OF}},
        }
    }


def _launch(key: str, run_config: dict[str, Any]) -> bool:
    """What the launchpad does: add the partition, launch the run with that config."""
    ensure_dagster_home()
    with DagsterInstance.get() as instance:
        instance.add_dynamic_partitions("deliveries", [key])
        try:
            result = defs.resolve_job_def("refresh_job").execute_in_process(
                run_config=run_config,
                instance=instance,
                partition_key=key,
                raise_on_error=False,
            )
        except DagsterInvalidConfigError:
            return False  # refused before the run started
    return bool(result.success)


@pytest.mark.parametrize(
    "key",
    [
        "acme/../../../x",
        "acme/../beta/2026-11-25-crm-abcdef",
        "acme/..",
        "acme/.",
        "acme/",
        "acme/a/b",
        "/etc/passwd",
        "acme//etc",
        "acme/.hidden",
        "acme/x\x00y",
        "acme/x\ny",
        "acme/x\u202ey",
        "acme/" + "x" * 300,
        "Acme/x",
        "../acme/x",
        "acme\\..\\beta/x",
    ],
)
def test_unsafe_partition_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="partition key refused"):
        split_key(key)


def test_safe_partition_keys_split() -> None:
    assert split_key("acme/2026-11-25-crm-export-3f9a1c") == (
        "acme",
        "2026-11-25-crm-export-3f9a1c",
    )
    assert split_key("acme/manual-1") == ("acme", "manual-1")


def test_traversal_keys_write_nothing_outside_the_customers_outbox(env: Path) -> None:
    """`acme/../../victim` once removed and replaced a folder outside the outbox;
    `acme/../beta/<id>` overwrote beta's delivery. Both runs are refused now, and both
    folders are as they were."""
    outbox = env / "var" / "outbox"
    (outbox / "acme").mkdir(parents=True)
    victim = env / "var" / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("the operator's\n", encoding="utf-8")
    beta = outbox / "beta" / "2026-11-25-crm-abcdef"
    beta.mkdir(parents=True)
    (beta / "manifest.json").write_text('{"beta": true}\n', encoding="utf-8")

    assert not _launch("acme/../../victim", _config(env))
    assert not _launch("acme/../beta/2026-11-25-crm-abcdef", _config(env))

    assert [p.name for p in victim.iterdir()] == ["keep.txt"]
    assert [p.name for p in beta.iterdir()] == ["manifest.json"]
    assert (beta / "manifest.json").read_text(encoding="utf-8") == '{"beta": true}\n'
    assert list((outbox / "acme").iterdir()) == []


def test_launchpad_cannot_choose_where_files_are_written(env: Path) -> None:
    """`output_path` and the outbox are not run config any more: a launchpad run that
    names them is refused before it starts, and nothing appears there."""
    target = env / "elsewhere" / "stolen.csv"
    assert not _launch("acme/manual-1", _config(env, output_path=str(target)))
    assert not target.exists()
    moved = env / "elsewhere-outbox"
    run_config = {
        **_config(env),
        "resources": {"folders": {"config": {"outbox_dir": str(moved)}}},
    }
    assert not _launch("acme/manual-2", run_config)
    assert not moved.exists()
    # The same launch without them delivers where deliveries go.
    assert _launch("acme/manual-3", _config(env))
    assert (env / "var" / "outbox" / "acme" / "manual-3" / "export-refreshed.csv").is_file()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_delivery_is_owner_only_whatever_the_umask(env: Path, umask_022: None) -> None:
    """Delivery folders 0700, their files 0600, even where the umask would give 0755/0644."""
    assert _launch("acme/manual-1", _config(env))
    folder = env / "var" / "outbox" / "acme" / "manual-1"
    assert _mode(folder) == 0o700
    files = sorted(folder.iterdir())
    assert len(files) == 5
    assert {path.name: _mode(path) for path in files} == {path.name: 0o600 for path in files}


def test_manifest_names_no_server_path(env: Path) -> None:
    """The manifest the customer receives keeps the input's name and hash, not where it
    lay on the server (retention finds the input by its hash instead)."""
    assert _launch("acme/manual-1", _config(env))
    text = (env / "var" / "outbox" / "acme" / "manual-1" / "manifest.json").read_text(
        encoding="utf-8"
    )
    manifest = json.loads(text)
    assert "source_path" not in manifest
    assert str(env) not in text and "/inbox/" not in text
    assert manifest["source_file"] == "export.csv" and len(manifest["source_sha256"]) == 64


def test_cli_refresh_with_output_still_works_owner_only(
    env: Path, small_data: GeneratedData, umask_022: None
) -> None:
    """README: `tietohuolto refresh FILE --output PATH` for a file anywhere; the refreshed
    file lands at PATH (owner-only), the delivery in the outbox, and no copy of the
    operator's file stays behind in the inbox."""
    output = env / "out" / "refreshed.csv"
    assert (
        main(
            [
                "refresh",
                str(small_data.crm_file),
                "--customer",
                "acme",
                "--output",
                str(output),
                "--as-of",
                AS_OF,
            ]
        )
        == 0
    )
    assert output.is_file() and _mode(output) == 0o600
    deliveries = list((env / "var" / "outbox" / "acme").iterdir())
    assert len(deliveries) == 1 and _mode(deliveries[0]) == 0o700
    assert output.read_bytes() == (deliveries[0] / "crm-refreshed.csv").read_bytes()
    assert not list((env / "var" / "inbox" / "acme" / "operator").glob("*/*"))
