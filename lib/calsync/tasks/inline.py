"""InlineTaskQueue: the TaskQueue port in process, for unit tests and the state machine.

It records job requests, refusing a key it has already seen (as Cloud Tasks refuses a task name
used recently), and runs them only when asked, so tests decide when jobs happen.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from calsync.clock import FakeClock


@dataclass(frozen=True)
class QueuedJob:
    account_id: str
    key: str | None
    at: datetime | None
    pull: bool = True


class Runner(Protocol):
    """What runs a job (the engine's `SyncJob.run`, or a test's stand-in)."""

    def __call__(self, account_id: str, *, pull: bool) -> object: ...


class InlineTaskQueue:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[QueuedJob] = []
        self._seen: set[str] = set()
        self.enqueued = 0
        self.duplicates = 0

    def enqueue_sync(
        self,
        account_id: str,
        *,
        key: str | None = None,
        at: datetime | None = None,
        pull: bool = True,
    ) -> bool:
        with self._lock:
            if key is not None and key in self._seen:
                self.duplicates += 1
                return False
            if key is not None:
                self._seen.add(key)
            self._pending.append(QueuedJob(account_id, key, at, pull))
            self.enqueued += 1
            return True

    @property
    def pending(self) -> list[QueuedJob]:
        with self._lock:
            return list(self._pending)

    def take(self) -> list[QueuedJob]:
        """Remove and return every pending job."""
        with self._lock:
            jobs, self._pending = self._pending, []
            return jobs

    def run_pending(self, run: Runner, *, clock: FakeClock | None = None, rounds: int = 20) -> int:
        """Run pending jobs (and the jobs they enqueue) until none is left; returns how many ran.

        Several requests for the same account in one round run once, as coalesced tasks do
        (pulling if any of them asked for a pull). With a FakeClock, time first moves to the
        latest dispatch time of the round: a job never runs before its coalescing window has
        closed, as with the real queue.
        """
        ran = 0
        for _ in range(rounds):
            jobs = self.take()
            if not jobs:
                return ran
            due = [job.at for job in jobs if job.at is not None]
            if clock is not None and due and max(due) > clock.now():
                clock.set(max(due))
            pulls: dict[str, bool] = {}
            for job in jobs:
                pulls[job.account_id] = pulls.get(job.account_id, False) or job.pull
            for account_id, pull in pulls.items():
                run(account_id, pull=pull)
                ran += 1
        return ran
