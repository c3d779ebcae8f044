"""The local cloud the stack runs on: the Firestore, Cloud Tasks and Google emulators.

Each is a child process (`emulators.launch.start`, which also asks Linux to end it if the
stack dies). A Firestore server already named by
`FIRESTORE_EMULATOR_HOST` (e.g. the official emulator) is used instead of starting ours.
The queues are created here: `sync` (jobs, retried with a short back-off) and `scheduler` (the
fan-out tick, never retried: the next tick comes anyway).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field

from emulators import launch
from emulators.cloudtasks.client import tasks_client
from google.api_core import exceptions as gexc
from google.cloud import tasks_v2
from google.protobuf import duration_pb2

FIRESTORE_HOST_VARIABLE = "FIRESTORE_EMULATOR_HOST"
LOCATION = "projects/calsync-local/locations/local"
SYNC_QUEUE = f"{LOCATION}/queues/sync"
SCHEDULER_QUEUE = f"{LOCATION}/queues/scheduler"


@dataclass
class Cloud:
    """Where the emulators listen, and the child processes to stop."""

    firestore_host: str  # "H:P" (gRPC)
    firestore_admin: str | None  # "H:P" of our emulator's admin port; None for another server
    tasks_grpc: str
    tasks_http: str
    google_url: str
    servers: list[launch.RunningServer] = field(default_factory=list)

    def stop(self) -> None:
        for server in reversed(self.servers):
            server.stop()

    def describe(self) -> dict[str, object]:
        return {
            "firestore": {"host": self.firestore_host, "admin": self.firestore_admin},
            "cloudtasks": {
                "grpc": self.tasks_grpc,
                "http": self.tasks_http,
                "sync_queue": SYNC_QUEUE,
                "scheduler_queue": SCHEDULER_QUEUE,
            },
            "google": {"url": self.google_url},
        }


def start_cloud(*, host: str, google_port: int, consent_page: bool) -> Cloud:
    """Start the emulators and create the queues; stops what started on failure.

    They start one after the other from the calling thread: Linux ends a child when the
    *thread* that started it exits, so they must not be started from short-lived threads.
    """
    preset = os.environ.get(FIRESTORE_HOST_VARIABLE)
    google_args = () if consent_page else ("--auto-consent",)
    servers: list[launch.RunningServer] = []
    try:
        firestore = None
        if not preset:
            firestore = launch.start("emulators.firestore", host=host)
            servers.append(firestore)
        tasks = launch.start("emulators.cloudtasks", host=host)
        servers.append(tasks)
        google = launch.start("emulators.google", *google_args, host=host, port=google_port)
        servers.append(google)
        create_queues(tasks.address)
    except BaseException:
        for server in reversed(servers):
            server.stop()
        raise
    return Cloud(
        firestore_host=preset or (firestore.address if firestore else ""),
        firestore_admin=firestore.extra.get("admin") if firestore else None,
        tasks_grpc=tasks.address,
        tasks_http=tasks.extra["http"],
        google_url=google.url,
        servers=servers,
    )


def _seconds(value: float) -> duration_pb2.Duration:
    whole = int(value)
    return duration_pb2.Duration(seconds=whole, nanos=int((value - whole) * 1e9))


def create_queues(address: str) -> None:
    """The `sync` and `scheduler` queues (kept as they are if they exist)."""
    client = tasks_client(address)
    sync = tasks_v2.Queue(
        name=SYNC_QUEUE,
        rate_limits=tasks_v2.RateLimits(
            max_dispatches_per_second=100, max_concurrent_dispatches=50
        ),
        retry_config=tasks_v2.RetryConfig(
            max_attempts=50,
            min_backoff=_seconds(0.2),
            max_backoff=_seconds(60),
            max_doublings=6,
        ),
    )
    scheduler = tasks_v2.Queue(
        name=SCHEDULER_QUEUE,
        rate_limits=tasks_v2.RateLimits(max_dispatches_per_second=1, max_concurrent_dispatches=1),
        retry_config=tasks_v2.RetryConfig(max_attempts=1),
    )
    for queue in (sync, scheduler):
        with contextlib.suppress(gexc.AlreadyExists):
            client.create_queue(parent=LOCATION, queue=queue)
