"""`tietohuolto bench speed`: the register load and the refresh at named sizes, through the
same code as `tietohuolto register load` and `tietohuolto refresh`, with per-stage timings,
peak memory and the floor (pandas reading and writing the same file).

Each measurement (a register load, the floor, a refresh, Splink) runs in a fresh child
process, and its peak memory is that process's own high-water mark (its resident set and
that of any process it started, such as Dask workers), read by the child when the work is
done; the parent's memory is never counted. After the table, `format_targets` sets the
figures against issue 14's targets, one line each, met or not. Figures are printed and
written as JSON, and never decide a test.
"""

from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import resource
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.data import BenchData


@dataclass(frozen=True)
class Size:
    name: str
    orgs: int
    crm_rows: int


SIZES = {
    "XS": Size("XS", 2_000, 1_000),  # a smoke test of the command itself
    "S": Size("S", 20_000, 10_000),
    "M": Size("M", 200_000, 100_000),
    "L": Size("L", 600_000, 1_000_000),
}

# Dagster steps of refresh_job grouped into the stages the table shows.
STAGES = (
    ("read", ("contacts",)),
    ("match organisations", ("organisation_matches",)),
    ("match persons", ("person_matches",)),
    ("refresh rules", ("refreshed_table",)),
    ("write + delivery", ("delivery",)),
)
CHECK_PREFIXES = ("contacts_", "refreshed_table_")


@dataclass
class SizeResult:
    size: str
    orgs: int
    crm_rows: int
    positions: int = 0
    load_seconds: dict[str, float] = field(default_factory=dict)  # backend -> seconds
    load_peak_mb: dict[str, float] = field(default_factory=dict)  # backend -> peak RSS
    stage_seconds: dict[str, float] = field(default_factory=dict)
    # The refresh's resident set sampled during each stage: where its peak builds.
    stage_peak_mb: dict[str, float] = field(default_factory=dict)
    end_to_end_seconds: float = 0.0
    peak_rss_mb: float = 0.0
    floor_seconds: float = 0.0
    workers: int = 0  # Dask workers; 0 = local
    # With --profile: (function, seconds) of the refresh's top costs, from a separate run.
    top_costs: list[tuple[str, float]] = field(default_factory=list)
    # With --splink: the Splink yardstick on the same data (its matching stage, its own
    # process's peak, organisation and person F1).
    splink_seconds: float = 0.0
    splink_peak_mb: float = 0.0
    splink_f1: tuple[float, float] = (0.0, 0.0)

    @property
    def ratio_to_floor(self) -> float:
        return self.end_to_end_seconds / self.floor_seconds if self.floor_seconds else 0.0

    @property
    def matching_seconds(self) -> float:
        """Our matching stage: what Splink's figure is compared with."""
        return self.stage_seconds.get("match organisations", 0.0) + self.stage_seconds.get(
            "match persons", 0.0
        )

    @property
    def seconds_per_1000_rows(self) -> float:
        return self.end_to_end_seconds / self.crm_rows * 1000 if self.crm_rows else 0.0


