"""CloudTasksQueue: the TaskQueue port on Google Cloud Tasks.

A sync job is an HTTP task POSTing `{"account_id": ..., "pull": true|false}` to the worker
function, with an OIDC token the worker verifies (Cloud Tasks retries a task with its body, so
a retried job keeps its reason). Coalescing keys become task names: Cloud Tasks refuses a name that
exists or was used recently (ALREADY_EXISTS), which is exactly the de-duplication we want.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta

from google.api_core import exceptions as gexc
from google.cloud import tasks_v2
from google.protobuf import duration_pb2, timestamp_pb2

from calsync.errors import QueueError

_TASK_ID = re.compile(r"^[A-Za-z0-9_-]{1,500}$")


def task_id(key: str) -> str:
    """A valid Cloud Tasks task id for `key` (kept as is when already valid, else hashed)."""
    if _TASK_ID.match(key):
        return key
    return "k-" + hashlib.sha256(key.encode()).hexdigest()


class CloudTasksQueue:
    """Enqueues sync jobs as named HTTP tasks on one queue."""

    def __init__(
        self,
        client: tasks_v2.CloudTasksClient,
        *,
        queue_path: str,
        worker_url: str,
        service_account_email: str | None = None,
        audience: str | None = None,
        dispatch_deadline: timedelta = timedelta(minutes=10),
    ) -> None:
        self._client = client
        self._queue_path = queue_path
        self._worker_url = worker_url
        self._service_account = service_account_email
        self._audience = audience or worker_url
        self._deadline = dispatch_deadline

    def enqueue_sync(
        self,
        account_id: str,
        *,
        key: str | None = None,
        at: datetime | None = None,
        pull: bool = True,
    ) -> bool:
        task = tasks_v2.Task(
            http_request=self._request(account_id, pull),
            dispatch_deadline=duration_pb2.Duration(seconds=int(self._deadline.total_seconds())),
        )
        if key is not None:
            task.name = f"{self._queue_path}/tasks/{task_id(key)}"
        if at is not None:
            stamp = timestamp_pb2.Timestamp()
            stamp.FromDatetime(at)
            task.schedule_time = stamp
        try:
            self._client.create_task(parent=self._queue_path, task=task)
        except gexc.AlreadyExists:
            return False
        except gexc.GoogleAPICallError as exc:
            raise QueueError(f"Cloud Tasks refused the job: {exc.message}") from exc
        return True

    def _request(self, account_id: str, pull: bool) -> tasks_v2.HttpRequest:
        request = tasks_v2.HttpRequest(
            http_method=tasks_v2.HttpMethod.POST,
            url=self._worker_url,
            headers={"Content-Type": "application/json"},
            body=json.dumps({"account_id": account_id, "pull": pull}).encode(),
        )
        if self._service_account:
            request.oidc_token = tasks_v2.OidcToken(
                service_account_email=self._service_account, audience=self._audience
            )
        return request
