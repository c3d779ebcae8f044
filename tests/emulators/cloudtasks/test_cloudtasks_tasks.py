"""Tasks through the official client: create, get, list, delete, run, names and input checks."""

from __future__ import annotations

import datetime
import time

import pytest
from emulators.cloudtasks.receiver import Receiver
from google.api_core import exceptions
from google.cloud import tasks_v2

from tests.fixtures.cloudtasks import TOMBSTONE_SECONDS, CloudTasksEmulator

View = tasks_v2.Task.View
LATER = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
URL = "https://worker.example.com/run"


def test_a_task_without_a_name_gets_a_generated_one_and_the_defaults(
    cloudtasks: CloudTasksEmulator,
) -> None:
    queue = cloudtasks.make_queue()
    before = time.time()

    task = cloudtasks.http_task(queue.name, URL, body=b"{}", schedule_time=LATER)

    assert task.name.startswith(f"{queue.name}/tasks/")
    assert task.name.rsplit("/", 1)[1].isdigit()
    assert task.http_request.http_method == tasks_v2.HttpMethod.POST
    assert task.dispatch_deadline.total_seconds() == 600
    assert task.create_time.timestamp() >= int(before)
    assert task.schedule_time.timestamp() == pytest.approx(LATER.timestamp(), abs=1e-3)
    assert task.dispatch_count == 0
    assert task.view == View.BASIC
    assert task.http_request.body == b""  # the BASIC view leaves the body out


def test_get_list_and_delete(cloudtasks: CloudTasksEmulator) -> None:
    queue = cloudtasks.make_queue()
    names = [
        cloudtasks.http_task(queue.name, URL, body=b"x", schedule_time=LATER).name for _ in range(3)
    ]

    full = cloudtasks.client.get_task(request={"name": names[0], "response_view": View.FULL})
    pages = list(cloudtasks.client.list_tasks(request={"parent": queue.name, "page_size": 2}).pages)
    cloudtasks.client.delete_task(name=names[0])

    assert full.http_request.body == b"x"
    assert full.view == View.FULL
    assert [len(page.tasks) for page in pages] == [2, 1]
    assert sorted(task.name for page in pages for task in page.tasks) == sorted(names)
    with pytest.raises(exceptions.NotFound):
        cloudtasks.client.get_task(name=names[0])
    with pytest.raises(exceptions.NotFound):
        cloudtasks.client.delete_task(name=names[0])
    remaining = cloudtasks.client.list_tasks(parent=queue.name)
    assert sorted(task.name for task in remaining) == sorted(names[1:])


def test_a_named_task_is_refused_while_it_exists_and_within_the_tombstone_window(
    cloudtasks: CloudTasksEmulator,
) -> None:
    queue = cloudtasks.make_queue()
    name = f"{queue.name}/tasks/account-42_sync"
    cloudtasks.http_task(queue.name, URL, name=name, schedule_time=LATER)

    with pytest.raises(exceptions.AlreadyExists):
        cloudtasks.http_task(queue.name, URL, name=name)
    cloudtasks.client.delete_task(name=name)
    with pytest.raises(exceptions.AlreadyExists, match="recently"):
        cloudtasks.http_task(queue.name, URL, name=name)

    time.sleep(TOMBSTONE_SECONDS + 0.2)
    assert cloudtasks.http_task(queue.name, URL, name=name).name == name


