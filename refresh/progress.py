"""Progress of long work for the person waiting at a terminal: rows done, rate, time left.

Quiet when the stream is not a terminal (a scheduled run, a pipe, a log file): those get
counts in their own logs instead.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """`label: 120,000 / 1,000,000 rows  41,300 rows/s  21 s left`, redrawn in place at
    most every `interval` seconds, and a final line when closed."""

    def __init__(
        self,
        label: str,
        total: int,
        stream: TextIO | None = None,
        interval: float = 0.5,
        enabled: bool | None = None,
    ) -> None:
        self.label, self.total, self.interval = label, total, interval
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.done = 0
        self.started = time.perf_counter()
        self._shown = 0.0

    def line(self) -> str:
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        rate = self.done / elapsed
        text = f"{self.label}: {self.done:,} / {self.total:,} rows  {rate:,.0f} rows/s"
        if 0 < self.done < self.total and rate > 0:
            text += f"  {(self.total - self.done) / rate:,.0f} s left"
        return text

    def advance(self, rows: int) -> None:
        self.done += rows
        now = time.perf_counter()
        if self.enabled and (now - self._shown >= self.interval or self.done >= self.total):
            self._shown = now
            self.stream.write("\r" + self.line() + "\x1b[K")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            elapsed = time.perf_counter() - self.started
            self.stream.write(f"\r{self.label}: {self.done:,} rows in {elapsed:,.1f} s\x1b[K\n")
            self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


__all__ = ["Progress"]
