"""Issue 15, rows 1 and 2: SIGKILL of `tietohuolto refresh` and `register load` at random
moments (reduced counts here; `tietohuolto bench faults` runs the full ones)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.faults import kill_load, kill_refresh

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def test_killed_refresh_leaves_nothing_and_the_next_one_succeeds(tmp_path: Path) -> None:
    figure = kill_refresh(tmp_path, kills=6, say=lambda _line: None)
    assert figure.ok, figure.notes
    assert figure.numbers["orphans after"] == 0


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_killed_register_load_keeps_the_previous_snapshot_whole(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("postgres_url") if backend == "postgresql" else None
    figure = kill_load(tmp_path, kills=5, url=url, say=lambda _line: None)
    assert figure.ok, figure.notes
    assert figure.numbers["next load ok"]
