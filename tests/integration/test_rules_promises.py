"""Promises: no duplicates, no lost edits, no echo loops; the CRM read side of visibility."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, cast

from calsync.domain import LinkedItem, LinkedItemKind
from calsync.domain.rules import can_see_details
from calsync.errors import ProviderUnavailable
from calsync.ports import CalendarProvider, ChangePage, EventWrite, WriteResult
from calsync.sync.jobs import JobOutcome, JobResult

from tests.integration.world import COMPANY, World


def test_a_create_whose_answer_was_lost_is_not_made_twice(world: World) -> None:
    account = world.connect()
    world.sync()
    world.cal().fail_next("events.insert", ProviderUnavailable("timeout"), after=True)
    activity = world.crm_create(subject="Once")
    [failed] = world.sync()  # the event was made, but the job did not hear so
    assert failed.should_retry
    world.sync()
    assert [e.summary for e in world.events()] == ["Once"]
    assert [link.event_id for link in world.links(account.id)] == [world.events()[0].id]
    assert world.event_for(activity.id) is not None


def test_repeated_syncs_and_a_full_resync_create_nothing_twice(world: World) -> None:
    account = world.connect()
    world.crm_create(subject="Mine")
    event = world.cal_create(summary="Theirs")
    for _ in range(3):
        world.sync()
    world.cal().invalidate_cursors(world.cal().email)  # the provider forgets our cursor (410)
    world.sync()
    assert sorted(e.summary for e in world.events()) == ["Mine", "Theirs"]
    assert sorted(a.subject for a in world.activities()) == ["Mine", "Theirs"]
    assert world.activity(world.imported_id(account, event.id)) is not None


def test_a_full_resync_finds_what_was_deleted_meanwhile(world: World) -> None:
    account = world.connect()
    event = world.cal_create(summary="Soon gone")
    world.sync()
    world.cal().delete(event.calendar_id, event.id)
    world.cal().invalidate_cursors(world.cal().email)
    world.sync()
    assert world.activity(world.imported_id(account, event.id)) is None


def test_the_sync_does_not_react_to_its_own_writes(world: World) -> None:
    world.connect()
    activity = world.crm_create(subject="Echo?")
    imported = world.cal_create(summary="Echo!")
    world.sync()
    world.sync()
    before = ({e.id: e.etag for e in world.events()}, {a.id: a.version for a in world.activities()})
    for _ in range(3):
        world.sync()
    after = ({e.id: e.etag for e in world.events()}, {a.id: a.version for a in world.activities()})
    assert after == before
    assert world.activity(activity.id) is not None
    assert imported.id in after[0]


def test_no_edit_is_lost_across_many_alternating_edits(world: World) -> None:
    world.connect()
    activity = world.crm_create(subject="v0")
    world.sync()
    event = world.event_for(activity.id)
    assert event is not None
    for round_ in range(1, 4):
        world.crm_update(activity.id, location=f"crm {round_}")
        world.sync()
        world.cal().update(event.calendar_id, event.id, description=f"cal {round_}")
        world.sync()
    final = world.activity(activity.id)
    assert final is not None
    assert (final.location, final.public_description) == ("crm 3", "cal 3")


def test_details_show_only_to_who_may_see_every_linked_item(world: World) -> None:
    deal = LinkedItem(
        kind=LinkedItemKind.DEAL,
        id="d1",
        company_id=COMPANY,
        name="Secret",
        owner_id="ann",
        visible_to_everyone=False,
    )
    activity = world.crm_create(deal_id="d1")
    assert can_see_details(activity, "ann", [deal])
    assert not can_see_details(activity, "bob", [deal])
    public = world.crm_create()
    assert can_see_details(public, "bob", [])
    hidden = world.crm_create(visibility="only_me")
    assert not can_see_details(hidden, "bob", [])


class _Paced:
    """A calendar that takes 20 s (on the test clock) per write call, as pacing would."""

    def __init__(self, inner: CalendarProvider, world: World) -> None:
        self.inner, self.world = inner, world

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def write(self, calendar_id: str, writes: Sequence[EventWrite]) -> list[WriteResult]:
        self.world.clock.advance(timedelta(seconds=20))
        return self.inner.write(calendar_id, writes)


def test_an_export_longer_than_a_jobs_budget_is_finished_by_follow_ups_once(world: World) -> None:
    """A job stops between two batches when its time is up (links and cursor as far as it got)
    and asks for a follow-up: across jobs, everything is created exactly once."""
    account = world.connect()
    world.sync()
    budget = replace(world.config, push_batch=3, job_budget=timedelta(seconds=50))
    world.use_engine(budget, lambda provider: cast(CalendarProvider, _Paced(provider, world)))
    made = {world.crm_create(subject=f"Export {i}", hours=24 + i).id for i in range(10)}
    world.queue.take()  # the CRM changes' own job requests: this test runs the job itself
    first = world.job.run(account.id, pull=False)
    assert first.outcome.value == "done"
    assert len(world.events()) == 9  # three batches of three (0 s, 20 s, 40 s), then time is up
    assert {link.activity_id for link in world.links(account.id)} == {
        e.crm_activity_id for e in world.events()
    }
    [follow_up] = world.queue.pending  # the job asked for the rest to be done
    assert (follow_up.account_id, follow_up.pull) == (account.id, False)
    [second] = world.run_jobs()
    assert second.outcome.value == "done"
    assert {e.crm_activity_id for e in world.events()} == made
    assert len(world.events()) == 10
    assert {link.activity_id for link in world.links(account.id)} == made


class _Meanwhile:
    """A calendar that, while the job lists it, has a second job for the account start."""

    def __init__(self, inner: CalendarProvider, start: Callable[[], None]) -> None:
        self.inner, self.start = inner, start

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def changes(
        self, calendar_id: str, cursor: str | None, *, window_start: datetime
    ) -> Iterator[ChangePage]:
        self.start()
        yield from self.inner.changes(calendar_id, cursor, window_start=window_start)


def test_a_second_job_while_one_runs_is_busy_and_comes_back_soon(world: World) -> None:
    """One job per account at a time, by the lease in storage (a Firestore transaction in the
    emulators world): the second is told BUSY with a short wait, the first finishes."""
    account = world.connect()
    world.sync()
    seconds: list[JobResult] = []

    def second_job() -> None:
        if not seconds:
            seconds.append(world.job.run(account.id))

    world.use_engine(
        world.config, lambda provider: cast(CalendarProvider, _Meanwhile(provider, second_job))
    )
    activity = world.crm_create(subject="During the race")
    first = world.job.run(account.id)
    [second] = seconds
    assert second.outcome is JobOutcome.BUSY
    assert second.should_retry
    assert second.retry_after is not None
    assert 0 < second.retry_after <= world.config.busy_retry.total_seconds()
    assert first.outcome is JobOutcome.DONE
    assert world.account(account.id).sync.lease_holder is None
    assert world.event_for(activity.id) is not None
    again = world.job.run(account.id)  # the retried job finds the lease free
    assert again.outcome is JobOutcome.DONE
