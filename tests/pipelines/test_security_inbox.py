"""The inbox against what customers can put in it (issue 15, "Fix first"): links are
never followed, a run reads only its own customer's files, the sensor's tick reads no file
(the run refuses it and moves it aside), and one bad file never holds up the others."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance, RunRequest, build_sensor_context

from pipelines.cli import main
from pipelines.definitions import defs
from pipelines.sensors import inbox_sensor
from synthetic import GeneratedData

pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TIETOHUOLTO_VAR", str(tmp_path))
    monkeypatch.setenv("TIETOHUOLTO_REGISTER_URL", f"sqlite:///{tmp_path / 'register.sqlite'}")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.delenv("TIETOHUOLTO_CUSTOMERS", raising=False)
    monkeypatch.delenv("TIETOHUOLTO_INBOX", raising=False)
    monkeypatch.delenv("TIETOHUOLTO_OUTBOX", raising=False)
    return tmp_path


@pytest.fixture
def loaded(env: Path, small_data: GeneratedData) -> Path:
    assert main(["register", "load", str(small_data.snapshot_dir)]) == 0
    return env


def _two_ticks(instance: DagsterInstance) -> tuple[list[RunRequest], Any]:
    """First sight, then the tick that acts on files whose size and time held."""
    first = inbox_sensor(build_sensor_context(instance=instance, cursor=None))
    result = inbox_sensor(build_sensor_context(instance=instance, cursor=str(first.cursor)))
    return list(result.run_requests or []), result


def _customers(requests: list[RunRequest]) -> list[str]:
    return sorted(request.tags["customer"] for request in requests)


def _run(instance: DagsterInstance, key: str, run_config: dict[str, Any]) -> bool:
    instance.add_dynamic_partitions("deliveries", [key])
    result = defs.resolve_job_def("refresh_job").execute_in_process(
        run_config=run_config, instance=instance, partition_key=key, raise_on_error=False
    )
    return bool(result.success)


def _contacts_config(crm_file: Path) -> dict[str, Any]:
    return {"ops": {"contacts": {"config": {"crm_file": str(crm_file)}}}}


def test_sensor_never_follows_a_linked_file(env: Path, small_data: GeneratedData) -> None:
    """A link in acme's folder to beta's file, or to the register snapshot, is refused and
    moved aside (the link, not its target); beta's own file still runs, for beta."""
    beta = env / "inbox" / "beta"
    beta.mkdir(parents=True)
    theirs = beta / "their.csv"
    shutil.copyfile(small_data.crm_file, theirs)
    acme = env / "inbox" / "acme"
    acme.mkdir(parents=True)
    (acme / "x.csv").symlink_to(theirs)
    persons = small_data.snapshot_dir / "persons.csv"
    (acme / "register.csv").symlink_to(persons)
    before = persons.read_bytes()
    with DagsterInstance.ephemeral() as instance:
        requests, _ = _two_ticks(instance)
    assert _customers(requests) == ["beta"]
    for name in ("x.csv", "register.csv"):
        assert not (acme / name).is_symlink()
        moved = acme / "rejected" / name
        assert moved.is_symlink()  # the link itself was moved, nothing read through it
        reason = (acme / "rejected" / f"{name}.reason.txt").read_text(encoding="utf-8")
        assert "symbolic link" in reason
    assert theirs.read_bytes() == small_data.crm_file.read_bytes()
    assert persons.read_bytes() == before


def test_sensor_never_enters_a_linked_customer_folder(env: Path, small_data: GeneratedData) -> None:
    beta = env / "inbox" / "beta"
    beta.mkdir(parents=True)
    shutil.copyfile(small_data.crm_file, beta / "their.csv")
    (env / "inbox" / "acme").symlink_to(beta, target_is_directory=True)
    with DagsterInstance.ephemeral() as instance:
        requests, _ = _two_ticks(instance)
    assert _customers(requests) == ["beta"]
    assert (beta / "their.csv").is_file() and not (beta / "rejected").exists()


@pytest.mark.parametrize(
    "given",
    ["link to beta's file", "beta's file", "outside the inbox", "dot-dot into beta"],
)
def test_run_reads_only_its_own_customers_file(
    loaded: Path, small_data: GeneratedData, given: str
) -> None:
    """What the launchpad accepts: a `crm_file` for partition acme/… that is a link, or
    another customer's file, or a file elsewhere, is refused by the run; nothing of it
    reaches acme's outbox, and the other customer's file is left where it was."""
    env = loaded
    beta = env / "inbox" / "beta"
    beta.mkdir(parents=True)
    theirs = beta / "their.csv"
    shutil.copyfile(small_data.crm_file, theirs)
    acme = env / "inbox" / "acme"
    (acme / "manual").mkdir(parents=True)
    elsewhere = env / "elsewhere" / "crm.csv"
    elsewhere.parent.mkdir()
    shutil.copyfile(theirs, elsewhere)
    (acme / "manual" / "x.csv").symlink_to(theirs)
    crm_file = {
        "link to beta's file": acme / "manual" / "x.csv",
        "beta's file": theirs,
        "outside the inbox": elsewhere,
        "dot-dot into beta": acme / ".." / "beta" / "their.csv",
    }[given]
    with DagsterInstance.ephemeral() as instance:
        assert not _run(instance, "acme/manual-1", _contacts_config(crm_file))
    assert not list((env / "outbox").glob("acme/*"))
    assert theirs.is_file() and not (beta / "rejected").exists()
    assert elsewhere.is_file()


