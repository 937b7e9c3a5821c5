"""Abuse limits: request budgets per key and per client address, lock-out after failures, and
sampled audit rows for refusals.

Every counter lives in this process's memory: each replica (and each uvicorn worker) counts its
own callers, so with N of them a caller gets up to N times the budget. That is enough to stop a
flood from one address; a shared store (Redis) would be needed for exact global limits. The
client address is the one uvicorn reports: behind a proxy, start uvicorn with
``--proxy-headers --forwarded-allow-ips`` so that it is the caller's, not the proxy's.

A token bucket per caller costs one dictionary look-up and a few float operations (O(1)); the
least recently seen callers are forgotten once a table holds ``max_callers`` of them.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from core.settings import Settings

Clock = Callable[[], float]


class TokenBucket:
    """``capacity`` requests at once, refilled at ``per_s`` a second, per caller."""

    def __init__(
        self,
        capacity: float,
        per_s: float,
        max_callers: int = 100_000,
        clock: Clock = time.monotonic,
    ) -> None:
        if capacity < 1 or per_s <= 0:
            raise ValueError(f"a bucket needs capacity >= 1 and per_s > 0; got {capacity}, {per_s}")
        self.capacity, self.per_s, self.max_callers, self.clock = (
            capacity,
            per_s,
            max_callers,
            clock,
        )
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, caller: str) -> float:
        """0 when ``caller`` may go ahead (one token spent), else the seconds until it may."""
        at = self.clock()
        with self._lock:
            tokens, stamp = self._buckets.pop(caller, (self.capacity, at))
            tokens = min(self.capacity, tokens + (at - stamp) * self.per_s)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / self.per_s
            self._buckets[caller] = (tokens - 1 if wait == 0 else tokens, at)
            if len(self._buckets) > self.max_callers:
                self._buckets.popitem(last=False)
        return wait


class Lockout:
    """A caller with ``threshold`` failures, each within ``cooling_s`` of the one before, is
    locked for ``cooling_s`` after the last; a success clears its count."""

    def __init__(
        self,
        threshold: int,
        cooling_s: float,
        max_callers: int = 100_000,
        clock: Clock = time.monotonic,
    ) -> None:
        if threshold < 1 or cooling_s <= 0:
            raise ValueError(f"a lock-out needs threshold >= 1 and cooling_s > 0; got {threshold}")
        self.threshold, self.cooling_s, self.max_callers = threshold, cooling_s, max_callers
        self.clock = clock
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def locked_for(self, caller: str) -> float:
        """Seconds left of ``caller``'s lock-out; 0 when it is not locked."""
        with self._lock:
            count, last = self._failures.get(caller, (0, 0.0))
        left = last + self.cooling_s - self.clock()
        return left if count >= self.threshold and left > 0 else 0.0

    def fail(self, caller: str) -> bool:
        """Count a failure; True when this one locks the caller out."""
        at = self.clock()
        with self._lock:
            count, last = self._failures.pop(caller, (0, at))
            count = count + 1 if at - last < self.cooling_s else 1
            self._failures[caller] = (count, at)
            if len(self._failures) > self.max_callers:
                self._failures.popitem(last=False)
        return count == self.threshold

    def succeed(self, caller: str) -> None:
        with self._lock:
            self._failures.pop(caller, None)


class Sampler:
    """At most one audit row per caller per ``every_s``; ``due`` says how many refusals the row
    stands for (this one and those not written since the last row), or 0 to write none."""

    def __init__(
        self, every_s: float = 60.0, max_callers: int = 100_000, clock: Clock = time.monotonic
    ) -> None:
        self.every_s, self.max_callers, self.clock = every_s, max_callers, clock
        self._seen: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._lock = threading.Lock()

    def due(self, caller: str) -> int:
        at = self.clock()
        with self._lock:
            written, skipped = self._seen.pop(caller, (-math.inf, 0))
            if at - written < self.every_s:
                self._seen[caller] = (written, skipped + 1)
                return 0
            self._seen[caller] = (at, 0)
            if len(self._seen) > self.max_callers:
                self._seen.popitem(last=False)
        return skipped + 1


@dataclass
class Guard:
    """The service's limits, built from Settings (``EWS_LIMIT_*``)."""

    by_address: TokenBucket
    by_key: TokenBucket
    bad_keys: Lockout  # per client address
    sign_in_by_address: Lockout
    sign_in_by_prefix: Lockout  # per typed key's first 8 characters: one account
    refusals: Sampler

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = time.monotonic) -> Guard:
        s = settings
        return cls(
            by_address=TokenBucket(s.limit_address_burst, s.limit_address_per_s, clock=clock),
            by_key=TokenBucket(s.limit_key_burst, s.limit_key_per_s, clock=clock),
            bad_keys=Lockout(s.limit_bad_keys, s.limit_lockout_s, clock=clock),
            sign_in_by_address=Lockout(s.limit_sign_in_failures, s.limit_lockout_s, clock=clock),
            sign_in_by_prefix=Lockout(s.limit_sign_in_failures, s.limit_lockout_s, clock=clock),
            refusals=Sampler(60.0, clock=clock),
        )


_made = threading.Lock()


def guard_of(app_state: object) -> Guard:
    """The app's Guard, made from its settings on first use (``app.state.guard``)."""
    guard: Guard | None = getattr(app_state, "guard", None)
    if guard is None:
        with _made:
            guard = getattr(app_state, "guard", None)
            if guard is None:
                guard = Guard.from_settings(app_state.settings)  # type: ignore[attr-defined]
                app_state.guard = guard  # type: ignore[attr-defined]
    return guard


def retry_after(wait_s: float) -> dict[str, str]:
    """The ``Retry-After`` header for a wait: whole seconds, at least 1."""
    return {"Retry-After": str(max(1, math.ceil(wait_s)))}
