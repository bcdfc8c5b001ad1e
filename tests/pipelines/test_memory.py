"""Memory a step freed goes back to the system between steps, not only to the C heap's own
free lists (where it still counted against the run's peak)."""

from __future__ import annotations

import ctypes
import ctypes.util
from pathlib import Path

import pytest

from pipelines.memory import _TRIM, release_freed_memory


def _resident_mb() -> float:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.mark.skipif(_TRIM is None, reason="the C library has no malloc_trim (not glibc)")
def test_freed_heap_pages_go_back_to_the_system() -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    # 120 MB in blocks below the heap's mmap threshold, each one written (resident); the
    # last stays in use, so the freed ones sit below it and are not returned by free().
    blocks = [libc.malloc(4096) for _ in range(30_000)]
    for block in blocks:
        ctypes.memset(block, 1, 4096)
    before = _resident_mb()
    for block in blocks[:-1]:
        libc.free(block)
    freed_only = _resident_mb()
    release_freed_memory()
    after = _resident_mb()
    libc.free(blocks[-1])
    assert freed_only > before - 40  # free() alone kept most of the pages
    assert after < freed_only - 80
