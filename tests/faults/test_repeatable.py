"""Issue 15, row 3: the same file refreshed again, in processes with another TZ and
PYTHONHASHSEED: refreshed files byte-identical, reports equal but for times and ids.
(1 vs 2 Dask workers: `tietohuolto bench faults`; tests/pipelines/test_distributed.py
compares a Dask run with a local one.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.faults import normalised, repeatable

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def test_refreshes_are_byte_identical_across_runs_time_zones_and_hash_seeds(tmp_path: Path) -> None:
    figure = repeatable(tmp_path, times=2, variants=True, say=lambda _line: None)
    assert figure.ok, figure.notes


def test_normalising_replaces_only_times_and_ids() -> None:
    text = "run 4f1c2d3e-0000-4a4a-8b8b-0123456789ab at 2026-11-25T10:00:01+00:00, 400 rows"
    assert normalised(text) == "run <id> at <time>, 400 rows"
