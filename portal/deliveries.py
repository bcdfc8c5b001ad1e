"""A customer's deliveries as the portal shows them, read from where the pipeline leaves
things — never from anything a client sends:

- `outbox/<customer>/<delivery>/manifest.json`: delivered (the manifest names the input's
  SHA-256, which ties an upload to its delivery);
- `inbox/<customer>/rejected/<file>` and its `.reason.txt`: refused, with the reason;
- `inbox/<customer>/<file>`: waiting, or running / failed as the Dagster instance says;
- an upload the portal took whose delivery (or file) retention has removed: expired.

Only the customer's own folders are ever looked at: the customer comes from the session
or the token, and a delivery id from a URL is one safe name looked up as a direct child
of that customer's outbox folder, never followed through a link.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pipelines.inbox import REJECTED, is_temporary, rejected_name
from pipelines.partitions import valid_delivery_id
from portal.store import PortalStore, Upload

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_REASON = ".reason.txt"
_BEFORE = "the same file was delivered before: this is that delivery"
# The files of a delivery a customer may take, by kind (the URL names a kind, never a path).
FILE_KINDS = ("refreshed", "report.html", "report.md", "summary.json", "manifest.json")
STATUSES = ("waiting", "running", "delivered", "refused", "failed", "expired")


@dataclass
class DeliveryView:
    status: str
    file_name: str
    received_at: datetime | None
    delivery_id: str | None = None
    upload_id: str | None = None
    sha256: str | None = None
    reason: str | None = None
    rows: int | None = None
    created_at: datetime | None = None
    files: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "delivery_id": self.delivery_id,
            "upload_id": self.upload_id,
            "file_name": self.file_name,
            "received_at": _iso(self.received_at),
            "delivered_at": _iso(self.created_at),
            "input_sha256": self.sha256,
            "rows": self.rows,
            "reason": self.reason,
            "files": [
                {"kind": f["kind"], "name": f["name"], "bytes": f["bytes"], "sha256": f["sha256"]}
                for f in self.files
            ],
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def _read_small(path: Path, limit: int = 1 << 20) -> bytes | None:
    """At most `limit` bytes of a regular file, never through a link."""
    try:
        descriptor = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        return handle.read(limit)


def _real_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _regular_files(folder: Path) -> list[tuple[Path, os.stat_result]]:
    found = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode):
                    found.append((Path(entry.path), info))
    return found


# SHA-256 of files in the inbox, by identity: a file is hashed once, not on every listing.
_DIGESTS: dict[tuple[int, int, int, int], str] = {}


def _sha256(path: Path, info: os.stat_result) -> str | None:
    identity = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
    if identity in _DIGESTS:
        return _DIGESTS[identity]
    digest = hashlib.sha256()
    try:
        descriptor = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if len(_DIGESTS) > 10_000:
        _DIGESTS.clear()
    _DIGESTS[identity] = digest.hexdigest()
    return _DIGESTS[identity]


@dataclass(frozen=True)
class Delivered:
    delivery_id: str
    folder: Path
    manifest: dict[str, Any]

    @property
    def source_sha256(self) -> str:
        return str(self.manifest.get("source_sha256", ""))

    @property
    def created_at(self) -> datetime | None:
        raw = self.manifest.get("created_at") or self.manifest.get("written_at")
        try:
            moment = datetime.fromisoformat(str(raw))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def files(self) -> list[dict[str, Any]]:
        """The manifest's files with the kind a URL names them by; the manifest itself last."""
        listed = []
        for entry in self.manifest.get("files", []):
            name = str(entry.get("name", ""))
            kind = "refreshed" if "rows" in entry else name
            if kind in FILE_KINDS:
                listed.append(
                    {
                        "kind": kind,
                        "name": name,
                        "bytes": entry.get("bytes"),
                        "sha256": entry.get("sha256"),
                        "rows": entry.get("rows"),
                    }
                )
        manifest = self.folder / "manifest.json"
        with contextlib.suppress(OSError):
            listed.append(
                {
                    "kind": "manifest.json",
                    "name": "manifest.json",
                    "bytes": os.lstat(manifest).st_size,
                    "sha256": None,
                    "rows": None,
                }
            )
        return listed

    def rows(self) -> int | None:
        return next((f["rows"] for f in self.files() if f["kind"] == "refreshed"), None)


