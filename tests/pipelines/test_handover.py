"""The hand-over I/O manager: a large value is let go once the steps that read it have
finished, not at the end of the run; a retried step still finds its inputs, and what a
step without outputs of its own (an asset check) reads is kept."""

from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    DagsterInstance,
    Definitions,
    InitResourceContext,
    RetryRequested,
    asset,
    asset_check,
    define_asset_job,
    execute_job,
    in_process_executor,
    io_manager,
    reconstructable,
)

from pipelines.handover import HandOverIOManager

MANAGERS: list[HandOverIOManager] = []  # one per run, as in the definitions
SEEN: dict[str, list[str]] = {}
RAN: dict[str, HandOverIOManager] = {}


@io_manager
def _watched_manager(_context: InitResourceContext) -> HandOverIOManager:
    MANAGERS.append(HandOverIOManager())
    return MANAGERS[-1]


@asset
def matches() -> list[int]:
    return list(range(1000))


@asset
def evidence(context: AssetExecutionContext, matches: list[int]) -> int:
    # Fails once, so the step runs again and must read `matches` a second time.
    if context.retry_number == 0:
        raise RetryRequested(max_retries=1)
    return sum(matches)


@asset
def report(evidence: int) -> str:
    RAN["manager"] = MANAGERS[-1]  # the run's own (its result makes another afterwards)
    SEEN["while_report_runs"] = sorted(key[1] for key in RAN["manager"].values)
    return f"total {evidence}"


@asset_check(asset=matches)
def matches_are_counted(matches: list[int]) -> AssetCheckResult:
    return AssetCheckResult(passed=len(matches) == 1000)


def _job(checked: bool) -> Any:
    return Definitions(
        assets=[matches, evidence, report],
        asset_checks=[matches_are_counted] if checked else [],
        jobs=[define_asset_job("handover_job", executor_def=in_process_executor)],
        resources={"io_manager": _watched_manager},
    ).resolve_job_def("handover_job")


def _unchecked_job() -> Any:
    return _job(checked=False)


def _checked_job() -> Any:
    return _job(checked=True)


def _run(job: Any, tmp_path: Path) -> list[str]:
    """Run `job`; the steps that were retried."""
    with (
        DagsterInstance.ephemeral(tempdir=str(tmp_path)) as instance,
        execute_job(reconstructable(job), instance=instance) as result,
    ):
        assert result.success
        return [e.step_key for e in result.all_events if e.event_type_value == "STEP_RESTARTED"]


def test_a_value_goes_once_its_readers_finished_and_a_retry_still_reads_it(
    tmp_path: Path,
) -> None:
    # `evidence` failed once and read `matches` again on its retry.
    assert _run(_unchecked_job, tmp_path) == ["evidence"]
    # While `report` ran, `matches` (read only by `evidence`, which had finished) was gone;
    # `evidence`, which `report` reads, was still there.
    assert SEEN["while_report_runs"] == ["evidence"]
    # `report`, which no step of the run reads, stays to the end of the run.
    assert sorted(key[1] for key in RAN["manager"].values) == ["report"]


def test_what_an_asset_check_reads_is_kept(tmp_path: Path) -> None:
    # The check has no output of its own: the manager cannot tell when it has finished.
    assert _run(_checked_job, tmp_path) == ["evidence"]
    assert SEEN["while_report_runs"] == ["evidence", "matches"]
    assert sorted(key[1] for key in RAN["manager"].values) == ["matches", "report"]
