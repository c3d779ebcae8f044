"""Queue RPCs: create, get, list, update, delete, pause, resume, purge."""

from __future__ import annotations

import re
import time
from typing import Any

from emulators.cloudtasks import names
from emulators.cloudtasks.convert import queue_pb
from emulators.cloudtasks.errors import already_exists, failed_precondition, invalid
from emulators.cloudtasks.model import DISABLED, PAUSED, RUNNING, QueueRecord, TokenBucket
from emulators.cloudtasks.queue_config import normalized, updated
from emulators.cloudtasks.state import State, paginate

MAX_QUEUE_PAGE = 9800
_FILTER = re.compile(r"\s*state\s*[:=]\s*(RUNNING|PAUSED|DISABLED)\s*")


def create(state: State, parent: str, queue: Any) -> Any:
    location = names.location(parent)
    parsed = names.queue(queue.name, field="queue.name")
    if parsed.location != location:
        raise invalid(f"queue.name {queue.name!r} is not in the location {parent!r}")
    config = normalized(queue)
    with state.cond:
        if parsed.full in state.queues:
            raise already_exists("Queue", parsed.full)
        return queue_pb(_add(state, parsed, config))


def get(state: State, name: str) -> Any:
    parsed = names.queue(name)
    with state.cond:
        return queue_pb(state.queue(parsed))


def list_(state: State, parent: str, filter_: str, size: int, token: str) -> tuple[list[Any], str]:
    location = names.location(parent)
    wanted = _state_filter(filter_)
    with state.cond:
        chosen = [
            queue
            for name, queue in sorted(state.queues.items())
            if queue.parsed.location == location and wanted in (None, queue.state)
        ]
        page, following = paginate(chosen, _name, size, token, MAX_QUEUE_PAGE)
        return [queue_pb(queue) for queue in page], following


def update(state: State, queue: Any, mask: Any) -> Any:
    """Update a queue, creating it when it does not exist (as the real UpdateQueue does)."""
    parsed = names.queue(queue.name, field="queue.name")
    with state.cond:
        current = state.queues.get(parsed.full)
        if current is None:
            return queue_pb(_add(state, parsed, normalized(queue)))
        current.config = updated(current.config, queue, mask)
        limits = current.config.rate_limits
        current.bucket.reconfigure(
            limits.max_dispatches_per_second, limits.max_burst_size, time.time()
        )
        state.cond.notify_all()
        return queue_pb(current)


def delete(state: State, name: str) -> None:
    parsed = names.queue(name)
    with state.cond:
        queue = state.queue(parsed)
        state.counters.bump(queue.name, "deleted", len(queue.tasks))
        queue.tasks.clear()
        del state.queues[parsed.full]
        state.bury(parsed.full, state.settings.queue_tombstone_seconds)


def set_running(state: State, name: str, running: bool) -> Any:
    """Pause (``running=False``) or resume a queue."""
    parsed = names.queue(name)
    with state.cond:
        queue = state.queue(parsed)
        queue.state = RUNNING if running else PAUSED
        state.cond.notify_all()
        return queue_pb(queue)


def purge(state: State, name: str) -> Any:
    """Delete every task of the queue (those being dispatched finish, and are then forgotten)."""
    parsed = names.queue(name)
    with state.cond:
        queue = state.queue(parsed)
        now = time.time()
        for task in list(queue.tasks.values()):
            state.remove_task(task, "deleted")
        queue.purge_time = now
        return queue_pb(queue)


def _add(state: State, parsed: names.QueueName, config: Any) -> QueueRecord:
    if state.buried(parsed.full):
        raise failed_precondition(
            f"The queue {parsed.full} cannot be created because a queue with this name "
            "existed too recently (deleted queue names stay reserved for a while)"
        )
    limits = config.rate_limits
    bucket = TokenBucket(limits.max_dispatches_per_second, limits.max_burst_size, time.time())
    record = QueueRecord(parsed=parsed, config=config, bucket=bucket)
    state.queues[parsed.full] = record
    state.cond.notify_all()
    return record


def _name(queue: QueueRecord) -> str:
    return queue.name


def _state_filter(filter_: str) -> int | None:
    if not filter_.strip():
        return None
    match = _FILTER.fullmatch(filter_)
    if not match:
        raise invalid(f"Unsupported filter {filter_!r}: this emulator filters on 'state: STATE'")
    return {"RUNNING": RUNNING, "PAUSED": PAUSED, "DISABLED": DISABLED}[match.group(1)]
