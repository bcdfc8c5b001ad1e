"""The inbox sensor: a customer's file dropped into `inbox/<customer>/` becomes a delivery
(a dynamic partition) and its refresh run — once, when complete, and never again."""

import json
import os
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

from crmfile import CrmFileError, read_crm_file
from pipelines.customers import contract_for, load_contracts
from pipelines.jobs import refresh_job
from pipelines.partitions import deliveries, delivery_key, valid_customer
from pipelines.paths import inbox_dir, register_url
from refresh.report import sha256_file
from register import RegisterStore

REJECTED = "rejected"
# Names editors and transfer tools give files they are still writing.
_TEMPORARY_PREFIXES = (".", "~$", "~")
_TEMPORARY_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".filepart", ".swp")
_INTERVAL = int(os.environ.get("TIETOHUOLTO_SENSOR_INTERVAL", "30"))


def _is_candidate(path: Path) -> bool:
    name = path.name.lower()
    return (
        path.is_file()
        and not name.startswith(_TEMPORARY_PREFIXES)
        and not name.endswith(_TEMPORARY_SUFFIXES)
        and not name.endswith(".reason.txt")
    )


def inbox_files(inbox: Path) -> list[Path]:
    """`inbox/<customer>/<file>`, temporary names and the rejected folder left out."""
    if not inbox.is_dir():
        return []
    return sorted(
        path
        for customer in inbox.iterdir()
        if customer.is_dir()
        for path in customer.iterdir()
        if _is_candidate(path)
    )


def move_aside(path: Path, reason: str) -> Path:
    """Move a refused file to `rejected/` beside a `.reason.txt`, so it is not retried."""
    target_dir = path.parent / REJECTED
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    path.replace(target)
    target.with_name(target.name + ".reason.txt").write_text(reason + "\n", encoding="utf-8")
    return target


def _register_loaded_at() -> float | None:
    """When the current snapshot was loaded (by the nightly job, the UI or the CLI)."""
    store = RegisterStore.from_url(register_url())
    try:
        current = store.current_snapshot()
    finally:
        store.engine.dispose()
    return current.loaded_at.timestamp() if current is not None else None


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
    inbox = inbox_dir()
    contracts = load_contracts()
    loaded_at = (
        _register_loaded_at() if any(c.schedule == "nightly" for c in contracts.values()) else None
    )
    now = time.time()
    requests: list[RunRequest] = []
    new_keys: list[str] = []
    present: set[str] = set()
    for path in inbox_files(inbox):
        name = str(path.relative_to(inbox))
        present.add(name)
        stat = path.stat()
        signature = [stat.st_size, stat.st_mtime_ns]
        if done.get(name, {}).get("signature") == signature:
            continue  # this very file already has its delivery
        seen = pending.get(name)
        if seen is None or seen["signature"] != signature:
            # Complete files only: wait until the size and time stay the same for a tick.
            pending[name] = {"signature": signature, "first_seen": now}
            continue
        customer = path.parent.name
        if not valid_customer(customer):
            move_aside(path, f"customer folder name {customer!r} is not a valid customer name")
            pending.pop(name)
            continue
        contract = contract_for(customer, contracts)
        if contract.schedule == "nightly" and (loaded_at is None or loaded_at < seen["first_seen"]):
            continue  # waits for tonight's register
        try:
            read_crm_file(path, mapping_file=contract.mapping_file or None)
        except CrmFileError as refused:
            move_aside(path, str(refused))
            context.log.warning(f"refused a file of customer {customer}: {refused.problem}")
            pending.pop(name)
            continue
        key = delivery_key(customer, path, sha256_file(path), datetime.now(UTC))
        requests.append(
            RunRequest(
                run_key=key,
                partition_key=key,
                run_config={
                    "ops": {
                        "contacts": {
                            "config": {
                                "crm_file": str(path.resolve()),
                                "mapping_file": contract.mapping_file,
                            }
                        },
                        "refreshed_table": {"config": contract.refresh_config()},
                    }
                },
                tags={"customer": customer, "delivery": key, "source": "inbox_sensor"},
            )
        )
        new_keys.append(key)
        done[name] = {"signature": signature, "key": key}
        pending.pop(name)
    state = {
        "pending": {k: v for k, v in pending.items() if k in present},
        "done": {k: v for k, v in done.items() if k in present},
    }
    return SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[deliveries.build_add_request(new_keys)] if new_keys else [],
        cursor=json.dumps(state),
    )
