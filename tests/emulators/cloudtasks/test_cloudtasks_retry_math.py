"""The retry arithmetic and the token bucket against the reference's examples, alone and live."""

from __future__ import annotations

import itertools
import time

import pytest
from emulators.cloudtasks.model import TokenBucket
from emulators.cloudtasks.receiver import Receiver
from emulators.cloudtasks.retry import RetryPolicy
from google.cloud import tasks_v2

from tests.fixtures.cloudtasks import CloudTasksEmulator


def _policy(attempts: int = 100, duration: float = 0.0) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=attempts,
        min_backoff=10.0,
        max_backoff=300.0,
        max_doublings=3,
        max_retry_duration=duration,
    )


def test_backoff_doubles_max_doublings_times_then_grows_linearly_up_to_max_backoff() -> None:
    # The RetryConfig reference: "10s, 20s, 40s, 80s, 160s, 240s, 300s, 300s, ..."
    delays = [_policy().backoff(retry) for retry in range(1, 9)]
    assert delays == [10, 20, 40, 80, 160, 240, 300, 300]


@pytest.mark.parametrize(
    ("attempts", "duration", "tried", "elapsed", "gives_up"),
    [
        (3, 0.0, 2, 999.0, False),  # attempts only: not yet
        (3, 0.0, 3, 0.0, True),  # attempts only: reached
        (-1, 0.0, 10_000, 1e9, False),  # neither limit: never
        (-1, 60.0, 10_000, 59.0, False),  # duration only: not yet
        (-1, 60.0, 2, 60.0, True),  # duration only: reached
        (3, 60.0, 3, 10.0, False),  # both set: attempts reached, duration not
        (3, 60.0, 2, 90.0, False),  # both set: duration reached, attempts not
        (3, 60.0, 3, 60.0, True),  # both reached
    ],
)
def test_a_task_is_given_up_only_when_every_set_limit_is_reached(
    attempts: int, duration: float, tried: int, elapsed: float, gives_up: bool
) -> None:
    policy = _policy(attempts, duration)
    assert policy.gives_up(tried, first_attempt=1000.0, now=1000.0 + elapsed) is gives_up


def test_the_token_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    bucket = TokenBucket(rate=2.0, capacity=3, now=0.0)

    burst = [bucket.take(0.0) for _ in range(4)]

    assert burst == [True, True, True, False]
    assert bucket.next_token_at(0.0) == pytest.approx(0.5)
    assert bucket.take(0.49) is False
    assert bucket.take(0.5) is True
    assert bucket.take(100.0) is True  # refills up to capacity, not beyond
    assert [bucket.take(100.0) for _ in range(3)] == [True, True, False]


def test_the_emulator_reschedules_failed_attempts_by_that_schedule(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    # RunTask forces each attempt in a paused queue; after a failure the task's schedule_time is
    # the attempt's dispatch time plus the back-off, which GetTask shows exactly.
    retry = {
        "max_attempts": -1,
        "min_backoff": {"seconds": 10},
        "max_backoff": {"seconds": 300},
        "max_doublings": 3,
    }
    queue = cloudtasks.make_queue(retry_config=retry)
    cloudtasks.client.pause_queue(name=queue.name)
    task_receiver.respond(status=500)
    task = cloudtasks.http_task(queue.name, task_receiver.url)

    delays = []
    for attempt in range(1, 9):
        cloudtasks.client.run_task(name=task.name)
        after = _responded(cloudtasks, task.name, attempt)
        delays.append(
            after.schedule_time.timestamp() - after.last_attempt.dispatch_time.timestamp()
        )

    assert [round(delay, 3) for delay in delays] == [10, 20, 40, 80, 160, 240, 300, 300]


def _responded(cloudtasks: CloudTasksEmulator, name: str, count: int) -> tasks_v2.Task:
    deadline = time.monotonic() + 5
    while (task := cloudtasks.client.get_task(name=name)).response_count < count:
        assert time.monotonic() < deadline, f"attempt {count} got no response"
        time.sleep(0.02)
    return task


def test_one_doubling_then_linear_gaps_through_the_scheduler(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    # min_backoff 0.2 s, one doubling: 0.2, 0.4, then + 0.4 each time: 0.8, 1.2.
    retry = {
        "max_attempts": 5,
        "min_backoff": {"nanos": 200_000_000},
        "max_backoff": {"seconds": 10},
        "max_doublings": 1,
    }
    queue = cloudtasks.make_queue(retry_config=retry)
    task_receiver.respond(status=500)
    cloudtasks.http_task(queue.name, task_receiver.url)

    received = task_receiver.wait_for(5, timeout=10)
    gaps = [later.time - earlier.time for earlier, later in itertools.pairwise(received)]

    for gap, documented in zip(gaps, [0.2, 0.4, 0.8, 1.2], strict=True):
        assert documented - 0.03 <= gap <= documented + 0.4
    assert gaps[3] - gaps[2] == pytest.approx(gaps[2] - gaps[1], abs=0.3)  # linear, not doubling


def test_unlimited_attempts_with_a_retry_duration_stop_at_the_duration(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    # The emulator's reading of max_attempts = -1 with a max_retry_duration (see the README):
    # the unlimited attempts count is no limit, so the duration alone ends the retries.
    retry = {
        "max_attempts": -1,
        "min_backoff": {"nanos": 100_000_000},
        "max_backoff": {"nanos": 200_000_000},
        "max_retry_duration": {"seconds": 1},
    }
    queue = cloudtasks.make_queue(retry_config=retry)
    task_receiver.respond(status=500)
    cloudtasks.http_task(queue.name, task_receiver.url)

    deadline = time.monotonic() + 10
    while cloudtasks.admin.stats()["queues"][queue.name]["dropped"] == 0:
        assert time.monotonic() < deadline, "the task was never dropped"
        time.sleep(0.05)
    received = task_receiver.requests()

    assert received[-1].time - received[0].time >= 1.0 - 0.03
    assert received[-2].time - received[0].time < 1.0  # the last attempt is the first past 1 s
    assert 4 <= len(received) <= 12
