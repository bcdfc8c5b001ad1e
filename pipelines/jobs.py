"""Jobs: one delivery's refresh, the register load, and retention."""

from dagster import AssetSelection, define_asset_job, in_process_executor

from assets.retention import retention_job
from pipelines.partitions import deliveries, selections

# In process, with in-memory hand-over between steps: a delivery's intermediate data is
# the customer's personal data, and this way none of it is ever written to the instance's
# storage (nothing to purge after delivery), and a file refreshes in seconds, not the
# five seconds per step a subprocess costs.
refresh_job = define_asset_job(
    "refresh_job",
    selection=AssetSelection.groups("delivery"),
    partitions_def=deliveries,
    executor_def=in_process_executor,
    description="Refresh one customer CRM file (one `deliveries` partition) against the "
    "current master register.",
)

register_job = define_asset_job(
    "register_job",
    selection=AssetSelection.assets("master_register"),
    executor_def=in_process_executor,
    description="Load a register snapshot folder as the current master register.",
)

# Selections (issue 17): in process for the same reason as the refresh — the selected
# persons pass from the preview to the file in memory only.
selection_job = define_asset_job(
    "selection_job",
    selection=AssetSelection.groups("selection"),
    partitions_def=selections,
    executor_def=in_process_executor,
    description="Run one selection order (a `selections` partition, `customer/order-id`): "
    "preview counts as metadata, then the file, report, manifest and disclosure ledger.",
)

selection_preview_job = define_asset_job(
    "selection_preview_job",
    selection=AssetSelection.assets("selection_preview"),
    partitions_def=selections,
    executor_def=in_process_executor,
    description="Counts only: run a selection order and show what it would select (per "
    "criterion, prohibition, region and area) without producing the file.",
)

__all__ = [
    "refresh_job",
    "register_job",
    "retention_job",
    "selection_job",
    "selection_preview_job",
]
