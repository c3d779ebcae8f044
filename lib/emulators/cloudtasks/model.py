"""The in-memory records behind queues and tasks (guarded by the state's lock, not their own)."""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Any

from google.cloud import tasks_v2

from emulators.cloudtasks.names import QueueName

RUNNING = tasks_v2.Queue.State.RUNNING
PAUSED = tasks_v2.Queue.State.PAUSED
DISABLED = tasks_v2.Queue.State.DISABLED
_sequence = itertools.count()


class TokenBucket:
    """The queue's rate limiter: ``capacity`` tokens, refilled at ``rate`` per second."""

    def __init__(self, rate: float, capacity: int, now: float) -> None:
        self.rate = rate
        self.capacity = float(capacity)
        self.tokens = float(capacity)
        self.stamp = now

    def reconfigure(self, rate: float, capacity: int, now: float) -> None:
        self._refill(now)
        self.rate, self.capacity = rate, float(capacity)
        self.tokens = min(self.tokens, self.capacity)

    def take(self, now: float) -> bool:
        self._refill(now)
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True

    def next_token_at(self, now: float) -> float:
        self._refill(now)
        return now if self.tokens >= 1.0 else now + (1.0 - self.tokens) / self.rate

    def _refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = max(self.stamp, now)


@dataclass
class Attempt:
    """What is kept of one dispatch attempt."""

    schedule_time: float
    dispatch_time: float
    response_time: float | None = None
    status_code: int = 0
    status_message: str = ""


@dataclass
class TaskRecord:
    """A task waiting in, or being dispatched from, a queue."""

    task_id: str
    queue: QueueRecord
    http: Any
    schedule_time: float
    create_time: float
    dispatch_deadline: float
    retry_config: Any | None
    named: bool
    dispatch_count: int = 0
    response_count: int = 0
    execution_count: int = 0
    first_dispatch: float | None = None
    last_attempt: Attempt | None = None
    previous_response: int | None = None
    retry_reason: str | None = None
    generation: int = 0
    in_flight: int = 0

    @property
    def name(self) -> str:
        return f"{self.queue.name}/tasks/{self.task_id}"


@dataclass
class QueueRecord:
    """A queue: its configuration, its tasks and the heap of their schedule times."""

    parsed: QueueName
    config: Any
    bucket: TokenBucket
    state: int = RUNNING
    purge_time: float | None = None
    in_flight: int = 0
    tasks: dict[str, TaskRecord] = field(default_factory=dict)
    _heap: list[tuple[float, int, str, int]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.parsed.full

    def schedule(self, task: TaskRecord) -> None:
        """(Re)enter ``task`` in the heap at its schedule time; older entries become stale."""
        task.generation += 1
        entry = (task.schedule_time, next(_sequence), task.task_id, task.generation)
        heapq.heappush(self._heap, entry)

    def next_due(self) -> TaskRecord | None:
        """The waiting task with the earliest schedule time (stale heap entries are dropped)."""
        while self._heap:
            _, _, task_id, generation = self._heap[0]
            task = self.tasks.get(task_id)
            if task is not None and task.generation == generation:
                return task
            heapq.heappop(self._heap)
        return None

    def pop_due(self, now: float) -> TaskRecord | None:
        """Take the earliest task if it is due at ``now``."""
        task = self.next_due()
        if task is None or task.schedule_time > now:
            return None
        heapq.heappop(self._heap)
        task.generation += 1
        return task