def delivered(outbox: Path, customer: str, delivery_id: str) -> Delivered | None:
    """The complete delivery folder `outbox/<customer>/<delivery_id>/` (a real folder with
    a manifest naming this customer), or None: also for an id that is not one safe name."""
    if not valid_delivery_id(delivery_id):
        return None
    customer_folder = outbox / customer
    folder = customer_folder / delivery_id
    if not (_real_dir(customer_folder) and _real_dir(folder)):
        return None
    raw = _read_small(folder / "manifest.json")
    if raw is None:
        return None
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(manifest, dict) or manifest.get("customer") != customer:
        return None
    return Delivered(delivery_id, folder, manifest)


def all_delivered(outbox: Path, customer: str) -> list[Delivered]:
    found = []
    folder = outbox / customer
    if not _real_dir(folder):
        return []
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.name.startswith("."):
                continue  # a delivery still being written (`.<id>.partial`)
            item = delivered(outbox, customer, entry.name)
            if item is not None:
                found.append(item)
    return found


def delivered_file(item: Delivered, kind: str) -> tuple[Path, dict[str, Any]] | None:
    """The path of one file of a delivery by kind, a regular file directly in its folder."""
    entry = next((f for f in item.files() if f["kind"] == kind), None)
    if entry is None or "/" in entry["name"] or entry["name"].startswith("."):
        return None
    path = item.folder / entry["name"]
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
    except OSError:
        return None
    return path, entry


# A run's state for a file waiting in the inbox: by its SHA-256's first 6 hex digits, which
# end its partition key (`customer/day-stem-3f9a1c`). "running", "failed" or absent.
RunStates = Callable[[str], dict[str, str]]


def _no_runs(_customer: str) -> dict[str, str]:
    return {}


def customer_deliveries(
    store: PortalStore,
    inbox: Path,
    outbox: Path,
    customer: str,
    run_states: RunStates = _no_runs,
) -> list[DeliveryView]:
    """Every delivery and every file on its way of one customer, newest first."""
    done = all_delivered(outbox, customer)
    folder = inbox / customer
    waiting = [
        (path, info)
        for path, info in (_regular_files(folder) if _real_dir(folder) else [])
        if not is_temporary(path.name)
    ]
    refused = [
        (path, info)
        for path, info in (
            _regular_files(folder / REJECTED) if _real_dir(folder / REJECTED) else []
        )
        if not path.name.endswith(_REASON)
    ]
    states: dict[str, str] | None = None

    def state_of(digest: str) -> str:
        nonlocal states
        if states is None:
            states = run_states(customer) if waiting else {}
        state = states.get(digest[:6], "waiting")
        return state if state in ("running", "failed") else "waiting"

    views: list[DeliveryView] = []
    used_deliveries: set[str] = set()
    used_files: set[Path] = set()
    for upload in store.uploads(customer):
        view = _upload_view(store, upload, done, waiting, refused, used_deliveries, state_of)
        if view.delivery_id:
            used_deliveries.add(view.delivery_id)
        views.append(view)
        used_files.update(path for path, _ in (*waiting, *refused) if _is(upload, path, refused))
    for item in done:
        if item.delivery_id not in used_deliveries:
            used_deliveries.add(item.delivery_id)
            views.append(_delivered_view(item, None, None))
    delivered_inputs = {item.source_sha256 for item in done}
    for path, info in waiting:
        if path in used_files:
            continue
        digest = _sha256(path, info)
        if digest is None or digest in delivered_inputs:
            continue  # the input of a delivery listed above (retention removes it with it)
        state = state_of(digest)
        views.append(DeliveryView(state, path.name, _when(info), sha256=digest, reason=_why(state)))
    for path, info in refused:
        if path not in used_files:
            views.append(DeliveryView("refused", path.name, _when(info), reason=_reason(path)))
    epoch = datetime.min.replace(tzinfo=UTC)
    views.sort(key=lambda v: v.received_at or v.created_at or epoch, reverse=True)
    return views


def _why(state: str) -> str | None:
    if state == "failed":
        return "the refresh failed; the operator has the details and will contact you"
    return None


def _when(info: os.stat_result) -> datetime:
    return datetime.fromtimestamp(max(info.st_mtime, info.st_ctime), UTC)


def _reason(path: Path) -> str:
    raw = _read_small(path.with_name(path.name + _REASON), 2000)
    text = raw.decode("utf-8", "replace").strip() if raw else ""
    return text[:400] or "the file was refused"


def _is(upload: Upload, path: Path, refused: list[tuple[Path, os.stat_result]]) -> bool:
    """Whether a file in the inbox (or in `rejected/`) is this upload's bytes."""
    in_rejected = any(path == other for other, _ in refused)
    expected = rejected_name(upload.file_name) if in_rejected else upload.file_name
    if path.name != expected:
        return False
    with contextlib.suppress(OSError):
        info = os.lstat(path)
        return info.st_size == upload.bytes and _sha256(path, info) == upload.sha256
    return False


