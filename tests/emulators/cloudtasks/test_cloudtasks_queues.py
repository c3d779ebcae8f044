"""Queues through the official client: CRUD, defaults, limits, update masks, pause, purge."""

from __future__ import annotations

import time

import pytest
from emulators.cloudtasks.receiver import Receiver
from google.api_core import exceptions
from google.cloud import tasks_v2
from google.protobuf import duration_pb2, field_mask_pb2

from tests.fixtures.cloudtasks import TOMBSTONE_SECONDS, CloudTasksEmulator

State = tasks_v2.Queue.State


def test_a_queue_created_without_options_gets_the_real_defaults(
    cloudtasks: CloudTasksEmulator,
) -> None:
    queue = cloudtasks.make_queue("plain")

    assert queue.name == cloudtasks.queue_name("plain")
    assert queue.state == State.RUNNING
    assert queue.rate_limits.max_dispatches_per_second == 500
    assert queue.rate_limits.max_burst_size == 100
    assert queue.rate_limits.max_concurrent_dispatches == 1000
    retry = queue.retry_config
    assert retry.max_attempts == 100
    assert retry.min_backoff.total_seconds() == pytest.approx(0.1)
    assert retry.max_backoff.total_seconds() == 3600
    assert retry.max_doublings == 16
    assert cloudtasks.client.get_queue(name=queue.name) == queue


def test_queues_are_listed_by_location_with_pages_and_a_state_filter(
    cloudtasks: CloudTasksEmulator,
) -> None:
    for queue_id in ("a", "b", "c"):
        cloudtasks.make_queue(queue_id)
    other = "projects/calsync-test/locations/us-east1"
    cloudtasks.client.create_queue(parent=other, queue={"name": f"{other}/queues/elsewhere"})
    cloudtasks.client.pause_queue(name=cloudtasks.queue_name("b"))

    first = cloudtasks.client.list_queues(request={"parent": cloudtasks.location, "page_size": 2})
    names = [queue.name for queue in first]  # the pager follows next_page_token
    paused = cloudtasks.client.list_queues(
        request={"parent": cloudtasks.location, "filter": "state: PAUSED"}
    )

    assert names == [cloudtasks.queue_name(queue_id) for queue_id in ("a", "b", "c")]
    assert [queue.name for queue in paused] == [cloudtasks.queue_name("b")]


@pytest.mark.parametrize("token", ["%%%", "YQ", "YQ==!", "bm9uZQ== ", "\u00e9t\u00e9", "AA=="])
def test_page_tokens_not_issued_by_the_service_are_refused(
    cloudtasks: CloudTasksEmulator, token: str
) -> None:
    queue = cloudtasks.make_queue("listed")
    with pytest.raises(exceptions.InvalidArgument, match="page_token"):
        cloudtasks.client.list_tasks(request={"parent": queue.name, "page_token": token})
    with pytest.raises(exceptions.InvalidArgument, match="page_token"):
        cloudtasks.client.list_queues(request={"parent": cloudtasks.location, "page_token": token})


def test_queue_names_and_limits_are_checked(cloudtasks: CloudTasksEmulator) -> None:
    client, location = cloudtasks.client, cloudtasks.location
    bad_names = [f"{location}/queues/has_underscore", f"{location}/queues/" + "q" * 101, "q"]
    for name in bad_names:
        with pytest.raises(exceptions.InvalidArgument):
            client.create_queue(parent=location, queue={"name": name})
    with pytest.raises(exceptions.InvalidArgument):
        client.create_queue(parent=location, queue={"name": "projects/x/locations/y/queues/q"})
    with pytest.raises(exceptions.InvalidArgument, match="max_dispatches_per_second"):
        cloudtasks.make_queue("fast", rate_limits={"max_dispatches_per_second": 501})
    with pytest.raises(exceptions.InvalidArgument, match="max_concurrent_dispatches"):
        cloudtasks.make_queue("wide", rate_limits={"max_concurrent_dispatches": 5001})
    with pytest.raises(exceptions.InvalidArgument, match="max_attempts"):
        cloudtasks.make_queue("retry", retry_config={"max_attempts": -2})
    with pytest.raises(exceptions.InvalidArgument, match="min_backoff"):
        cloudtasks.make_queue(
            "backoff", retry_config={"min_backoff": {"seconds": 10}, "max_backoff": {"seconds": 5}}
        )


