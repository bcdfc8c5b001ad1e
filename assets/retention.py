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

from pipelines.paths import inbox_dir
from pipelines.resources import DeliveryFoldersResource, RegisterResource
from refresh.retention import expired_deliveries, purge_delivery
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
) -> int:
    """Delete delivery folders older than the retention period, with the customer input
    the pipeline received for them; logs counts and SHA-256 hashes only."""
    now = datetime.now(UTC)
    expired = expired_deliveries(folders.root(), now, timedelta(days=config.retention_days))
    for folder in expired:
        purged = purge_delivery(folder, inbox_dir())
        context.log.info(
            f"purged delivery {purged.customer}/{purged.delivery_id}: {purged.files} files, "
            f"{purged.bytes} bytes, input deleted: {purged.input_deleted}, "
            f"sha256 {', '.join(h[:16] for h in purged.sha256)}"
        )
    ledger_rows = purge_ledger(register.store, ledger_cutoff(config.ledger_months))
    context.log.info(f"purged {ledger_rows} disclosure-ledger rows older than the period")
    context.add_output_metadata(
        {"deliveries_purged": len(expired), "ledger_rows_purged": ledger_rows}
    )
    return len(expired)


@job(
    description="Delete deliveries and their inputs once the retention period has passed.",
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
