"""Retention: the clean-up job that keeps nothing of a customer after delivery, and the
sweep that ends runs whose process died (a killed `tietohuolto refresh`)."""

import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dagster import (
    Config,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    DefaultScheduleStatus,
    OpExecutionContext,
    RunsFilter,
    ScheduleDefinition,
    in_process_executor,
    job,
    op,
)
from pydantic import Field

from pipelines.inbox import sweep_input_folders
from pipelines.paths import inbox_dir, subject_requests_dir
from pipelines.resources import DeliveryFoldersResource, RegisterResource
from refresh.retention import (
    Swept,
    expired_deliveries,
    purge_delivery,
    sweep_files,
    sweep_inbox,
    sweep_partials,
)
from register import LEDGER_RETENTION_MONTHS, ledger_cutoff, purge_ledger
from selection.retention import ended_campaigns

# Runs started in process by the CLI carry these tags: the sweep below ends only runs of
# this host whose process is gone (a run launched by the daemon is watched by Dagster's own
# run monitoring instead).
HOST_TAG = "tietohuolto/host"
IN_PROCESS_SOURCES = frozenset({"cli"})


def _process_started(pid: int) -> float | None:
    """When process `pid` started (epoch seconds), or None when there is none (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration, ValueError):
        return None
    if fields[0] == "Z":  # a zombie has finished
        return None
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def _run_pid(instance: DagsterInstance, run_id: str) -> tuple[int, float] | None:
    """(pid, when) of the in-process executor of a run, from its engine event."""
    for record in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
        event = record.dagster_event
        data = getattr(event, "engine_event_data", None) if event else None
        value = (data.metadata or {}).get("pid") if data is not None else None
        text = str(getattr(value, "value", value or ""))
        if text.isdigit():
            return int(text), record.timestamp
    return None


def fail_dead_runs(
    instance: DagsterInstance, say: Callable[[str], None] | None = None
) -> list[str]:
    """Mark as failed the runs left STARTED by a process of this host that is gone (killed,
    out of memory, machine restarted): a run is never left STARTED forever. Returns their
    ids. A run whose process is alive, or of another host, is left alone."""
    host = socket.gethostname()
    ended: list[str] = []
    records = instance.get_run_records(
        filters=RunsFilter(statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING])
    )
    for record in records:
        run = record.dagster_run
        if run.tags.get("source") not in IN_PROCESS_SOURCES or run.tags.get(HOST_TAG) != host:
            continue
        found = _run_pid(instance, run.run_id)
        if found is None:
            # Not yet executing: dead when it is older than a minute and still has no pid.
            started = record.create_timestamp.timestamp()
            if datetime.now(UTC).timestamp() - started < 60:
                continue
        else:
            pid, at = found
            began = _process_started(pid)
            # Alive, and the same process (a reused pid started after the run's event).
            if began is not None and began <= at + 1:
                continue
        instance.report_run_failed(
            run, "the process running it is gone (killed or crashed): marked failed"
        )
        ended.append(run.run_id)
        if say is not None:
            say(f"run {run.run_id} was left started by a process that is gone: marked failed")
    return ended


class RetentionConfig(Config):
    """How long a delivery (and the input it came from) is kept after delivery."""

    retention_days: float = Field(
        default=7.0, description="Days to keep a delivery after it was written; 0 = at once."
    )
    ledger_months: int = Field(
        default=LEDGER_RETENTION_MONTHS,
        description="Months to keep the disclosure ledger (who received which fields).",
    )


@op
def purge_expired_deliveries(
    context: OpExecutionContext,
    config: RetentionConfig,
    folders: DeliveryFoldersResource,
    register: RegisterResource,
) -> dict[str, int]:
    """Delete delivery folders older than the retention period, with the customer input
    the pipeline received for them; then the leftovers older than the period: refused
    files and their reasons, inputs of failed or blocked runs, staging folders of
    interrupted deliveries, access reports. Logs counts and SHA-256 hashes only."""
    fail_dead_runs(context.instance, context.log.warning)
    now = datetime.now(UTC)
    period = timedelta(days=config.retention_days)
    expired = expired_deliveries(folders.root(), now, period)
    # A campaign selection goes when its campaign has ended, whatever the period.
    expired += [f for f in ended_campaigns(folders.root(), now.date()) if f not in set(expired)]
    for folder in expired:
        purged = purge_delivery(folder, inbox_dir())
        context.log.info(
            f"purged delivery {purged.customer}/{purged.delivery_id}: {purged.files} files, "
            f"{purged.bytes} bytes, input deleted: {purged.input_deleted}, "
            f"sha256 {', '.join(h[:16] for h in purged.sha256)}"
        )
    moment = now.timestamp()
    swept: list[Swept] = [
        *sweep_inbox(inbox_dir(), period, moment),
        sweep_partials(folders.root(), period, moment),
        sweep_files(subject_requests_dir(), "access_reports", period, moment),
    ]
    # Private input folders of killed runs (a link each, no data) in $TMPDIR.
    input_folders = sweep_input_folders()
    if input_folders:
        context.log.info(f"removed {input_folders} input folders of killed runs")
    for kind in swept:
        if kind.files:
            context.log.info(
                f"purged {kind.files} {kind.kind} files, {kind.bytes} bytes, "
                f"sha256 {', '.join(h[:16] for h in kind.sha256)}"
            )
    ledger_rows = purge_ledger(register.store, ledger_cutoff(config.ledger_months))
    context.log.info(f"purged {ledger_rows} disclosure-ledger rows older than the period")
    leftovers = {f"{kind.kind}_files_purged": kind.files for kind in swept}
    context.add_output_metadata(
        {"deliveries_purged": len(expired), **leftovers, "ledger_rows_purged": ledger_rows}
    )
    return {"deliveries": len(expired), "files": sum(kind.files for kind in swept)}


@job(
    description="Delete deliveries, their inputs and the leftovers (refused files, inputs "
    "of failed runs, interrupted deliveries, access reports) once the retention period "
    "has passed.",
    executor_def=in_process_executor,
)
def retention_job() -> None:
    purge_expired_deliveries()


retention_schedule = ScheduleDefinition(
    default_status=DefaultScheduleStatus.RUNNING,
    name="retention_schedule",
    job=retention_job,
    cron_schedule="30 3 * * *",
    execution_timezone="Europe/Helsinki",
    description="Nightly clean-up of expired deliveries (03:30 Helsinki time).",
)
