"""Helpers of the fault harness: the inbox sensor's two ticks, a sensor's request run in
process, and reads of customer files in a child process under a memory cap."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    """`tietohuolto ARGS` in a child process of its own (started with `umask` if given)."""
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env=dict(os.environ),
        preexec_fn=None if umask is None else lambda: os.umask(umask),
        check=False,
    )


def two_ticks(instance: Any) -> tuple[list[Any], Any]:
    """The inbox sensor's first sight, then the tick that acts on files that held still."""
    from dagster import build_sensor_context

    from pipelines.sensors import inbox_sensor

    first: Any = inbox_sensor(build_sensor_context(instance=instance, cursor=None))
    result: Any = inbox_sensor(build_sensor_context(instance=instance, cursor=str(first.cursor)))
    return list(result.run_requests or []), result


def run_request(instance: Any, request: Any) -> Any:
    """Run a sensor's request as the daemon would, in process."""
    from pipelines.definitions import defs

    instance.add_dynamic_partitions("deliveries", [request.partition_key])
    return defs.resolve_job_def("refresh_job").execute_in_process(
        run_config=request.run_config,
        instance=instance,
        partition_key=request.partition_key,
        tags=request.tags,
        raise_on_error=False,
    )


# -- a read in a child process under RLIMIT_AS ----------------------------------------------

GIB = 1024**3
# Virtual address space of a child that has imported pandas and openpyxl (≈ 340 MB, of
# which ≈ 130 MB resident) is not the file's: the cap is that baseline + size + 1 GiB.
BASELINE_AS = 400 * 1024**2

_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    cap = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from crmfile import CrmFileError, read_crm_file
    out = []
    for path in sys.argv[2:]:
        started = time.perf_counter()
        try:
            crm = read_crm_file(path)
        except CrmFileError as exc:
            result = {"outcome": "refused", "message": str(exc)}
        except MemoryError:
            result = {"outcome": "MemoryError"}
        else:
            result = {"outcome": "read", "rows": len(crm.rows), "width": len(crm.header)}
            del crm
        result["seconds"] = time.perf_counter() - started
        result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        out.append(result)
    print(json.dumps(out))
    """
)


def read_capped(paths: list[Path], cap: int, timeout: float = 60) -> list[dict[str, Any]]:
    """`read_crm_file` of each path, in one child process whose address space is `cap`."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(cap), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


def timed(function: Any, *args: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - started


_RUNS_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    cap = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from dagster import DagsterInstance
    from tests.faults.fault_tools import run_request, two_ticks
    out = {}
    with DagsterInstance.ephemeral() as instance:
        started = time.perf_counter()
        requests, _ = two_ticks(instance)
        out["sensor_seconds"] = time.perf_counter() - started
        out["requested"] = sorted(r.run_config["ops"]["contacts"]["config"]["crm_file"]
                                  for r in requests)
        runs = {}
        for request in requests:
            started = time.perf_counter()
            result = run_request(instance, request)
            name = request.run_config["ops"]["contacts"]["config"]["crm_file"]
            runs[name.rsplit("/", 1)[-1]] = {
                "success": bool(result.success),
                "seconds": time.perf_counter() - started,
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            }
        out["runs"] = runs
    print(json.dumps(out))
    """
)


def sensor_and_runs_capped(cap: int, timeout: float = 120) -> dict[str, Any]:
    """The real path of an inbox file, in a child process whose address space is `cap`:
    two ticks of the inbox sensor on an ephemeral instance, then each requested
    `refresh_job` run in process. The environment (var/, register) is this process's."""
    env = {
        **os.environ,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
    }
    done = subprocess.run(
        [sys.executable, "-c", _RUNS_CHILD, str(cap)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["stderr"] = done.stderr
    return result