def _peak_rss_mb() -> float:
    """This process's peak resident set, or that of a process it started and waited for
    (a Dask worker), whichever is larger (Linux reports KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, started) / 1024


def _measured(function: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """In the child: the work's result and the child's peak memory once it is done."""
    result = function(*args)
    return result, _peak_rss_mb()


def in_child(function: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """`function(*args)` in a fresh process: (its result, that process's peak RSS in MB)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_measured, function, *args).result()


def import_seconds(module: str = "great_expectations") -> float:
    """Seconds to import `module` in a fresh process (run by `in_child`), beyond what a
    child of this module has imported already (pandas, numpy)."""
    started = time.perf_counter()
    importlib.import_module(module)
    return time.perf_counter() - started


def splink_figures(data: BenchData, seed: int) -> tuple[float, tuple[float, float]]:
    """The Splink yardstick of `bench accuracy` on the same data: its matching-stage
    seconds and (organisation F1, person F1)."""
    from benchmarks.accuracy import run_splink  # noqa: PLC0415

    run = run_splink(data, seed)
    return run.seconds, (run.organisations.f1, run.persons.f1)


def load_register(snapshot_dir: Path, url: str) -> tuple[float, int]:
    """Seconds to read and load the snapshot into an empty store at `url`, and positions."""
    from register import RegisterStore, read_snapshot  # noqa: PLC0415
    from register.tables import metadata  # noqa: PLC0415

    store = RegisterStore.from_url(url)
    metadata.drop_all(store.engine)  # an empty store, as on a new installation
    started = time.perf_counter()
    snapshot = read_snapshot(snapshot_dir)
    store.load(snapshot)
    seconds = time.perf_counter() - started
    store.engine.dispose()
    return seconds, len(snapshot.persons)


def _file_dialect(path: Path) -> tuple[str, str]:
    head = path.read_bytes()[:65536]
    try:
        text = head.decode("utf-8-sig")
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        text, encoding = head.decode("cp1252"), "cp1252"
    first = text.splitlines()[0] if text else ""
    delimiter = max((";", ",", "\t", "|"), key=first.count)
    return encoding, delimiter


def floor_seconds(crm_file: Path, out_dir: Path) -> float:
    """pandas reading the file as text and writing it back: what any tool must spend."""
    encoding, delimiter = _file_dialect(crm_file)
    started = time.perf_counter()
    # The generated files hold a few deliberately ragged rows; pandas skipping them changes
    # the floor by well under a per cent.
    frame = pd.read_csv(
        crm_file,
        sep=delimiter,
        dtype=str,
        keep_default_na=False,
        encoding=encoding,
        on_bad_lines="skip",
    )
    frame.to_csv(out_dir / "floor.csv", sep=delimiter, index=False, encoding=encoding)
    seconds = time.perf_counter() - started
    (out_dir / "floor.csv").unlink()
    return seconds


def _refresh_in(work: Path, register_url: str) -> Any:
    """`run_refresh`, on a private instance and outbox under `work` (this child process's
    environment) against the register at `register_url`."""
    os.environ["TIETOHUOLTO_VAR"] = str(work / "var")
    os.environ["TIETOHUOLTO_REGISTER_URL"] = register_url
    os.environ["DAGSTER_HOME"] = str(work / "dagster")
    from pipelines.cli import run_refresh  # noqa: PLC0415

    return run_refresh


def refresh_once(
    crm_file: Path,
    work: Path,
    register_url: str,
    as_of: str,
    workers: int,
    chunk_rows: int | None = None,
) -> dict[str, Any]:
    """One `tietohuolto refresh` in this (child) process on a private instance."""
    run_refresh = _refresh_in(work, register_url)

    with ExitStack() as stack:
        if workers:
            from dask.distributed import LocalCluster  # noqa: PLC0415

            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
            )
            os.environ["TIETOHUOLTO_DASK_SCHEDULER"] = cluster.scheduler_address
        sampler = stack.enter_context(RssSampler())
        started = time.perf_counter()
        outcome = run_refresh(crm_file, "bench", None, as_of, chunk_rows=chunk_rows)
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "steps": outcome["step_seconds"],
        "step_peaks": sampler.peaks(_step_windows(outcome["run_id"])),
    }


