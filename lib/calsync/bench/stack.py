"""The local stack the benchmarks run on: the stack of `calsync dev` in a child process
(`stack_child.py`), as the e2e tests use it, with a coalescing window of the figure's choosing.

The functions run in their own process (as in the cloud, and so that the benchmark's own work
never competes with them for one interpreter lock); the benchmark reaches the same emulators
directly: settings for its in-process services and worker processes are the stack's own
(`stack_settings`), pointed at a Firestore database of the figure's choosing, so each figure
counts its own reads and writes. Everything runs unpaced (`UNPACED_VARIABLE`). The scheduler
stand-in's queue is paused while figures run: the fan-out tick is periodic background work,
not part of any figure but `fanout_10000`, which runs its own tick.

`PRODUCTION_WINDOW` is the coalescing window a deployment has (the settings' default, 2 s);
the local stack's own is 50 ms (`devstack.settings.Tuning`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests
from emulators.cloudtasks.client import tasks_client
from google.api_core import exceptions as gexc
from google.cloud import tasks_v2

from calsync.config import Settings
from calsync.devstack.cloud import FIRESTORE_HOST_VARIABLE, LOCATION, SCHEDULER_QUEUE, Cloud
from calsync.devstack.settings import Tuning, stack_settings
from calsync.devstack.state import StateDir

START_TIMEOUT = 120.0
BENCH_QUEUE = f"{LOCATION}/queues/bench"  # jobs the benchmark's own services ask for (paused)
# The Google adapter paces each job at 300 requests a minute by default (Google allows 600 per
# user); the stack and the benchmarks run unpaced, to measure calsync rather than the pacer.
UNPACED_VARIABLE = "CALSYNC_GOOGLE_REQUESTS_PER_MINUTE"
VERBOSE_VARIABLE = "CALSYNC_BENCH_VERBOSE"
PRODUCTION_WINDOW: float = Settings.model_fields["coalesce_seconds"].default
PURGE_TIMEOUT = 600.0  # seconds


class StackError(RuntimeError):
    """The local stack did not start (its log is in the message)."""


class BenchStack:
    """A running `calsync dev` (child process) and access to its emulators."""

    def __init__(self, coalesce_seconds: float | None = None) -> None:
        self.tuning = Tuning()
        if coalesce_seconds is not None:
            self.tuning = dataclasses.replace(self.tuning, coalesce_seconds=coalesce_seconds)
        self._tmp = tempfile.TemporaryDirectory(prefix="calsync-bench-")
        self.state_dir = Path(self._tmp.name) / ".calsync"
        self.log: list[str] = []
        self.info: dict[str, Any] = {}
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> BenchStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- life -----------------------------------------------------------------------------

    def start(self) -> None:
        command = [sys.executable, "-u", "-m", "calsync.bench.stack_child", str(self.state_dir)]
        command += ["--coalesce-seconds", str(self.tuning.coalesce_seconds)]
        if os.environ.get(VERBOSE_VARIABLE):
            command.append("--verbose")  # request logs, to look into a figure
        env = {k: v for k, v in os.environ.items() if k != FIRESTORE_HOST_VARIABLE}
        env[UNPACED_VARIABLE] = "0"
        self._process = subprocess.Popen(  # noqa: S603 - this interpreter, our own module
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        threading.Thread(target=self._drain, daemon=True).start()
        info_path = self.state_dir / "dev.json"
        deadline = time.monotonic() + START_TIMEOUT
        while not info_path.exists():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise StackError("the stack did not start:\n" + "\n".join(self.log[-40:]))
            time.sleep(0.05)
        self.info = json.loads(info_path.read_text())
        os.environ[FIRESTORE_HOST_VARIABLE] = self.info["firestore"]["host"]
        self._make_bench_queue()
        self.pause(SCHEDULER_QUEUE)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        os.environ.pop(FIRESTORE_HOST_VARIABLE, None)
        self._tmp.cleanup()

    def _drain(self) -> None:
        assert self._process is not None
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self.log.append(line.rstrip("\n"))

    # -- where things are -------------------------------------------------------------------

    @property
    def coalesce_seconds(self) -> float:
        """The coalescing window the stack's functions run with (as they report it)."""
        return float(self.info["tuning"]["coalesce_seconds"])

    @property
    def functions_url(self) -> str:
        return str(self.info["functions_url"])

    @property
    def google_url(self) -> str:
        return str(self.info["google_url"])

    @property
    def firestore_admin(self) -> str:
        return f"http://{self.info['firestore']['admin']}"

    @property
    def tasks_admin(self) -> str:
        return f"http://{self.info['cloudtasks']['http']}"

    @property
    def sync_queue(self) -> str:
        return str(self.info["cloudtasks"]["sync_queue"])

    def cloud(self) -> Cloud:
        return Cloud(
            firestore_host=self.info["firestore"]["host"],
            firestore_admin=self.info["firestore"]["admin"],
            tasks_grpc=self.info["cloudtasks"]["grpc"],
            tasks_http=self.info["cloudtasks"]["http"],
            google_url=self.google_url,
        )

    def settings(self, database: str = "(default)", **changes: Any) -> Settings:
        """The stack's own settings, for a benchmark's services on Firestore `database`;
        jobs they ask for go to the paused `bench` queue unless `changes` say otherwise."""
        state = StateDir(self.state_dir)
        base = stack_settings(self.cloud(), self.functions_url, state, self.tuning)
        update = {
            "firestore_database": database,
            "tasks_queue": BENCH_QUEUE,
            "google_requests_per_minute": 0,
            **changes,
        }
        return base.model_copy(update=update)

    # -- queues -----------------------------------------------------------------------------

    def tasks(self) -> tasks_v2.CloudTasksClient:
        return tasks_client(self.info["cloudtasks"]["grpc"])

    def _make_bench_queue(self) -> None:
        queue = tasks_v2.Queue(name=BENCH_QUEUE)
        with contextlib.suppress(gexc.AlreadyExists):
            self.tasks().create_queue(parent=LOCATION, queue=queue)
        self.pause(BENCH_QUEUE)

    def pause(self, queue: str) -> None:
        self.tasks().pause_queue(name=queue)

    def resume(self, queue: str) -> None:
        self.tasks().resume_queue(name=queue)

    def purge(self, queue: str) -> None:
        """Delete the queue's tasks. The emulator tombstones each named task it deletes and,
        once it holds 10,000 tombstones, sweeps them on every deletion: purging the 10,000
        jobs of `fanout_10000_all_due` takes it tens of seconds, hence the long timeout."""
        self.tasks().purge_queue(name=queue, timeout=PURGE_TIMEOUT)

    def queue_live(self, queue: str) -> dict[str, Any]:
        stats = requests.get(f"{self.tasks_admin}/admin/stats", timeout=30).json()
        live: dict[str, Any] = stats["live"].get(queue, {})
        return live

    def queue_idle(self, queue: str) -> bool:
        live = self.queue_live(queue)
        return bool(live.get("tasks", 0) == 0 and live.get("in_flight", 0) == 0)

    def server_errors(self) -> list[str]:
        """Lines of the stack's log that show a failed request (500) or a traceback."""
        return [line for line in self.log if '" 500 ' in line or "Traceback" in line]
