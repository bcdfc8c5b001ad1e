"""`tietohuolto select ORDER [--preview]`: a selection order (issue 17) from the shell.

`--preview` runs the order here and prints counts only (no file, no ledger row, no
Dagster run); without it the Dagster `selection_job` runs in process on the shared
instance, so the run and its preview metadata show in the UI.
"""

from __future__ import annotations

import argparse
import socket
import sys
from datetime import date
from pathlib import Path
from typing import Any

from pipelines.paths import ensure_dagster_home, register_url

EXIT_OK, EXIT_FAILED = 0, 1


def _fail(message: str) -> int:
    print(f"tietohuolto: {message}", file=sys.stderr)
    return EXIT_FAILED


def _as_of(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def cmd_select(args: argparse.Namespace) -> int:
    from register import RegisterStore, make_engine  # noqa: PLC0415 - keep `--help` fast
    from selection import OrderError, preview_text, read_order, select_persons  # noqa: PLC0415

    try:
        as_of = _as_of(args.as_of)
    except ValueError:
        return _fail("--as-of must be a date, YYYY-MM-DD")
    order_file = Path(args.order).absolute()
    try:
        order = read_order(order_file)
        if args.preview:
            engine = make_engine(register_url())
            try:
                selection = select_persons(RegisterStore(engine), order, as_of)
            finally:
                engine.dispose()
            print(preview_text(selection.summary))
            return EXIT_OK
    except OrderError as exc:
        return _fail(str(exc))
    return _run_job(order.key, order_file, args.as_of or "")


def _run_job(key: str, order_file: Path, as_of: str) -> int:
    ensure_dagster_home()
    from dagster import DagsterInstance  # noqa: PLC0415

    from assets.retention import HOST_TAG, fail_dead_runs  # noqa: PLC0415
    from pipelines.definitions import defs  # noqa: PLC0415
    from pipelines.partitions import selections  # noqa: PLC0415

    job = defs.resolve_job_def("selection_job")
    customer = key.partition("/")[0]
    with DagsterInstance.get() as instance:
        fail_dead_runs(instance)
        instance.add_dynamic_partitions(selections.name, [key])
        result = job.execute_in_process(
            run_config={
                "ops": {
                    "selection_preview": {"config": {"order_file": str(order_file), "as_of": as_of}}
                },
                "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
            },
            instance=instance,
            partition_key=key,
            tags={
                "customer": customer,
                "selection": key,
                "source": "cli",
                HOST_TAG: socket.gethostname(),
            },
            raise_on_error=False,
        )
        if not result.success:
            return _fail(_failure(result))
        folder = Path(result.output_for_node("selection_file"))
        selection = result.output_for_node("selection_preview")
    summary = selection.summary
    print(
        f"selected {summary['persons_selected']} persons in "
        f"{summary['organisations_selected']} organisations (Dagster run {result.run_id})"
    )
    print(f"  folder: {folder}")
    for name in ("selection.csv", "report.html", "report.md", "manifest.json"):
        print(f"  {name}")
    removed = ", ".join(f"{k} {v}" for k, v in summary["removed"].items() if v)
    print(f"  removed: {removed or 'none'}")
    return EXIT_OK


def _failure(result: Any) -> str:
    """The deepest cause of the first failed step, as one line (our refusals are one line
    already; the class name in front of Dagster's message is dropped)."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data is not None:
            error = event.step_failure_data.error
            while error is not None and error.cause is not None:
                error = error.cause
            if error is not None:
                first = (error.message.strip().splitlines() or [""])[0]
                return f"selection failed in step {event.step_key}: {first.split(': ', 1)[-1]}"
    return f"selection run {result.run_id} failed; see the run in the Dagster UI"


def add_select_commands(sub: Any) -> None:
    """Add `select` to the CLI's subcommands."""
    sel = sub.add_parser(
        "select",
        help="run a selection order: the register's decision-makers for a campaign or "
        "continuous use (runs the Dagster selection job)",
        description="Run the selection order ORDER (TOML or YAML; see README, 'Selections') "
        "against the current register. Without --preview the file, report and manifest go to "
        "var/outbox/<customer>/selection-<order-id>/ and every disclosed person and field to "
        "the disclosure ledger. A bad order (unknown criterion, cap of 0, a criterion that "
        "keeps everyone, empty result) is refused with one line.",
    )
    sel.add_argument(
        "order", metavar="ORDER", help="the order file (TOML, or YAML if named .yaml/.yml)"
    )
    sel.add_argument(
        "--preview",
        action="store_true",
        help="counts only (per criterion, prohibition, region and area): no file, no ledger",
    )
    sel.add_argument("--as-of", help="the day positions must be held on (default today)")
    sel.set_defaults(func=cmd_select)


__all__ = ["add_select_commands", "cmd_select"]
