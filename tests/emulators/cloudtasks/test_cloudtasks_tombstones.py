"""Names that stay taken: a named task's after it is purged or dropped, a deleted queue's.

The real service keeps a task name for a while after the task is gone ("about an hour", later
"up to 24 hours") and a deleted queue's name "for a tombstone window of up to 3 days"
(DeleteQueue reference). The session's emulator shortens both to ``TOMBSTONE_SECONDS``.
"""

from __future__ import annotations

import time

import pytest
from emulators import launch
from emulators.cloudtasks.client import Admin
from emulators.cloudtasks.receiver import Receiver
from google.api_core import exceptions

from tests.fixtures.cloudtasks import TOMBSTONE_SECONDS, CloudTasksEmulator

URL = "https://worker.example.com/run"


def _gone(cloudtasks: CloudTasksEmulator, name: str) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            cloudtasks.client.get_task(name=name)
        except exceptions.NotFound:
            return
        time.sleep(0.05)
    raise AssertionError(f"{name} still exists")


def test_a_purged_named_task_keeps_its_name_taken_for_the_window(
    cloudtasks: CloudTasksEmulator,
) -> None:
    queue = cloudtasks.make_queue()
    cloudtasks.client.pause_queue(name=queue.name)
    name = f"{queue.name}/tasks/account-7"
    cloudtasks.http_task(queue.name, URL, name=name)

    cloudtasks.client.purge_queue(name=queue.name)

    with pytest.raises(exceptions.NotFound):
        cloudtasks.client.get_task(name=name)
    with pytest.raises(exceptions.AlreadyExists, match="recently"):
        cloudtasks.http_task(queue.name, URL, name=name)
    time.sleep(TOMBSTONE_SECONDS + 0.2)
    assert cloudtasks.http_task(queue.name, URL, name=name).name == name


def test_a_dropped_named_task_keeps_its_name_taken(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    queue = cloudtasks.make_queue(retry_config={"max_attempts": 1})
    task_receiver.respond(status=500)
    name = f"{queue.name}/tasks/doomed"
    cloudtasks.http_task(queue.name, task_receiver.url, name=name)
    task_receiver.wait_for(1)
    _gone(cloudtasks, name)

    with pytest.raises(exceptions.AlreadyExists, match="recently"):
        cloudtasks.http_task(queue.name, task_receiver.url, name=name)
    assert cloudtasks.admin.stats()["queues"][queue.name]["dropped"] == 1


def test_a_deleted_queue_name_is_reserved_for_its_own_window(
    cloudtasks: CloudTasksEmulator,
) -> None:
    cloudtasks.admin.config(tombstone_seconds=60, queue_tombstone_seconds=0.5)
    queue = cloudtasks.make_queue("short-lived")
    name = f"{queue.name}/tasks/kept"
    cloudtasks.http_task(queue.name, URL, name=name)
    cloudtasks.client.delete_task(name=name)
    cloudtasks.client.delete_queue(name=queue.name)

    with pytest.raises(exceptions.FailedPrecondition, match="too recently"):
        cloudtasks.make_queue("short-lived")
    time.sleep(0.7)
    assert cloudtasks.make_queue("short-lived").name == queue.name
    with pytest.raises(exceptions.AlreadyExists):  # the task's window is its own, longer one
        cloudtasks.http_task(queue.name, URL, name=name)


def test_the_default_windows_are_an_hour_for_tasks_and_three_days_for_queues() -> None:
    server = launch.start("emulators.cloudtasks")
    try:
        defaults = Admin(f"http://{server.extra['http']}").config()
    finally:
        server.stop()

    assert defaults["tombstone_seconds"] == 3600
    assert defaults["queue_tombstone_seconds"] == 3 * 24 * 3600
