"""Dispatch: what the handler receives, when, and what each kind of answer does to the task.

Timings are measured on the receiver's side with generous bounds: never earlier than the
documented delay (less a little clock slack), never much later.
"""

from __future__ import annotations

import itertools
import socket
import time

import pytest
from emulators.cloudtasks.receiver import Received, Receiver
from google.api_core import exceptions
from google.cloud import tasks_v2

from tests.fixtures.cloudtasks import CloudTasksEmulator

SLACK = 0.03  # clock and scheduling slack below a documented delay
LATE = 0.6  # how much later than documented an attempt may come on a busy machine


def _fast_retries(attempts: int, backoff: float = 0.1, **extra: object) -> dict[str, object]:
    seconds, nanos = int(backoff), round((backoff - int(backoff)) * 1e9)
    return {
        "max_attempts": attempts,
        "min_backoff": {"seconds": seconds, "nanos": nanos},
        "max_backoff": extra.pop("max_backoff", {"seconds": 10}),
        **extra,
    }


def _gaps(received: list[Received]) -> list[float]:
    return [later.time - earlier.time for earlier, later in itertools.pairwise(received)]


def _stats(cloudtasks: CloudTasksEmulator, queue: str) -> dict[str, int]:
    counts: dict[str, int] = cloudtasks.admin.stats()["queues"][queue]
    return counts


def _settled(cloudtasks: CloudTasksEmulator, queue: str, event: str, count: int) -> dict[str, int]:
    deadline = time.monotonic() + 10
    while (counts := _stats(cloudtasks, queue))[event] < count:
        assert time.monotonic() < deadline, f"{event} stayed at {counts[event]}: {counts}"
        time.sleep(0.05)
    return counts


