"""The TaskQueue contract, run against the inline queue and Cloud Tasks (through the emulator).

Every adapter must: enqueue a job for an account, refuse a key it has seen (returning False),
accept different keys and key-less jobs, and deliver the account id and whether the job pulls
(`pull`, true unless asked otherwise) to the worker.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from calsync.ports import TaskQueue
from calsync.sync.jobs import coalesced
from calsync.tasks.cloud_tasks import CloudTasksQueue, task_id
from calsync.tasks.inline import InlineTaskQueue
from emulators.cloudtasks.receiver import Receiver

from tests.fixtures.cloudtasks import CloudTasksEmulator


@dataclass
class QueueUnderTest:
    queue: TaskQueue
    # wait for n deliveries, return each one's account id and `pull`
    delivered: Callable[[int], list[tuple[str, bool]]]


def _inline() -> QueueUnderTest:
    queue = InlineTaskQueue()
    return QueueUnderTest(queue, lambda n: [(job.account_id, job.pull) for job in queue.pending])


@pytest.fixture(params=["inline", "cloud_tasks"])
def subject(request: pytest.FixtureRequest) -> Iterator[QueueUnderTest]:
    if request.param == "inline":
        yield _inline()
        return
    emulator: CloudTasksEmulator = request.getfixturevalue("cloudtasks")
    receiver: Receiver = request.getfixturevalue("task_receiver")
    queue_name = emulator.make_queue("sync").name
    adapter = CloudTasksQueue(
        emulator.client,
        queue_path=queue_name,
        worker_url=f"{receiver.url}/worker",
        service_account_email="tasks@calsync-test.iam.gserviceaccount.com",
    )

    def delivered(n: int) -> list[tuple[str, bool]]:
        receiver.wait_for(n, timeout=10)
        bodies = [json.loads(r.body) for r in receiver.requests()]
        return [(body["account_id"], body["pull"]) for body in bodies]

    yield QueueUnderTest(adapter, delivered)


def test_a_job_reaches_the_worker_with_its_account(subject: QueueUnderTest) -> None:
    assert subject.queue.enqueue_sync("acc1", key="sync-acc1-1") is True
    assert subject.delivered(1) == [("acc1", True)]


def test_a_push_only_job_reaches_the_worker_as_such(subject: QueueUnderTest) -> None:
    assert subject.queue.enqueue_sync("acc6", key="push-acc6-1", pull=False) is True
    assert subject.delivered(1) == [("acc6", False)]


def test_a_push_only_and_a_pulling_request_of_one_window_are_both_kept(
    subject: QueueUnderTest,
) -> None:
    now = datetime.now(UTC)
    (pulling, _), _ = coalesced("acc7", now, timedelta(seconds=60))
    (push_only, _), _ = coalesced("acc7", now, timedelta(seconds=60), pull=False)
    assert subject.queue.enqueue_sync("acc7", key=push_only, pull=False) is True
    assert subject.queue.enqueue_sync("acc7", key=pulling) is True
    assert subject.queue.enqueue_sync("acc7", key=push_only, pull=False) is False
    assert sorted(subject.delivered(2)) == [("acc7", False), ("acc7", True)]


def test_a_seen_key_is_refused_and_nothing_more_is_delivered(subject: QueueUnderTest) -> None:
    assert subject.queue.enqueue_sync("acc1", key="sync-acc1-7") is True
    assert subject.queue.enqueue_sync("acc1", key="sync-acc1-7") is False
    assert subject.queue.enqueue_sync("acc1", key="sync-acc1-8") is True
    assert sorted(subject.delivered(2)) == [("acc1", True), ("acc1", True)]


def test_jobs_without_key_are_never_refused(subject: QueueUnderTest) -> None:
    assert subject.queue.enqueue_sync("acc2") is True
    assert subject.queue.enqueue_sync("acc2") is True
    assert subject.delivered(2) == [("acc2", True), ("acc2", True)]


def test_a_delayed_job_is_accepted(subject: QueueUnderTest) -> None:
    at = datetime.now(UTC) + timedelta(milliseconds=300)
    assert subject.queue.enqueue_sync("acc3", key="sync-acc3-1", at=at) is True
    assert subject.delivered(1) == [("acc3", True)]


def test_cloud_tasks_jobs_carry_an_oidc_token_for_the_worker(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    from google.auth.transport.requests import Request
    from google.oauth2 import id_token

    queue = CloudTasksQueue(
        cloudtasks.client,
        queue_path=cloudtasks.make_queue("sync").name,
        worker_url=f"{task_receiver.url}/worker",
        service_account_email="tasks@calsync-test.iam.gserviceaccount.com",
        audience="https://worker.example",
    )
    queue.enqueue_sync("acc4")
    task_receiver.wait_for(1, timeout=10)
    [request] = task_receiver.requests()
    token = (request.header("Authorization") or "").removeprefix("Bearer ")
    claims = id_token.verify_token(
        token, Request(), audience="https://worker.example", certs_url=cloudtasks.admin.certs_url
    )
    assert claims["email"] == "tasks@calsync-test.iam.gserviceaccount.com"


def test_keys_that_are_not_valid_task_ids_are_hashed_stably() -> None:
    assert task_id("sync-acc1-5") == "sync-acc1-5"
    odd = task_id("sync/acc 1")
    assert odd == task_id("sync/acc 1")
    assert odd.startswith("k-")
    assert odd != task_id("sync/acc 2")


def test_queue_failures_become_queue_errors(cloudtasks: CloudTasksEmulator) -> None:
    from calsync.errors import QueueError

    queue = CloudTasksQueue(
        cloudtasks.client,
        queue_path=cloudtasks.queue_name("missing"),
        worker_url="http://127.0.0.1:9/worker",
    )
    with pytest.raises(QueueError):
        queue.enqueue_sync("acc5")
