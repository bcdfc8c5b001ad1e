"""A run empties matching's memo caches between its stages: every one of them, in every
module of the package (a module that memoises and is not listed would keep its cache)."""

from __future__ import annotations

import importlib
import pkgutil

import matching
from matching import fold, normalise_email, normalise_phone, org_name_key, title_meaning
from matching.caches import CACHING_MODULES, clear_caches


def _caches() -> dict[str, object]:
    found = {}
    for info in pkgutil.iter_modules(matching.__path__):
        module = importlib.import_module(f"matching.{info.name}")
        for name, value in vars(module).items():
            if hasattr(value, "cache_info") and value.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = value
    return found


def test_every_memo_cache_of_matching_is_emptied() -> None:
    fold("Hämäläinen")
    org_name_key("Oy Esimerkki Ab")
    normalise_email("Matti.Meikalainen@Example.fi")
    normalise_phone("040 123 4567")
    title_meaning("Talousjohtaja")
    caches = _caches()
    assert len(caches) >= 10
    assert any(cache.cache_info().currsize for cache in caches.values())  # type: ignore[attr-defined]
    clear_caches()
    assert {name: c.cache_info().currsize for name, c in caches.items()} == dict.fromkeys(  # type: ignore[attr-defined]
        caches, 0
    )
    memoising = {name.rsplit(".", 1)[0] for name in caches}
    assert memoising == {module.__name__ for module in CACHING_MODULES}
