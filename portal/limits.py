"""Failed authentications per client address: the accounts' own lockout stops guesses at
one user name, this stops one address guessing across many (a user name list, API
tokens, the password form). In process, in memory: one portal process, and after a
restart an address starts again from nothing, which the per-account lockout still
bounds. Addresses are kept only here, never written anywhere."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta

from starlette.requests import Request

# Addresses remembered at most: a flood from many addresses must not grow memory without
# bound. Past it, addresses with no failure in the window are forgotten first, then the
# oldest ones.
MAX_ADDRESSES = 10_000


def client_address(request: Request) -> str:
    """The client's address as the server saw it (behind the loopback proxy, uvicorn has
    already taken it from X-Forwarded-For, see portal.serve)."""
    return request.client.host if request.client else "unknown"


class FailureLimiter:
    """At most `limit` failures per address in any `window`; then the address is refused
    (HTTP 429, Retry-After) until its oldest failure in the window is older than it.
    A `limit` of 0 turns the limit off."""

    def __init__(
        self,
        limit: int,
        window: timedelta,
        *,
        max_addresses: int = MAX_ADDRESSES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window.total_seconds()
        self.max_addresses = max_addresses
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, address: str) -> int | None:
        """Seconds the address must wait before its next try, or None: it may try now."""
        if self.limit <= 0:
            return None
        with self._lock:
            failures = self._failures.get(address)
            if failures is None or len(failures) < self.limit:
                return None
            wait = failures[0] + self.window - self.clock()
        return max(1, math.ceil(wait)) if wait > 0 else None

    def failed(self, address: str) -> bool:
        """Count one failure; True when it is the one that reached the limit."""
        if self.limit <= 0:
            return False
        now = self.clock()
        with self._lock:
            failures = self._failures.pop(address, None) or deque(maxlen=self.limit)
            while failures and failures[0] <= now - self.window:
                failures.popleft()
            failures.append(now)
            self._failures[address] = failures  # last in order: the most recent failure
            if len(self._failures) > self.max_addresses:
                self._forget(now)
            return len(failures) == self.limit

    def _forget(self, now: float) -> None:
        for address in [a for a, f in self._failures.items() if f[-1] <= now - self.window]:
            del self._failures[address]
        while len(self._failures) > self.max_addresses:
            del self._failures[next(iter(self._failures))]
