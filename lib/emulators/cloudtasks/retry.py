"""Retry arithmetic of Cloud Tasks: the back-off schedule and when a failing task is given up.

From the ``RetryConfig`` reference: the interval starts at ``min_backoff``, doubles
``max_doublings`` times, then grows linearly by ``min_backoff * 2**max_doublings`` and is capped
at ``max_backoff`` (10s, 300s and 3 doublings give 10, 20, 40, 80, 160, 240, 300, 300, ...).
A task stops being retried only when both limits that are set are reached: ``max_attempts``
(``-1`` = unlimited) and ``max_retry_duration`` (``0`` = unlimited), measured from the first
attempt. With neither limit the task is retried for as long as the emulator runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

UNLIMITED_ATTEMPTS = -1


@dataclass(frozen=True)
class RetryPolicy:
    """A queue's (or a task's) effective retry configuration, in seconds."""

    max_attempts: int
    min_backoff: float
    max_backoff: float
    max_doublings: int
    max_retry_duration: float

    @classmethod
    def from_pb(cls, config: Any) -> RetryPolicy:
        """Read a normalized ``google.cloud.tasks.v2.RetryConfig`` message."""
        return cls(
            max_attempts=int(config.max_attempts),
            min_backoff=seconds(config.min_backoff),
            max_backoff=seconds(config.max_backoff),
            max_doublings=int(config.max_doublings),
            max_retry_duration=seconds(config.max_retry_duration),
        )

    def backoff(self, retry_number: int) -> float:
        """The delay before retry ``retry_number`` (1 for the retry after the first attempt)."""
        steps = max(retry_number - 1, 0)
        if steps <= self.max_doublings:
            delay = self.min_backoff * 2.0**steps
        else:
            delay = self.min_backoff * 2.0**self.max_doublings * (steps - self.max_doublings + 1)
        return min(delay, self.max_backoff)

    def gives_up(self, attempts: int, first_attempt: float, now: float) -> bool:
        """True when a task that failed its ``attempts``-th attempt must not be retried."""
        limit_attempts = self.max_attempts != UNLIMITED_ATTEMPTS
        limit_duration = self.max_retry_duration > 0
        attempts_done = limit_attempts and attempts >= self.max_attempts
        duration_done = limit_duration and now - first_attempt >= self.max_retry_duration
        if limit_attempts and limit_duration:
            return attempts_done and duration_done
        return attempts_done or duration_done


def seconds(duration: Any) -> float:
    """A ``google.protobuf.Duration`` as float seconds."""
    return float(duration.seconds) + float(duration.nanos) / 1e9
