"""Pacing one account's Calendar requests under Google's per-user quota.

Google allows 600 requests a minute per user per project (a batch of n calls counts n), and
answers a burst over it with 403/429 for the rest of the window. Rather than learn the limit by
hitting it, a provider spends from a token bucket: `per_minute / 60` tokens a second, at most
`burst` saved up. One provider serves one job of one account at a time (the account's lease),
and each job starts from what the previous one left (`tokens`, carried on the account as
`SyncState.pace`), so the bucket paces that user's requests across jobs and processes: a minute
holds at most `per_minute + burst` of them, however many jobs it sees.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """A token bucket; `pacer(units)` returns once `units` requests may be sent."""

    def __init__(
        self,
        per_minute: float,
        *,
        burst: float = 50.0,
        tokens: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute <= 0 or burst <= 0:
            raise ValueError("per_minute and burst must be positive")
        self.rate = per_minute / 60.0
        self.burst = burst
        self._clock, self._sleep = clock, sleep
        self._tokens = burst if tokens is None else min(burst, tokens)
        self._stamp = clock()
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds spent waiting, for tests and logs

    def __call__(self, units: int = 1) -> None:
        with self._lock:
            self._refill()
            # A call bigger than the bucket waits for a full bucket, then runs into debt that
            # the following calls wait out: the average rate still holds.
            needed = min(float(units), self.burst)
            if self._tokens < needed:
                delay = (needed - self._tokens) / self.rate
                self._sleep(delay)
                self.waited += delay
                self._refill()
            self._tokens -= units

    def left(self) -> float:
        """The tokens there are now (below 0: debt the next calls must wait out)."""
        with self._lock:
            self._refill()
            return self._tokens

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
