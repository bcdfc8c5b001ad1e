"""Selection benchmark (issue 17): one order by region and responsibility area against a
loaded register, timed end to end without Dagster: the register-wide counts, the join,
the criteria, prohibitions and channels (`select_persons`), then the file and reports as
`selection_file` writes them. Prints seconds; a benchmark, never a test.

    python -m benchmarks.selection --register-url sqlite:///var/bench/register.sqlite
    python -m benchmarks.selection --generate 600000 --work-dir /tmp/selbench

The target: a selection on a 600,000-organisation register in at most 10 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from register import RegisterStore, make_engine, read_snapshot
from selection import parse_order, read_order, report_html, report_markdown, select_persons
from selection.files import selection_csv

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


def _generated(orgs: int, work_dir: Path) -> str:
    """A register of `orgs` organisations loaded into SQLite under `work_dir` (reused)."""
    from synthetic import generate  # noqa: PLC0415 - only when asked to generate

    database = work_dir / f"register-{orgs}.sqlite"
    url = f"sqlite:///{database}"
    if database.exists():
        return url
    started = time.perf_counter()
    data = generate(work_dir / f"g{orgs}", orgs=orgs, crm_rows=10, seed=17)
    print(f"generated {data.organisations} organisations in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    engine = make_engine(url)
    RegisterStore(engine).load(read_snapshot(data.snapshot_dir))
    engine.dispose()
    print(f"loaded in {time.perf_counter() - started:.0f} s")
    return url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.selection", description=__doc__)
    parser.add_argument("--register-url", help="a loaded register (SQLAlchemy URL)")
    parser.add_argument("--generate", type=int, metavar="ORGS", help="generate and load one")
    parser.add_argument("--work-dir", default="var/bench/selection", help="for --generate")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (default 3)")
    parser.add_argument("--as-of", default="", help="day positions are held on (default today)")
    parser.add_argument(
        "--order", help="time this order file instead (default: by region and area)"
    )
    args = parser.parse_args(argv)
    if bool(args.register_url) == bool(args.generate):
        parser.error("give --register-url or --generate")
    url = args.register_url
    if args.generate:
        work = Path(args.work_dir)
        work.mkdir(parents=True, exist_ok=True, mode=0o700)
        url = _generated(args.generate, work)
    store = RegisterStore(make_engine(url))
    counts = store.counts()
    print(
        f"register: {counts['organizations']} organisations, {counts['persons']} positions, "
        f"{counts['prohibitions']} prohibitions ({store.engine.dialect.name})"
    )
    order = read_order(args.order) if args.order else parse_order(ORDER)
    as_of = date.fromisoformat(args.as_of) if args.as_of else None
    timings = []
    for run in range(args.repeat):
        started, cpu = time.perf_counter(), time.process_time()
        selection = select_persons(store, order, as_of)
        selected = time.perf_counter() - started
        text = selection_csv(selection.rows)
        report_html(selection.summary)
        report_markdown(selection.summary)
        total = time.perf_counter() - started
        # CPU seconds of this process (SQLite runs in it): what the run costs on a machine
        # that is not shared; the wall time above also counts waiting for the cores.
        cpu = time.process_time() - cpu
        timings.append(total)
        print(
            f"run {run + 1}: {selection.summary['persons_selected']} persons selected "
            f"({len(text) >> 10} KiB file) — select {selected:.2f} s, with file and reports "
            f"{total:.2f} s wall, {cpu:.2f} s CPU"
        )
    print(f"median {statistics.median(timings):.2f} s wall (target ≤ 10 s)")
    store.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
