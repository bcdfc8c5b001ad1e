"""The inbox sensor: a customer's file dropped into `inbox/<customer>/` becomes a delivery
(a dynamic partition) and its refresh run — once, when complete, and never again.

A delivery is identified by its content, per customer: the cursor remembers the SHA-256
of every file that became a delivery, so the same bytes dropped again — under the same
name, a copy under another name, or the file touched — are skipped (and the operator told
so, as counts and a hash prefix), while a changed file is a new delivery. Cursors written
before the hashes were kept are read as before (by name, size, time and inode).

A tick does cheap checks only (what kind of entry, its size, its first bytes, its hash
read in blocks): the file is read and validated by the run (`contacts`), which moves a
file it refuses to `rejected/`. Each file is handled on its own, so that one bad file
never holds up the others."""

import json
import os
import stat
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from pipelines.customers import contract_for, load_contracts
from pipelines.inbox import (
    REJECTED,
    InboxEntry,
    customer_folders,
    inbox_entries,
    move_aside,
    open_nofollow,
    sha256_nofollow,
)
from pipelines.jobs import refresh_job
from pipelines.partitions import deliveries, delivery_key, valid_customer
from pipelines.paths import inbox_dir, register_url
from register import RegisterStore

__all__ = ["REJECTED", "inbox_files", "inbox_sensor", "move_aside", "sniff"]

_INTERVAL = int(os.environ.get("TIETOHUOLTO_SENSOR_INTERVAL", "30"))
# The reader's own limit; a larger file is refused before anything reads it.
MAX_INPUT_BYTES = 500 * 1024 * 1024
_SNIFF_BYTES = 8
# Content hashes remembered per customer (newest kept): a re-sent copy of a file delivered
# within this many days is skipped; after that the same bytes are a new delivery (the
# register has moved on, and the delivery itself is gone by retention).
_DEDUP_DAYS = float(os.environ.get("TIETOHUOLTO_SENSOR_DEDUP_DAYS", "7"))
_DEDUP_KEEP = 1000
# First bytes of kinds of file that are never a CRM export.
_NOT_CRM = {
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": ".xls (Excel 97-2003) is not supported; save it as "
    ".xlsx or CSV",
    b"%PDF": "a PDF document, not a CRM export (CSV or .xlsx)",
    b"\x89PNG": "a PNG image, not a CRM export (CSV or .xlsx)",
    b"\xff\xd8\xff": "a JPEG image, not a CRM export (CSV or .xlsx)",
    b"GIF8": "a GIF image, not a CRM export (CSV or .xlsx)",
    b"\x7fELF": "an executable, not a CRM export (CSV or .xlsx)",
    b"\x1f\x8b": "a gzip archive, not a CRM export (CSV or .xlsx)",
}


def inbox_files(inbox: Path) -> list[Path]:
    """`inbox/<customer>/<file>`: regular files only (links are not followed), temporary
    names and the rejected folder left out."""
    return [entry.path for entry in inbox_entries(inbox) if entry.is_regular]


def sniff(entry: InboxEntry) -> str | None:
    """Why a file is refused on sight (kind, size, first bytes), or None: a bounded read
    of at most a few bytes, whatever the file's size."""
    if entry.is_link:
        return (
            f"{entry.path.name}: is a symbolic link; links are never followed — upload the "
            "file itself"
        )
    if not entry.is_regular:
        return f"{entry.path.name}: not a regular file"
    if entry.stat.st_nlink != 1:
        return f"{entry.path.name}: has other hard links; upload the file itself"
    if entry.stat.st_size == 0:
        return f"{entry.path.name}: file is empty"
    if entry.stat.st_size > MAX_INPUT_BYTES:
        return (
            f"{entry.path.name}: file is {entry.stat.st_size} bytes, over the "
            f"{MAX_INPUT_BYTES} byte limit"
        )
    descriptor = open_nofollow(entry.path)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return f"{entry.path.name}: not a regular file"
        head = os.pread(descriptor, _SNIFF_BYTES, 0)
    finally:
        os.close(descriptor)
    for magic, problem in _NOT_CRM.items():
        if head.startswith(magic):
            return f"{entry.path.name}: {problem}"
    return None


def _same_file(remembered: list[int] | None, signature: list[int]) -> bool:
    """Size, time and inode as remembered; a cursor written before the inode was part of
    the signature remembers size and time only (so no delivered file runs again)."""
    if not remembered:
        return False
    return remembered == signature or (len(remembered) == 2 and remembered == signature[:2])


def _register_loaded_at() -> float | None:
    """When the current snapshot was loaded (by the nightly job, the UI or the CLI)."""
    store = RegisterStore.from_url(register_url())
    try:
        current = store.current_snapshot()
    finally:
        store.engine.dispose()
    return current.loaded_at.timestamp() if current is not None else None


def _refuse(context: SensorEvaluationContext, entry: InboxEntry, reason: str, why: str) -> None:
    """Move a refused entry aside; if even that fails, the cursor still remembers it."""
    try:
        move_aside(entry.path, reason, entry.path.parent)
    except Exception as exc:  # one entry never stops the others
        context.log.warning(
            f"could not move a refused file of customer {entry.customer} aside "
            f"({type(exc).__name__}); it stays, and is not retried"
        )
        return
    context.log.warning(f"refused a file of customer {entry.customer}: {why}")


