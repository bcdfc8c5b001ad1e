"""`tietohuolto`: generate data, load the register, refresh a customer file, run the demo."""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pipelines.cli_portal import add_portal_commands
from pipelines.cli_select import add_select_commands
from pipelines.paths import (
    REGISTER_URL_ENV,
    REPO_ROOT,
    ensure_dagster_home,
    register_url,
    var_dir,
)
from pipelines.subjects import add_register_diff_parser, add_subject_parsers

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """A refusal worth one clear line to the operator, not a stack trace."""


def _say(message: str) -> None:
    print(message, flush=True)


# -- generate -------------------------------------------------------------------------------


def cmd_generate(args: argparse.Namespace) -> int:
    from synthetic import generate  # noqa: PLC0415 - keep `--help` fast

    started = time.perf_counter()
    data = generate(
        args.out_dir,
        orgs=args.orgs,
        crm_rows=args.crm_rows,
        seed=args.seed,
        as_of=date.fromisoformat(args.as_of) if args.as_of else None,
        dialect=args.dialect,
    )
    _say(
        f"generated {data.organisations} organisations, {data.positions} positions, "
        f"{data.crm_rows} CRM rows in {time.perf_counter() - started:.1f} s\n"
        f"  register snapshot: {data.snapshot_dir}\n"
        f"  CRM file:          {data.crm_file}\n"
        f"  ground truth:      {data.truth_file}"
    )
    return EXIT_OK


# -- register -------------------------------------------------------------------------------


def _data_lines(path: Path) -> int:
    """Rows of a CSV file without its header (for progress: a count, not a parse)."""
    if not path.is_file():
        return 0
    with path.open("rb") as handle:
        return max(
            sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1, 0
        )


def cmd_register_load(args: argparse.Namespace) -> int:
    from register import RegisterStore, SnapshotError, read_snapshot, redact_url  # noqa: PLC0415

    url = register_url()
    _ensure_sqlite_folder(url)
    from refresh.progress import Progress  # noqa: PLC0415

    started = time.perf_counter()
    snapshot_dir = Path(args.snapshot_dir)
    stages = ["organizations", "persons", "prohibitions"]
    bars = {
        stage: Progress(f"reading {stage}", _data_lines(snapshot_dir / f"{stage}.csv"))
        for stage in stages
    }

    def show(stage: str, rows: int) -> None:
        bar = bars[stage]
        bar.advance(rows - bar.done)
        if rows >= bar.total:
            bar.close()
            following = stages[stages.index(stage) + 1 :]
            if following:  # the next file's clock starts now
                bars[following[0]].started = time.perf_counter()

    try:
        snapshot = read_snapshot(snapshot_dir, progress=show)
    except SnapshotError as exc:
        raise CliError(f"snapshot refused, register left as it was: {exc}") from exc
    if sys.stderr.isatty():
        print("writing the register store ...", file=sys.stderr, flush=True)
    info = RegisterStore.from_url(url).load(snapshot)
    seconds = time.perf_counter() - started
    # The Dagster UI's catalog shows this load as a materialisation of master_register.
    ensure_dagster_home()
    from dagster import DagsterInstance  # noqa: PLC0415

    from assets.register import record_load  # noqa: PLC0415

    with DagsterInstance.get() as instance:
        record_load(instance, info, url, seconds)
    _say(
        f"loaded snapshot {info.snapshot_id} into {redact_url(url)} in "
        f"{seconds:.1f} s: {info.organization_count} organisations, "
        f"{info.person_count} positions, {info.prohibition_count} prohibitions"
    )
    return EXIT_OK


def cmd_register_grants(args: argparse.Namespace) -> int:
    from register.grants import grant_statements  # noqa: PLC0415

    if not args.print:
        raise CliError("nothing to do: `tietohuolto register grants --print` prints the grants")
    for statement in grant_statements(args.loader, args.refresher, args.subject_rights):
        print(statement)
    return EXIT_OK


def cmd_register_status(args: argparse.Namespace) -> int:
    from register import RegisterStore, redact_url  # noqa: PLC0415

    url = register_url()
    store = RegisterStore.from_url(url)
    info = store.current_snapshot()
    _say(f"register store: {redact_url(url)}")
    if info is None:
        _say("no snapshot loaded yet: run `tietohuolto register load SNAPSHOT_DIR`")
        return EXIT_FAILED
    _say(
        f"current snapshot: {info.snapshot_id} (loaded {info.loaded_at:%Y-%m-%d %H:%M} UTC)\n"
        f"  organisations {info.organization_count}, positions {info.person_count}, "
        f"prohibitions {info.prohibition_count}\n"
        f"{store.image_status()}"
    )
    return EXIT_OK


