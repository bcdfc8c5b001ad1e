"""Row 8 of issue 15's fault harness: resource bombs. Each file is refused, or read, within
a memory cap (the file's size + 1 GiB above the reader's own baseline) and a time cap,
with one line naming the file and the problem — through `read_crm_file` and through the
real path of a customer file (the inbox sensor, then its `refresh_job` run).

The builders of tests/crmfile/test_crmfile_hostile.py are imported, not copied."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from pipelines.cli import main
from synthetic import GeneratedData
from tests.crmfile.test_crmfile_hostile import _bombed, _small_workbook, _with_a_bomb
from tests.faults.fault_tools import BASELINE_AS, GIB, read_capped, sensor_and_runs_capped

TIME_CAP_SECONDS = 20
MESSAGE_CAP = 600
LONG_CELL = 10_000_000


def cap_for(*paths: Path) -> int:
    return BASELINE_AS + GIB + max(path.stat().st_size for path in paths)


def _bombs(folder: Path) -> dict[str, Path]:
    """name -> file; what each must come to is in EXPECTED."""
    folder.mkdir(parents=True, exist_ok=True)
    honest = folder.parent / "pohja.xlsx"
    _small_workbook().save(honest)
    files = {
        "zip-bomb.xlsx": lambda p: _with_a_bomb(honest, p, lie=False),
        "zip-bomb-lying.xlsx": lambda p: _with_a_bomb(honest, p, lie=True),
        "laughs-strings.xlsx": lambda p: _bombed(p, "strings"),
        "laughs-sheet.xlsx": lambda p: _bombed(p, "sheet"),
        "sparse-xfd.xlsx": _sparse,
        "long-cell.csv": _long_cell_csv,
        "long-cell.xlsx": _long_cell_xlsx,
        "million-columns.csv": _million_columns,
    }
    paths = {}
    for name, build in files.items():
        path = folder / name
        build(path)
        paths[name] = path
    honest.unlink()
    for stray in folder.glob("pohja.xlsx"):  # _bombed leaves its base beside the bomb
        stray.unlink()
    return paths


def _sparse(path: Path) -> None:
    workbook = _small_workbook()
    workbook.active["XFD1048576"] = "x"
    workbook.save(path)


def _long_cell_csv(path: Path) -> None:
    rows = ["Etunimi;Sukunimi;Sähköposti;Huom", "Aino;Hämäläinen;aino@example.fi;ok"]
    rows.append("Veikko;Kärkkäinen;veikko@example.fi;" + "x" * LONG_CELL)
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")


def _long_cell_xlsx(path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Etunimi", "Sukunimi", "Sähköposti", "Huom"])
    sheet.append(["Aino", "Hämäläinen", "aino@example.fi", "ok"])
    sheet.append(["Veikko", "Kärkkäinen", "veikko@example.fi", "x" * LONG_CELL])
    workbook.save(path)


def _million_columns(path: Path) -> None:
    header = ";".join(["Sähköposti", *(f"c{i}" for i in range(1_000_000))])
    path.write_text(header + "\r\naino@example.fi" + ";" * 1_000_000 + "\r\n", encoding="utf-8")


# name -> (outcome, words the refusal must hold)
EXPECTED = {
    "zip-bomb.xlsx": ("refused", "over the 200 MiB limit"),
    "zip-bomb-lying.xlsx": ("refused", "cannot read the workbook"),
    "laughs-strings.xlsx": ("refused", "EntitiesForbidden"),
    "laughs-sheet.xlsx": ("refused", "EntitiesForbidden"),
    "sparse-xfd.xlsx": ("refused", "column XFD (16,384)"),
    # A cell over 10,000 characters quarantines its row; the file itself is read.
    "long-cell.csv": ("read", ""),
    "long-cell.xlsx": ("read", ""),
    "million-columns.csv": ("refused", "over the 2000-column limit"),
}


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _bombs(tmp_path_factory.mktemp("bombs") / "files")


def test_read_crm_file_refuses_or_reads_each_bomb_within_the_caps(
    bombs: dict[str, Path],
) -> None:
    names = sorted(bombs)
    results = dict(
        zip(names, read_capped([bombs[n] for n in names], cap_for(*bombs.values())), strict=False)
    )
    figures = []
    for name, result in results.items():
        outcome, words = EXPECTED[name]
        assert result["outcome"] == outcome, (name, result)
        assert result["seconds"] < TIME_CAP_SECONDS, (name, result)
        if outcome == "refused":
            message = result["message"]
            assert message.startswith(name), (name, message)
            assert words in message, (name, message)
            assert "\n" not in message and len(message) < MESSAGE_CAP
            assert "xxxxxxxxxx" not in message
        figures.append(f"{name}: {outcome} {result['seconds']:.2f} s")
    rss = max(result["max_rss_mb"] for result in results.values())
    print(f"row 8 read_crm_file: {'; '.join(figures)}; max RSS {rss} MB")


def test_each_bomb_through_the_inbox_sensor_and_its_run(
    faults_env: Path, small_data: GeneratedData, bombs: dict[str, Path]
) -> None:
    """The real path: dropped in inbox/acme/, seen by two ticks, run by `refresh_job` (in a
    child process under the cap). A refused file fails its run and lies in rejected/ beside
    a one-line reason naming it; a read one is delivered."""
    assert main(["register", "load", str(small_data.snapshot_dir)]) == 0
    acme = faults_env / "inbox" / "acme"
    acme.mkdir(parents=True)
    for name, path in bombs.items():
        shutil.copyfile(path, acme / name)

    outcome = sensor_and_runs_capped(cap_for(*bombs.values()))

    assert sorted(outcome["runs"]) == sorted(bombs), outcome  # the tick refused none on sight
    assert outcome["sensor_seconds"] < TIME_CAP_SECONDS
    for name, run in outcome["runs"].items():
        expected, words = EXPECTED[name]
        assert run["seconds"] < TIME_CAP_SECONDS, (name, run)
        assert run["success"] is (expected == "read"), (name, run)
        if expected == "refused":
            assert not (acme / name).exists()
            assert (acme / "rejected" / name).is_file()
            reason = (acme / "rejected" / f"{name}.reason.txt").read_text(encoding="utf-8")
            assert reason.count("\n") == 1 and reason.startswith(name), reason
            assert words in reason and len(reason) < MESSAGE_CAP, reason
        else:
            stem = name.rsplit(".", 1)[0]
            delivered = list(
                (faults_env / "outbox" / "acme").glob(f"*/{stem}-refreshed{Path(name).suffix}")
            )
            assert len(delivered) == 1, (name, delivered)
    assert "xxxxxxxxxx" not in outcome["stderr"]
    slowest = max(run["seconds"] for run in outcome["runs"].values())
    rss = max(run["max_rss_mb"] for run in outcome["runs"].values())
    refused = sum(not run["success"] for run in outcome["runs"].values())
    print(
        f"row 8 inbox runs: {refused}/{len(bombs)} refused, {len(bombs) - refused} read; "
        f"slowest run {slowest:.1f} s, max RSS {rss} MB"
    )
