"""Issue 15, row 7 (reduced): customers' files dropped at once, through the sensor and the
instance: every one delivered, none twice. The full 50 run in `tietohuolto bench faults`."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.faults import queue, queue_daemon

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def test_files_queued_at_once_are_each_delivered_once(tmp_path: Path) -> None:
    figure = queue(tmp_path, files=4, say=lambda _line: None)
    assert figure.ok, (figure.numbers, figure.notes)
    assert figure.numbers["twice"] == 0


def test_files_queued_through_the_daemon_honour_the_run_queue_limits(tmp_path: Path) -> None:
    """The daemon of `dagster dev` with the instance's dagster.yaml: its sensor asks for
    the runs, its QueuedRunCoordinator launches them; a customer with two files has its
    runs one after the other, and no more than 4 run at once."""
    figure = queue_daemon(
        tmp_path,
        files=4,
        big_rows=0,
        customers_twice=1,
        small_rows=60,
        timeout=600,
        say=lambda _line: None,
    )
    assert figure.ok, (figure.numbers, figure.notes)
    assert figure.numbers["twice"] == 0
    assert figure.numbers["runs of one customer overlapping"] == 0
