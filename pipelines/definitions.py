"""The Dagster definitions: the refresh flow as assets, its checks, job and resources."""

from dagster import (
    Definitions,
    InMemoryIOManager,
    define_asset_job,
    in_process_executor,
    load_asset_checks_from_modules,
    load_assets_from_modules,
)

from assets import contacts as contacts_module
from assets import matches as matches_module
from assets import refreshed as refreshed_module
from assets.retention import retention_job, retention_schedule
from pipelines.resources import DeliveryFoldersResource, RegisterResource

_MODULES = [contacts_module, matches_module, refreshed_module]

# In process, with in-memory hand-over between steps: a delivery's intermediate data is
# the customer's personal data, and this way none of it is ever written to the instance's
# storage (nothing to purge after delivery), and a file refreshes in seconds, not the
# five seconds per step a subprocess costs.
refresh_job = define_asset_job(
    "refresh_job",
    selection=["contacts", "organisation_matches", "person_matches", "refreshed_table", "delivery"],
    executor_def=in_process_executor,
    description="Refresh one customer CRM file against the current master register.",
)


defs = Definitions(
    assets=load_assets_from_modules(_MODULES),
    asset_checks=load_asset_checks_from_modules(_MODULES),
    jobs=[refresh_job, retention_job],
    schedules=[retention_schedule],
    resources={
        # Both resolve their locations from the environment when a run starts; the URL
        # (with any password) is never part of the config the UI shows.
        "register": RegisterResource(),
        "folders": DeliveryFoldersResource(),
        "io_manager": InMemoryIOManager(),
    },
)