class RssSampler:
    """This process's resident set, sampled every `interval` seconds while in use: where a
    refresh's peak builds, step by step (with Dask workers, their memory is their own)."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.samples: list[tuple[float, float]] = []  # (time.time(), MB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            with Path("/proc/self/status").open(encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        self.samples.append((time.time(), int(line.split()[1]) / 1024))
                        break
            self._stop.wait(self.interval)

    def peaks(self, windows: dict[str, tuple[float, float]]) -> dict[str, float]:
        """The largest sample within each (start, end) window."""
        peaks: dict[str, float] = {}
        for name, (start, end) in windows.items():
            inside = [mb for at, mb in self.samples if start <= at <= end]
            if inside:
                peaks[name] = max(inside)
        return peaks


def _step_windows(run_id: str) -> dict[str, tuple[float, float]]:
    from dagster import DagsterInstance  # noqa: PLC0415

    from pipelines.cli import step_windows  # noqa: PLC0415

    with DagsterInstance.get() as instance:
        return step_windows(instance, run_id)


def profile_refresh(
    crm_file: Path, work: Path, register_url: str, as_of: str, chunk_rows: int | None = None
) -> list[tuple[str, float]]:
    """One more refresh, under pyinstrument (slower than the timed one, so timed apart):
    writes the whole profile to `work/profile.txt`, returns the top costs."""
    from pyinstrument import Profiler  # noqa: PLC0415

    run_refresh = _refresh_in(work, register_url)

    profiler = Profiler(interval=0.005)
    profiler.start()
    run_refresh(crm_file, "bench", None, as_of, chunk_rows=chunk_rows)
    profiler.stop()
    (work / "profile.txt").write_text(
        profiler.output_text(unicode=False, color=False), encoding="utf-8"
    )
    return top_costs(profiler.last_session.frame_records, Path(__file__).resolve().parents[1])


def top_costs(
    records: list[tuple[list[str], float]], root: Path, top: int = 5
) -> list[tuple[str, float]]:
    """Seconds per function of the project, each sample counted for the innermost project
    function on its stack (so a function's library calls count as its own cost, and its
    calls of project functions as theirs)."""
    totals: dict[str, float] = {}
    for stack, seconds in records:
        for frame in reversed(stack):
            function, path, line = [*frame.split("\x01", 1)[0].split("\x00"), "", ""][:3]
            if path.startswith(str(root)) and "site-packages" not in path:
                name = f"{function} ({Path(path).relative_to(root)}:{line})"
                totals[name] = totals.get(name, 0.0) + seconds
                break
    return sorted(totals.items(), key=lambda item: -item[1])[:top]


def stage_seconds(steps: dict[str, float]) -> dict[str, float]:
    stages = {name: sum(steps.get(s, 0.0) for s in members) for name, members in STAGES}
    stages["validate (checks)"] = sum(
        seconds for step, seconds in steps.items() if step.startswith(CHECK_PREFIXES)
    )
    return stages


def stage_peaks(step_peaks: dict[str, float]) -> dict[str, float]:
    """The largest resident set sampled during each stage's steps."""
    stages = {
        name: max((step_peaks[s] for s in members if s in step_peaks), default=0.0)
        for name, members in STAGES
    }
    stages["validate (checks)"] = max(
        (mb for step, mb in step_peaks.items() if step.startswith(CHECK_PREFIXES)), default=0.0
    )
    return stages


def measure(
    size: Size,
    data: BenchData,
    work: Path,
    as_of: date,
    postgres_url: str | None,
    workers: int = 0,
    chunk_rows: int | None = None,
    profile: bool = False,
    splink_seed: int | None = None,
) -> SizeResult:
    """Load the register (SQLite, and PostgreSQL when given), then refresh the CRM file
    (and, with `profile`, refresh it once more under the profiler; with `splink_seed`, run
    the Splink yardstick on the same data), each in a process of its own."""
    work.mkdir(parents=True, exist_ok=True)
    result = SizeResult(size.name, size.orgs, size.crm_rows, workers=workers)
    sqlite_url = f"sqlite:///{work / 'register.sqlite'}"
    (seconds, result.positions), result.load_peak_mb["sqlite"] = in_child(
        load_register, data.snapshot_dir, sqlite_url
    )
    result.load_seconds["sqlite"] = seconds
    if postgres_url:
        (seconds, _), result.load_peak_mb["postgresql"] = in_child(
            load_register, data.snapshot_dir, postgres_url
        )
        result.load_seconds["postgresql"] = seconds
    result.floor_seconds, _ = in_child(floor_seconds, data.crm_file, work)
    run, result.peak_rss_mb = in_child(
        refresh_once, data.crm_file, work, sqlite_url, as_of.isoformat(), workers, chunk_rows
    )
    result.end_to_end_seconds = run["seconds"]
    result.stage_seconds = stage_seconds(run["steps"])
    result.stage_peak_mb = stage_peaks(run["step_peaks"])
    if profile:
        result.top_costs, _ = in_child(
            profile_refresh, data.crm_file, work, sqlite_url, as_of.isoformat(), chunk_rows
        )
    if splink_seed is not None:
        (result.splink_seconds, result.splink_f1), result.splink_peak_mb = in_child(
            splink_figures, data, splink_seed
        )
    return result