def _ensure_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


# -- refresh --------------------------------------------------------------------------------


def run_refresh(
    crm_file: Path,
    customer: str,
    output: Path | None,
    as_of: str = "",
    contract: dict[str, Any] | None = None,
    mapping_file: str = "",
    chunk_rows: int | None = None,
) -> dict[str, Any]:
    """Run `refresh_job` in process on the shared instance; the run shows in the UI.

    A run reads only files inside its customer's inbox folder, so an operator's file
    elsewhere is copied (owner-only) to `inbox/<customer>/operator/<delivery>/` for the
    run and removed after it; `--output` is written here, by the operator's own process,
    never by a run (which a launchpad could point anywhere)."""
    ensure_dagster_home()
    from dagster import DagsterInstance, execute_job, reconstructable  # noqa: PLC0415

    from pipelines.definitions import refresh_job_definition  # noqa: PLC0415
    from pipelines.partitions import (  # noqa: PLC0415
        deliveries,
        delivery_key,
        valid_customer,
    )
    from refresh.report import sha256_file  # noqa: PLC0415

    if not crm_file.is_file():
        raise CliError(f"{crm_file}: no such file")
    if output is not None and output.suffix.lower() != crm_file.suffix.lower():
        raise CliError(
            f"--output {output.name}: the refreshed file keeps the input's format "
            f"({crm_file.suffix or 'text'}); name it with the same suffix"
        )
    if not valid_customer(customer):
        raise CliError(
            f"--customer {customer!r}: use lower-case letters, digits, '-' and '_' "
            "(it names the outbox folder)"
        )
    key = delivery_key(customer, crm_file, sha256_file(crm_file), datetime.now(UTC))
    received, copied = _received_input(crm_file, customer, key.partition("/")[2])
    run_config = {
        "ops": {
            "contacts": {
                "config": {
                    "crm_file": str(received),
                    "mapping_file": mapping_file,
                }
            },
            "refreshed_table": {"config": {"as_of": as_of, **(contract or {})}},
            **(
                {"organisation_matches": {"config": {"chunk_rows": chunk_rows}}}
                if chunk_rows
                else {}
            ),
        },
        # Step-by-step lines and a failed step's stack trace belong in the UI's run view,
        # not on the terminal: a failure is told here in one line (_failure_summary).
        "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
    }
    try:
        with DagsterInstance.get() as instance:
            # A refresh killed earlier left its run STARTED: mark it failed first.
            from assets.retention import HOST_TAG, fail_dead_runs  # noqa: PLC0415

            fail_dead_runs(instance)
            instance.add_dynamic_partitions(deliveries.name, [key])
            # As a launched run executes (not `execute_in_process`, which keeps every
            # step's output to the end of the run for its result): each step's data is let
            # go by the I/O managers once no later step needs it.
            with execute_job(
                reconstructable(refresh_job_definition),
                instance=instance,
                run_config=run_config,
                tags={
                    "dagster/partition": key,  # the run's delivery (partition)
                    "customer": customer,
                    "delivery": key,
                    "source": "cli",
                    HOST_TAG: socket.gethostname(),
                },
                raise_on_error=False,
            ) as result:
                if not result.success:
                    raise CliError(_failure_summary(result))
                delivered = _delivery_of(result)
            if output is not None:
                _copy_private(delivered.refreshed_file, output)
            return {
                "run_id": result.run_id,
                "delivery": delivered,
                "step_seconds": step_seconds(instance, result.run_id),
            }
    finally:
        if copied is not None:  # the operator keeps the original; our copy goes
            shutil.rmtree(copied, ignore_errors=True)


