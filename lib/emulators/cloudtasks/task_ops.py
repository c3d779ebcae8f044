"""Task RPCs: create (named or not), get, list, delete, run."""

from __future__ import annotations

import time
from typing import Any

from emulators.cloudtasks import attempts, names, task_check
from emulators.cloudtasks.attempts import Delivery
from emulators.cloudtasks.convert import task_pb
from emulators.cloudtasks.errors import already_exists
from emulators.cloudtasks.model import TaskRecord
from emulators.cloudtasks.state import State, paginate

MAX_TASK_PAGE = 1000


def create(state: State, parent: str, task: Any, view: int) -> Any:
    """Add a task; a name in use, or used within the tombstone window, is ALREADY_EXISTS."""
    parsed = names.queue(parent, field="parent")
    with state.cond:
        queue = state.queue(parsed)
        checked = task_check.check(
            task, parsed, state.settings.min_dispatch_deadline_seconds, queue.config.retry_config
        )
        task_id = checked.task_id or names.new_task_id()
        full = f"{parsed.full}/tasks/{task_id}"
        if task_id in queue.tasks:
            raise already_exists("Task", full)
        if checked.task_id and state.buried(full):
            raise already_exists("Task", full, "a task with this name was deleted or ran recently")
        record = TaskRecord(
            task_id=task_id,
            queue=queue,
            http=checked.http,
            schedule_time=checked.schedule_time,
            create_time=time.time(),
            dispatch_deadline=checked.dispatch_deadline,
            retry_config=checked.retry_config,
            named=checked.task_id is not None,
        )
        queue.tasks[task_id] = record
        queue.schedule(record)
        state.counters.bump(queue.name, "created")
        state.cond.notify_all()
        return task_pb(record, view)


def get(state: State, name: str, view: int) -> Any:
    parsed = names.task(name)
    with state.cond:
        return task_pb(state.task(parsed), view)


def list_(state: State, parent: str, view: int, size: int, token: str) -> tuple[list[Any], str]:
    parsed = names.queue(parent, field="parent")
    with state.cond:
        queue = state.queue(parsed)
        ordered = sorted(queue.tasks.values(), key=lambda task: task.task_id)
        page, following = paginate(ordered, _task_id, size, token, MAX_TASK_PAGE)
        return [task_pb(task, view) for task in page], following


def delete(state: State, name: str) -> None:
    """Delete a waiting or running task; a finished one is gone already (NOT_FOUND)."""
    parsed = names.task(name)
    with state.cond:
        state.remove_task(state.task(parsed), "deleted")
        state.cond.notify_all()


def run(state: State, name: str, view: int) -> tuple[Any, Delivery]:
    """Dispatch a task now, whatever its schedule, its queue's limits or pause (RunTask)."""
    parsed = names.task(name)
    with state.cond:
        task = state.task(parsed)
        task.generation += 1
        delivery = attempts.start(state, task, time.time(), forced=True)
        return task_pb(task, view), delivery


def _task_id(task: TaskRecord) -> str:
    return task.task_id