def format_results(results: list[SizeResult]) -> str:
    """The table: one column per size."""
    width = 16
    lines = [f"{'':<28}" + "".join(f"{r.size:>{width}}" for r in results)]

    def row(label: str, values: list[str]) -> None:
        lines.append(f"{label:<28}" + "".join(f"{v:>{width}}" for v in values))

    row("organisations", [f"{r.orgs:,}" for r in results])
    row("positions", [f"{r.positions:,}" for r in results])
    row("CRM rows", [f"{r.crm_rows:,}" for r in results])
    for backend in ("sqlite", "postgresql"):
        if any(backend in r.load_seconds for r in results):
            row(
                f"register load {backend}, s",
                [
                    f"{r.load_seconds[backend]:.1f}" if backend in r.load_seconds else "-"
                    for r in results
                ],
            )
    lines.append("refresh, per stage (s | rows/s):")
    names = [name for name, _ in STAGES] + ["validate (checks)"]
    for name in names:
        row(
            f"  {name}",
            [
                f"{r.stage_seconds.get(name, 0):.2f} | {r.crm_rows / r.stage_seconds[name]:,.0f}"
                if r.stage_seconds.get(name)
                else "-"
                for r in results
            ],
        )
    row("end to end, s", [f"{r.end_to_end_seconds:.1f}" for r in results])
    row("rows/s end to end", [f"{r.crm_rows / r.end_to_end_seconds:,.0f}" for r in results])
    row("s per 1,000 rows", [f"{r.end_to_end_seconds / r.crm_rows * 1000:.3f}" for r in results])
    row("peak RSS, MB", [f"{r.peak_rss_mb:,.0f}" for r in results])
    lines.append("resident set sampled during each stage, MB (where the peak builds):")
    for name in names:
        row(
            f"  {name}",
            [
                f"{r.stage_peak_mb[name]:,.0f}" if r.stage_peak_mb.get(name) else "-"
                for r in results
            ],
        )
    row("floor (pandas read+write), s", [f"{r.floor_seconds:.2f}" for r in results])
    row("end to end / floor", [f"{r.ratio_to_floor:.1f}x" for r in results])
    for backend in ("sqlite", "postgresql"):
        if any(backend in r.load_peak_mb for r in results):
            row(
                f"load peak RSS {backend}, MB",
                [
                    f"{r.load_peak_mb[backend]:,.0f}" if backend in r.load_peak_mb else "-"
                    for r in results
                ],
            )
    if any(r.splink_seconds for r in results):
        row("our matching stage, s", [f"{r.matching_seconds:.1f}" for r in results])
        splinked = [r.splink_seconds > 0 for r in results]
        for label, values in (
            ("Splink matching stage, s", [f"{r.splink_seconds:.1f}" for r in results]),
            ("Splink peak RSS, MB", [f"{r.splink_peak_mb:,.0f}" for r in results]),
            (
                "Splink F1 org | person",
                [f"{r.splink_f1[0]:.4f}|{r.splink_f1[1]:.4f}" for r in results],
            ),
        ):
            row(label, [v if ran else "-" for v, ran in zip(values, splinked, strict=True)])
    if any(r.workers for r in results):
        row("Dask workers", [str(r.workers) for r in results])
    for r in results:
        if r.top_costs:
            lines.append(f"\n{r.size}: top costs of the refresh (profiled run, seconds):")
            lines += [f"  {seconds:8.2f}  {name}" for name, seconds in r.top_costs]
    return "\n".join(lines)


# Issue 14's targets.
FLOOR_MULTIPLE_M = 8.0
PEAK_GB_M = 1.5
SECONDS_L = 90.0
PEAK_GB_L = 4.0
SPLINK_MULTIPLE = 5.0
LOAD_SECONDS_L = {"postgresql": 60.0, "sqlite": 90.0}
PER_ROW_DRIFT = 0.20


@dataclass(frozen=True)
class Target:
    what: str
    measured: str
    target: str
    met: bool | None  # None: not measured in this run (`measured` says why)

    @property
    def verdict(self) -> str:
        return "-" if self.met is None else ("met" if self.met else "NOT MET")


