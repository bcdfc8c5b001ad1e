"""An end-to-end accuracy floor: the matcher and the rules on a generated register and CRM
file with the generator's hard noise, scored against its ground truth. The floors sit a
little below what the engine reaches here (organisation F1 0.9997, person F1 0.998, status
accuracy 0.9985 on this data), so that a regression in a normaliser, comparison or rule
shows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from benchmarks.accuracy import run_ours
from benchmarks.data import bench_data

AS_OF = date(2026, 11, 25)


@pytest.mark.slow
def test_matcher_stays_above_its_accuracy_floor(tmp_path: Path) -> None:
    data, _ = bench_data(tmp_path, orgs=600, crm_rows=2000, seed=5, as_of=AS_OF)
    run = run_ours(data, AS_OF)
    assert run.organisations.precision >= 0.995
    assert run.organisations.f1 >= 0.995
    assert run.persons.precision >= 0.995
    assert run.persons.f1 >= 0.99
    assert run.extra["scores"].status_accuracy >= 0.99
