"""Which tasks go out now: due, in a running queue, within its token bucket and concurrency.

When workers are scarce, queues take turns, fewest attempts in flight first, so a queue whose
handler is slow cannot starve the others; no queue may hold more than ``cap`` workers, which
keeps room for other queues even when one is saturated with slow dispatches.
"""

from __future__ import annotations

from emulators.cloudtasks import attempts
from emulators.cloudtasks.attempts import Delivery
from emulators.cloudtasks.model import RUNNING, QueueRecord
from emulators.cloudtasks.state import State

IDLE_WAIT = 1.0


def take_due(state: State, now: float, free: int, cap: int) -> list[Delivery]:
    """Start up to ``free`` attempts of due tasks (caller holds ``state.cond``)."""
    started: list[Delivery] = []
    ready = [queue for queue in state.queues.values() if _wants(queue, now)]
    while free > 0 and ready:
        ready.sort(key=lambda queue: queue.in_flight)
        for queue in list(ready):
            limit = min(queue.config.rate_limits.max_concurrent_dispatches, cap)
            if free == 0:
                break
            if queue.in_flight >= limit or not _wants(queue, now):
                ready.remove(queue)
                continue
            if not queue.bucket.take(now):
                ready.remove(queue)
                continue
            task = queue.pop_due(now)
            assert task is not None
            started.append(attempts.start(state, task, now, forced=False))
            free -= 1
    return started


def next_wake(state: State, now: float) -> float:
    """How long the scheduler may sleep before something becomes due (or tokens refill)."""
    wake = now + IDLE_WAIT
    for queue in state.queues.values():
        if queue.state != RUNNING:
            continue
        task = queue.next_due()
        if task is None:
            continue
        if task.schedule_time > now:
            wake = min(wake, task.schedule_time)
        else:
            # Due but not started: waiting for a token, or for a worker or a concurrency slot
            # (a finishing attempt notifies the scheduler, so only the token needs a timer).
            token_at = queue.bucket.next_token_at(now)
            if token_at > now:
                wake = min(wake, token_at)
    return max(wake - now, 0.0)


def _wants(queue: QueueRecord, now: float) -> bool:
    if queue.state != RUNNING:
        return False
    task = queue.next_due()
    return task is not None and task.schedule_time <= now