def test_method_headers_and_body_arrive_with_the_cloud_tasks_headers(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    queue = cloudtasks.make_queue("deliveries")
    headers = {
        "Content-Type": "application/json",
        "X-Calsync-Account": "acc-1",
        "User-Agent": "not-kept",
        "X-CloudTasks-TaskName": "spoofed",
    }
    task = cloudtasks.http_task(
        queue.name,
        task_receiver.url + "/sync?account=acc-1",
        http_method=tasks_v2.HttpMethod.PUT,
        headers=headers,
        body=b'{"account": "acc-1"}',
    )

    (got,) = task_receiver.wait_for(1)

    assert (got.method, got.path, got.body) == (
        "PUT",
        "/sync?account=acc-1",
        b'{"account": "acc-1"}',
    )
    assert got.header("Content-Type") == "application/json"
    assert got.header("X-Calsync-Account") == "acc-1"
    assert got.header("User-Agent") == "Google-Cloud-Tasks"
    assert got.header("X-CloudTasks-QueueName") == "deliveries"
    assert got.header("X-CloudTasks-TaskName") == task.name.rsplit("/", 1)[1]
    assert got.header("X-CloudTasks-TaskRetryCount") == "0"
    assert got.header("X-CloudTasks-TaskExecutionCount") == "0"
    eta = float(got.header("X-CloudTasks-TaskETA") or 0)
    assert eta == pytest.approx(task.schedule_time.timestamp(), abs=1e-3)
    assert got.header("X-CloudTasks-TaskPreviousResponse") is None
    assert got.header("X-CloudTasks-TaskRetryReason") is None
    assert got.header("Authorization") is None


@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE", "PATCH", "OPTIONS"])
def test_every_http_method_is_sent_as_given(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver, method: str
) -> None:
    queue = cloudtasks.make_queue()
    cloudtasks.http_task(queue.name, task_receiver.url, http_method=tasks_v2.HttpMethod[method])
    assert task_receiver.wait_for(1)[0].method == method


def test_a_task_waits_for_its_schedule_time_and_a_2xx_completes_it(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    queue = cloudtasks.make_queue()
    task_receiver.respond(status=204)
    due = time.time() + 1.0
    task = cloudtasks.http_task(
        queue.name,
        task_receiver.url,
        schedule_time={"seconds": int(due), "nanos": int(due % 1 * 1e9)},
    )

    (got,) = task_receiver.wait_for(1, timeout=5)

    assert due - SLACK <= got.time <= due + LATE
    counts = _settled(cloudtasks, queue.name, "succeeded", 1)
    assert (counts["dispatched"], counts["failed"], counts["retried"]) == (1, 0, 0)
    with pytest.raises(exceptions.NotFound):
        cloudtasks.client.get_task(name=task.name)


def test_failures_back_off_exponentially_up_to_max_backoff_then_the_task_is_dropped(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    retry = _fast_retries(5, backoff=0.2, max_backoff={"nanos": 500_000_000})
    queue = cloudtasks.make_queue(retry_config=retry)
    task_receiver.respond(status=500)
    task = cloudtasks.http_task(queue.name, task_receiver.url)

    received = task_receiver.wait_for(5, timeout=10)
    counts = _settled(cloudtasks, queue.name, "dropped", 1)
    time.sleep(0.7)

    for gap, documented in zip(_gaps(received), [0.2, 0.4, 0.5, 0.5], strict=True):
        assert documented - SLACK <= gap <= documented + LATE
    assert len(task_receiver.requests()) == 5
    assert (counts["dispatched"], counts["failed"], counts["retried"]) == (5, 5, 4)
    with pytest.raises(exceptions.NotFound):
        cloudtasks.client.get_task(name=task.name)


def test_retries_continue_until_both_max_attempts_and_max_retry_duration_are_reached(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    retry = _fast_retries(2, backoff=0.1, max_backoff={"nanos": 100_000_000})
    retry["max_retry_duration"] = {"seconds": 1}
    queue = cloudtasks.make_queue(retry_config=retry)
    task_receiver.respond(status=503)
    cloudtasks.http_task(queue.name, task_receiver.url)

    _settled(cloudtasks, queue.name, "dropped", 1)
    received = task_receiver.requests()

    assert len(received) > 2
    assert received[-1].time - received[0].time >= 1.0 - SLACK


def test_unlimited_attempts_keep_retrying(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    retry = _fast_retries(-1, backoff=0.05, max_backoff={"nanos": 50_000_000})
    queue = cloudtasks.make_queue(retry_config=retry)
    task_receiver.respond(status=500)
    task = cloudtasks.http_task(queue.name, task_receiver.url)

    task_receiver.wait_for(12, timeout=10)

    assert cloudtasks.client.get_task(name=task.name).dispatch_count >= 12
    assert _stats(cloudtasks, queue.name)["dropped"] == 0


def test_a_task_level_retry_config_overrides_the_queue(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    queue = cloudtasks.make_queue(retry_config=_fast_retries(20))
    task_receiver.respond(status=500)
    cloudtasks.http_task(queue.name, task_receiver.url, retry_config={"max_attempts": 2})

    _settled(cloudtasks, queue.name, "dropped", 1)
    assert len(task_receiver.requests()) == 2


def test_retries_carry_the_previous_response_and_the_retry_reason(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    queue = cloudtasks.make_queue(retry_config=_fast_retries(5))
    task_receiver.respond(script=(500, 429, 200))
    cloudtasks.http_task(queue.name, task_receiver.url)

    received = task_receiver.wait_for(3)
    _settled(cloudtasks, queue.name, "succeeded", 1)

    def headers(name: str) -> list[str | None]:
        return [got.header(f"X-CloudTasks-Task{name}") for got in received]

    assert headers("RetryCount") == ["0", "1", "2"]
    assert headers("ExecutionCount") == ["0", "0", "1"]  # 5xx answers are not executions
    assert headers("PreviousResponse") == [None, "500", "429"]
    assert headers("RetryReason") == [None, "INTERNAL", "RESOURCE_EXHAUSTED"]


def test_retry_after_delays_the_next_attempt(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    queue = cloudtasks.make_queue(retry_config=_fast_retries(3))
    task_receiver.respond(script=(503,), headers={"Retry-After": "1"})
    cloudtasks.http_task(queue.name, task_receiver.url)

    first, second = task_receiver.wait_for(2, timeout=5)

    assert second.time - first.time >= 1.0 - SLACK


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    queue = cloudtasks.make_queue(retry_config=_fast_retries(2))
    task_receiver.respond(status=302, path="/old", headers={"Location": "/new"})
    cloudtasks.http_task(queue.name, task_receiver.url + "/old")

    _settled(cloudtasks, queue.name, "dropped", 1)

    assert [got.path for got in task_receiver.requests()] == ["/old", "/old"]
    assert task_receiver.requests()[1].header("X-CloudTasks-TaskPreviousResponse") == "302"


def test_no_answer_within_the_dispatch_deadline_is_a_failed_attempt(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    cloudtasks.admin.config(min_dispatch_deadline_seconds=0.5)
    queue = cloudtasks.make_queue(retry_config=_fast_retries(2))
    task_receiver.respond(status=200, delay=2.0)
    task = cloudtasks.http_task(
        queue.name, task_receiver.url, dispatch_deadline={"nanos": 500_000_000}
    )

    first, second = task_receiver.wait_for(2, timeout=5)
    counts = _settled(cloudtasks, queue.name, "dropped", 1)

    assert task.dispatch_deadline.total_seconds() == pytest.approx(0.5)
    assert second.time - first.time >= 0.5 + 0.1 - SLACK
    assert second.header("X-CloudTasks-TaskRetryReason") == "DEADLINE_EXCEEDED"
    assert second.header("X-CloudTasks-TaskPreviousResponse") is None
    assert counts["succeeded"] == 0


def test_a_refused_connection_is_a_failed_attempt(cloudtasks: CloudTasksEmulator) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    queue = cloudtasks.make_queue(
        retry_config=_fast_retries(2, backoff=30, max_backoff={"seconds": 60})
    )
    task = cloudtasks.http_task(queue.name, f"http://127.0.0.1:{closed_port}/gone")

    counts = _settled(cloudtasks, queue.name, "retried", 1)
    after = cloudtasks.client.get_task(name=task.name)

    assert (counts["dispatched"], counts["failed"], counts["succeeded"]) == (1, 1, 0)
    assert (after.dispatch_count, after.response_count) == (1, 0)
    assert after.last_attempt.response_status.code == 14  # UNAVAILABLE
    assert after.schedule_time.timestamp() == pytest.approx(time.time() + 30, abs=5)
