"""Giving freed memory back to the system between the large steps of a run.

The C heap keeps the pages of what a step freed for its own later use: after a 1M-row
file's person matching, some 300 MB of freed heap was still counted against the process
(glibc `mallinfo2`: 360 MB free of a 920 MB arena), and the next step's peak stood on top of
it. `malloc_trim` hands those pages back. Where the C library has no such call (not glibc),
nothing is done: the memory is then only reused, not returned."""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable

import pyarrow as pa


def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_TRIM = _malloc_trim()


def release_freed_memory() -> None:
    """Hand back to the system the pages of memory already freed (Arrow's pool and the C
    heap); what is still in use is not touched."""
    pa.default_memory_pool().release_unused()
    if _TRIM is not None:
        _TRIM(0)


__all__ = ["release_freed_memory"]