def test_a_named_task_that_ran_keeps_its_name_taken(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    queue = cloudtasks.make_queue()
    name = f"{queue.name}/tasks/done-once"
    cloudtasks.http_task(queue.name, task_receiver.url, name=name)
    task_receiver.wait_for(1)
    _wait_until_gone(cloudtasks, name)

    with pytest.raises(exceptions.AlreadyExists):
        cloudtasks.http_task(queue.name, task_receiver.url, name=name)


@pytest.mark.parametrize(
    "task_id",
    ["has space", "dot.ted", "x" * 501, "slash/ed"],
)
def test_task_names_are_checked(cloudtasks: CloudTasksEmulator, task_id: str) -> None:
    queue = cloudtasks.make_queue()
    with pytest.raises(exceptions.InvalidArgument, match=r"task\.name"):
        cloudtasks.http_task(queue.name, URL, name=f"{queue.name}/tasks/{task_id}")


def test_a_task_name_must_be_in_the_parent_queue_and_the_queue_must_exist(
    cloudtasks: CloudTasksEmulator,
) -> None:
    queue = cloudtasks.make_queue()
    other = cloudtasks.queue_name("other")
    with pytest.raises(exceptions.InvalidArgument, match="not in the queue"):
        cloudtasks.http_task(queue.name, URL, name=f"{other}/tasks/t1")
    with pytest.raises(exceptions.NotFound):
        cloudtasks.http_task(other, URL)
    with pytest.raises(exceptions.InvalidArgument):
        cloudtasks.http_task("queues/nope", URL)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"http_request": {"url": "ftp://files.example.com/x"}}, "http:// or https://"),
        ({"http_request": {"url": "worker.example.com/run"}}, "http:// or https://"),
        ({"http_request": {"url": "https://"}}, "not a valid URL"),
        ({"http_request": {"url": "https://x.example.com/" + "a" * 2100}}, "longer than 2083"),
        ({"http_request": {"url": "https://x.example.com/" + "\u00e9" * 700}}, "after encoding"),
        ({"http_request": {"url": "http://[::1/x"}}, "not a valid URL"),
        ({"http_request": {"url": "http://[::1]x/"}}, "not a valid URL"),
        ({"http_request": {"url": "http://worker.example.com:99999/x"}}, "not a valid URL"),
        ({"http_request": {"url": "http://worker.example.com:0/x"}}, "port 0"),
        ({"http_request": {"url": "http://worker.example.com:http/x"}}, "not a valid URL"),
        ({"http_request": {"url": "https://ex\u00e4mple.com/x"}}, "non-ASCII host"),
        ({"http_request": {"url": "http://[fe80::zz]/x"}}, "IPv6"),
        ({"http_request": {"url": "http://under-_-/x"}}, "invalid host name"),
        ({"http_request": {"url": "http://a..b/x"}}, "invalid host name"),
        ({"http_request": {"url": "http://exa mple.com/"}}, "whitespace"),
        ({"http_request": {"url": "https://x.example.com/\x7f"}}, "control characters"),
        ({"http_request": {"url": URL, "http_method": "GET", "body": b"x"}}, "body"),
        ({"http_request": {"url": URL, "headers": {"Bad Name": "v"}}}, "invalid header"),
        ({"http_request": {"url": URL, "headers": {"X-Name": "Zo\u00eb"}}}, "invalid header"),
        ({"http_request": {"url": URL, "headers": {"X-Split": "a\r\nb: c"}}}, "invalid header"),
        ({"http_request": {"url": URL, "headers": {"X-Big": "v" * 82_000}}}, "too large"),
        ({"http_request": {"url": URL, "body": b"x" * 103_000}}, "Task size too large"),
        ({"http_request": {"url": URL}, "dispatch_deadline": {"seconds": 14}}, "dispatch_deadline"),
        (
            {"http_request": {"url": URL}, "dispatch_deadline": {"seconds": 1801}},
            "dispatch_deadline",
        ),
        ({}, "http_request must be set"),
        (
            {"http_request": {"url": URL, "oidc_token": {"service_account_email": "nobody"}}},
            "service_account_email",
        ),
    ],
)
def test_bad_tasks_are_refused_with_invalid_argument(
    cloudtasks: CloudTasksEmulator, fields: dict[str, object], message: str
) -> None:
    queue = cloudtasks.make_queue()
    with pytest.raises(exceptions.InvalidArgument, match=message):
        cloudtasks.client.create_task(parent=queue.name, task=tasks_v2.Task(**fields))


def test_schedule_time_is_at_most_thirty_days_ahead_and_the_past_means_now(
    cloudtasks: CloudTasksEmulator,
) -> None:
    queue = cloudtasks.make_queue()
    cloudtasks.client.pause_queue(name=queue.name)
    now = datetime.datetime.now(datetime.UTC)

    past = cloudtasks.http_task(queue.name, URL, schedule_time=now - datetime.timedelta(days=1))
    near = cloudtasks.http_task(queue.name, URL, schedule_time=now + datetime.timedelta(days=29))

    assert past.schedule_time.timestamp() == pytest.approx(time.time(), abs=5)
    assert near.schedule_time.timestamp() > time.time() + 28 * 86400
    with pytest.raises(exceptions.InvalidArgument, match="30 days"):
        cloudtasks.http_task(queue.name, URL, schedule_time=now + datetime.timedelta(days=31))


