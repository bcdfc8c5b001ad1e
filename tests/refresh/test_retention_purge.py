"""Retention of everything, never through a link (issue 15): the input found by its hash
(no server path in the manifest), refused files and their reasons, inputs of failed runs,
interrupted deliveries and access reports purged after the period; linked folders and
files never entered or followed."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipelines.cli import main
from refresh.report import sha256_file
from refresh.retention import expired_deliveries, purge_delivery

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
OLD = NOW - timedelta(days=15)


def _delivery(outbox: Path, customer: str, name: str, source: Path | None) -> Path:
    folder = outbox / customer / name
    folder.mkdir(parents=True)
    (folder / "crm-refreshed.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    manifest: dict[str, object] = {"written_at": OLD.isoformat(), "files": []}
    if source is not None:
        manifest |= {"source_sha256": sha256_file(source), "source_bytes": source.stat().st_size}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_input_is_found_by_its_hash_under_the_customers_inbox(tmp_path: Path) -> None:
    """The manifest names no server path: retention deletes the input the delivery was made
    from by its SHA-256 under that customer's inbox folder, and nothing elsewhere."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    (inbox / "acme" / "operator" / "d1").mkdir(parents=True)
    received = inbox / "acme" / "crm.csv"
    received.write_text("x\n", encoding="utf-8")
    copied = inbox / "acme" / "operator" / "d1" / "crm.csv"
    copied.write_text("z\n", encoding="utf-8")
    (inbox / "beta").mkdir()
    beta_same = inbox / "beta" / "same.csv"  # beta's file with the same bytes: beta's
    beta_same.write_text("x\n", encoding="utf-8")
    other = inbox / "acme" / "other.csv"
    other.write_text("y\n", encoding="utf-8")
    first = _delivery(outbox, "acme", "2026-11-10-crm-aaaaaa", received)
    second = _delivery(outbox, "acme", "2026-11-10-crm-bbbbbb", copied)

    assert expired_deliveries(outbox, NOW, timedelta(days=7)) == [first, second]
    purged = [purge_delivery(first, inbox), purge_delivery(second, inbox)]

    assert all(p.input_deleted for p in purged)
    assert not received.exists() and not copied.exists()
    assert beta_same.exists() and other.exists()
    assert not first.exists() and not second.exists()


@pytest.fixture
def private_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TIETOHUOLTO_VAR", str(tmp_path))
    monkeypatch.setenv("TIETOHUOLTO_REGISTER_URL", f"sqlite:///{tmp_path / 'register.sqlite'}")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    for name in ("TIETOHUOLTO_INBOX", "TIETOHUOLTO_OUTBOX"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_retention_never_deletes_through_a_link(private_var: Path) -> None:
    """A linked customer folder in the outbox, a linked delivery folder, a `rejected/`
    that is a link, a linked inbox folder and a linked file whose target has the delivered
    hash: the retention job enters or follows none, and what they point to stays."""
    inbox, outbox = private_var / "inbox", private_var / "outbox"
    elsewhere = private_var / "elsewhere"
    theirs = _delivery(elsewhere, "x", "2026-11-10-crm-cccccc", None)
    outbox.mkdir()
    (outbox / "acme").symlink_to(elsewhere / "x", target_is_directory=True)
    (outbox / "beta").mkdir()
    (outbox / "beta" / "2026-11-10-crm-dddddd").symlink_to(theirs, target_is_directory=True)
    precious = private_var / "precious"
    precious.mkdir()
    (precious / "keep.csv").write_text("keep\n", encoding="utf-8")
    (inbox / "gamma").mkdir(parents=True)
    (inbox / "gamma" / "rejected").symlink_to(precious, target_is_directory=True)
    (inbox / "delta").symlink_to(precious, target_is_directory=True)
    target = private_var / "snapshot-persons.csv"
    target.write_text("x\n", encoding="utf-8")
    (inbox / "gamma" / "link.csv").symlink_to(target)
    gamma = _delivery(outbox, "gamma", "2026-11-10-crm-eeeeee", target)

    assert main(["retention", "--days", "0"]) == 0

    assert theirs.is_dir() and (theirs / "manifest.json").is_file()
    assert (precious / "keep.csv").is_file()
    assert target.is_file()
    assert not gamma.exists()  # the real delivery went; its "input" was only a link


def _leftovers(var: Path) -> dict[str, Path]:
    rejected = var / "inbox" / "acme" / "rejected"
    rejected.mkdir(parents=True)
    (rejected / "broken.csv").write_text("Etunimi\nMatti\n", encoding="utf-8")
    (rejected / "broken.csv.reason.txt").write_text("broken.csv, line 2: …\n", encoding="utf-8")
    failed = var / "inbox" / "acme" / "failed-run.csv"
    failed.write_text("Etunimi;Sukunimi\nMatti;Virtanen\n", encoding="utf-8")
    partial = var / "outbox" / "acme" / ".2026-11-10-crm-ffffff.partial"
    partial.mkdir(parents=True)
    (partial / "crm-refreshed.csv").write_text("a\n", encoding="utf-8")
    report = var / "subject-requests" / "R1" / "access-P1.json"
    report.parent.mkdir(parents=True)
    report.write_text('{"person": "P1"}\n', encoding="utf-8")
    return {
        "rejected": rejected / "broken.csv",
        "reason": rejected / "broken.csv.reason.txt",
        "failed": failed,
        "partial": partial,
        "report": report,
    }


def test_retention_command_purges_refused_files_and_access_reports(private_var: Path) -> None:
    """`tietohuolto retention --days 0`: refused files with their reasons and access
    reports go at once; an inbox file or staging folder younger than an hour is left to
    the run that may be using it."""
    paths = _leftovers(private_var)
    assert main(["retention", "--days", "7"]) == 0
    assert all(path.exists() for path in paths.values())
    assert main(["retention", "--days", "0"]) == 0
    assert not paths["rejected"].exists() and not paths["reason"].exists()
    assert not paths["report"].exists()
    assert paths["failed"].exists() and paths["partial"].exists()


def test_leftovers_older_than_the_period_are_all_purged(private_var: Path) -> None:
    """A week and a day later, every leftover kind is gone, with counts and hashes only."""
    from refresh.retention import sweep_files, sweep_inbox, sweep_partials

    paths = _leftovers(private_var)
    later = time.time() + timedelta(days=8).total_seconds()
    week = timedelta(days=7)
    assert [s.files for s in sweep_inbox(private_var / "inbox", week)] == [0, 0]
    swept = [
        *sweep_inbox(private_var / "inbox", week, later),
        sweep_partials(private_var / "outbox", week, later),
        sweep_files(private_var / "subject-requests", "access_reports", week, later),
    ]
    assert [(s.kind, s.files) for s in swept] == [
        ("rejected", 2),
        ("inbox", 1),
        ("partial", 1),
        ("access_reports", 1),
    ]
    assert all(len(digest) == 64 for s in swept for digest in s.sha256)
    assert not any(path.exists() for path in paths.values())
    assert (private_var / "inbox" / "acme").is_dir()  # the customer's folder stays
