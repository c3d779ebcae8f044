"""Promises: no duplicates, no lost edits, no echo loops; the CRM read side of visibility."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any, cast

from calsync.domain import LinkedItem, LinkedItemKind
from calsync.domain.rules import can_see_details
from calsync.errors import ProviderUnavailable
from calsync.ports import CalendarProvider, EventWrite, WriteResult

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
