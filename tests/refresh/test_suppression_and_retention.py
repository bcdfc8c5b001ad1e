"""The customer's suppression list, and retention: nothing kept past the period."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crmfile import read_suppression_list
from refresh.report import sha256_file
from refresh.retention import expired_deliveries, purge_delivery
from refresh.suppression import SuppressionList


def test_suppression_list_names_rows_by_email_phone_or_row_id(tmp_path: Path) -> None:
    listing = tmp_path / "kielto.csv"
    listing.write_bytes(
        "Sähköposti;Puhelin\nMATTI@Example.fi;\n;040 123 4567\nC000042;\n".encode("cp1252")
    )
    suppression = SuppressionList.from_values(read_suppression_list(listing))
    assert suppression.names({"row_key": "C1", "email": "matti@example.fi"})
    assert suppression.names({"row_key": "C2", "mobile": "+358401234567"})
    assert suppression.names({"row_key": "C000042"})
    assert not suppression.names(
        {"row_key": "C3", "email": "anna@example.fi", "mobile": "050 1234567"}
    )


def _delivery(outbox: Path, name: str, written: datetime, source: Path | None) -> Path:
    folder = outbox / "acme" / name
    folder.mkdir(parents=True)
    (folder / "crm-refreshed.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    manifest: dict[str, object] = {"written_at": written.isoformat(), "files": []}
    if source is not None:
        manifest |= {"source_path": str(source), "source_sha256": sha256_file(source)}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_retention_purges_expired_deliveries_and_received_inputs_only(tmp_path: Path) -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    (inbox / "acme").mkdir(parents=True)
    received = inbox / "acme" / "crm.csv"
    received.write_text("x\n", encoding="utf-8")
    elsewhere = tmp_path / "operator-copy.csv"
    elsewhere.write_text("y\n", encoding="utf-8")
    old = _delivery(outbox, "2026-11-10-crm-aaaaaa", now - timedelta(days=15), received)
    old_cli = _delivery(outbox, "2026-11-11-crm-bbbbbb", now - timedelta(days=14), elsewhere)
    fresh = _delivery(outbox, "2026-11-24-crm-cccccc", now - timedelta(days=1), None)

    expired = expired_deliveries(outbox, now, timedelta(days=7))
    assert expired == [old, old_cli]
    first = purge_delivery(old, inbox)
    second = purge_delivery(old_cli, inbox)

    assert not old.exists() and not old_cli.exists() and fresh.exists()
    assert first.input_deleted and not received.exists()
    assert not second.input_deleted and elsewhere.exists()  # the operator's own file
    assert first.files == 3 and len(first.sha256) == 3
    assert expired_deliveries(outbox, now, timedelta(0)) == [fresh]
