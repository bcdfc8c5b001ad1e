"""`tietohuolto bench selection` (and `python -m benchmarks.selection`): the options are
there and a tiny run prints its figures. The figures decide nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import selection as bench
from pipelines.cli import main


def test_the_help_names_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["bench", "selection", "--help"])
    assert done.value.code == 0
    printed = capsys.readouterr().out
    for option in ("--register-url", "--orgs", "--order", "--repeat", "--as-of", "median"):
        assert option in printed


def test_a_tiny_run_prints_each_run_and_the_median(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["bench", "selection", "--orgs", "120", "--repeat", "2", "--work-dir", str(tmp_path)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "generated" in printed and "register: " in printed
    assert printed.count("persons selected") == 2
    assert [line for line in printed.splitlines() if line.startswith("median ")]
    # The register is reused, and `python -m benchmarks.selection` measures the same.
    assert bench.main(["--generate", "120", "--repeat", "1", "--work-dir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "generated" not in printed and "median " in printed
    url = f"sqlite:///{tmp_path / 'register-120.sqlite'}"
    assert main(["bench", "selection", "--register-url", url, "--repeat", "1"]) == 0
    assert "median " in capsys.readouterr().out


def test_refusals_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "selection"]) == 2
    assert "give --register-url or --orgs" in capsys.readouterr().err
    order = tmp_path / "bad.yaml"
    order.write_text("order_id: b\ncolour: red\n", encoding="utf-8")
    args = ["bench", "selection", "--orgs", "50", "--work-dir", str(tmp_path)]
    assert main([*args, "--order", str(order)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "order file bad.yaml: unknown criterion 'colour'" in err
    # Refused before any register is generated.
    assert not list(tmp_path.glob("register-*"))
    assert main([*args, "--as-of", "25.11.2026"]) == 1
    assert "bench selection:" in capsys.readouterr().err
