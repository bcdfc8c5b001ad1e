"""The Dagster definitions: assets and checks of the flow, jobs, schedules, the inbox
sensor, and the resources."""

import os

from dagster import (
    Definitions,
    JobDefinition,
    load_asset_checks_from_modules,
    load_assets_from_modules,
)

from assets import contacts, matches, refreshed, register, selection
from assets.subjects import SUBJECT_JOBS
from pipelines.handover import handover_io_manager
from pipelines.jobs import (
    refresh_job,
    register_job,
    retention_job,
    selection_job,
    selection_preview_job,
)
from pipelines.resources import DeliveryFoldersResource, RegisterResource
from pipelines.schedules import nightly_register_schedule, retention_schedule
from pipelines.sensors import inbox_sensor

# The code location (and the runs it launches) creates deliveries, reports and rejected
# files holding personal data: none of it readable by other users.
os.umask(0o077)

_MODULES = [contacts, matches, refreshed, register, selection]

defs = Definitions(
    assets=load_assets_from_modules(_MODULES),
    asset_checks=load_asset_checks_from_modules(_MODULES),
    jobs=[
        refresh_job,
        register_job,
        retention_job,
        *SUBJECT_JOBS,
        selection_job,
        selection_preview_job,
    ],
    schedules=[nightly_register_schedule, retention_schedule],
    sensors=[inbox_sensor],
    resources={
        # Both resolve their locations from the environment when a run starts; the URL
        # (with any password) is never part of the config the UI shows.
        "register": RegisterResource(),
        "folders": DeliveryFoldersResource(),
        # Steps hand data over in memory: nothing of a customer's file is stored. A value
        # is let go once the steps that read it have finished (the matches, read by the
        # next step only, are not held through the rules and the checks). Made anew for
        # each run: step keys repeat from run to run.
        "io_manager": handover_io_manager,
    },
)


def refresh_job_definition() -> JobDefinition:
    """The refresh job, resolved: what `tietohuolto refresh` runs, found again by this
    function's module and name (`dagster.reconstructable`) as a launched run is."""
    return defs.resolve_job_def("refresh_job")
