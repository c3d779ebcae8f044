"""The inline queue's `run_pending`: one run per account and round, pulling if any request of
the round asked for a pull, never before the round's dispatch time."""

from __future__ import annotations

from datetime import timedelta

from calsync.clock import FakeClock
from calsync.tasks.inline import InlineTaskQueue


class Recorder:
    def __init__(self) -> None:
        self.runs: list[tuple[str, bool]] = []

    def __call__(self, account_id: str, *, pull: bool) -> None:
        self.runs.append((account_id, pull))


def test_requests_of_one_round_run_once_per_account_pulling_if_any_asked() -> None:
    queue, run = InlineTaskQueue(), Recorder()
    queue.enqueue_sync("a", key="push-a-1", pull=False)
    queue.enqueue_sync("a", key="sync-a-1")
    queue.enqueue_sync("b", key="push-b-1", pull=False)
    queue.enqueue_sync("b", key="push-b-2", pull=False)
    assert queue.run_pending(run) == 2
    assert run.runs == [("a", True), ("b", False)]


def test_jobs_enqueued_by_jobs_run_in_the_next_round_after_their_window() -> None:
    clock, queue = FakeClock(), InlineTaskQueue()
    start = clock.now()
    runs: list[tuple[str, bool]] = []

    def run(account_id: str, *, pull: bool) -> None:
        runs.append((account_id, pull))
        if len(runs) == 1:  # a follow-up for leftovers
            queue.enqueue_sync(account_id, at=clock.now() + timedelta(seconds=10), pull=False)

    queue.enqueue_sync("a", at=start + timedelta(seconds=2))
    assert queue.run_pending(run, clock=clock) == 2
    assert runs == [("a", True), ("a", False)]
    assert clock.now() == start + timedelta(seconds=12)
