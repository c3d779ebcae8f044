"""SyncJob: lease, result recording, back-off, re-authorization, crashes and re-runs."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from calsync.domain import AccountStatus
from calsync.domain.account import Pace, SyncType
from calsync.domain.schedule import evolve
from calsync.errors import (
    ProviderAuthError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from calsync.sync.jobs import JobOutcome

from tests.unit.harness import Crash
from tests.unit.rig import CONFIG, Rig


def test_a_job_syncs_and_records_the_result() -> None:
    rig = Rig()
    rig.crm_create(subject="Out")
    rig.cal_create(summary="In")
    result = rig.run()
    assert result.outcome is JobOutcome.DONE
    assert sorted(e.summary for e in rig.events()) == ["In", "Out"]
    assert sorted(a.subject for a in rig.activities()) == ["In", "Out"]
    account = rig.stored_account()
    assert account.sync.last_synced_at == rig.clock.now()
    assert account.sync.next_check_at == rig.clock.now() + CONFIG.poll_interval
    assert (account.sync.failures, account.error, account.sync.lease_holder) == (0, None, None)
    assert account.sync.cursor is not None
    assert account.sync.applied_settings == account.settings


def test_an_account_that_is_not_syncing_is_skipped() -> None:
    rig = Rig()
    rig.memory.session().accounts.put(evolve(rig.account, status=AccountStatus.SYNCED_PREVIOUSLY))
    assert rig.run().outcome is JobOutcome.SKIPPED
    assert rig.job.run("nobody").outcome is JobOutcome.SKIPPED


def test_a_held_lease_makes_a_second_job_busy_and_come_back_soon() -> None:
    """Soon, not when the lease ends: a live holder finishes within moments, and a change made
    while it ran must not wait for the whole lease (minutes) to reach the calendar."""
    rig = Rig()
    held = evolve(
        rig.account.sync, lease_holder="other", lease_until=rig.clock.now() + timedelta(minutes=3)
    )
    rig.memory.session().accounts.put(evolve(rig.account, sync=held))
    busy = rig.run()
    assert busy.outcome is JobOutcome.BUSY
    assert busy.retry_after == pytest.approx(CONFIG.busy_retry.total_seconds())
    rig.clock.advance(timedelta(minutes=3) - timedelta(milliseconds=300))
    assert rig.run().retry_after == pytest.approx(0.3)  # the lease ends sooner than that
    rig.clock.advance(timedelta(minutes=1))
    assert rig.run().outcome is JobOutcome.DONE


def test_two_concurrent_jobs_one_runs_and_one_is_busy() -> None:
    rig = Rig()
    rig.crm_create()
    inside, release = threading.Event(), threading.Event()

    def hold(_: object) -> None:
        inside.set()
        release.wait(timeout=10)

    rig.provider.on_page = hold
    results = []
    first = threading.Thread(target=lambda: results.append(rig.run()))
    first.start()
    assert inside.wait(timeout=10)
    rig.provider.on_page = None
    second = rig.run()
    release.set()
    first.join(timeout=10)
    assert second.outcome is JobOutcome.BUSY
    assert [r.outcome for r in results] == [JobOutcome.DONE]
    assert len(rig.events()) == 1


def test_transient_failures_back_off_and_show_a_problem_after_a_while() -> None:
    rig = Rig()
    waits = []
    for attempt in range(1, 4):
        rig.service.fail_next("events.list", ProviderUnavailable("503 backend error"))
        result = rig.run()
        assert result.outcome is JobOutcome.RETRY
        waits.append(result.retry_after)
        account = rig.stored_account()
        assert account.sync.failures == attempt
        assert account.sync.next_check_at == rig.clock.now() + timedelta(seconds=waits[-1] or 0)
        assert account.sync.lease_holder is None
    assert waits == [30, 60, 120]
    problem = rig.stored_account().error
    assert problem is not None
    assert "keeps trying" in problem.message
    assert rig.run().outcome is JobOutcome.DONE
    assert (rig.stored_account().sync.failures, rig.stored_account().error) == (0, None)


def test_back_off_is_capped() -> None:
    rig = Rig()
    assert rig.job.backoff(40) == CONFIG.backoff_max


def test_a_rate_limit_waits_at_least_as_long_as_asked() -> None:
    rig = Rig()
    rig.crm_create()
    rig.service.fail_next("events.insert", ProviderRateLimited("quota", retry_after=900))
    result = rig.run()
    assert result.outcome is JobOutcome.RETRY
    assert result.retry_after == 900
    assert rig.run().outcome is JobOutcome.DONE
    assert len(rig.events()) == 1


@pytest.mark.parametrize("where", ["open", "call"])
def test_a_refused_authorization_needs_reauth_without_retry_storm(where: str) -> None:
    rig = Rig()
    if where == "open":
        rig.auth_error = ProviderAuthError("no usable credentials")
    else:
        rig.service.revoke("ann@example.com")
    result = rig.run()
    assert (result.outcome, result.should_retry) == (JobOutcome.FAILED, False)
    account = rig.stored_account()
    assert account.status is AccountStatus.NEEDS_REAUTH
    assert account.error is not None
    assert account.error.code == "needs_reauth"
    assert "reconnect" in account.error.message
    assert account.sync.next_check_at is None
    assert rig.run().outcome is JobOutcome.SKIPPED


def test_a_calendar_that_is_gone_is_a_permanent_error_the_user_can_act_on() -> None:
    rig = Rig()
    rig.memory.session().accounts.put(
        evolve(
            rig.account, settings=evolve(rig.account.settings, calendar_id="deleted@example.com")
        )
    )
    result = rig.run()
    assert result.outcome is JobOutcome.FAILED
    account = rig.stored_account()
    assert account.status is AccountStatus.ERROR
    assert account.error is not None
    assert "choose another calendar" in account.error.message


def test_entries_that_keep_needing_pushes_get_a_follow_up_job() -> None:
    rig = Rig(config=replace(CONFIG, max_push_attempts=1))
    activity = rig.crm_create()
    rig.run()
    event = rig.events()[0]
    rig.crm_update(activity.id, subject="CRM")
    rig.service.user_update(event.calendar_id, event.id, location="calendar")
    # The user edits the event again while the job runs (after its pull): the job's update is
    # STALE, merges, and must push again: more than the one attempt a job may make here.
    rig.provider.on_page = lambda _: rig.service.user_update(
        event.calendar_id, event.id, busy=False
    )
    result = rig.run()
    rig.provider.on_page = None
    assert result.outcome is JobOutcome.DONE
    # CRM changes left over: the follow-up need not pull
    [follow_up] = rig.queue.pending
    assert (follow_up.account_id, follow_up.pull) == ("acc", False)
    assert (follow_up.key or "").startswith("push-acc-")
    rig.clock.advance(timedelta(minutes=1))
    assert rig.run().outcome is JobOutcome.DONE
    [final] = rig.events()
    assert (final.summary, final.location, final.busy) == ("CRM", "calendar", False)


CRASH_POINTS = list(range(1, 26))  # a job of this test makes 24 calls


@pytest.mark.parametrize("nth", CRASH_POINTS)
@pytest.mark.parametrize("after", [False, True])
def test_a_crash_anywhere_is_repaired_by_the_next_job(nth: int, after: bool) -> None:
    rig = Rig()
    rig.run()
    created = rig.crm_create(subject="Out")
    rig.cal_create(summary="In")
    rig.tripwire.arm(nth, after=after)
    try:
        rig.run()
    except Crash:
        again = rig.run()
        assert again.outcome in (JobOutcome.BUSY, JobOutcome.DONE)
        rig.clock.advance(CONFIG.lease_ttl + timedelta(seconds=1))
    rig.tripwire.disarm()
    assert rig.run().outcome is JobOutcome.DONE
    assert sorted(e.summary for e in rig.events()) == ["In", "Out"]
    assert sorted(a.subject for a in rig.activities()) == ["In", "Out"]
    links = list(rig.memory.session().links.all("acc"))
    assert len(links) == 2
    assert rig.memory.session().outbox.pending("acc", limit=10) == []
    assert [e.crm_activity_id for e in rig.events() if e.summary == "Out"] == [created.id]


@pytest.mark.parametrize("nth", range(1, 13))
def test_events_a_one_way_pull_skipped_come_in_when_two_way_is_back(nth: int) -> None:
    """A job that pulled under one-way (skipping the calendar's own events) and died before
    recording anything else: switching back to two-way still lists them and brings them in."""
    rig = Rig()
    rig.run()
    two_way = rig.stored_account().settings
    assert two_way is not None
    rig.change_settings(two_way.model_copy(update={"sync_type": SyncType.ONE_WAY}))
    rig.cal_create(summary="Made while one-way")
    rig.tripwire.arm(nth, after=True)
    try:
        rig.run()
    except Crash:
        rig.clock.advance(CONFIG.lease_ttl + timedelta(seconds=1))
    rig.tripwire.disarm()
    rig.change_settings(two_way)
    assert rig.run().outcome is JobOutcome.DONE
    assert [a.subject for a in rig.activities()] == ["Made while one-way"]


def test_a_job_leaves_the_request_budget_it_ended_with_on_the_account() -> None:
    rig = Rig()
    left = Pace(tokens=12.5, at=rig.clock.now())
    rig.provider.request_budget = lambda: left  # type: ignore[method-assign]
    assert rig.run().outcome is JobOutcome.DONE
    assert rig.stored_account().sync.pace == left