@sensor(
    job=refresh_job,
    minimum_interval_seconds=_INTERVAL,
    default_status=DefaultSensorStatus.RUNNING,
    description="Watches inbox/<customer>/ and starts one refresh per complete new file.",
)
def inbox_sensor(context: SensorEvaluationContext) -> SensorResult:
    state: dict[str, Any] = json.loads(context.cursor) if context.cursor else {}
    pending: dict[str, Any] = state.get("pending", {})
    done: dict[str, Any] = state.get("done", {})
    # customer -> {sha256: [delivery key, when]}: what each customer's deliveries were made of.
    delivered: dict[str, dict[str, list[Any]]] = state.get("delivered", {})
    skipped: dict[str, list[str]] = {}
    inbox = inbox_dir()
    contracts = load_contracts()
    loaded_at = (
        _register_loaded_at() if any(c.schedule == "nightly" for c in contracts.values()) else None
    )
    for customer, _folder, is_link in customer_folders(inbox):
        if is_link:
            context.log.warning(
                f"inbox folder {customer!r} is a symbolic link: ignored (links are never followed)"
                if valid_customer(customer)
                else "an inbox folder is a symbolic link: ignored"
            )
    now = time.time()
    requests: list[RunRequest] = []
    new_keys: list[str] = []
    present: set[str] = set()
    for entry in inbox_entries(inbox):
        name = str(entry.path.relative_to(inbox))
        present.add(name)
        signature = [entry.stat.st_size, entry.stat.st_mtime_ns, entry.stat.st_ino]
        if _same_file(done.get(name, {}).get("signature"), signature):
            continue  # this very file already has its delivery (or was refused)
        seen = pending.get(name)
        if seen is None or seen["signature"] != signature:
            # Complete files only: wait until the size and time stay the same for a tick.
            pending[name] = {"signature": signature, "first_seen": now}
            continue
        try:
            request = _consider(context, entry, seen, contracts, loaded_at, delivered, now)
        except Exception as exc:  # one bad file never blocks the others
            # The class only: an exception's message may quote the file's contents.
            context.log.warning(
                f"could not check a file of customer {entry.customer} ({type(exc).__name__})"
            )
            _refuse(
                context,
                entry,
                f"{entry.path.name}: could not be checked ({type(exc).__name__})",
                type(exc).__name__,
            )
            request = "refused"
        if request == "wait":
            continue
        pending.pop(name, None)
        if isinstance(request, RunRequest):
            requests.append(request)
            new_keys.append(str(request.partition_key))
            done[name] = {"signature": signature, "key": request.partition_key}
        elif request.startswith("duplicate:"):
            skipped.setdefault(entry.customer, []).append(request.partition(":")[2])
            done[name] = {"signature": signature, "duplicate": True}
        else:
            done[name] = {"signature": signature, "refused": True}
    for customer, digests in skipped.items():
        # Counts and hash prefixes only: a file's name may say whom it is about.
        context.log.info(
            f"skipped {len(digests)} file(s) of customer {customer}: same content as a "
            f"delivery already made (sha256 {', '.join(sorted({d[:12] for d in digests}))}); "
            "a changed file is a new delivery"
        )
    state = {
        "pending": {k: v for k, v in pending.items() if k in present},
        "done": {k: v for k, v in done.items() if k in present},
        "delivered": _recent(delivered, now),
    }
    return SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[deliveries.build_add_request(new_keys)] if new_keys else [],
        cursor=json.dumps(state),
    )


def _recent(delivered: dict[str, dict[str, list[Any]]], now: float) -> dict[str, Any]:
    """The remembered content hashes younger than the dedup period, newest first, at most
    _DEDUP_KEEP per customer (the cursor stays small)."""
    horizon = now - _DEDUP_DAYS * 86400
    kept: dict[str, Any] = {}
    for customer, hashes in delivered.items():
        fresh = sorted(
            ((digest, seen) for digest, seen in hashes.items() if float(seen[1]) >= horizon),
            key=lambda item: -float(item[1][1]),
        )[:_DEDUP_KEEP]
        if fresh:
            kept[customer] = dict(fresh)
    return kept


def _consider(
    context: SensorEvaluationContext,
    entry: InboxEntry,
    seen: dict[str, Any],
    contracts: Any,
    loaded_at: float | None,
    delivered: dict[str, dict[str, list[Any]]] | None = None,
    now: float | None = None,
) -> RunRequest | str:
    """A complete file: its run request, "wait" (nightly), "refused" (moved aside) or
    "duplicate:<sha256>" (the customer's delivery of these very bytes was already made)."""
    customer = entry.customer
    if not valid_customer(customer):
        _refuse(
            context,
            entry,
            f"{entry.path.name}: the customer folder's name is not a valid customer name "
            "(lower-case letters, digits, '-' and '_')",
            "invalid customer folder name",
        )
        return "refused"
    problem = sniff(entry)
    if problem is not None:
        _refuse(context, entry, problem, problem.partition(": ")[2])
        return "refused"
    contract = contract_for(customer, contracts)
    if contract.schedule == "nightly" and (loaded_at is None or loaded_at < seen["first_seen"]):
        return "wait"  # waits for tonight's register
    digest = sha256_nofollow(entry.path)
    if delivered is not None and digest in delivered.get(customer, {}):
        return f"duplicate:{digest}"
    key = delivery_key(customer, entry.path, digest, datetime.now(UTC))
    if delivered is not None:
        delivered.setdefault(customer, {})[digest] = [key, time.time() if now is None else now]
    return RunRequest(
        run_key=key,
        partition_key=key,
        run_config={
            "ops": {
                "contacts": {
                    "config": {
                        # As it lies in the inbox, not resolved: the run checks it is a
                        # regular file inside this customer's folder, and opens it so.
                        "crm_file": str(entry.path.absolute()),
                        "mapping_file": contract.mapping_file,
                    }
                },
                "refreshed_table": {"config": contract.refresh_config()},
            }
        },
        tags={"customer": customer, "delivery": key, "source": "inbox_sensor"},
    )