def _received_input(crm_file: Path, customer: str, delivery_id: str) -> tuple[Path, Path | None]:
    """The path the run is given: the file itself when it already lies (not as a link) in
    the customer's inbox folder, else an owner-only copy under
    `inbox/<customer>/operator/<delivery>/` (and that folder, to remove after the run)."""
    from pipelines.inbox import OPERATOR  # noqa: PLC0415
    from pipelines.paths import inbox_dir, owner_only_folder  # noqa: PLC0415

    try:
        folder = owner_only_folder(inbox_dir(), customer)
    except NotADirectoryError:
        raise CliError(f"inbox folder of customer {customer} is a link or not a folder") from None
    absolute = crm_file.absolute()
    if not absolute.is_symlink() and Path(os.path.realpath(absolute)).parent == folder:
        return absolute, None
    try:
        holder = owner_only_folder(folder, OPERATOR)
    except NotADirectoryError:
        raise CliError(f"inbox/{customer}/{OPERATOR} is a link or not a folder") from None
    copy_dir = holder / delivery_id
    shutil.rmtree(copy_dir, ignore_errors=True)
    copy_dir.mkdir(mode=0o700)
    copy = copy_dir / crm_file.name
    _copy_private(crm_file, copy)
    return copy, copy_dir


def _copy_private(source: Path, target: Path) -> None:
    """Copy a file, the copy created owner-only (0600)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with source.open("rb") as reading, os.fdopen(descriptor, "wb") as writing:
        shutil.copyfileobj(reading, writing, 1 << 20)
    target.chmod(0o600)  # a file that was there before keeps its mode otherwise


def step_windows(instance: Any, run_id: str) -> dict[str, tuple[float, float]]:
    """(start, success) times of each step of a run, from its event log."""
    from dagster import DagsterEventType  # noqa: PLC0415

    started: dict[str, float] = {}
    windows: dict[str, tuple[float, float]] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            started[event.step_key] = entry.timestamp
        elif event.event_type == DagsterEventType.STEP_SUCCESS and event.step_key in started:
            windows[event.step_key] = (started[event.step_key], entry.timestamp)
    return windows


def step_seconds(instance: Any, run_id: str) -> dict[str, float]:
    """Wall seconds of each step of a run (start to success), from its event log."""
    return {step: end - start for step, (start, end) in step_windows(instance, run_id).items()}


def _delivery_of(result: Any) -> Any:
    """The delivery a successful run made, from its materialization and its summary."""
    import json  # noqa: PLC0415

    from assets.refreshed import Delivery  # noqa: PLC0415

    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        if materialization.asset_key.to_user_string() == "delivery":
            folder = Path(str(materialization.metadata["delivery_folder"].value))
            listed = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            # The refreshed file is the one the manifest gives a row count.
            name = next(entry["name"] for entry in listed["files"] if "rows" in entry)
            summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
            return Delivery(folder, folder / name, summary)
    raise CliError(f"refresh run {result.run_id} made no delivery; see the run in the Dagster UI")


def _failure_summary(result: Any) -> str:
    """The first failure's message: our refusals are already one clear line."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data is not None:
            error = event.step_failure_data.error
            while (
                error is not None
                and error.cause is not None
                and "CrmFileError" not in (error.cls_name or "")
            ):
                error = error.cause
            if error is not None:
                # One line: a driver's message goes on with hints on lines of its own.
                first = (error.message.strip().splitlines() or [""])[0]
                return f"refresh failed in step {event.step_key}: {first}"
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data  # an AssetCheckEvaluation
            if not evaluation.passed and evaluation.blocking:
                return f"delivery stopped: check {evaluation.check_name} failed"
    return f"refresh run {result.run_id} failed; see the run in the Dagster UI"


def _print_delivery(delivery: Any, run_id: str) -> None:
    summary = delivery.summary
    _say(f"refreshed {summary['rows']} rows (Dagster run {run_id})")
    _say(f"  refreshed file: {delivery.refreshed_file}")
    _say(f"  change report:  {delivery.folder / 'report.html'} (and report.md)")
    _say(f"  summary:        {delivery.folder / 'summary.json'}")
    _say(f"  manifest:       {delivery.folder / 'manifest.json'}")
    _say("  rows per status:")
    width = max(len(status) for status in summary["statuses"])
    for status, count in summary["statuses"].items():
        share = count / summary["rows"] if summary["rows"] else 0.0
        _say(f"    {status:<{width}}  {count:>7}  {share:6.1%}")


