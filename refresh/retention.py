"""Nothing kept: a delivery's files, and the customer's input the pipeline received, are
deleted once the operator's retention period has passed since the delivery; so are the
leftovers — refused files and their reasons, inputs of failed or blocked runs, staging
folders of interrupted deliveries, access reports.

Nothing here follows a symbolic link: folders and files are looked at with `lstat`, a
link is never entered, and only links themselves (never what they point to) could go.
What was removed is told as counts and SHA-256 hashes, never names or contents.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
# Staging folders and unprocessed inbox files younger than this are never swept, whatever
# the retention period: a run may be writing or about to read them.
IN_FLIGHT = timedelta(hours=1)


@dataclass(frozen=True)
class Purged:
    """What one purge removed: ids, counts and hashes, never names or contents."""

    customer: str
    delivery_id: str
    files: int
    bytes: int
    sha256: tuple[str, ...]
    input_deleted: bool


@dataclass
class Swept:
    """Leftovers of one kind removed: counts and hashes."""

    kind: str
    files: int = 0
    bytes: int = 0
    sha256: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str | None:
    """SHA-256 of a regular file, never through a link; None for anything else."""
    try:
        descriptor = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        digest = hashlib.sha256()
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_real_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _subdirs(folder: Path) -> list[Path]:
    """Real sub-folders (links to folders left out)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    return sorted(Path(e.path) for e in entries if e.is_dir(follow_symlinks=False))


def _walk_files(folder: Path) -> Iterator[tuple[Path, os.stat_result]]:
    """Every regular file under a real folder, no link followed or entered."""
    if not _is_real_dir(folder):
        return
    for root, _dirs, files in os.walk(folder, followlinks=False):
        for name in sorted(files):
            path = Path(root) / name
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                yield path, info


