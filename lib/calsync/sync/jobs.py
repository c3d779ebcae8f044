"""What a sync job reports, and how job requests for one account coalesce.

A job is asked for by a CRM change, a calendar notification, the fan-out tick or the job itself.
Requests coalesce per window of the account (a leading edge, then a trailing one): the first
request of a window dispatches at once under the window's leading task name, so a lone change
crosses over as fast as a job can run; a request that finds that name taken (a job of this
window was already asked for, and may have run before this change) asks for the window's
trailing task, dispatched at the window's end, which every later request of the window then
finds taken too. The trailing name is the window's own, so the next window's first request
still goes at once. The queue keeps one task per name, so a burst makes at most two jobs a
window, and each request is followed by a job dispatched after it was made, which therefore
sees its change.

A request says whether the job must pull the calendar's changes first. Only CRM changes (the
activities API, and a job's follow-up for outbox entries it left) ask for a push-only job: its
updates carry If-Match, so a calendar edit it did not pull still surfaces (STALE, merged), and
every calendar change has its notification ask for a pulling job. Push-only requests coalesce
under a name of their own ("push-..." against "sync-..."), so a push-only request and a pulling
one in the same window never swallow each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol


class JobOutcome(StrEnum):
    DONE = "done"  # synced (or nothing to do)
    SKIPPED = "skipped"  # the account is gone or not syncing: nothing to do, don't retry
    BUSY = "busy"  # another job holds the account's lease: retry soon
    RETRY = "retry"  # a transient failure (rate limit, outage, contention): retry later
    FAILED = "failed"  # a permanent failure, recorded on the account for the user: don't retry


@dataclass(frozen=True)
class JobResult:
    outcome: JobOutcome
    retry_after: float | None = None  # seconds, for BUSY and RETRY
    detail: str = ""

    @property
    def should_retry(self) -> bool:
        return self.outcome in (JobOutcome.BUSY, JobOutcome.RETRY)


class JobQueue(Protocol):
    """What a job request needs of the queue (the TaskQueue port's `enqueue_sync`)."""

    def enqueue_sync(
        self, account_id: str, *, key: str | None = ..., at: datetime | None = ..., pull: bool = ...
    ) -> bool: ...


def coalesced(
    account_id: str, now: datetime, window: timedelta, *, pull: bool = True
) -> list[tuple[str, datetime]]:
    """The task keys and dispatch times a job request made at `now` tries, in order (`pull`: a
    job that pulls first; else a push-only one): this window's leading key at once, then its
    trailing key at its end."""
    seconds = window.total_seconds()
    bucket = math.floor(now.timestamp() / seconds)
    prefix = "sync" if pull else "push"
    end = datetime.fromtimestamp((bucket + 1) * seconds, UTC)
    key = f"{prefix}-{account_id}-{bucket}"
    return [(key, now), (f"{key}-trailing", end)]


def request_job(
    queue: JobQueue, account_id: str, now: datetime, window: timedelta, *, pull: bool = True
) -> bool:
    """Ask `queue` for a job of the account, coalesced as the module says. True when a task was
    enqueued; False when both keys were taken (the window's trailing job, still to come, will
    see this request's change)."""
    for key, at in coalesced(account_id, now, window, pull=pull):
        if queue.enqueue_sync(account_id, key=key, at=at, pull=pull):
            return True
    return False
