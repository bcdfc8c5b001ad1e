"""The benchmark commands run and print what their help promises (their figures decide
nothing: speed and accuracy are measured by the commands, not asserted here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.cli import main

pytestmark = pytest.mark.slow


def test_bench_speed_prints_stages_floor_and_writes_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "speed.json"
    args = ["bench", "speed", "--sizes", "XS", "--as-of", "2026-11-25"]
    assert main([*args, "--cache-dir", str(tmp_path), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    for label in ("register load sqlite", "match persons", "end to end / floor", "peak RSS"):
        assert label in printed
    (result,) = json.loads(out.read_text(encoding="utf-8"))
    assert result["size"] == "XS"
    assert result["crm_rows"] == 1000
    assert result["positions"] > 0
    assert result["stage_seconds"]["match persons"] > 0
    assert result["end_to_end_seconds"] >= sum(result["stage_seconds"].values()) * 0.5
    assert result["floor_seconds"] > 0
    assert result["top_costs"] == []  # no profiling unless asked


def test_bench_speed_profile_names_the_top_costs_in_project_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["bench", "speed", "--sizes", "XS", "--as-of", "2026-11-25", "--profile"]
    assert main([*args, "--cache-dir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "XS: top costs of the refresh" in printed
    (result,) = json.loads((tmp_path / "speed.json").read_text(encoding="utf-8"))
    costs = result["top_costs"]
    assert len(costs) == 5
    # Project functions with their file, dearest first; the libraries' time is theirs.
    assert all(".py:" in name and "site-packages" not in name for name, _ in costs)
    assert [seconds for _, seconds in costs] == sorted((s for _, s in costs), reverse=True)
    assert "run_refresh" in (tmp_path / "runs" / "XS-w0" / "profile.txt").read_text()


def test_bench_accuracy_prints_ours_beside_splink(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("splink")
    args = ["bench", "accuracy", "--orgs", "300", "--crm-rows", "600", "--as-of", "2026-11-25"]
    assert main([*args, "--cache-dir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "Splink (DuckDB)" in printed
    assert "wall time ratio" in printed
    assert "expected calibration error" in printed
    assert "person recall by noise" in printed
    # The same data set is reused, not generated again.
    assert main([*args, "--cache-dir", str(tmp_path), "--no-splink"]) == 0
    assert "reused" in capsys.readouterr().out
