"""Whether a file waiting in the inbox is being refreshed: asked from the Dagster instance
the sensor and the CLI share (`$DAGSTER_HOME`, else `var/dagster/`), by the runs' tags
(`customer`, `delivery`). Only the run's state is read, never its logs or config."""

from __future__ import annotations

import threading
from typing import Any

from pipelines.paths import ensure_dagster_home

_ACTIVE = {"QUEUED", "NOT_STARTED", "STARTING", "STARTED", "MANAGED"}
_FAILED = {"FAILURE", "CANCELED", "CANCELING"}
_lock = threading.Lock()
_instance: Any = None


def _dagster() -> Any:
    global _instance  # noqa: PLW0603 - one instance per process, opened on first use
    with _lock:
        if _instance is None:
            ensure_dagster_home()
            from dagster import DagsterInstance  # noqa: PLC0415 - heavy; only when needed

            _instance = DagsterInstance.get()
        return _instance


def dagster_run_states(customer: str) -> dict[str, str]:
    """{first 6 hex digits of the input's SHA-256: "running" | "failed"} of the customer's
    newest run per delivery key. An unreachable instance gives {} (files show "waiting")."""
    try:
        from dagster import RunsFilter  # noqa: PLC0415

        runs = _dagster().get_runs(filters=RunsFilter(tags={"customer": customer}), limit=500)
    except Exception:  # the portal still lists deliveries without the run history
        return {}
    states: dict[str, str] = {}
    for run in runs:  # newest first
        key = run.tags.get("delivery", "")
        digest = key.rsplit("-", 1)[-1]
        if len(digest) != 6 or digest in states:
            continue
        status = run.status.value
        if status in _ACTIVE:
            states[digest] = "running"
        elif status in _FAILED:
            states[digest] = "failed"
        else:
            states[digest] = "finished"
    return states
