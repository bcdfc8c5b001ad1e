"""Progress on the terminal: shown to a person waiting, silent in logs and pipes."""

from __future__ import annotations

import io

from refresh.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_rows_rate_and_time_left_on_a_terminal() -> None:
    terminal = _Terminal()
    with Progress("matching persons", 1000, stream=terminal, interval=0) as progress:
        progress.advance(250)
        progress.advance(750)
    shown = terminal.getvalue()
    assert "matching persons: 250 / 1,000 rows" in shown
    assert "s left" in shown
    # The last line says how long it took and ends the line for what comes next.
    assert "matching persons: 1,000 rows in " in shown
    assert shown.endswith("\n")


def test_progress_is_silent_when_output_is_not_a_terminal() -> None:
    pipe = io.StringIO()
    with Progress("matching persons", 1000, stream=pipe, interval=0) as progress:
        progress.advance(1000)
    assert pipe.getvalue() == ""
