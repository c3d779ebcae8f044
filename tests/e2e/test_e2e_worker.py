"""The worker over HTTP, as Cloud Tasks calls it, with real job outcomes: 429 while another job
holds the account, 503 while Google fails (both retried by the queue, with Retry-After), and
2xx for a permanent failure recorded on the account (not retried)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from calsync.devstack.client import wait_for
from calsync.domain.schedule import evolve
from emulators.cloudtasks.client import tasks_client

from tests.e2e.synced import WAIT, Synced, meeting, queue_stats, settle, start_sync
from tests.fixtures.stack import LocalStack, Tenant

# werkzeug's request log line; it colours those of non-2xx answers
WORKER_ANSWER = re.compile(r'POST /worker HTTP/1\.1(?:\x1b\[[0-9;]*m)?" (\d{3}) ')


def _answers(stack: LocalStack, since: int) -> list[int]:
    """The worker's HTTP statuses in the stack's log since line `since`."""
    return [int(m.group(1)) for line in stack.lines()[since:] if (m := WORKER_ANSWER.search(line))]


def _outcomes(synced: Synced, since: int) -> set[str]:
    """The outcomes the worker logged for the account's jobs since line `since`."""
    marker = f"job of account {synced.account_id}: "
    lines = synced.stack.lines()[since:]
    return {line.split(marker, 1)[1].split(" ", 1)[0] for line in lines if marker in line}


def _queue(stack: LocalStack) -> dict[str, int]:
    counts: dict[str, int] = queue_stats(stack)["queues"].get(stack.sync_queue, {})
    return counts


def _run_waiting_tasks(stack: LocalStack) -> None:
    """Dispatch the sync queue's waiting tasks now (rather than after their Retry-After)."""
    client = tasks_client(stack.info["cloudtasks"]["grpc"])
    for task in client.list_tasks(parent=stack.sync_queue):
        client.run_task(name=task.name)


@contextmanager
def _lease_held(synced: Synced) -> Iterator[None]:
    """Another job holds the account's lease for the duration."""
    storage = synced.stack.storage()

    def hold(holder: str | None, until: datetime | None) -> None:
        def work(uow: object) -> None:
            account = uow.accounts.get(synced.account_id)  # type: ignore[attr-defined]
            sync = evolve(account.sync, lease_holder=holder, lease_until=until)
            uow.accounts.put(evolve(account, sync=sync))  # type: ignore[attr-defined]

        storage.transaction(work)

    hold("another-job", datetime.now(UTC) + timedelta(minutes=10))
    try:
        yield
    finally:
        hold(None, None)


def test_a_job_meeting_a_held_lease_is_answered_429_and_retried(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    settle(synced.stack)
    since, before = len(synced.stack.lines()), _queue(synced.stack)
    with _lease_held(synced):
        activity = synced.crm.create_activity(**meeting("While busy"))
        wait_for("a busy answer", lambda: 429 in _answers(synced.stack, since), WAIT)
        assert 503 not in _answers(synced.stack, since)
        assert synced.event_of(activity["id"]) is None
    synced.wait_event(activity["id"])  # the queue retried it once the lease was free
    assert _queue(synced.stack)["retried"] > before.get("retried", 0)
    assert _answers(synced.stack, since)[-1] == 200
    assert {"busy", "done"} <= _outcomes(synced, since)


def test_a_job_meeting_failing_google_is_answered_503_and_retried(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    settle(synced.stack)
    since, before = len(synced.stack.lines()), _queue(synced.stack)
    synced.stack.google_admin("POST", "faults", {"methods": {"*": {"error503": 1.0}}})
    try:
        activity = synced.crm.create_activity(**meeting("While Google fails"))
        wait_for("an unavailable answer", lambda: 503 in _answers(synced.stack, since), WAIT)
    finally:
        synced.stack.google_admin("DELETE", "faults")
    assert 429 not in _answers(synced.stack, since)
    assert "retry" in _outcomes(synced, since)
    assert _queue(synced.stack)["retried"] > before.get("retried", 0)
    _run_waiting_tasks(synced.stack)  # its Retry-After is the engine's back-off (30 s)
    synced.wait_event(activity["id"])
    account = synced.crm.account(synced.account_id)
    assert account["status"] == "syncing", "a transient failure stops nothing"


def test_a_deleted_sync_calendar_is_a_permanent_failure_recorded_not_retried(
    tenant: Tenant,
) -> None:
    synced = start_sync(tenant)
    settle(synced.stack)
    since, before = len(synced.stack.lines()), _queue(synced.stack)
    synced.google.delete_calendar(synced.calendar_id)
    synced.crm.create_activity(**meeting("Into a calendar that is gone"))
    account = synced.wait_account(lambda a: a["status"] == "error")
    assert account["error"]["code"] == "calendar_refused"
    message = account["error"]["message"]
    assert "still exists" in message
    assert "choose another calendar" in message
    settle(synced.stack)
    after = _queue(synced.stack)
    assert after.get("failed", 0) == before.get("failed", 0), "every job answered 2xx"
    assert after.get("retried", 0) == before.get("retried", 0)
    assert set(_answers(synced.stack, since)) == {200}
    assert "failed" in _outcomes(synced, since)
