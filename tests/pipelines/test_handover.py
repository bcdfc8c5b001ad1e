"""The hand-over I/O manager: a large value is let go once the steps that read it have
finished, not at the end of the run; a retried step still finds its inputs."""

from typing import Any

from dagster import (
    AssetExecutionContext,
    Definitions,
    InitResourceContext,
    RetryRequested,
    asset,
    define_asset_job,
    execute_job,
    in_process_executor,
    io_manager,
    reconstructable,
)

from pipelines.handover import HANDOVER_IO_MANAGER, HandOverIOManager

MANAGER = HandOverIOManager()
SEEN: dict[str, Any] = {}


@io_manager
def _shared_manager(_context: InitResourceContext) -> HandOverIOManager:
    return MANAGER


@asset(io_manager_key=HANDOVER_IO_MANAGER)
def matches() -> list[int]:
    return list(range(1000))


@asset(io_manager_key=HANDOVER_IO_MANAGER)
def evidence(context: AssetExecutionContext, matches: list[int]) -> int:
    # Fails once, so the step runs again and must read `matches` a second time.
    if context.retry_number == 0:
        raise RetryRequested(max_retries=1)
    return sum(matches)


@asset(io_manager_key=HANDOVER_IO_MANAGER)
def report(evidence: int) -> str:
    SEEN["while_report_runs"] = [key[1] for key in MANAGER.values]
    return f"total {evidence}"


def _job() -> Any:
    return Definitions(
        assets=[matches, evidence, report],
        jobs=[define_asset_job("handover_job", executor_def=in_process_executor)],
        resources={HANDOVER_IO_MANAGER: _shared_manager},
    ).resolve_job_def("handover_job")


def test_a_value_goes_once_its_readers_finished_and_a_retry_still_reads_it(
    tmp_path: Any,
) -> None:
    from dagster import DagsterInstance

    with (
        DagsterInstance.ephemeral(tempdir=str(tmp_path)) as instance,
        execute_job(reconstructable(_job), instance=instance) as result,
    ):
        assert result.success
        # The retry happened, and read `matches` again.
        retries = [e for e in result.all_events if e.event_type_value == "STEP_RESTARTED"]
        assert [e.step_key for e in retries] == ["evidence"]
    # While `report` ran, `matches` (read only by `evidence`, which had finished) was gone;
    # `evidence`, which `report` reads, was still there.
    assert SEEN["while_report_runs"] == ["evidence"]
    # `report`, which no step of the run reads, stays to the end of the run.
    assert [key[1] for key in MANAGER.values] == ["report"]
