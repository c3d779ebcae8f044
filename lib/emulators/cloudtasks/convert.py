"""Records -> the client library's protobuf messages (called with the state's lock held)."""

from __future__ import annotations

import math
from typing import Any

from google.cloud import tasks_v2

from emulators.cloudtasks.model import Attempt, QueueRecord, TaskRecord

TASK_PB: Any = tasks_v2.Task.pb()
QUEUE_PB: Any = tasks_v2.Queue.pb()
ATTEMPT_PB: Any = tasks_v2.Attempt.pb()
VIEW = tasks_v2.Task.View


def queue_pb(queue: QueueRecord) -> Any:
    message = QUEUE_PB()
    message.CopyFrom(queue.config)
    message.name = queue.name
    message.state = queue.state
    if queue.purge_time is not None:
        message.purge_time.FromNanoseconds(_micros(queue.purge_time) * 1000)
    return message


def task_pb(task: TaskRecord, view: int) -> Any:
    """The task as the real service returns it; the BASIC view leaves out the body."""
    full = view == VIEW.FULL
    message = TASK_PB(
        name=task.name,
        dispatch_count=task.dispatch_count,
        response_count=task.response_count,
        view=VIEW.FULL if full else VIEW.BASIC,
    )
    message.http_request.CopyFrom(task.http)
    if not full:
        message.http_request.ClearField("body")
    message.schedule_time.FromNanoseconds(_micros(task.schedule_time) * 1000)
    message.create_time.FromSeconds(math.floor(task.create_time))
    message.dispatch_deadline.FromNanoseconds(round(task.dispatch_deadline * 1000) * 1_000_000)
    if task.retry_config is not None:
        message.retry_config.CopyFrom(task.retry_config)
    if task.first_dispatch is not None:
        message.first_attempt.dispatch_time.FromNanoseconds(_micros(task.first_dispatch) * 1000)
    if task.last_attempt is not None:
        message.last_attempt.CopyFrom(attempt_pb(task.last_attempt))
    return message


def attempt_pb(attempt: Attempt) -> Any:
    message = ATTEMPT_PB()
    message.schedule_time.FromNanoseconds(_micros(attempt.schedule_time) * 1000)
    message.dispatch_time.FromNanoseconds(_micros(attempt.dispatch_time) * 1000)
    if attempt.response_time is not None:
        message.response_time.FromNanoseconds(_micros(attempt.response_time) * 1000)
        message.response_status.code = attempt.status_code
        message.response_status.message = attempt.status_message
    return message


def _micros(seconds: float) -> int:
    """Times are truncated to the microsecond, as the reference says."""
    return math.floor(seconds * 1_000_000)
