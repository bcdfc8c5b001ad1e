"""Nothing kept: a delivery's files, and the customer's input the pipeline received, are
deleted once the operator's retention period has passed since the delivery."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from refresh.report import sha256_file


@dataclass(frozen=True)
class Purged:
    """What one purge removed: ids, counts and hashes, never names or contents."""

    customer: str
    delivery_id: str
    files: int
    bytes: int
    sha256: tuple[str, ...]
    input_deleted: bool


def _manifest(folder: Path) -> dict[str, object] | None:
    try:
        loaded = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def expired_deliveries(outbox: Path, now: datetime, retention: timedelta) -> list[Path]:
    """Complete delivery folders (they have a manifest) delivered at least `retention` ago."""
    if not outbox.is_dir():
        return []
    expired = []
    for folder in sorted(outbox.glob("*/*")):
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        manifest = _manifest(folder)
        if manifest is None:
            continue
        written = datetime.fromisoformat(str(manifest["written_at"]))
        if written + retention <= now:
            expired.append(folder)
    return expired


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def purge_delivery(folder: Path, inbox: Path | None) -> Purged:
    """Delete the delivery folder, and the customer's input file when it is one the
    pipeline received (under the inbox) and still the very file delivered (same SHA-256).
    A file an operator pointed the CLI at elsewhere is theirs, not ours, to delete."""
    manifest = _manifest(folder) or {}
    hashes, total = [], 0
    files = [p for p in sorted(folder.rglob("*")) if p.is_file()]
    for path in files:
        hashes.append(sha256_file(path))
        total += path.stat().st_size
    input_deleted = False
    source = Path(str(manifest.get("source_path", ""))) if manifest.get("source_path") else None
    if (
        source is not None
        and inbox is not None
        and source.is_file()
        and _inside(source, inbox)
        and sha256_file(source) == manifest.get("source_sha256")
    ):
        hashes.append(str(manifest["source_sha256"]))
        total += source.stat().st_size
        source.unlink()
        input_deleted = True
    shutil.rmtree(folder)
    return Purged(
        customer=folder.parent.name,
        delivery_id=folder.name,
        files=len(files) + int(input_deleted),
        bytes=total,
        sha256=tuple(hashes),
        input_deleted=input_deleted,
    )