def test_app_engine_and_oauth_tasks_are_unimplemented(cloudtasks: CloudTasksEmulator) -> None:
    queue = cloudtasks.make_queue()
    with pytest.raises(exceptions.MethodNotImplemented, match="App Engine"):
        cloudtasks.client.create_task(
            parent=queue.name, task={"app_engine_http_request": {"relative_uri": "/x"}}
        )
    with pytest.raises(exceptions.MethodNotImplemented, match="oauth_token"):
        cloudtasks.http_task(queue.name, URL.replace("run", "x"), **_oauth())


def test_run_task_dispatches_at_once_even_when_scheduled_later_and_paused(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    queue = cloudtasks.make_queue()
    cloudtasks.client.pause_queue(name=queue.name)
    task = cloudtasks.http_task(queue.name, task_receiver.url + "/now", schedule_time=LATER)

    returned = cloudtasks.client.run_task(name=task.name)
    arrived = task_receiver.wait_for(1, timeout=5)

    assert returned.dispatch_count == 1
    assert returned.last_attempt.dispatch_time.timestamp() == pytest.approx(time.time(), abs=5)
    assert arrived[0].path == "/now"
    _wait_until_gone(cloudtasks, task.name)
    with pytest.raises(exceptions.NotFound):
        cloudtasks.client.run_task(name=task.name)


def test_run_task_that_fails_is_rescheduled_by_the_retry_config(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    queue = cloudtasks.make_queue(retry_config={"min_backoff": {"seconds": 30}})
    cloudtasks.client.pause_queue(name=queue.name)
    task_receiver.respond(status=500)
    task = cloudtasks.http_task(queue.name, task_receiver.url, schedule_time=LATER)

    cloudtasks.client.run_task(name=task.name)
    task_receiver.wait_for(1)
    after = _wait_for_response(cloudtasks, task.name)

    assert after.response_count == 1
    assert after.last_attempt.response_status.code == 13  # INTERNAL, from HTTP 500
    assert after.schedule_time.timestamp() == pytest.approx(time.time() + 30, abs=5)


def test_run_task_on_a_task_in_flight_sends_another_attempt_at_once(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    # RunTask: "Cloud Tasks will dispatch the task, even if the task is already running, the
    # queue has reached its RateLimits or is PAUSED."
    queue = cloudtasks.make_queue(rate_limits={"max_concurrent_dispatches": 1})
    task_receiver.respond(delay=1.0, path="/slow")
    task = cloudtasks.http_task(queue.name, task_receiver.url + "/slow")
    task_receiver.wait_for(1, path="/slow")

    returned = cloudtasks.client.run_task(name=task.name)
    first, second = task_receiver.wait_for(2, timeout=5, path="/slow")
    _wait_until_gone(cloudtasks, task.name)
    counts = cloudtasks.admin.stats()["queues"][queue.name]

    assert returned.dispatch_count == 2
    assert second.time - first.time < 1.0  # sent while the first was still in flight
    assert task_receiver.peak["/slow"] == 2
    assert [got.header("X-CloudTasks-TaskRetryCount") for got in (first, second)] == ["0", "1"]
    assert (counts["dispatched"], counts["succeeded"], counts["failed"]) == (2, 1, 0)


def _oauth() -> dict[str, object]:
    return {"oauth_token": {"service_account_email": "sa@calsync-test.iam.gserviceaccount.com"}}


def _wait_until_gone(cloudtasks: CloudTasksEmulator, name: str) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            cloudtasks.client.get_task(name=name)
        except exceptions.NotFound:
            return
        time.sleep(0.05)
    raise AssertionError(f"{name} still exists")


def _wait_for_response(cloudtasks: CloudTasksEmulator, name: str) -> tasks_v2.Task:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        task = cloudtasks.client.get_task(name=name)
        if task.response_count:
            return task
        time.sleep(0.05)
    raise AssertionError(f"{name} got no response")
