"""Issue 15, row 4: a delivery is identified by its content per customer, not by the file's
name or time; the operator is told why a re-sent copy was skipped."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from benchmarks.faults import inbox_identity

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def test_same_bytes_three_ways_then_a_change_make_two_deliveries(tmp_path: Path) -> None:
    figure = inbox_identity(tmp_path, say=lambda _line: None)
    assert figure.numbers["deliveries"] == 2, figure.numbers
    skipped = figure.notes
    assert skipped, "the operator is told why the re-sent copies were skipped"
    assert figure.numbers["files skipped (told)"] == 3
    for line in skipped:  # counts and a hash prefix only: no file name, no cell value
        assert "export" not in line and ".csv" not in line
        assert re.search(r"sha256 [0-9a-f]{12}", line)


def test_an_old_cursor_is_still_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cursor written before content hashes were kept (done by name, size and time)
    still keeps its delivered file from running again, and gains the hash memory."""
    from dagster import DagsterInstance

    from benchmarks.faults import environment, tick

    env = environment(tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    inbox = Path(env["TIETOHUOLTO_VAR"]) / "inbox" / "acme"
    inbox.mkdir(parents=True)
    file = inbox / "export.csv"
    file.write_text("etunimi;sukunimi\nAnna;Testi\n", encoding="utf-8")
    info = file.stat()
    old = json.dumps(
        {
            "pending": {},
            "done": {
                "acme/export.csv": {"signature": [info.st_size, info.st_mtime_ns], "key": "acme/x"}
            },
        }
    )
    with DagsterInstance.ephemeral() as instance:
        requests, cursor, _ = tick(instance, old)
        assert requests == []
        requests, cursor, _ = tick(instance, cursor)
        assert requests == []
