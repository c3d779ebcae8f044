"""The Cloud Scheduler stand-in: every few seconds, a Cloud Tasks HTTP task calls `fanout`.

Like a Cloud Scheduler job with an OIDC target, each tick reaches the fan-out function as a
POST carrying an ID token for the tasks service account (audience: the fan-out URL), so the
function verifies it exactly as it verifies the real scheduler's. Ticks are named tasks
(`fanout-<tick number>`), so a restarted stand-in never sends a tick twice.
"""

from __future__ import annotations

import logging
import threading
import time

from google.api_core import exceptions as gexc
from google.cloud import tasks_v2

log = logging.getLogger(__name__)


class SchedulerStandIn:
    """A thread that enqueues one fan-out task per `every` seconds until stopped."""

    def __init__(
        self,
        client: tasks_v2.CloudTasksClient,
        *,
        queue: str,
        fanout_url: str,
        service_account: str,
        every: float,
    ) -> None:
        self._client = client
        self._queue = queue
        self._url = fanout_url
        self._service_account = service_account
        self._every = every
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self.ticks = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=10)

    def tick(self) -> bool:
        """Enqueue this period's tick; False if it was enqueued already."""
        number = int(time.time() // self._every)
        task = tasks_v2.Task(
            name=f"{self._queue}/tasks/fanout-{number}",
            http_request=tasks_v2.HttpRequest(
                http_method=tasks_v2.HttpMethod.POST,
                url=self._url,
                oidc_token=tasks_v2.OidcToken(
                    service_account_email=self._service_account, audience=self._url
                ),
            ),
        )
        try:
            self._client.create_task(parent=self._queue, task=task)
        except gexc.AlreadyExists:
            return False
        self.ticks += 1
        return True

    def _loop(self) -> None:
        while not self._stopped.wait(self._every - time.time() % self._every):
            try:
                self.tick()
            except gexc.GoogleAPICallError as exc:
                log.warning("scheduler stand-in: tick not enqueued (%s)", exc.message)