def cmd_refresh(args: argparse.Namespace) -> int:
    contract: dict[str, Any] = {"stale_after_months": args.stale_months}
    if args.suppression:
        if not Path(args.suppression).is_file():
            raise CliError(f"--suppression {args.suppression}: no such file")
        contract["suppression_file"] = str(Path(args.suppression).resolve())
    if args.org_fields:
        from refresh import ORGANISATION_FIELDS  # noqa: PLC0415

        fields = [f.strip() for f in args.org_fields.split(",") if f.strip()]
        unknown = [f for f in fields if f not in ORGANISATION_FIELDS]
        if unknown:
            raise CliError(
                f"--org-fields: unknown field(s) {', '.join(unknown)}; "
                f"choose from {', '.join(ORGANISATION_FIELDS)}"
            )
        contract["allowed_org_fields"] = fields
    outcome = run_refresh(
        Path(args.crm_file),
        args.customer,
        Path(args.output) if args.output else None,
        args.as_of or "",
        contract,
        str(Path(args.mapping).resolve()) if args.mapping else "",
        args.chunk_rows,
    )
    _print_delivery(outcome["delivery"], outcome["run_id"])
    return EXIT_OK


def cmd_retention(args: argparse.Namespace) -> int:
    ensure_dagster_home()
    from dagster import DagsterInstance  # noqa: PLC0415

    from pipelines.definitions import defs  # noqa: PLC0415

    job = defs.resolve_job_def("retention_job")
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(
            run_config={
                "ops": {"purge_expired_deliveries": {"config": {"retention_days": args.days}}},
                "loggers": {"console": {"config": {"log_level": "WARNING"}}},
            },
            instance=instance,
            tags={"source": "cli"},
        )
    purged = result.output_for_node("purge_expired_deliveries")
    _say(
        f"retention ({args.days:g} days): {purged['deliveries']} deliveries and "
        f"{purged['files']} other files purged (run {result.run_id})"
    )
    return EXIT_OK


# -- demo / ui ------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    demo_dir = var_dir() / "demo"
    _say(f"1/3 generating a synthetic register and CRM file under {demo_dir}")
    cmd_generate(
        argparse.Namespace(
            out_dir=str(demo_dir),
            orgs=args.orgs,
            crm_rows=args.crm_rows,
            seed=args.seed,
            as_of="",
            dialect="fi",
        )
    )
    _say("2/3 loading the register snapshot")
    cmd_register_load(argparse.Namespace(snapshot_dir=str(demo_dir / "snapshot")))
    _say("3/3 refreshing the CRM file through the Dagster refresh job")
    outcome = run_refresh(demo_dir / "crm.csv", "demo", None)
    _print_delivery(outcome["delivery"], outcome["run_id"])
    _say("open the Dagster UI with `make ui` to see the run")
    return EXIT_OK


def cmd_ui(args: argparse.Namespace) -> int:
    home = ensure_dagster_home()
    dagster = Path(sys.executable).with_name("dagster")
    command = [
        str(dagster),
        "dev",
        "-m",
        "pipelines.definitions",
        "-h",
        args.host,
        "-p",
        str(args.port),
    ]
    _say(f"Dagster UI on http://{args.host}:{args.port} (instance {home}); Ctrl-C stops it")
    return subprocess.call(command, cwd=REPO_ROOT, env=os.environ.copy())


# -- bench ----------------------------------------------------------------------------------


def _cache_dir(args: argparse.Namespace) -> Path:
    return Path(args.cache_dir) if args.cache_dir else var_dir() / "bench"


def cmd_bench_accuracy(args: argparse.Namespace) -> int:
    """Generate (or reuse), match with ours and with Splink, score both against the truth."""
    from benchmarks.accuracy import in_child, report, run_ours, run_splink  # noqa: PLC0415
    from benchmarks.data import bench_data  # noqa: PLC0415

    as_of = date.fromisoformat(args.as_of) if args.as_of else date.today()
    if args.devset and args.devset_only:
        return _bench_devset(args)
    _say(
        f"data: {args.orgs:,} organisations, {args.crm_rows:,} CRM rows, seed {args.seed}, "
        f"as of {as_of}"
    )
    started = time.perf_counter()
    data, reused = bench_data(
        _cache_dir(args), orgs=args.orgs, crm_rows=args.crm_rows, seed=args.seed, as_of=as_of
    )
    _say(
        f"  {'reused' if reused else 'generated'} {data.folder} "
        f"({time.perf_counter() - started:.1f} s)"
    )
    _say("matching with tietohuolto ...")
    ours = in_child(run_ours, data, as_of)
    splink = None
    if not args.no_splink:
        _say("matching with Splink ...")
        splink = in_child(run_splink, data, args.seed)
    _say("")
    _say(report(ours, splink, fit=args.fit))
    if args.devset:
        _say("")
        return _bench_devset(args)
    return EXIT_OK


