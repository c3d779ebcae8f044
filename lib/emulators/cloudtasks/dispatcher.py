"""The dispatch loop: one scheduler thread hands due attempts to a bounded pool of workers.

The scheduler sleeps until the next task is due or a queue's bucket refills, and wakes early on
any change (a new task, a resumed queue, a finished attempt). Workers send the request, maybe
send it a second time (the ``duplicate_rate`` fault: the real service delivers at least once),
and report the outcome back to the state.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc

from emulators.cloudtasks import attempts, scheduling
from emulators.cloudtasks.attempts import Delivery
from emulators.cloudtasks.sender import Sender
from emulators.cloudtasks.state import State

log = logging.getLogger(__name__)


class Dispatcher:
    """Runs the scheduler thread and the worker pool of ``workers`` threads."""

    def __init__(self, state: State, sender: Sender, workers: int) -> None:
        self._state = state
        self._sender = sender
        self._workers = workers
        self._cap = max(1, workers - max(1, workers // 8))
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dispatch")
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self._random = random.Random()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._state.cond:
            self._stopping = True
            self._state.cond.notify_all()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._sender.close()

    def submit(self, delivery: Delivery) -> None:
        """Send an attempt started elsewhere (RunTask)."""
        self._pool.submit(self._deliver, delivery)

    def _loop(self) -> None:
        state = self._state
        while True:
            with state.cond:
                if self._stopping:
                    return
                now = time.time()
                free = self._workers - state.busy
                started = scheduling.take_due(state, now, free, self._cap) if free > 0 else []
                if not started:
                    state.cond.wait(timeout=scheduling.next_wake(state, now))
                    continue
            for delivery in started:
                self._pool.submit(self._deliver, delivery)

    def _deliver(self, delivery: Delivery) -> None:
        try:
            outcome = self._sender.send(delivery)
            result = outcome.status or (outcome.error.name if outcome.error else "?")
            log.info("%s %s -> %s", delivery.method, delivery.url, result)
            if outcome.ok and self._duplicate():
                with self._state.cond:
                    self._state.counters.bump(delivery.queue.name, "duplicated")
                self._sender.send(delivery)
        except Exception as error:  # a worker must report back whatever happens
            log.exception("dispatch of %s failed", delivery.task.name)
            outcome = attempts.Outcome(error=grpc.StatusCode.INTERNAL, message=str(error))
        attempts.finish(self._state, delivery, outcome)

    def _duplicate(self) -> bool:
        rate = self._state.settings.duplicate_rate
        return rate > 0 and self._random.random() < rate
