"""Rate limits and concurrency: the token bucket, ``max_concurrent_dispatches``, isolation.

Slow handlers answer after :data:`SLOW` seconds; the tasks that must not wait for them have to
arrive well within that, so waiting for any slow attempt to finish would fail the test.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from emulators.cloudtasks.receiver import Receiver
from google.cloud import tasks_v2
from google.protobuf import field_mask_pb2

from tests.fixtures.cloudtasks import CloudTasksEmulator

SLOW = 2.0


def _many(cloudtasks: CloudTasksEmulator, queue: str, url: str, count: int) -> None:
    task = tasks_v2.Task(http_request=tasks_v2.HttpRequest(url=url))
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(
            pool.map(lambda _: cloudtasks.client.create_task(parent=queue, task=task), range(count))
        )


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
    for _ in range(150):
        cloudtasks.http_task(slow.name, task_receiver.url + "/slow")
    task_receiver.wait_for(100, timeout=5, path="/slow")

    started = time.time()
    for _ in range(20):
        cloudtasks.http_task(fast.name, task_receiver.url + "/fast")
    fast_received = task_receiver.wait_for(20, timeout=10, path="/fast")

    assert fast_received[-1].time - started < 1.0
    assert task_receiver.peak["/slow"] >= 100  # the slow queue was saturated meanwhile


def test_two_saturated_slow_queues_do_not_hold_up_a_third(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    task_receiver.respond(delay=SLOW, path="/slow")
    first, second = cloudtasks.make_queue("slow-a"), cloudtasks.make_queue("slow-b")
    third = cloudtasks.make_queue("third")
    for queue, path in ((first, "/slow/a"), (second, "/slow/b")):
        cloudtasks.client.pause_queue(name=queue.name)  # created first, then all due at once
        _many(cloudtasks, queue.name, task_receiver.url + path, 150)
    for queue in (first, second):
        cloudtasks.client.resume_queue(name=queue.name)
    task_receiver.wait_for(300, timeout=SLOW, path="/slow")  # all 300 in flight at once

    started = time.time()
    _many(cloudtasks, third.name, task_receiver.url + "/third", 10)
    arrived = task_receiver.wait_for(10, timeout=10, path="/third")

    assert arrived[-1].time - started < 1.0
    assert task_receiver.peak["/slow/a"] == task_receiver.peak["/slow/b"] == 150


def test_a_queue_reaches_its_max_concurrent_dispatches_and_slow_tasks_hold_up_no_others(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    task_receiver.respond(delay=SLOW, path="/slow")
    queue = cloudtasks.make_queue("wide", rate_limits={"max_concurrent_dispatches": 300})
    cloudtasks.client.pause_queue(name=queue.name)
    _many(cloudtasks, queue.name, task_receiver.url + "/slow", 200)
    cloudtasks.client.resume_queue(name=queue.name)
    task_receiver.wait_for(200, timeout=SLOW, path="/slow")

    started = time.time()
    _many(cloudtasks, queue.name, task_receiver.url + "/fast", 10)
    arrived = task_receiver.wait_for(10, timeout=10, path="/fast")

    assert task_receiver.peak["/slow"] >= 200
    assert arrived[-1].time - started < 1.0
    assert cloudtasks.admin.stats()["live"][queue.name]["in_flight"] >= 200


def test_update_queue_changes_the_pace_of_a_queue_already_dispatching(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    queue = cloudtasks.make_queue("paced", rate_limits={"max_dispatches_per_second": 1})
    for _ in range(12):
        cloudtasks.http_task(queue.name, task_receiver.url)
    task_receiver.wait_for(2, timeout=5)  # one at once, then one per second

    changed = time.time()
    faster = tasks_v2.Queue(name=queue.name, rate_limits={"max_dispatches_per_second": 50})
    mask = field_mask_pb2.FieldMask(paths=["rate_limits.max_dispatches_per_second"])
    updated = cloudtasks.client.update_queue(queue=faster, update_mask=mask)
    received = task_receiver.wait_for(12, timeout=10)

    assert received[1].time - received[0].time >= 1.0 - 0.05
    assert updated.rate_limits.max_burst_size == 50
    assert received[-1].time - changed < 1.0  # at 1/s the last ten would take ten seconds
