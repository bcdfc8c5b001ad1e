"""Matching's memo caches (folded names and titles, keys, parsed numbers and addresses),
emptied together when a stage of a run is done with them."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

# Every module of matching that memoises a function with `functools.lru_cache`
# (tests/matching/test_caches.py holds this list to the package). By name: the package
# exports functions named as some of its modules (`title_meaning`).
CACHING_MODULES: tuple[ModuleType, ...] = tuple(
    import_module(f"matching.{name}")
    for name in (
        "addresses",
        "business_id",
        "contact_points",
        "names",
        "organisations",
        "text",
        "title_meaning",
    )
)


def clear_caches() -> None:
    """Empty every memo cache of matching. At 1M rows each is full (262,144 entries) with
    the values of the stage just done, most of which the next stage never asks for again;
    emptied, their room is reused by the next stage instead of being added to it."""
    for module in CACHING_MODULES:
        for value in vars(module).values():
            clear = getattr(value, "cache_clear", None)
            if clear is not None and getattr(value, "__module__", None) == module.__name__:
                clear()


__all__ = ["CACHING_MODULES", "clear_caches"]
