"""The dispatch loop: a scheduler thread starts due attempts, an event loop carries them.

The scheduler sleeps until the next task is due or a queue's bucket refills, and wakes early on
any change (a new task, a resumed queue, a finished attempt). It starts every attempt the
queues' own limits allow (``max_dispatches_per_second``, ``max_burst_size``,
``max_concurrent_dispatches``) and hands them to one asyncio event loop, where each is a
coroutine with a connection of its own: there is no pool of workers to share, so a queue reaches
its ``max_concurrent_dispatches`` and a slow handler holds up only its own queue's tasks beyond
that limit. An attempt sends the request, maybe sends it a second time (the ``duplicate_rate``
fault: the real service delivers at least once), and reports the outcome back to the state.

``stop`` ends the scheduler, cancels the attempts in flight (their outcomes are not recorded)
and closes the loop.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections.abc import Sequence

import grpc

from emulators.cloudtasks import attempts, scheduling
from emulators.cloudtasks.attempts import Delivery, Outcome
from emulators.cloudtasks.sender import Sender
from emulators.cloudtasks.state import State

log = logging.getLogger(__name__)
STOP_WAIT = 5.0


class Dispatcher:
    """Runs the scheduler thread and the event loop thread of the attempts in flight."""

    def __init__(self, state: State, sender: Sender) -> None:
        self._state = state
        self._sender = sender
        self._loop = asyncio.new_event_loop()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._random = random.Random()
        self._loop_thread = threading.Thread(
            target=self._loop.run_forever, name="dispatch", daemon=True
        )
        self._scheduler = threading.Thread(target=self._schedule, name="scheduler", daemon=True)

    def start(self) -> None:
        self._loop_thread.start()
        self._scheduler.start()

    def stop(self) -> None:
        with self._state.cond:
            self._stopping = True
            self._state.cond.notify_all()
        self._scheduler.join(timeout=STOP_WAIT)
        if self._loop_thread.is_alive():
            cancelled = asyncio.run_coroutine_threadsafe(self._cancel_all(), self._loop)
            cancelled.result(timeout=STOP_WAIT)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._loop_thread.join(timeout=STOP_WAIT)
        if not self._loop.is_running():
            self._loop.close()
        self._sender.close()

    def submit(self, deliveries: Sequence[Delivery]) -> None:
        """Send attempts already started in the state (by the scheduler, or by RunTask)."""
        if deliveries:
            self._loop.call_soon_threadsafe(self._spawn, list(deliveries))

    def _schedule(self) -> None:
        state = self._state
        while True:
            with state.cond:
                if self._stopping:
                    return
                now = time.time()
                started = scheduling.take_due(state, now)
                if not started:
                    state.cond.wait(timeout=scheduling.next_wake(state, now))
                    continue
            self.submit(started)

    def _spawn(self, deliveries: list[Delivery]) -> None:
        for delivery in deliveries:
            attempt = self._loop.create_task(self._deliver(delivery))
            self._in_flight.add(attempt)
            attempt.add_done_callback(self._in_flight.discard)

    async def _deliver(self, delivery: Delivery) -> None:
        try:
            outcome = await self._sender.send(delivery)
            result = outcome.status or (outcome.error.name if outcome.error else "?")
            log.info("%s %s -> %s", delivery.method, delivery.url, result)
            if outcome.ok and self._duplicate():
                with self._state.cond:
                    self._state.counters.bump(delivery.queue.name, "duplicated")
                await self._sender.send(delivery)
        except Exception as error:  # an attempt must report back whatever happens
            log.exception("dispatch of %s failed", delivery.task.name)
            outcome = Outcome(error=grpc.StatusCode.INTERNAL, message=str(error))
        attempts.finish(self._state, delivery, outcome)

    async def _cancel_all(self) -> None:
        pending = list(self._in_flight)
        for attempt in pending:
            attempt.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def _duplicate(self) -> bool:
        rate = self._state.settings.duplicate_rate
        return rate > 0 and self._random.random() < rate
