"""Resource names of Cloud Tasks, checked against the formats the real service documents.

- ``projects/PROJECT_ID/locations/LOCATION_ID``: a location (the parent of queues);
- ``.../queues/QUEUE_ID``: ``QUEUE_ID`` is letters, digits or hyphens, at most 100 characters;
- ``.../tasks/TASK_ID``: ``TASK_ID`` is letters, digits, hyphens or underscores, at most 500.

``PROJECT_ID`` may hold letters, digits, hyphens, colons and periods (domain-scoped projects).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from emulators.cloudtasks.errors import invalid

_PROJECT = r"[A-Za-z0-9\-:.]{1,100}"
_LOCATION = r"[A-Za-z0-9\-]{1,63}"
_QUEUE = r"[A-Za-z0-9\-]{1,100}"
_TASK = r"[A-Za-z0-9_\-]{1,500}"
_LOCATION_NAME = re.compile(rf"projects/({_PROJECT})/locations/({_LOCATION})")
_QUEUE_NAME = re.compile(rf"({_LOCATION_NAME.pattern})/queues/({_QUEUE})")
_TASK_NAME = re.compile(rf"({_QUEUE_NAME.pattern})/tasks/({_TASK})")


@dataclass(frozen=True)
class QueueName:
    """A parsed queue name."""

    location: str
    queue_id: str

    @property
    def full(self) -> str:
        return f"{self.location}/queues/{self.queue_id}"


@dataclass(frozen=True)
class TaskName:
    """A parsed task name."""

    queue: QueueName
    task_id: str

    @property
    def full(self) -> str:
        return f"{self.queue.full}/tasks/{self.task_id}"


def location(name: str, field: str = "parent") -> str:
    """Check a location name (``projects/P/locations/L``) and return it."""
    if not _LOCATION_NAME.fullmatch(name):
        raise invalid(
            f"Invalid {field} {name!r}: expected projects/PROJECT_ID/locations/LOCATION_ID "
            "(PROJECT_ID: letters, digits, '-', ':', '.'; LOCATION_ID: letters, digits, '-')"
        )
    return name


def queue(name: str, field: str = "name") -> QueueName:
    """Parse a queue name or refuse it with INVALID_ARGUMENT."""
    match = _QUEUE_NAME.fullmatch(name)
    if not match:
        raise invalid(
            f"Invalid {field} {name!r}: expected projects/PROJECT_ID/locations/LOCATION_ID/"
            "queues/QUEUE_ID (QUEUE_ID: letters, digits or '-', at most 100 characters)"
        )
    return QueueName(location=match.group(1), queue_id=match.group(4))


def task(name: str, field: str = "name") -> TaskName:
    """Parse a task name or refuse it with INVALID_ARGUMENT."""
    match = _TASK_NAME.fullmatch(name)
    if not match:
        raise invalid(
            f"Invalid {field} {name!r}: expected projects/PROJECT_ID/locations/LOCATION_ID/"
            "queues/QUEUE_ID/tasks/TASK_ID (TASK_ID: letters, digits, '-' or '_', "
            "at most 500 characters)"
        )
    parent = QueueName(location=match.group(2), queue_id=match.group(5))
    return TaskName(queue=parent, task_id=match.group(6))


def new_task_id() -> str:
    """A random id for a task created without a name (digits, like the real service's)."""
    return str(secrets.randbelow(10**19) + 10**19)
