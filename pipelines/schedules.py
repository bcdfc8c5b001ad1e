"""Schedules: the nightly register load and the nightly retention clean-up."""

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from assets.register import newest_snapshot
from assets.retention import retention_schedule
from pipelines.jobs import register_job
from pipelines.paths import register_url, snapshots_dir
from register import RegisterStore
from register.snapshot import snapshot_checksum


@schedule(
    job=register_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/Helsinki",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Nightly: load the newest register snapshot if it is new; deliveries of "
    "customers on a nightly contract wait for it (see the inbox sensor).",
)
def nightly_register_schedule(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
    folder = newest_snapshot(snapshots_dir())
    if folder is None:
        return SkipReason(f"no snapshot folder under {snapshots_dir()}")
    checksum = snapshot_checksum(folder)
    store = RegisterStore.from_url(register_url())
    try:
        current = store.current_snapshot()
    finally:
        store.engine.dispose()
    if current is not None and current.checksum == checksum:
        return SkipReason(f"snapshot {folder.name} is already the current register")
    return RunRequest(
        run_key=f"register-{checksum[:16]}",
        run_config={"ops": {"master_register": {"config": {"snapshot_dir": str(folder)}}}},
        tags={"snapshot": folder.name},
    )


__all__ = ["nightly_register_schedule", "retention_schedule"]
