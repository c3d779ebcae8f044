"""``CreateTask`` input checks, with the limits of the real service's reference.

- only HTTP tasks (``http_request``); App Engine tasks and ``oauth_token`` are refused as
  UNIMPLEMENTED; the URL is one a dispatch can be sent to (:mod:`emulators.cloudtasks.urls`:
  ``http://`` or ``https://``, a valid host and port, at most 2083 characters); a body only
  with POST, PUT or PATCH; headers below 80 KB; a task below 100 KB;
- ``dispatch_deadline`` within [15 s, 30 min] (default 10 min); the lower bound can be lowered
  for tests (``--min-dispatch-deadline`` or the admin config);
- ``schedule_time`` at most 30 days ahead; unset or in the past means now.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from google.cloud import tasks_v2

from emulators.cloudtasks import names, urls
from emulators.cloudtasks.errors import invalid, unimplemented
from emulators.cloudtasks.queue_config import RETRY_PB, normalize_retry
from emulators.cloudtasks.retry import seconds

HTTP_PB: Any = tasks_v2.HttpRequest.pb()
METHOD = tasks_v2.HttpMethod
DEFAULT_DEADLINE = 600.0
MAX_DEADLINE = 1800.0
MAX_HEADERS = 80 * 1024
MAX_TASK = 100 * 1024
MAX_SCHEDULE_AHEAD = 30 * 24 * 3600.0
_BODY_METHODS = (METHOD.POST, METHOD.PUT, METHOD.PATCH)
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_VALUE = re.compile(r"[\x20-\x7e\t]*")


@dataclass
class NewTask:
    """A checked task, ready to be stored."""

    task_id: str | None
    http: Any
    schedule_time: float
    dispatch_deadline: float
    retry_config: Any | None


def check(task: Any, queue: names.QueueName, min_deadline: float, queue_retry: Any) -> NewTask:
    """Check the ``task`` of a CreateTaskRequest for ``queue``; raise RpcError when refused."""
    if task.ByteSize() > MAX_TASK:
        raise invalid(f"Task size too large: {task.ByteSize()} bytes (the limit is 100 KB)")
    return NewTask(
        task_id=_task_id(task.name, queue),
        http=_http_request(task),
        schedule_time=_schedule_time(task),
        dispatch_deadline=_deadline(task, min_deadline),
        retry_config=_retry(task, queue_retry),
    )


def _task_id(name: str, queue: names.QueueName) -> str | None:
    if not name:
        return None
    parsed = names.task(name, field="task.name")
    if parsed.queue != queue:
        raise invalid(f"task.name {name!r} is not in the queue {queue.full!r} named by parent")
    return parsed.task_id


def _http_request(task: Any) -> Any:
    kind = task.WhichOneof("message_type")
    if kind == "app_engine_http_request":
        raise unimplemented("App Engine tasks (app_engine_http_request)")
    if kind != "http_request":
        raise invalid("Task.http_request must be set (the task has no target)")
    http = HTTP_PB()
    http.CopyFrom(task.http_request)
    _check_url(http.url)
    if http.http_method == METHOD.HTTP_METHOD_UNSPECIFIED:
        http.http_method = METHOD.POST
    if http.body and http.http_method not in _BODY_METHODS:
        method = METHOD(http.http_method).name
        raise invalid(f"A request body is allowed only with POST, PUT or PATCH, not {method}")
    _check_headers(http.headers)
    _check_auth(http)
    return http


def _check_url(url: str) -> None:
    urls.parse(url)  # INVALID_ARGUMENT unless a dispatch can be sent to it


def _check_headers(headers: Any) -> None:
    size = sum(len(key) + len(value) for key, value in headers.items())
    if size >= MAX_HEADERS:
        raise invalid(f"Task.http_request.headers are too large: {size} bytes (limit 80 KB)")
    for key, value in headers.items():
        if not _TOKEN.fullmatch(key) or not _VALUE.fullmatch(value):
            raise invalid(
                f"Task.http_request.headers has an invalid header {key!r}: names are HTTP "
                "tokens, values printable ASCII"
            )


def _check_auth(http: Any) -> None:
    kind = http.WhichOneof("authorization_header")
    if kind == "oauth_token":
        raise unimplemented("HttpRequest.oauth_token (OAuth access tokens for Google APIs)")
    if kind == "oidc_token" and "@" not in http.oidc_token.service_account_email:
        raise invalid("oidc_token.service_account_email must be a service account email")


def _schedule_time(task: Any) -> float:
    now = time.time()
    if not task.HasField("schedule_time"):
        return now
    when = float(task.schedule_time.ToNanoseconds()) / 1e9
    if when > now + MAX_SCHEDULE_AHEAD:
        raise invalid("Task.schedule_time is too far in the future (at most 30 days ahead)")
    return max(when, now)


def _deadline(task: Any, min_deadline: float) -> float:
    deadline = seconds(task.dispatch_deadline)
    if deadline == 0:
        return DEFAULT_DEADLINE
    if not min_deadline <= deadline <= MAX_DEADLINE:
        raise invalid(
            f"Task.dispatch_deadline must be between {min_deadline:g}s and "
            f"{MAX_DEADLINE:g}s for HTTP tasks, got {deadline:g}s"
        )
    return deadline


def _retry(task: Any, queue_retry: Any) -> Any | None:
    if not task.HasField("retry_config"):
        return None
    config = RETRY_PB()
    config.CopyFrom(task.retry_config)
    normalize_retry(config, defaults=queue_retry)
    return config