def _upload_view(
    store: PortalStore,
    upload: Upload,
    done: list[Delivered],
    waiting: list[tuple[Path, os.stat_result]],
    refused: list[tuple[Path, os.stat_result]],
    used: set[str],
    state_of: Callable[[str], str],
) -> DeliveryView:
    # The earliest delivery of these bytes made after the upload (a re-sent copy of the same
    # bytes is another upload, and takes the next delivery).
    slack = timedelta(seconds=1)  # the manifest says when to the second
    matches = sorted(
        (
            item
            for item in done
            if item.source_sha256 == upload.sha256
            and item.delivery_id not in used
            and (item.created_at is None or item.created_at >= upload.uploaded_at - slack)
        ),
        key=lambda item: item.created_at or upload.uploaded_at,
    )
    if upload.delivery_id:
        linked = next((i for i in done if i.delivery_id == upload.delivery_id), None)
        if linked is None:
            return _expired(upload)
        view = _delivered_view(linked, upload, upload.uploaded_at)
        if linked.created_at is not None and linked.created_at < upload.uploaded_at - slack:
            view.reason = _BEFORE
        return view
    if matches:
        store.link_delivery(upload.upload_id, matches[0].delivery_id)
        return _delivered_view(matches[0], upload, upload.uploaded_at)
    # The same bytes delivered before: the inbox sensor skips a re-sent copy (one delivery
    # per content and customer, pipelines.sensors), so that delivery is this upload's too.
    earlier = sorted(
        (item for item in done if item.source_sha256 == upload.sha256),
        key=lambda item: item.created_at or upload.uploaded_at,
    )
    in_inbox = any(_is(upload, path, refused) for path, _ in waiting)
    if in_inbox and state_of(upload.sha256) == "running":
        return _from_upload(upload, "running")
    if earlier and not any(_is(upload, path, refused) for path, _ in refused):
        store.link_delivery(upload.upload_id, earlier[-1].delivery_id)
        view = _delivered_view(earlier[-1], upload, upload.uploaded_at)
        view.reason = _BEFORE
        return view
    for path, _info in refused:
        if _is(upload, path, refused):
            return _from_upload(upload, "refused", reason=_reason(path))
    for path, _info in waiting:
        if _is(upload, path, refused):
            state = state_of(upload.sha256)
            return _from_upload(upload, state, reason=_why(state))
    return _expired(upload)


def _from_upload(upload: Upload, status: str, reason: str | None = None) -> DeliveryView:
    return DeliveryView(
        status,
        upload.file_name,
        upload.uploaded_at,
        delivery_id=upload.delivery_id,
        upload_id=upload.upload_id,
        sha256=upload.sha256,
        reason=reason,
    )


def _expired(upload: Upload) -> DeliveryView:
    return _from_upload(
        upload,
        "expired",
        reason="removed after the retention period; send the file again for a new delivery",
    )


def _delivered_view(
    item: Delivered, upload: Upload | None, received: datetime | None
) -> DeliveryView:
    return DeliveryView(
        "delivered",
        str(item.manifest.get("source_file", "")) if upload is None else upload.file_name,
        received or item.created_at,
        delivery_id=item.delivery_id,
        upload_id=upload.upload_id if upload else None,
        sha256=item.source_sha256,
        rows=item.rows(),
        created_at=item.created_at,
        files=item.files(),
    )


def find_delivery(
    store: PortalStore, inbox: Path, outbox: Path, customer: str, delivery_id: str
) -> DeliveryView | None:
    """One delivery of this customer by id: delivered, or expired where the portal knows
    it existed; None (404) for anything else, another customer's id included."""
    item = delivered(outbox, customer, delivery_id)
    if item is not None:
        upload = next((u for u in store.uploads(customer) if u.delivery_id == delivery_id), None)
        return _delivered_view(item, upload, upload.uploaded_at if upload else None)
    if not valid_delivery_id(delivery_id):
        return None
    for upload in store.uploads(customer):
        if upload.delivery_id == delivery_id:
            return _expired(upload)
    return None


def find_upload(
    store: PortalStore,
    inbox: Path,
    outbox: Path,
    customer: str,
    upload_id: str,
    run_states: RunStates = _no_runs,
) -> DeliveryView | None:
    for view in customer_deliveries(store, inbox, outbox, customer, run_states):
        if view.upload_id == upload_id:
            return view
    return None
