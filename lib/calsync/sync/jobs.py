"""What a sync job reports, and how job requests for one account coalesce.

A job is asked for by a CRM change, a calendar notification, the fan-out tick or the job itself.
Requests inside one coalescing window share a task name and a dispatch time at the window's
end: the queue keeps one task per name, and because that task runs after every request of its
window was made, it sees all their changes. A request after the window gets the next name.

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


def coalesced(
    account_id: str, now: datetime, window: timedelta, *, pull: bool = True
) -> tuple[str, datetime]:
    """The task key and dispatch time for a job request made at `now` (`pull`: a job that
    pulls first; else a push-only one)."""
    seconds = window.total_seconds()
    bucket = math.floor(now.timestamp() / seconds)
    at = datetime.fromtimestamp((bucket + 1) * seconds, UTC)
    prefix = "sync" if pull else "push"
    return f"{prefix}-{account_id}-{bucket}", at
