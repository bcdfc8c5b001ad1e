"""Issue 15, row 7 (reduced): customers' files dropped at once, through the sensor and the
instance: every one delivered, none twice. The full 50 run in `tietohuolto bench faults`."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.faults import queue

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def test_files_queued_at_once_are_each_delivered_once(tmp_path: Path) -> None:
    figure = queue(tmp_path, files=4, say=lambda _line: None)
    assert figure.ok, (figure.numbers, figure.notes)
    assert figure.numbers["twice"] == 0
