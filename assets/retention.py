"""Retention: the clean-up job that keeps nothing of a customer after delivery."""

from datetime import UTC, datetime, timedelta

from dagster import (
    Config,
    DefaultScheduleStatus,
    OpExecutionContext,
    ScheduleDefinition,
    in_process_executor,
    job,
    op,
)
from pydantic import Field

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
    now = datetime.now(UTC)
    period = timedelta(days=config.retention_days)
    expired = expired_deliveries(folders.root(), now, period)
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
