"""Rate limits and concurrency: the token bucket, ``max_concurrent_dispatches``, fairness."""

from __future__ import annotations

import time

from emulators.cloudtasks.receiver import Receiver

from tests.fixtures.cloudtasks import CloudTasksEmulator


def test_max_dispatches_per_second_paces_dispatches_after_a_burst(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    queue = cloudtasks.make_queue(rate_limits={"max_dispatches_per_second": 5})
    for _ in range(15):
        cloudtasks.http_task(queue.name, task_receiver.url)

    received = task_receiver.wait_for(15, timeout=10)

    assert queue.rate_limits.max_burst_size == 5
    times = [got.time for got in received]
    assert times[4] - times[0] < 0.5  # the bucket starts full: a burst of 5
    # the other 10 wait for tokens at 5 per second: at least about 2 seconds
    assert times[14] - times[0] >= 10 / 5 * 0.9


def test_max_concurrent_dispatches_bounds_the_attempts_in_flight(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    queue = cloudtasks.make_queue(rate_limits={"max_concurrent_dispatches": 2})
    task_receiver.respond(delay=0.3)
    for _ in range(6):
        cloudtasks.http_task(queue.name, task_receiver.url + "/work")

    received = task_receiver.wait_for(6, timeout=10)

    assert task_receiver.peak["/work"] == 2
    assert received[-1].time - received[0].time >= 2 * 0.3 - 0.05  # three rounds of two


def test_a_slow_handler_in_one_queue_does_not_hold_up_another_queue(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    slow = cloudtasks.make_queue("slow")
    fast = cloudtasks.make_queue("fast")
    task_receiver.respond(delay=1.5, path="/slow")
    for _ in range(150):  # more slow attempts than the emulator has workers
        cloudtasks.http_task(slow.name, task_receiver.url + "/slow")
    task_receiver.wait_for(100, timeout=5, path="/slow")

    started = time.time()
    for _ in range(20):
        cloudtasks.http_task(fast.name, task_receiver.url + "/fast")
    fast_received = task_receiver.wait_for(20, timeout=10, path="/fast")

    assert fast_received[-1].time - started < 1.0
    assert task_receiver.peak["/slow"] >= 100  # the slow queue was saturated meanwhile
