"""Which tasks go out now: due, in a running queue, within its token bucket and concurrency.

Each queue is limited by its own ``rate_limits`` only: nothing is shared between queues (the
dispatcher has no pool of workers), so a queue full of slow attempts takes nothing from another.
"""

from __future__ import annotations

from emulators.cloudtasks import attempts
from emulators.cloudtasks.attempts import Delivery
from emulators.cloudtasks.model import RUNNING, QueueRecord
from emulators.cloudtasks.state import State

IDLE_WAIT = 1.0


def take_due(state: State, now: float) -> list[Delivery]:
    """Start every attempt the queues' limits allow at ``now`` (caller holds ``state.cond``)."""
    started: list[Delivery] = []
    for queue in state.queues.values():
        limit = queue.config.rate_limits.max_concurrent_dispatches
        while queue.in_flight < limit and _wants(queue, now) and queue.bucket.take(now):
            task = queue.pop_due(now)
            assert task is not None
            started.append(attempts.start(state, task, now, forced=False))
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
            # Due but not started: waiting for a token or for a concurrency slot (a finishing
            # attempt notifies the scheduler, so only the token needs a timer).
            token_at = queue.bucket.next_token_at(now)
            if token_at > now:
                wake = min(wake, token_at)
    return max(wake - now, 0.0)


def _wants(queue: QueueRecord, now: float) -> bool:
    if queue.state != RUNNING:
        return False
    task = queue.next_due()
    return task is not None and task.schedule_time <= now
