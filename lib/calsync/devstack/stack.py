"""`Stack`: the whole local stack, started and stopped as one (`calsync dev`, the demo, e2e).

Order of start: the functions server binds its port (so a taken port fails before anything
else starts), the emulators start and the queues are made, the services are wired by
`bootstrap` with production adapters pointed at the emulators, the company is seeded, the
server starts serving, the scheduler stand-in starts ticking, and `.calsync/dev.json` is
written. `stop()` undoes all of it in reverse; child processes die with the stack in any case
(they are asked to by Linux when their parent exits).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulators.cloudtasks.client import tasks_client

from calsync.bootstrap import bootstrap, local_signer
from calsync.config import Settings
from calsync.devstack.cloud import FIRESTORE_HOST_VARIABLE, SCHEDULER_QUEUE, Cloud, start_cloud
from calsync.devstack.scheduler import SchedulerStandIn
from calsync.devstack.seed import Company, seed
from calsync.devstack.server import FunctionsServer, stack_app
from calsync.devstack.settings import TASKS_SERVICE_ACCOUNT, Tuning, stack_settings
from calsync.devstack.state import DEFAULT_DIR, INFO_FILE, StateDir
from calsync.domain.activity import User

TOKEN_TTL_SECONDS = 12 * 3600


@dataclass(frozen=True)
class StackOptions:
    """Where and how the stack runs."""

    host: str = "127.0.0.1"
    port: int = 8090  # the functions server; 0 picks a free port
    google_port: int = 0  # the Google simulator (fix it to bookmark its consent page)
    consent_page: bool = False  # show the simulator's consent page instead of approving at once
    state_dir: Path = DEFAULT_DIR
    info_file: str = INFO_FILE  # the file in `state_dir` that describes the running stack
    tuning: Tuning = field(default_factory=Tuning)


class Stack:
    """The local stack. Use as a context manager, or `start()` then `stop()`."""

    def __init__(self, options: StackOptions | None = None) -> None:
        self.options = options or StackOptions()
        self.state = StateDir(self.options.state_dir, self.options.info_file)
        self.cloud: Cloud | None = None
        self.settings: Settings | None = None
        self.company: Company | None = None
        self.info: dict[str, Any] = {}
        self._server: FunctionsServer | None = None
        self._scheduler: SchedulerStandIn | None = None
        self._previous_firestore_host: str | None = None

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> dict[str, Any]:
        """Start everything; returns what `dev.json` says. Stops what started on failure."""
        began = time.monotonic()
        options = self.options
        try:
            self._server = FunctionsServer(options.host, options.port)
            self.cloud = start_cloud(
                host=options.host,
                google_port=options.google_port,
                consent_page=options.consent_page,
            )
            self._previous_firestore_host = os.environ.get(FIRESTORE_HOST_VARIABLE)
            os.environ[FIRESTORE_HOST_VARIABLE] = self.cloud.firestore_host  # the client reads it
            self.settings = stack_settings(self.cloud, self._server.url, self.state, options.tuning)
            services = bootstrap(self.settings)
            self.company = seed(services.context.storage)
            self._server.serve(stack_app(services))
            self._scheduler = SchedulerStandIn(
                tasks_client(self.cloud.tasks_grpc),
                queue=SCHEDULER_QUEUE,
                fanout_url=self.settings.fanout_url,
                service_account=TASKS_SERVICE_ACCOUNT,
                every=options.tuning.tick_seconds,
            )
            self._scheduler.start()
        except BaseException:
            self.stop()
            raise
        self.info = self._describe(time.monotonic() - began)
        self.state.write_info(self.info)
        return self.info

    def token(self, user: User, ttl_seconds: int = TOKEN_TTL_SECONDS) -> str:
        """A bearer token for `user`, signed with the stack's key."""
        assert self.settings is not None, "the stack is not started"
        return local_signer(self.settings).issue(user, ttl_seconds=ttl_seconds)

    def stop(self) -> None:
        """Stop the scheduler, the server and the emulators (each once; safe to repeat)."""
        if self._scheduler is not None:
            self._scheduler.stop()
            self._scheduler = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self.cloud is not None:
            self.cloud.stop()
            self.cloud = None
            if self._previous_firestore_host is None:
                os.environ.pop(FIRESTORE_HOST_VARIABLE, None)
            else:
                os.environ[FIRESTORE_HOST_VARIABLE] = self._previous_firestore_host
        self.state.remove_info(os.getpid())

    def _describe(self, took: float) -> dict[str, Any]:
        assert self.settings is not None
        assert self.cloud is not None
        assert self.company is not None
        settings, main = self.settings, self.company.main
        return {
            "pid": os.getpid(),
            "started_in_seconds": round(took, 2),
            "functions_url": settings.functions_url,
            "google_url": self.cloud.google_url,
            "user": main.email,
            "token": self.token(main),
            "company_id": self.company.id,
            "users": {user.email: user.id for user in self.company.users},
            "frontend_url": settings.frontend_url,
            "oauth_redirect_url": settings.oauth_redirect_url,
            "webhook_url": settings.webhook_url,
            "worker_url": settings.worker_url,
            "fanout_url": settings.fanout_url,
            "consent_page": self.options.consent_page,
            "tuning": {
                "coalesce_seconds": settings.coalesce_seconds,
                "poll_interval_seconds": settings.poll_interval_seconds,
                "google_requests_per_minute": settings.google_requests_per_minute,
                "tick_seconds": self.options.tuning.tick_seconds,
            },
            **self.cloud.describe(),
        }
