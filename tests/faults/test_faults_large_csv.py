"""Row 8 of issue 15's fault harness, the large CSV: about 200 MB generated on the fly in
tmp (issue 15 asks 1 GB; set TIETOHUOLTO_FAULTS_LARGE_CSV_MB=1024 for a long run), read in
a child process capped at the file's size + 1 GiB above the reader's baseline.

The 200 MB file (3.2M rows) is refused at its 40,000,000th cell, line 2,000,001, which the
reader must reach within the cap: with the rows held as PackedRows it peaks at ≈ 520 MB
RSS (≈ 1.4 GB when every cell was a Python string in a list)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.faults.fault_tools import read_capped
from tests.faults.test_faults_bombs import cap_for

LARGE_CSV_BYTES = int(os.environ.get("TIETOHUOLTO_FAULTS_LARGE_CSV_MB", "200")) * 1024**2


def _large_csv(path: Path, size: int) -> int:
    """A wide CRM export, sparse-ish (5 of 20 columns filled), of about `size` bytes;
    written in blocks, never held whole."""
    columns = ["Etunimi", "Sukunimi", "Sähköposti", "Yritys", "Y-tunnus"]
    columns += [f"Lisätieto {n}" for n in range(15)]
    written = 0
    row = 0
    with path.open("wb") as handle:
        written += handle.write((";".join(columns) + "\r\n").encode("utf-8"))
        while written < size:
            block = "".join(
                f"Etu{n % 997};Suku{n % 991};h{n}@example.fi;Yritys {n % 5003} Oy"
                + ";" * 16
                + "\r\n"
                for n in range(row, row + 20_000)
            )
            row += 20_000
            written += handle.write(block.encode("ascii"))
    return row


def test_a_large_csv_is_read_or_refused_within_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "iso-vienti.csv"
    rows = _large_csv(path, LARGE_CSV_BYTES)
    [result] = read_capped([path], cap_for(path), timeout=120)
    print(
        f"row 8 large CSV: {path.stat().st_size // 2**20} MiB, {rows} rows: "
        f"{result['outcome']} in {result['seconds']:.1f} s, max RSS {result['max_rss_mb']} MB"
    )
    assert result["outcome"] in {"read", "refused"}, result
    assert result["seconds"] < 60
