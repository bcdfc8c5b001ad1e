"""Selection benchmark (issue 17): one order by region and responsibility area against a
loaded register, timed end to end without Dagster: the register-wide counts, the join,
the criteria, prohibitions and channels (`select_persons`), then the file and reports as
`selection_file` writes them. Prints seconds; a benchmark, never a test.

    tietohuolto bench selection --orgs 600000
    tietohuolto bench selection --register-url sqlite:///var/bench/register.sqlite
    python -m benchmarks.selection --register-url sqlite:///var/bench/register.sqlite
    python -m benchmarks.selection --generate 600000 --work-dir /tmp/selbench

The target: a selection on a 600,000-organisation register in at most 10 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

# The register and selection packages are imported when a benchmark runs, not when the
# CLI builds its parser (`tietohuolto --help` stays fast).

ORDER = {
    "order_id": "bench",
    "customer": "bench",
    "purpose": "campaign",
    "campaign_id": "bench",
    "campaign_end": date(2099, 12, 31),
    "channels": ["post", "email"],
    "organisation": {"regions": ["Uusimaa", "Pirkanmaa"]},
    "person": {"areas": ["JOHTO", "MYYNTI"]},
}


def _generated(orgs: int, work_dir: Path, say: Callable[[str], None]) -> str:
    """A register of `orgs` organisations loaded into SQLite under `work_dir` (reused)."""
    from register import RegisterStore, make_engine, read_snapshot  # noqa: PLC0415
    from synthetic import generate  # noqa: PLC0415 - only when asked to generate

    database = work_dir / f"register-{orgs}.sqlite"
    url = f"sqlite:///{database}"
    if database.exists():
        return url
    started = time.perf_counter()
    data = generate(work_dir / f"g{orgs}", orgs=orgs, crm_rows=10, seed=17)
    say(f"generated {data.organisations} organisations in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    # Loaded under another name and renamed: a load cut short is not reused as a register.
    partial = work_dir / f".register-{orgs}.sqlite.partial"
    partial.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{partial}")
    try:
        RegisterStore(engine).load(read_snapshot(data.snapshot_dir))
    finally:
        engine.dispose()
    partial.replace(database)
    say(f"loaded in {time.perf_counter() - started:.0f} s")
    return url


def add_arguments(parser: argparse.ArgumentParser, *, work_dir: str | None) -> None:
    """The benchmark's options (for `python -m benchmarks.selection` and for `tietohuolto
    bench selection`; `work_dir` is the default of --work-dir, None for the CLI's
    var/bench/selection)."""
    parser.add_argument("--register-url", help="a loaded register (SQLAlchemy URL)")
    parser.add_argument(
        "--orgs",
        "--generate",
        dest="orgs",
        type=int,
        metavar="ORGS",
        help="generate a register of ORGS organisations and load it into SQLite under "
        "--work-dir (reused when it is there)",
    )
    parser.add_argument(
        "--work-dir",
        default=work_dir,
        help=f"for --orgs (default: {work_dir or 'var/bench/selection'})",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (default 3)")
    parser.add_argument("--as-of", default="", help="day positions are held on (default today)")
    parser.add_argument(
        "--order", help="time this order file instead (default: by region and area)"
    )


def run(args: argparse.Namespace, say: Callable[[str], None] = print) -> float:
    """Time the selection `args` ask for; print each run and the median. Returns the
    median wall seconds. Raises OrderError (a bad --order, or an order the register
    refuses) and ValueError (a bad --as-of)."""
    from register import RegisterStore, make_engine  # noqa: PLC0415
    from selection import (  # noqa: PLC0415
        parse_order,
        read_order,
        report_html,
        report_markdown,
        select_persons,
    )
    from selection.files import selection_csv  # noqa: PLC0415

    order = read_order(args.order) if args.order else parse_order(ORDER)
    as_of = date.fromisoformat(args.as_of) if args.as_of else None
    if args.repeat < 1:
        raise ValueError("--repeat must be at least 1")
    url = args.register_url
    if args.orgs:
        work = Path(args.work_dir)
        work.mkdir(parents=True, exist_ok=True, mode=0o700)
        url = _generated(args.orgs, work, say)
    store = RegisterStore(make_engine(url))
    try:
        counts = store.counts()
        say(
            f"register: {counts['organizations']} organisations, {counts['persons']} positions, "
            f"{counts['prohibitions']} prohibitions ({store.engine.dialect.name})"
        )
        timings = []
        for number in range(args.repeat):
            started, cpu = time.perf_counter(), time.process_time()
            selection = select_persons(store, order, as_of)
            selected = time.perf_counter() - started
            text = selection_csv(selection.rows)
            report_html(selection.summary)
            report_markdown(selection.summary)
            total = time.perf_counter() - started
            # CPU seconds of this process (SQLite runs in it): what the run costs on a
            # machine that is not shared; the wall time also counts waiting for the cores.
            cpu = time.process_time() - cpu
            timings.append(total)
            say(
                f"run {number + 1}: {selection.summary['persons_selected']} persons selected "
                f"({len(text) >> 10} KiB file) — select {selected:.2f} s, with file and "
                f"reports {total:.2f} s wall, {cpu:.2f} s CPU"
            )
        median = statistics.median(timings)
        say(f"median {median:.2f} s wall (target ≤ 10 s)")
        return median
    finally:
        store.engine.dispose()


def _neither_or_both(args: argparse.Namespace) -> bool:
    return bool(args.register_url) == bool(args.orgs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.selection", description=__doc__)
    add_arguments(parser, work_dir="var/bench/selection")
    args = parser.parse_args(argv)
    if _neither_or_both(args):
        parser.error("give --register-url or --generate (--orgs)")
    run(args)
    return 0


# -- tietohuolto bench selection --------------------------------------------------------------


def cmd_bench_selection(args: argparse.Namespace) -> int:
    """`tietohuolto bench selection`: the measurement above, its refusals in one line."""
    from pipelines.paths import var_dir  # noqa: PLC0415
    from selection import OrderError  # noqa: PLC0415

    if _neither_or_both(args):
        print("tietohuolto: bench selection: give --register-url or --orgs", file=sys.stderr)
        return 2
    if args.work_dir is None:
        args.work_dir = str(var_dir() / "bench" / "selection")
    try:
        run(args, say=lambda line: print(line, flush=True))
    except (OrderError, ValueError) as exc:
        print(f"tietohuolto: bench selection: {exc}", file=sys.stderr)
        return 1
    return 0


def add_bench_selection(bench_sub: Any) -> None:
    """Add `selection` to `tietohuolto bench`'s kinds."""
    parser = bench_sub.add_parser(
        "selection",
        help="time a selection order (issue 17) on a loaded or generated register",
        description="Run one selection order (by default: Uusimaa and Pirkanmaa, areas JOHTO "
        "and MYYNTI, post and e-mail) against a register without Dagster — the counts, the "
        "criteria, prohibitions and channels, then the file and reports — and print each "
        "run's wall and CPU seconds and the median (the target: at most 10 s on 600,000 "
        "organisations). Give a loaded register (--register-url) or a size to generate "
        "(--orgs). The same as `python -m benchmarks.selection`. Figures only: nothing here "
        "passes or fails.",
    )
    add_arguments(parser, work_dir=None)
    parser.set_defaults(func=cmd_bench_selection)


if __name__ == "__main__":
    sys.exit(main())
