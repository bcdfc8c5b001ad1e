"""Which selection folders have outlived their campaign; links are never followed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from selection.retention import ended_campaigns


def _folder(outbox: Path, customer: str, name: str, manifest: dict[str, object]) -> Path:
    folder = outbox / customer / name
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_only_campaigns_past_their_end(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    ended = _folder(
        outbox, "acme", "selection-a", {"purpose": "campaign", "campaign_end": "2026-11-30"}
    )
    _folder(outbox, "acme", "selection-b", {"purpose": "campaign", "campaign_end": "2026-12-01"})
    _folder(outbox, "acme", "selection-c", {"purpose": "continuous"})
    _folder(
        outbox,
        "acme",
        "2026-11-25-crm-abc123",
        {"purpose": "campaign", "campaign_end": "2020-01-01"},
    )
    _folder(outbox, "acme", "selection-d", {"purpose": "campaign", "campaign_end": "not a date"})
    assert ended_campaigns(outbox, date(2026, 12, 1)) == [ended]
    assert ended_campaigns(outbox, date(2026, 11, 30)) == []


def test_links_are_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    _folder(elsewhere, "x", "selection-a", {"purpose": "campaign", "campaign_end": "2020-01-01"})
    outbox = tmp_path / "outbox"
    (outbox / "acme").mkdir(parents=True)
    (outbox / "globex").symlink_to(elsewhere / "x")  # a linked customer folder
    (outbox / "acme" / "selection-z").symlink_to(elsewhere / "x" / "selection-a")
    assert ended_campaigns(outbox, date(2026, 12, 1)) == []