def _bench_devset(args: argparse.Namespace) -> int:
    """The labelled dev set of an independent generator: our CLI scored by its scorer,
    Splink on the same data."""
    from benchmarks.accuracy import in_child  # noqa: PLC0415
    from benchmarks.devset import (  # noqa: PLC0415
        format_devset,
        run_ours_on_devset,
        run_splink_on_devset,
        unpack,
    )

    devset = Path(args.devset)
    work = _cache_dir(args) / "devset"
    try:
        files = unpack(devset, work)
    except FileNotFoundError as missing:
        raise CliError(f"--devset: {missing}") from None
    as_of = args.devset_as_of
    _say(f"dev set {devset} (as of {as_of}): register load and refresh through the CLI ...")
    ours = run_ours_on_devset(files, work, as_of)
    splink = None
    if not args.no_splink:
        _say("matching the dev set with Splink ...")
        splink = in_child(run_splink_on_devset, files, args.seed)
    _say("")
    _say(f"dev set {devset.name}: {ours['rows']:,} rows, scored by its own score.py")
    _say(format_devset(ours, splink))
    return EXIT_OK


def cmd_bench_speed(args: argparse.Namespace) -> int:
    """Register load and refresh at named sizes; a table and JSON of the figures, then
    issue 14's targets, met or not."""
    from benchmarks.data import bench_data  # noqa: PLC0415
    from benchmarks.speed import (  # noqa: PLC0415
        SIZES,
        format_results,
        format_targets,
        import_seconds,
        in_child,
        measure,
        targets,
        write_json,
    )

    as_of = date.fromisoformat(args.as_of) if args.as_of else date.today()

    def sizes(text: str, option: str) -> list[str]:
        names = [n.strip().upper() for n in text.split(",") if n.strip()]
        unknown = [n for n in names if n not in SIZES]
        if unknown:
            raise CliError(
                f"{option}: unknown size(s) {', '.join(unknown)}; use {', '.join(SIZES)}"
            )
        return names

    names = sizes(args.sizes, "--sizes")
    # --splink alone: at every size asked; --splink M: at M only.
    splink_at = set(names if args.splink == "all" else sizes(args.splink or "", "--splink"))
    workers = [int(w) for w in args.workers.split(",")] if args.workers else [0]
    postgres_url = args.postgres_url or os.environ.get("TIETOHUOLTO_BENCH_POSTGRES_URL") or None
    cache = _cache_dir(args)
    results = []
    for name in names:
        size = SIZES[name]
        started = time.perf_counter()
        data, reused = bench_data(
            cache, orgs=size.orgs, crm_rows=size.crm_rows, seed=args.seed, as_of=as_of
        )
        _say(
            f"{name}: {'reused' if reused else 'generated'} {data.folder} "
            f"({time.perf_counter() - started:.1f} s)"
        )
        for count in workers:
            how = f" with {count} Dask workers" if count else ""
            with_splink = name in splink_at and not count
            _say(
                f"{name}: loading the register and refreshing {size.crm_rows:,} rows{how}"
                f"{', then Splink on the same data' if with_splink else ''} ..."
            )
            work = cache / "runs" / f"{name}-w{count}"
            results.append(
                measure(
                    size,
                    data,
                    work,
                    as_of,
                    postgres_url,
                    count,
                    args.chunk_rows,
                    args.profile,
                    splink_seed=args.seed if with_splink else None,
                )
            )
    ge_seconds, _ = in_child(import_seconds, "great_expectations")
    _say("")
    _say(format_results(results))
    _say("")
    _say(format_targets(targets(results, ge_seconds, postgres=postgres_url is not None)))
    json_path = Path(args.json) if args.json else cache / "speed.json"
    write_json(results, json_path)
    _say(f"\nfigures written to {json_path}")
    return EXIT_OK


# -- parser ---------------------------------------------------------------------------------


