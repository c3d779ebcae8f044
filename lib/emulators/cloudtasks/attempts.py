"""One dispatch attempt: the request it sends, and what its outcome does to the task.

Headers follow the real service: the task's own headers, except those it computes or reserves
(``Host``, ``Content-Length``, ``User-Agent`` which becomes ``Google-Cloud-Tasks``,
``X-Google-*``, ``X-AppEngine-*``, ``X-CloudTasks-*``; and ``Connection``,
``Transfer-Encoding``, which frame the emulator's own connection), plus
``X-CloudTasks-QueueName`` (the short queue id), ``-TaskName`` (the short task id),
``-TaskRetryCount`` (earlier attempts), ``-TaskExecutionCount`` (earlier attempts answered with
a non-5xx status), ``-TaskETA`` (the schedule time in seconds since the epoch) and, on retries,
``-TaskPreviousResponse`` (the HTTP status of the previous attempt, when it got one) and
``-TaskRetryReason`` (the gRPC code name of why the previous attempt failed).

``Content-Type`` is never added: for HTTP targets the reference says Cloud Tasks does not set
it (the ``application/octet-stream`` default belongs to App Engine tasks), so a body goes with
the ``Content-Type`` the task gives, or none.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import grpc
from google.cloud import tasks_v2

from emulators.cloudtasks.model import Attempt, QueueRecord, TaskRecord
from emulators.cloudtasks.retry import RetryPolicy
from emulators.cloudtasks.state import State

_RESERVED_PREFIXES = ("x-google-", "x-appengine-", "x-cloudtasks-")
# Set by the emulator: derived from the URL and body, or framing its own connection.
_COMPUTED = {"host", "content-length", "user-agent", "connection", "transfer-encoding"}
_HTTP_TO_RPC = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.ABORTED,
    412: grpc.StatusCode.FAILED_PRECONDITION,
    416: grpc.StatusCode.OUT_OF_RANGE,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    499: grpc.StatusCode.CANCELLED,
    501: grpc.StatusCode.UNIMPLEMENTED,
    503: grpc.StatusCode.UNAVAILABLE,
    504: grpc.StatusCode.DEADLINE_EXCEEDED,
}


@dataclass
class Delivery:
    """An attempt in flight: the HTTP request to send and the records it reports back to."""

    task: TaskRecord
    queue: QueueRecord
    epoch: int
    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    deadline: float
    oidc: tuple[str, str] | None
    dispatched_at: float
    forced: bool


@dataclass
class Outcome:
    """What came back: an HTTP status, or a failure without a response."""

    status: int | None = None
    error: grpc.StatusCode | None = None
    message: str = ""
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def rpc_code(self) -> grpc.StatusCode:
        if self.error is not None:
            return self.error
        assert self.status is not None
        return http_to_rpc(self.status)


def http_to_rpc(status: int) -> grpc.StatusCode:
    """The google.rpc code for an HTTP status, as Google's APIs map them."""
    if 200 <= status < 300:
        return grpc.StatusCode.OK
    code = _HTTP_TO_RPC.get(status)
    if code is not None:
        return code
    if 400 <= status < 500:
        return grpc.StatusCode.FAILED_PRECONDITION
    return grpc.StatusCode.INTERNAL if status >= 500 else grpc.StatusCode.UNKNOWN


def start(state: State, task: TaskRecord, now: float, forced: bool) -> Delivery:
    """Record the dispatch of ``task`` and build its request (caller holds ``state.cond``)."""
    queue = task.queue
    headers = _headers(task)
    task.dispatch_count += 1
    task.in_flight += 1
    queue.in_flight += 1
    if task.first_dispatch is None:
        task.first_dispatch = now
    task.last_attempt = Attempt(schedule_time=task.schedule_time, dispatch_time=now)
    state.counters.bump(queue.name, "dispatched")
    http = task.http
    auth = http.oidc_token if http.WhichOneof("authorization_header") == "oidc_token" else None
    return Delivery(
        task=task,
        queue=queue,
        epoch=state.epoch,
        method=tasks_v2.HttpMethod(http.http_method).name,
        url=http.url,
        headers=headers,
        body=bytes(http.body),
        deadline=task.dispatch_deadline,
        oidc=(auth.service_account_email, auth.audience or http.url) if auth else None,
        dispatched_at=now,
        forced=forced,
    )


def finish(state: State, delivery: Delivery, outcome: Outcome) -> None:
    """Apply an attempt's outcome: done on 2xx, else retried with back-off or dropped."""
    with state.cond:
        task, queue = delivery.task, delivery.queue
        task.in_flight -= 1
        queue.in_flight -= 1
        state.cond.notify_all()
        current = state.queues.get(queue.name) is queue and queue.tasks.get(task.task_id) is task
        if delivery.epoch != state.epoch or not current:
            return
        now = time.time()
        _record(task, outcome, now)
        if outcome.ok:
            state.remove_task(task, "succeeded")
            return
        state.counters.bump(queue.name, "failed")
        policy = RetryPolicy.from_pb(task.retry_config or queue.config.retry_config)
        assert task.first_dispatch is not None
        if policy.gives_up(task.dispatch_count, task.first_dispatch, now):
            state.remove_task(task, "dropped")
            return
        delay = max(policy.backoff(task.dispatch_count), outcome.retry_after or 0.0)
        task.schedule_time = (delivery.dispatched_at if delivery.forced else now) + delay
        queue.schedule(task)
        state.counters.bump(queue.name, "retried")


def _record(task: TaskRecord, outcome: Outcome, now: float) -> None:
    code = outcome.rpc_code()
    if outcome.status is not None:
        task.response_count += 1
        if outcome.status < 500:
            task.execution_count += 1
    task.previous_response = outcome.status
    task.retry_reason = None if outcome.ok else code.name
    if task.last_attempt is not None:
        task.last_attempt.response_time = now
        task.last_attempt.status_code = code.value[0]
        task.last_attempt.status_message = outcome.message


def _headers(task: TaskRecord) -> dict[str, str]:
    http = task.http
    oidc = http.WhichOneof("authorization_header") == "oidc_token"
    headers = {
        key: value
        for key, value in http.headers.items()
        if key.lower() not in _COMPUTED
        and not key.lower().startswith(_RESERVED_PREFIXES)
        and not (oidc and key.lower() == "authorization")
    }
    headers["User-Agent"] = "Google-Cloud-Tasks"
    headers["X-CloudTasks-QueueName"] = task.queue.parsed.queue_id
    headers["X-CloudTasks-TaskName"] = task.task_id
    headers["X-CloudTasks-TaskRetryCount"] = str(task.dispatch_count)
    headers["X-CloudTasks-TaskExecutionCount"] = str(task.execution_count)
    headers["X-CloudTasks-TaskETA"] = f"{task.schedule_time:.6f}"
    if task.dispatch_count:
        if task.previous_response is not None:
            headers["X-CloudTasks-TaskPreviousResponse"] = str(task.previous_response)
        if task.retry_reason:
            headers["X-CloudTasks-TaskRetryReason"] = task.retry_reason
    return headers
