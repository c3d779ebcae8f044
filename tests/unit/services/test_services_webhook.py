"""The webhook: one read, no writes; wrong tokens refused; bursts coalesce into one job."""

from __future__ import annotations

import pytest
from calsync.errors import InvalidInput, Unauthenticated
from calsync.services.webhook import Notice
from calsync.services.worker import RunJob, WorkerService
from calsync.sync.jobs import JobOutcome, JobResult

from tests.unit.services.harness import World


def _channel(world: World) -> tuple[str, str, str]:
    account = world.start(world.demo, "demo@gmail.test")
    assert account.channel is not None
    world.queue.take()
    world.later(seconds=10)
    return account.id, account.channel.id, world.calendar.watches[account.channel.id].token


def test_a_burst_of_notifications_asks_for_two_jobs_and_writes_nothing(world: World) -> None:
    account_id, channel_id, token = _channel(world)
    writes = world.writes()
    now = world.clock.now()
    notices = [world.services.webhooks.notify(channel_id, token, "exists") for _ in range(5)]
    assert notices == [Notice.ENQUEUED] * 5
    # the first at once, the other four in one job at the end of the window
    jobs = world.queue.pending
    assert [(job.account_id, job.pull) for job in jobs] == [(account_id, True)] * 2
    assert jobs[0].at == now
    assert jobs[1].at is not None
    assert now < jobs[1].at <= now + world.settings.coalesce_window
    assert world.queue.duplicates == 1 + 2 * 3
    assert world.writes() == writes


def test_the_sync_message_is_only_acknowledged(world: World) -> None:
    _, channel_id, token = _channel(world)
    assert world.services.webhooks.notify(channel_id, token, "sync") is Notice.ACKNOWLEDGED
    assert world.queue.pending == []


@pytest.mark.parametrize("token", ["wrong", "", None])
def test_a_wrong_token_is_refused_and_enqueues_nothing(world: World, token: str | None) -> None:
    _, channel_id, _ = _channel(world)
    with pytest.raises(Unauthenticated):
        world.services.webhooks.notify(channel_id, token, "exists")
    assert world.queue.pending == []


def test_unknown_and_stopped_channels_are_ignored(world: World) -> None:
    account_id, channel_id, token = _channel(world)
    assert world.services.webhooks.notify("nobody", "x", "exists") is Notice.IGNORED
    world.services.lifecycle.stop(world.demo, account_id)
    world.queue.take()
    assert world.services.webhooks.notify(channel_id, token, "exists") is Notice.IGNORED
    assert world.queue.pending == []


@pytest.mark.parametrize("channel_id", [None, "", "a/b", "x" * 65])
def test_a_malformed_channel_id_is_bad_input(world: World, channel_id: str | None) -> None:
    with pytest.raises(InvalidInput):
        world.services.webhooks.notify(channel_id, "t", "exists")


def test_the_worker_hands_a_valid_account_id_to_the_job(world: World) -> None:
    world.result = JobResult(JobOutcome.BUSY, retry_after=3)
    assert world.services.worker.run("acc-1").outcome is JobOutcome.BUSY
    assert world.services.worker.run("acc-2", False).outcome is JobOutcome.BUSY
    assert (world.ran, world.pulls) == (["acc-1", "acc-2"], [True, False])
    for bad in (None, "", 42, "a/b"):
        with pytest.raises(InvalidInput) as refused:
            world.services.worker.run(bad)
        assert set(refused.value.fields) == {"account_id"}
    for wrong in (None, "false", 0, 1, [True]):
        with pytest.raises(InvalidInput) as refused:
            world.services.worker.run("acc-1", wrong)
        assert set(refused.value.fields) == {"pull"}
    assert world.ran == ["acc-1", "acc-2"]


def test_the_worker_resolves_its_job_only_when_first_needed() -> None:
    built: list[int] = []

    def job() -> RunJob:
        built.append(1)
        return lambda account_id, pull=True: JobResult(JobOutcome.DONE, detail=account_id)

    worker = WorkerService(job)
    assert built == []
    assert worker.run("a").detail == "a"
