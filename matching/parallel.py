"""Matching a large file in chunks, here or on a Dask distributed cluster.

A chunk's matching is a pure function of (the chunk's rows, the register candidates they
need, the settings), so chunks can run anywhere and in any order; results come back in
chunk order, and the same function runs locally and on the cluster, so the output is the
same byte for byte. Dask is imported only when a scheduler is named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import pandas as pd

SCHEDULER_ENV = "TIETOHUOLTO_DASK_SCHEDULER"
DEFAULT_CHUNK_ROWS = 50_000

Result = TypeVar("Result")


def chunks(frame: pd.DataFrame, rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """Consecutive slices of at most `rows` rows (one empty frame for an empty one)."""
    if rows < 1:
        raise ValueError(f"chunk size must be at least 1 row, not {rows}")
    if frame.empty:
        yield frame
        return
    for start in range(0, len(frame), rows):
        yield frame.iloc[start : start + rows]


def map_chunks(
    function: Callable[..., Result],
    arguments: Sequence[tuple[Any, ...]],
    scheduler: str | None = None,
    on_done: Callable[[int], None] | None = None,
) -> list[Result]:
    """`function(*args)` for each tuple, in order: here, or on the Dask scheduler at
    `scheduler` (an address such as `tcp://dask-scheduler:8786`). `on_done(i)` is called
    as each chunk finishes (for progress)."""
    if not scheduler:
        results = []
        for number, args in enumerate(arguments):
            results.append(function(*args))
            if on_done:
                on_done(number)
        return results
    from dask.distributed import Client, as_completed  # noqa: PLC0415

    with Client(scheduler) as client:
        futures = [client.submit(function, *args, pure=False) for args in arguments]
        order = {future.key: number for number, future in enumerate(futures)}
        for future in as_completed(futures):
            if on_done:
                on_done(order[future.key])
        return list(client.gather(futures))


__all__ = ["DEFAULT_CHUNK_ROWS", "SCHEDULER_ENV", "chunks", "map_chunks"]