def cmd_bench_faults(args: argparse.Namespace) -> int:
    """Issue 15's fault harness with the full counts: prints the table of figures."""
    from benchmarks.faults import run_bench  # noqa: PLC0415

    work = Path(args.work_dir) if args.work_dir else var_dir() / "bench" / "faults"
    shutil.rmtree(work, ignore_errors=True)
    figures = run_bench(
        work,
        kills=args.kills,
        load_kills=args.load_kills,
        times=args.times,
        files=args.files,
        postgres_url=args.postgres_url,
        dask=not args.no_dask,
        say=_say,
        cuts=args.cuts,
        big_rows=args.big_rows,
    )
    return EXIT_OK if all(figure.ok for figure in figures) else EXIT_FAILED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tietohuolto",
        description=(
            "Keep customers' CRM registers accurate against the master register of Finnish "
            "organisations and decision-makers. The register store is named by "
            f"${REGISTER_URL_ENV} (any SQLAlchemy URL; default: SQLite under var/)."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = sub.add_parser(
        "generate",
        help="write a synthetic register snapshot, CRM file and truth.csv",
        description="Generate a synthetic master register snapshot (spec format), a customer "
        "CRM file as the register stood a year or two ago, and truth.csv (expected status and "
        "flags of every CRM row). Deterministic for a seed and reference date.",
    )
    gen.add_argument("out_dir", metavar="OUT_DIR", help="folder to write into")
    gen.add_argument("--orgs", type=int, default=200, help="organisations (default 200)")
    gen.add_argument("--crm-rows", type=int, default=500, help="CRM rows (default 500)")
    gen.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    gen.add_argument("--as-of", default="", help="reference date YYYY-MM-DD (default today)")
    gen.add_argument(
        "--dialect",
        choices=("fi", "en"),
        default="fi",
        help="CRM layout: fi = cp1252, ';', Finnish headers; en = UTF-8, ',', English",
    )
    gen.set_defaults(func=cmd_generate)

    reg = sub.add_parser("register", help="the master register store")
    reg_sub = reg.add_subparsers(dest="register_command", required=True, metavar="ACTION")
    load = reg_sub.add_parser(
        "load",
        help="load a snapshot folder, replacing the current register in one transaction",
        description="Validate SNAPSHOT_DIR (organizations.csv, persons.csv, prohibitions.csv) "
        "and load it as the current register. A malformed snapshot is refused with file, line "
        "and problem; the register stays as it was.",
    )
    load.add_argument("snapshot_dir", metavar="SNAPSHOT_DIR")
    load.set_defaults(func=cmd_register_load)
    status = reg_sub.add_parser("status", help="show the current snapshot and row counts")
    status.set_defaults(func=cmd_register_status)
    grants = reg_sub.add_parser(
        "grants",
        help="print the PostgreSQL GRANT statements of the loader, refresher and subject roles",
        description="Print, for the current schema, the statements that give the refresher "
        "(read the register, write the disclosure ledger) and the subject-rights role (read, "
        "write the subject tables) their privileges; the loader owns the tables and runs "
        "them (psql -v ON_ERROR_STOP=1) after the first load and after every upgrade. "
        "Roles are created by deploy/postgres/roles.sql.",
    )
    grants.add_argument("--print", action="store_true", help="print the statements")
    grants.add_argument("--loader", default="tietohuolto_loader", help="the owner role")
    grants.add_argument("--refresher", default="tietohuolto_refresher")
    grants.add_argument("--subject-rights", default="tietohuolto_subjects")
    grants.set_defaults(func=cmd_register_grants)
    add_register_diff_parser(reg_sub)
    add_subject_parsers(sub)
    add_portal_commands(sub)
    add_select_commands(sub)

    ref = sub.add_parser(
        "refresh",
        help="refresh one customer CRM file (runs the Dagster refresh job)",
        description="Match CRM_FILE to the current register, apply the refresh rules and "
        "prohibitions, and deliver the refreshed file, change report and manifest to "
        "var/outbox/<customer>/<delivery>/. The run shows in the Dagster UI.",
    )
    ref.add_argument("crm_file", metavar="CRM_FILE", help="CSV or .xlsx export")
    ref.add_argument("--customer", default="demo", help="customer name (default demo)")
    ref.add_argument("--output", help="also write the refreshed file here (same format)")
    ref.add_argument("--as-of", help="reference date YYYY-MM-DD for `stale` (default today)")
    ref.add_argument(
        "--mapping",
        metavar="FILE",
        help="the customer's column mapping (TOML or YAML) overriding the automatic one",
    )
    ref.add_argument(
        "--stale-months",
        type=int,
        default=18,
        help="flag `stale` when the register last confirmed a row earlier (default 18)",
    )
    ref.add_argument(
        "--suppression",
        metavar="FILE",
        help="the customer's suppression list (e-mails, phones or row ids): flagged rows",
    )
    ref.add_argument(
        "--org-fields",
        metavar="F1,F2",
        help="organisation fields the contract allows adding as register_<field> columns "
        "(e.g. industry_code,personnel_class,www)",
    )
    ref.add_argument(
        "--chunk-rows",
        type=int,
        metavar="N",
        help="match N rows at a time (default 20,000): memory is bounded by a chunk and the "
        "register rows it needs; with TIETOHUOLTO_DASK_SCHEDULER set, chunks run on that "
        "Dask cluster",
    )
    ref.set_defaults(func=cmd_refresh)

    ret = sub.add_parser(
        "retention",
        help="delete deliveries (and inputs received) older than the retention period",
        description="Run the retention job now: delivery folders written more than DAYS ago "
        "are deleted, with the customer input the pipeline received for them (under the "
        "inbox). Logs counts and SHA-256 hashes only. The same job runs nightly on a schedule.",
    )
    ret.add_argument("--days", type=float, default=7.0, help="retention in days (0 = all)")
    ret.set_defaults(func=cmd_retention)

    demo = sub.add_parser(
        "demo", help="generate, load and refresh a demo file end to end (what `make demo` runs)"
    )
    demo.add_argument("--orgs", type=int, default=300)
    demo.add_argument("--crm-rows", type=int, default=1000)
    demo.add_argument("--seed", type=int, default=2026)
    demo.set_defaults(func=cmd_demo)

    bench = sub.add_parser("bench", help="benchmarks that print figures (never tests)")
    bench_sub = bench.add_subparsers(dest="bench_command", required=True, metavar="KIND")
    accuracy = bench_sub.add_parser(
        "accuracy",
        help="score the matcher against generated ground truth and against Splink",
        description="Generate (or reuse from the cache) a register and a CRM file with "
        "ground truth; match them with our matcher and with Splink (DuckDB, EM-trained), "
        "each in a process of its own; print both side by side (organisation and person "
        "link precision/recall/F1, matching-stage seconds, rows/s, peak memory), the "
        "reliability table of our confidence, person recall per kind of noise, and our "
        "refresh's status accuracy, confusion matrix and flag precision/recall. Figures "
        "only: nothing here passes or fails.",
    )
    accuracy.add_argument("--orgs", type=int, default=2000, help="register organisations")
    accuracy.add_argument("--crm-rows", type=int, default=5000, help="rows in the CRM file")
    accuracy.add_argument("--seed", type=int, default=1)
    accuracy.add_argument("--as-of", help="the register's date, YYYY-MM-DD (default: today)")
    accuracy.add_argument(
        "--cache-dir",
        help="where generated data sets are kept and reused (default: var/bench)",
    )
    accuracy.add_argument(
        "--no-splink", action="store_true", help="skip the Splink comparison (faster)"
    )
    accuracy.add_argument(
        "--fit",
        action="store_true",
        help="also print calibration constants fitted on this data (for "
        "matching/calibration.py; fit on one seed, judge the reliability table on another)",
    )
    accuracy.add_argument(
        "--devset",
        metavar="DIR",
        help="also run a labelled dev set from another generator (e.g. ../shared/devset: "
        "register/*.csv[.gz], crm/crm.csv[.gz], crm/truth.csv[.gz], score.py) through "
        "`register load` and `refresh`, scored by its own score.py, beside Splink",
    )
    accuracy.add_argument(
        "--devset-as-of",
        default="2025-10-01",
        metavar="DATE",
        help="the dev set's reference date for staleness (default: 2025-10-01)",
    )
    accuracy.add_argument(
        "--devset-only",
        action="store_true",
        help="with --devset: skip the generated benchmark",
    )
    accuracy.set_defaults(func=cmd_bench_accuracy)
    speed = bench_sub.add_parser(
        "speed",
        help="time the register load and the refresh at sizes S, M, L",
        description="Generate (or reuse from the cache) registers and CRM files at named "
        "sizes: XS (2,000 organisations, 1,000 rows), S (20,000 / 10,000), M (200,000 / "
        "100,000), L (600,000 / 1,000,000). For each, load the register into an empty "
        "SQLite store (and PostgreSQL with --postgres-url), then refresh the file through "
        "the same code as `tietohuolto refresh`, in a process of its own. Prints per-stage "
        "seconds and rows/s, end-to-end seconds, seconds per 1,000 rows, peak memory, and "
        "the floor (pandas reading and writing the same file) with the ratio to it; writes "
        "the same as JSON. Then issue 14's targets, one line each with the figure and met or "
        "not met (a size, backend or Splink run not asked for is shown as not measured). "
        "Each measurement runs in a fresh process and its peak memory is that process's "
        "own. Figures only: no test passes or fails on them.",
    )
    speed.add_argument("--sizes", default="S", help="comma-separated sizes (default: S)")
    speed.add_argument("--seed", type=int, default=1)
    speed.add_argument("--as-of", help="the register's date, YYYY-MM-DD (default: today)")
    speed.add_argument("--cache-dir", help="generated data and runs (default: var/bench)")
    speed.add_argument("--json", help="write the figures here (default: CACHE_DIR/speed.json)")
    speed.add_argument(
        "--postgres-url",
        help="also time the register load into this PostgreSQL database (its tables are "
        "dropped first); default: $TIETOHUOLTO_BENCH_POSTGRES_URL",
    )
    speed.add_argument(
        "--workers",
        help="comma-separated Dask worker counts (e.g. 1,2,4): match on a local Dask "
        "cluster of that many worker processes, for the speed-up curve",
    )
    speed.add_argument(
        "--chunk-rows",
        type=int,
        metavar="N",
        help="match N rows at a time (default 20,000); with --workers, smaller chunks "
        "give the workers more to share",
    )
    speed.add_argument(
        "--profile",
        action="store_true",
        help="refresh once more under pyinstrument (apart from the timed run) and print "
        "the top five costs by function; the whole profile goes to the run's profile.txt",
    )
    speed.add_argument(
        "--splink",
        nargs="?",
        const="all",
        metavar="SIZES",
        help="also run the Splink yardstick of `bench accuracy` (a development dependency) "
        "on the same data, in a process of its own, for the matching-stage target: at every "
        "size asked, or only at the comma-separated SIZES given",
    )
    speed.set_defaults(func=cmd_bench_speed)
    faults = bench_sub.add_parser(
        "faults",
        help="the fault harness (issue 15) with full counts: kills, repeatability, inbox "
        "identity, PostgreSQL outages, the daemon's queue; prints a table",
        description="Issue 15's fault harness at full counts, one row of the table each: "
        "SIGKILLs of refresh (row 1) and of register load (row 2, also on PostgreSQL with "
        "--postgres-url), repeated refreshes under other time zones, hash seeds and Dask "
        "worker counts (row 3), one file dropped in the inbox several ways (row 4), with "
        "--postgres-url the database cut mid-load and mid-refresh and first connections "
        "dropped (row 5), and customer files queued through dagster-daemon with one large "
        "file (row 7). Exits 1 when a row does not hold. docs/fault-figures.md has the "
        "latest figures.",
    )
    faults.add_argument("--kills", type=int, default=100, help="SIGKILLs of refresh (100)")
    faults.add_argument("--load-kills", type=int, default=30, help="SIGKILLs of register load")
    faults.add_argument("--times", type=int, default=10, help="repeated refreshes (10)")
    faults.add_argument("--files", type=int, default=50, help="customer files queued (50)")
    faults.add_argument(
        "--postgres-url",
        help="also kill loads into a fresh database here, and run row 5's outages against it",
    )
    faults.add_argument(
        "--cuts", type=int, default=30, help="row 5: refreshes and loads cut of each kind (30)"
    )
    faults.add_argument(
        "--big-rows",
        type=int,
        default=500_000,
        help="row 7: rows of the one large queued file (500,000; 0: all small)",
    )
    faults.add_argument("--no-dask", action="store_true", help="skip the 1 vs 2 Dask workers")
    faults.add_argument("--work-dir", help="scratch folder (default: var/bench/faults)")
    faults.set_defaults(func=cmd_bench_faults)
    from benchmarks.selection import add_bench_selection  # noqa: PLC0415 - options live there

    add_bench_selection(bench_sub)

    ui = sub.add_parser("ui", help="start the Dagster UI on 127.0.0.1 with these definitions")
    ui.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Deliveries, reports and registers hold personal data: nothing this process creates
    # is readable by other users.
    os.umask(0o077)
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"tietohuolto: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:  # a full disk, a read-only file: one line, no trace
        print(f"tietohuolto: {type(exc).__name__}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:
        from sqlalchemy.exc import DBAPIError  # noqa: PLC0415

        if not isinstance(exc, DBAPIError):
            raise
        # The database's own first line (no statement, no parameters: they may hold data).
        first = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else ""
        print(
            f"tietohuolto: register database error ({type(exc.orig).__name__}): {first}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
