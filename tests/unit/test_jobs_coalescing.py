"""Job requests coalesce per window: the window's first request at once, the rest in one task
at the window's end, and every request is followed by a job dispatched after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from calsync.sync.jobs import coalesced, request_job
from calsync.tasks.inline import InlineTaskQueue
from hypothesis import given
from hypothesis import strategies as st

WINDOW = timedelta(seconds=2)
T0 = datetime(2030, 1, 7, 9, 0, 0, tzinfo=UTC)  # a window boundary (an even second)


def test_a_lone_request_dispatches_at_once() -> None:
    queue = InlineTaskQueue()
    at = T0 + timedelta(seconds=0.7)
    assert request_job(queue, "acc1", at, WINDOW) is True
    (job,) = queue.pending
    assert (job.account_id, job.at, job.pull) == ("acc1", at, True)


def test_later_requests_of_the_window_share_one_task_at_its_end() -> None:
    queue = InlineTaskQueue()
    for offset in (0.1, 0.5, 1.2, 1.9):
        request_job(queue, "acc1", T0 + timedelta(seconds=offset), WINDOW, pull=False)
    jobs = queue.pending
    assert [job.at for job in jobs] == [T0 + timedelta(seconds=0.1), T0 + WINDOW]
    assert queue.duplicates == 5  # 3 later requests found the first key, the last 2 the second


def test_after_a_burst_the_next_windows_first_request_still_goes_at_once() -> None:
    queue = InlineTaskQueue()
    request_job(queue, "acc1", T0 + timedelta(seconds=0.1), WINDOW)
    request_job(queue, "acc1", T0 + timedelta(seconds=0.2), WINDOW)  # trailing task at T0 + 2 s
    request_job(queue, "acc1", T0 + timedelta(seconds=2.5), WINDOW)  # the next window's first
    request_job(queue, "acc1", T0 + timedelta(seconds=2.6), WINDOW)  # and its trailing task
    assert [job.at for job in queue.pending] == [
        T0 + timedelta(seconds=0.1),
        T0 + WINDOW,
        T0 + timedelta(seconds=2.5),
        T0 + 2 * WINDOW,
    ]


def test_accounts_and_kinds_coalesce_apart() -> None:
    queue = InlineTaskQueue()
    at = T0 + timedelta(seconds=0.3)
    assert request_job(queue, "acc1", at, WINDOW) is True
    assert request_job(queue, "acc2", at, WINDOW) is True
    assert request_job(queue, "acc1", at, WINDOW, pull=False) is True
    assert [(job.account_id, job.pull, job.at) for job in queue.pending] == [
        ("acc1", True, at),
        ("acc2", True, at),
        ("acc1", False, at),
    ]


def test_keys_name_the_kind_the_account_and_the_window() -> None:
    (first, at_once), (second, at_end) = coalesced("acc9", T0 + timedelta(seconds=3), WINDOW)
    bucket = int(T0.timestamp()) // 2 + 1
    assert (first, second) == (f"sync-acc9-{bucket}", f"sync-acc9-{bucket}-trailing")
    assert (at_once, at_end) == (T0 + timedelta(seconds=3), T0 + 2 * WINDOW)
    assert coalesced("acc9", T0, WINDOW, pull=False)[0][0].startswith("push-acc9-")


@given(st.lists(st.floats(min_value=0, max_value=20, allow_nan=False), min_size=1, max_size=40))
def test_every_request_is_followed_by_a_job_dispatched_after_it(offsets: list[float]) -> None:
    """Whatever the timing of a burst: each request has a job dispatched no earlier than it
    (so that job sees its change), and no window gets more than two jobs."""
    queue = InlineTaskQueue()
    times = sorted(T0 + timedelta(seconds=offset) for offset in offsets)
    for at in times:
        request_job(queue, "acc1", at, WINDOW)
    dispatches = [job.at for job in queue.pending if job.at is not None]
    for at in times:
        assert any(dispatch >= at for dispatch in dispatches)
    windows = [int((d - T0) / WINDOW) for d in dispatches]
    assert all(windows.count(w) <= 2 for w in set(windows))
