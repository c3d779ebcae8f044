"""Everything the emulator holds, behind one lock: queues, tasks, tombstones, counters, settings.

The operations live beside it (``queue_ops``, ``task_ops``, ``scheduling``, ``attempts``); each
takes ``state.cond`` for its whole critical section and notifies the scheduler after a change.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import threading
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from google.cloud.tasks_v2 import Queue

from emulators.cloudtasks import names
from emulators.cloudtasks.errors import invalid, not_found
from emulators.cloudtasks.model import QueueRecord, TaskRecord
from emulators.cloudtasks.settings import Counters, Settings

T = TypeVar("T")


class State:
    """The emulator's memory. ``cond`` guards every attribute below it."""

    def __init__(self, settings: Settings) -> None:
        self.cond = threading.Condition()
        self._initial = settings.model_copy()
        self.settings = settings.model_copy()
        self.queues: dict[str, QueueRecord] = {}
        self.tombstones: dict[str, float] = {}  # name -> until when it stays taken
        self._expiries: list[tuple[float, str]] = []  # a heap of (until, name), for forgetting
        self.counters = Counters()
        self.epoch = 0

    def queue(self, name: names.QueueName) -> QueueRecord:
        record = self.queues.get(name.full)
        if record is None:
            raise not_found("Queue", name.full)
        return record

    def task(self, name: names.TaskName) -> TaskRecord:
        record = self.queue(name.queue).tasks.get(name.task_id)
        if record is None:
            raise not_found("Task", name.full)
        return record

    def bury(self, name: str, seconds: float) -> None:
        """Keep ``name`` taken for ``seconds`` (a tombstone window of the settings)."""
        moment = time.time()
        self._forget_expired(moment)
        self.tombstones[name] = moment + seconds
        heapq.heappush(self._expiries, (moment + seconds, name))

    def _forget_expired(self, moment: float) -> None:
        """Drop the tombstones whose window has passed: oldest first, each once, so a burial
        costs O(log n) however many names are still taken."""
        while self._expiries and self._expiries[0][0] <= moment:
            until, name = heapq.heappop(self._expiries)
            if self.tombstones.get(name) == until:  # not buried again since
                del self.tombstones[name]

    def buried(self, name: str) -> bool:
        until = self.tombstones.get(name)
        if until is None:
            return False
        if until > time.time():
            return True
        del self.tombstones[name]
        return False

    def remove_task(self, task: TaskRecord, event: str) -> None:
        """Take a task out of its queue (finished, dropped, deleted) and tombstone its name."""
        task.queue.tasks.pop(task.task_id, None)
        if task.named:
            self.bury(task.name, self.settings.tombstone_seconds)
        self.counters.bump(task.queue.name, event)

    def reset(self) -> None:
        """Forget everything and restore the start-up settings; late results are ignored."""
        with self.cond:
            self.queues.clear()
            self.tombstones.clear()
            self._expiries.clear()
            self.counters = Counters()
            self.settings = self._initial.model_copy()
            self.epoch += 1
            self.cond.notify_all()

    def stats(self) -> dict[str, object]:
        with self.cond:
            snapshot = self.counters.snapshot()
            snapshot["live"] = {
                name: {
                    "state": Queue.State(queue.state).name,
                    "tasks": len(queue.tasks),
                    "in_flight": queue.in_flight,
                }
                for name, queue in sorted(self.queues.items())
            }
            return snapshot


def paginate(
    items: Sequence[T], key: Callable[[T], str], size: int, token: str, limit: int
) -> tuple[list[T], str]:
    """One page of ``items`` (sorted by ``key``) and the token of the next (empty on the last).

    The token carries the last key returned, so deletions between pages skip nothing.
    """
    if size < 0:
        raise invalid(f"page_size must not be negative, got {size}")
    size = min(size or limit, limit)
    after = _cursor(token)
    chosen = [item for item in items if after is None or key(item) > after]
    page = chosen[:size]
    if len(chosen) <= size:
        return page, ""
    return page, base64.urlsafe_b64encode(key(page[-1]).encode()).decode()


def _cursor(token: str) -> str | None:
    """The key a page token carries; INVALID_ARGUMENT for anything this emulator did not issue.

    Only the exact encoding of a key that could be one (printable ASCII) is accepted: base64
    decoding alone skips characters outside its alphabet, which would turn junk into a token.
    """
    if not token:
        return None
    try:
        key = base64.urlsafe_b64decode(token.encode("ascii")).decode()
    except (ValueError, binascii.Error, UnicodeError):
        key = ""
    issued = key.isascii() and key.isprintable()  # keys are task ids and queue names
    if not key or not issued or base64.urlsafe_b64encode(key.encode()).decode() != token:
        raise invalid(f"Invalid page_token {token!r}: pass the next_page_token of a response")
    return key