def test_run_of_an_own_file_under_manual_succeeds(loaded: Path, small_data: GeneratedData) -> None:
    """The documented way to launch by hand: the file under inbox/<customer>/manual/."""
    manual = loaded / "inbox" / "acme" / "manual"
    manual.mkdir(parents=True)
    shutil.copyfile(small_data.crm_file, manual / "export.csv")
    with DagsterInstance.ephemeral() as instance:
        assert _run(instance, "acme/manual-1", _contacts_config(manual / "export.csv"))
    assert (loaded / "outbox" / "acme" / "manual-1" / "export-refreshed.csv").is_file()


def test_sensor_hands_files_on_unread_and_the_run_refuses_them(env: Path) -> None:
    """The tick reads no file (a whole read of 500k rows took 14 s and 966 MB there): a
    file broken deep inside gets its run, and the run moves it aside with a reason that
    names file, line and problem, never a cell value."""
    acme = env / "inbox" / "acme"
    acme.mkdir(parents=True)
    lines = ["Etunimi;Sukunimi;Sähköposti"]
    lines += [f"Matti{i};Virtanen;matti{i}@example.fi" for i in range(3000)]
    lines.append('Zyxwvutsa;"Qwertyuiop;canary@example.fi')  # an unbalanced quote
    (acme / "broken.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with DagsterInstance.ephemeral() as instance:
        requests, _ = _two_ticks(instance)
        assert _customers(requests) == ["acme"]
        request = requests[0]
        assert request.partition_key is not None
        assert not _run(instance, request.partition_key, request.run_config)
    assert not (acme / "broken.csv").exists()
    assert (acme / "rejected" / "broken.csv").is_file()
    reason = (acme / "rejected" / "broken.csv.reason.txt").read_text(encoding="utf-8")
    assert "broken.csv, line" in reason
    assert "Zyxwvutsa" not in reason and "Qwertyuiop" not in reason and "canary" not in reason


def test_sensor_refuses_what_is_plainly_not_a_crm_export_on_sight(env: Path) -> None:
    acme = env / "inbox" / "acme"
    acme.mkdir(parents=True)
    (acme / "scan.csv").write_bytes(b"%PDF-1.7\n" + b"x" * 100)
    (acme / "nothing.csv").write_bytes(b"")
    with DagsterInstance.ephemeral() as instance:
        requests, _ = _two_ticks(instance)
    assert requests == []
    assert "PDF" in (acme / "rejected" / "scan.csv.reason.txt").read_text(encoding="utf-8")
    assert "empty" in (acme / "rejected" / "nothing.csv.reason.txt").read_text(encoding="utf-8")


def test_one_bad_file_never_blocks_the_other_customers(
    env: Path, small_data: GeneratedData
) -> None:
    """An error other than a reader's refusal (here: `rejected` is a file, so nothing can
    be moved aside) costs that file only; beta's file in the same tick still runs."""
    acme = env / "inbox" / "acme"
    acme.mkdir(parents=True)
    (acme / "rejected").write_text("not a folder\n", encoding="utf-8")
    (acme / "bad.csv").write_text('Etunimi;Sukunimi\n"Matti;Virtanen\n', encoding="utf-8")
    (acme / "link.csv").symlink_to(small_data.crm_file)
    beta = env / "inbox" / "beta"
    beta.mkdir(parents=True)
    shutil.copyfile(small_data.crm_file, beta / "good.csv")
    with DagsterInstance.ephemeral() as instance:
        requests, result = _two_ticks(instance)
        assert "beta" in _customers(requests)
        assert all("link" not in str(request.partition_key) for request in requests)
        # Not retried on the next tick either.
        again = inbox_sensor(build_sensor_context(instance=instance, cursor=str(result.cursor)))
        assert list(again.run_requests or []) == []
    assert (acme / "link.csv").is_symlink()  # could not be moved, and was not followed


def test_a_cursor_from_before_the_upgrade_runs_no_delivered_file_again(
    env: Path, small_data: GeneratedData
) -> None:
    """The cursor now remembers the inode too; one written before remembers size and time
    only, and a file it marks delivered is not delivered again."""
    acme = env / "inbox" / "acme"
    acme.mkdir(parents=True)
    path = acme / "crm.csv"
    shutil.copyfile(small_data.crm_file, path)
    info = path.stat()
    old = {
        "pending": {},
        "done": {"acme/crm.csv": {"signature": [info.st_size, info.st_mtime_ns], "key": "k"}},
    }
    with DagsterInstance.ephemeral() as instance:
        cursor = json.dumps(old)
        for _ in range(2):
            result = inbox_sensor(build_sensor_context(instance=instance, cursor=cursor))
            assert list(result.run_requests or []) == []
            cursor = str(result.cursor)
