"""Campaign selections leave the outbox when their campaign ends.

A campaign's data may be used for that campaign only, so its folder
(`<outbox>/<customer>/selection-<id>/`) goes once the day after `campaign_end` (from its
manifest) has come, even if the retention period has not passed; the retention period
still applies to every folder as well. Nothing here follows a link.
"""

from __future__ import annotations

import json
import os
import stat
from datetime import date
from pathlib import Path

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
PREFIX = "selection-"


def _real_dirs(folder: Path) -> list[Path]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    return sorted(Path(e.path) for e in entries if e.is_dir(follow_symlinks=False))


def _campaign_end(folder: Path) -> date | None:
    """The manifest's campaign end date, for a campaign selection; None otherwise."""
    try:
        descriptor = os.open(folder / "manifest.json", os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            manifest = json.loads(handle.read(1 << 20).decode("utf-8"))
        if not isinstance(manifest, dict) or manifest.get("purpose") != "campaign":
            return None
        return date.fromisoformat(str(manifest["campaign_end"]))
    except (OSError, ValueError, KeyError):
        return None


def ended_campaigns(outbox: Path, today: date) -> list[Path]:
    """Complete campaign selection folders whose campaign ended before `today`."""
    ended = []
    for customer in _real_dirs(outbox):
        for folder in _real_dirs(customer):
            if not folder.name.startswith(PREFIX):
                continue
            end = _campaign_end(folder)
            if end is not None and end < today:
                ended.append(folder)
    return ended


__all__ = ["ended_campaigns"]