def targets(
    results: list[SizeResult], ge_import_seconds: float | None, postgres: bool
) -> list[Target]:
    """Issue 14's targets against this run's figures, one per line; a target whose size
    (or backend, or Splink) was not part of the run says so instead of a verdict."""
    local = {r.size: r for r in results if not r.workers}
    m, big = local.get("M"), local.get("L")
    lines: list[Target] = []

    def missing(what: str, target: str, reason: str) -> None:
        lines.append(Target(what, f"not measured ({reason})", target, None))

    what = "refresh M (200k orgs x 100k rows), end to end"
    target = f"<= {FLOOR_MULTIPLE_M:.0f}x floor"
    if m:
        measured = f"{m.end_to_end_seconds:.1f} s = {m.ratio_to_floor:.1f}x {m.floor_seconds:.2f} s"
        lines.append(Target(what, measured, target, m.ratio_to_floor <= FLOOR_MULTIPLE_M))
        lines.append(
            Target(
                "refresh M, peak RSS of its process",
                f"{m.peak_rss_mb / 1024:.2f} GiB",
                f"<= {PEAK_GB_M} GiB",
                m.peak_rss_mb / 1024 <= PEAK_GB_M,
            )
        )
    else:
        missing(what, target, "size M not asked")
    what = "refresh L (600k orgs x 1M rows), end to end"
    if big:
        lines.append(
            Target(
                what,
                f"{big.end_to_end_seconds:.1f} s",
                f"<= {SECONDS_L:.0f} s",
                big.end_to_end_seconds <= SECONDS_L,
            )
        )
        lines.append(
            Target(
                "refresh L, peak RSS of its process",
                f"{big.peak_rss_mb / 1024:.2f} GiB",
                f"<= {PEAK_GB_L:.0f} GiB",
                big.peak_rss_mb / 1024 <= PEAK_GB_L,
            )
        )
    else:
        missing(what, f"<= {SECONDS_L:.0f} s", "size L not asked")
    target = f">= {SPLINK_MULTIPLE:.0f}x faster"
    splinked = [r for r in local.values() if r.splink_seconds]
    for r in splinked:
        ratio = r.splink_seconds / r.matching_seconds if r.matching_seconds else 0.0
        lines.append(
            Target(
                f"matching stage vs Splink, {r.size}",
                f"{r.matching_seconds:.1f} s vs {r.splink_seconds:.1f} s = {ratio:.1f}x",
                target,
                ratio >= SPLINK_MULTIPLE,
            )
        )
    if not splinked:
        missing("matching stage vs Splink", target, "no --splink")
    for backend in ("postgresql", "sqlite"):
        what = f"register load L, {backend}"
        target = f"<= {LOAD_SECONDS_L[backend]:.0f} s"
        if big and backend in big.load_seconds:
            seconds = big.load_seconds[backend]
            measured = f"{seconds:.1f} s ({big.positions:,} positions)"
            lines.append(Target(what, measured, target, seconds <= LOAD_SECONDS_L[backend]))
        elif big:
            missing(what, target, "no --postgres-url" if not postgres else "not run")
        else:
            missing(what, target, "size L not asked")
    what = "seconds per 1,000 rows, M to L"
    target = f"flat (L <= M + {PER_ROW_DRIFT:.0%})"
    if m and big:
        drift = big.seconds_per_1000_rows / m.seconds_per_1000_rows - 1
        measured = (
            f"{m.seconds_per_1000_rows:.3f} -> {big.seconds_per_1000_rows:.3f} ({drift:+.0%})"
        )
        lines.append(Target(what, measured, target, drift <= PER_ROW_DRIFT))
    else:
        missing(what, target, "needs M and L")
    if ge_import_seconds is not None:
        lines.append(
            Target(
                "Great Expectations import (once per process)",
                f"{ge_import_seconds:.2f} s",
                "shown apart",
                None,
            )
        )
    return lines


def format_targets(lines: list[Target]) -> str:
    out = [f"{'issue 14 target':<46}{'measured':>34}  {'goal':<22}verdict"]
    out += [f"{t.what:<46}{t.measured:>34}  {t.target:<22}{t.verdict}" for t in lines]
    return "\n".join(out)


def write_json(results: list[SizeResult], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = [
        {
            **asdict(r),
            "ratio_to_floor": r.ratio_to_floor,
            "seconds_per_1000_rows": r.seconds_per_1000_rows,
            "matching_seconds": r.matching_seconds,
        }
        for r in results
    ]
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


__all__ = [
    "SIZES",
    "Size",
    "SizeResult",
    "Target",
    "format_results",
    "format_targets",
    "import_seconds",
    "in_child",
    "measure",
    "targets",
    "write_json",
]
