"""A job's time budget: long work stops cleanly between two batches and continues in a follow-up.

A paced export (Google allows an account a few hundred requests a minute) can take longer than
a worker may run: 5,000 creates at 300 requests a minute take about 17 minutes, while the
worker's timeout, the task's dispatch deadline and the lease are 10. So a job checks its budget
before each batch of moves and of pushes (never inside one: a batch's provider call and the
transaction recording its results always go together), and once the budget is spent it stops
with everything it did committed: links of what it wrote, the cursor of a finished pull, outbox
entries for the rest. The job then ends as DONE, asking for a follow-up job as it does for
leftover outbox entries. A settings reconcile cut short stays marked `reconciling`, so the
follow-up redoes it; what is already in the calendar then costs no write (its content hash
matches the link's).

A pull is never cut: its cursor comes with its last page (listing is cheap, a page holds
thousands of events), and a pull cut short would be redone in full. The first batch of each
kind in a job always runs, so every job makes progress.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from calsync.ports import Clock


class BudgetSpent(Exception):
    """The job used its time; it stops here, between two batches."""


class Budget:
    """The time one job may work, from its start."""

    def __init__(self, clock: Clock, started: datetime, budget: timedelta | None) -> None:
        self.clock = clock
        self.deadline = started + budget if budget is not None else None

    def check(self) -> None:
        """Raise BudgetSpent if the job's time is up."""
        if self.deadline is not None and self.clock.now() >= self.deadline:
            raise BudgetSpent(f"the job's time budget ended at {self.deadline.isoformat()}")