def test_create_get_and_delete_answer_with_the_real_status_codes(
    cloudtasks: CloudTasksEmulator,
) -> None:
    queue = cloudtasks.make_queue("once")
    with pytest.raises(exceptions.AlreadyExists):
        cloudtasks.make_queue("once")

    cloudtasks.client.delete_queue(name=queue.name)

    with pytest.raises(exceptions.NotFound):
        cloudtasks.client.get_queue(name=queue.name)
    with pytest.raises(exceptions.NotFound):
        cloudtasks.client.delete_queue(name=queue.name)
    with pytest.raises(exceptions.FailedPrecondition, match="too recently"):
        cloudtasks.make_queue("once")
    time.sleep(TOMBSTONE_SECONDS + 0.2)
    assert cloudtasks.make_queue("once").name == queue.name


def test_update_changes_only_the_masked_fields_and_creates_a_missing_queue(
    cloudtasks: CloudTasksEmulator,
) -> None:
    queue = cloudtasks.make_queue("tuned", retry_config={"max_attempts": 7})
    change = tasks_v2.Queue(
        name=queue.name,
        rate_limits={"max_dispatches_per_second": 5, "max_concurrent_dispatches": 3},
        retry_config={"max_attempts": 2},
    )
    mask = field_mask_pb2.FieldMask(paths=["rate_limits.max_dispatches_per_second"])

    updated = cloudtasks.client.update_queue(queue=change, update_mask=mask)
    created = cloudtasks.client.update_queue(
        queue=tasks_v2.Queue(name=cloudtasks.queue_name("fresh"))
    )

    assert updated.rate_limits.max_dispatches_per_second == 5
    assert updated.rate_limits.max_burst_size == 5
    assert updated.rate_limits.max_concurrent_dispatches == 1000
    assert updated.retry_config.max_attempts == 7
    assert created.state == State.RUNNING
    with pytest.raises(exceptions.InvalidArgument, match="update_mask"):
        cloudtasks.client.update_queue(
            queue=change, update_mask=field_mask_pb2.FieldMask(paths=["no_such_field"])
        )


def test_a_paused_queue_accepts_tasks_but_dispatches_them_only_after_resume(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    queue = cloudtasks.make_queue("held")
    paused = cloudtasks.client.pause_queue(name=queue.name)
    cloudtasks.http_task(queue.name, task_receiver.url + "/held")

    time.sleep(0.8)
    assert paused.state == State.PAUSED
    assert task_receiver.requests() == []

    resumed = cloudtasks.client.resume_queue(name=queue.name)
    task_receiver.wait_for(1, timeout=5)
    assert resumed.state == State.RUNNING


def test_purge_deletes_every_task_so_none_is_dispatched(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    queue = cloudtasks.make_queue("purged")
    cloudtasks.client.pause_queue(name=queue.name)
    for number in range(3):
        cloudtasks.http_task(queue.name, f"{task_receiver.url}/{number}")

    purged = cloudtasks.client.purge_queue(name=queue.name)
    cloudtasks.client.resume_queue(name=queue.name)
    time.sleep(0.8)

    assert list(cloudtasks.client.list_tasks(parent=queue.name)) == []
    assert task_receiver.requests() == []
    assert purged.purge_time.timestamp() == pytest.approx(time.time(), abs=5)
    assert cloudtasks.admin.stats()["totals"]["deleted"] == 3


def test_retry_durations_keep_sub_second_precision(cloudtasks: CloudTasksEmulator) -> None:
    queue = cloudtasks.make_queue(
        "quick", retry_config={"min_backoff": duration_pb2.Duration(nanos=250_000_000)}
    )
    assert queue.retry_config.min_backoff.total_seconds() == pytest.approx(0.25)