def _manifest(folder: Path) -> dict[str, object] | None:
    try:
        descriptor = os.open(folder / "manifest.json", os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
        with os.fdopen(descriptor, "rb") as handle:
            loaded = json.loads(handle.read(1 << 20).decode("utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def expired_deliveries(outbox: Path, now: datetime, retention: timedelta) -> list[Path]:
    """Complete delivery folders (they have a manifest) delivered at least `retention` ago;
    linked customer or delivery folders are never entered."""
    expired = []
    for customer in _subdirs(outbox):
        for folder in _subdirs(customer):
            if folder.name.startswith("."):
                continue
            manifest = _manifest(folder)
            if manifest is None or "written_at" not in manifest:
                continue
            try:
                written = datetime.fromisoformat(str(manifest["written_at"]))
            except ValueError:
                continue
            if written + retention <= now:
                expired.append(folder)
    return expired


def received_inputs(customer_inbox: Path, sha256: str, size: int | None) -> list[Path]:
    """The files under the customer's own inbox folder (no link followed) that are the
    input a delivery was made from: the same SHA-256 (and size, when the manifest has it)."""
    found = []
    for path, info in _walk_files(customer_inbox):
        if size is not None and info.st_size != size:
            continue
        if _sha256(path) == sha256:
            found.append(path)
    return found


def purge_delivery(folder: Path, inbox: Path | None) -> Purged:
    """Delete the delivery folder, and the customer's input it was made from when that is
    still under the customer's inbox folder: found by its SHA-256, not by a path (the
    manifest the customer receives names no server path). A file an operator pointed the
    CLI at elsewhere is theirs, not ours, to delete."""
    if not _is_real_dir(folder):
        raise NotADirectoryError(f"delivery {folder.name} is not a folder (a link?)")
    manifest = _manifest(folder) or {}
    hashes, total, count = [], 0, 0
    for path, info in _walk_files(folder):
        digest = _sha256(path)
        if digest is not None:
            hashes.append(digest)
        total += info.st_size
        count += 1
    customer = folder.parent.name
    digest = str(manifest.get("source_sha256") or "")
    raw_size = manifest.get("source_bytes")
    size = int(raw_size) if isinstance(raw_size, int | str) and str(raw_size).isdigit() else None
    inputs: list[Path] = []
    if digest and inbox is not None:
        inputs = received_inputs(inbox / customer, digest, size)
    for path in inputs:
        try:
            total += os.lstat(path).st_size
            path.unlink()
        except OSError:
            continue
        hashes.append(digest)
        count += 1
    shutil.rmtree(folder)
    return Purged(
        customer=customer,
        delivery_id=folder.name,
        files=count,
        bytes=total,
        sha256=tuple(hashes),
        input_deleted=bool(inputs),
    )


def _age(info: os.stat_result, now: float) -> float:
    """Seconds since a file arrived or last changed: the later of its modification and
    inode-change times (an upload tool can keep an old modification time, not an old
    inode-change time)."""
    return now - max(info.st_mtime, info.st_ctime)


def _remove_file(path: Path, info: os.stat_result, swept: Swept) -> None:
    digest = _sha256(path)
    try:
        path.unlink()
    except OSError:
        return
    swept.files += 1
    swept.bytes += info.st_size
    if digest is not None:
        swept.sha256.append(digest)


def _remove_empty_dirs(folder: Path, keep_root: bool = True) -> None:
    if not _is_real_dir(folder):
        return
    for root, _dirs, _files in sorted(os.walk(folder, followlinks=False), reverse=True):
        if keep_root and Path(root) == folder:
            continue
        try:
            Path(root).rmdir()  # only when empty
        except OSError:
            continue


def sweep_files(folder: Path, kind: str, older_than: timedelta, now: float | None = None) -> Swept:
    """Remove every regular file under a real `folder` (no link followed) that has not
    changed for `older_than`, then the folders that became empty (not `folder`)."""
    moment = time.time() if now is None else now
    swept = Swept(kind)
    for path, info in list(_walk_files(folder)):
        if _age(info, moment) >= older_than.total_seconds():
            _remove_file(path, info, swept)
    _remove_empty_dirs(folder)
    return swept


def sweep_inbox(
    inbox: Path, retention: timedelta, now: float | None = None, rejected: str = "rejected"
) -> list[Swept]:
    """Leftovers in `inbox/<customer>/`: refused files and their `.reason.txt` in
    `rejected/` after the period; any other file after the period and at least
    IN_FLIGHT (the input of a failed or blocked run, or one never processed: a file waits
    in the inbox for a run, not for longer than the retention period)."""
    refused = Swept("rejected")
    leftover = Swept("inbox")
    for customer in _subdirs(inbox):
        done = sweep_files(customer / rejected, "rejected", retention, now)
        refused.files += done.files
        refused.bytes += done.bytes
        refused.sha256 += done.sha256
        moment = time.time() if now is None else now
        limit = max(retention, IN_FLIGHT).total_seconds()
        for path, info in list(_walk_files(customer)):
            if path.is_relative_to(customer / rejected):
                continue
            if _age(info, moment) >= limit:
                _remove_file(path, info, leftover)
        _remove_empty_dirs(customer)
    return [refused, leftover]


def sweep_partials(outbox: Path, retention: timedelta, now: float | None = None) -> Swept:
    """Staging folders of deliveries that never completed (`.<delivery>.partial`), once
    their newest file is older than the period and IN_FLIGHT."""
    swept = Swept("partial")
    moment = time.time() if now is None else now
    limit = max(retention, IN_FLIGHT).total_seconds()
    for customer in _subdirs(outbox):
        for folder in _subdirs(customer):
            if not (folder.name.startswith(".") and folder.name.endswith(".partial")):
                continue
            newest = max(
                [max(info.st_mtime, info.st_ctime) for _, info in _walk_files(folder)]
                + [max(os.lstat(folder).st_mtime, os.lstat(folder).st_ctime)]
            )
            if moment - newest < limit:
                continue
            for path, info in list(_walk_files(folder)):
                _remove_file(path, info, swept)
            shutil.rmtree(folder, ignore_errors=True)
    return swept
