"""Rules of the sync: deleting a synced item on one side, per sync type."""

from __future__ import annotations

from datetime import timedelta

import pytest
from calsync.domain import LinkState, Side

from tests.integration.world import World


def test_two_way_crm_deletion_deletes_the_event(world: World) -> None:
    world.connect()
    activity = world.crm_create()
    world.sync()
    assert world.event_for(activity.id) is not None
    world.crm_delete(activity.id)
    world.sync()
    assert world.events() == []


def test_two_way_calendar_deletion_deletes_the_activity(world: World) -> None:
    account = world.connect()
    activity = world.crm_create()
    event = world.cal_create(summary="Imported")
    world.sync()
    pushed = world.event_for(activity.id)
    assert pushed is not None
    world.cal().delete(pushed.calendar_id, pushed.id)
    world.cal().delete(event.calendar_id, event.id)
    world.sync()
    assert world.activity(activity.id) is None
    assert world.activity(world.imported_id(account, event.id)) is None
    assert world.links(account.id) == []


def test_one_way_calendar_deletion_unlinks_and_keeps_the_activity(world: World) -> None:
    account = world.connect(sync_type="one_way")
    activity = world.crm_create(subject="Keep me")
    world.sync()
    event = world.event_for(activity.id)
    assert event is not None
    world.cal().delete(event.calendar_id, event.id)
    world.sync()
    kept = world.activity(activity.id)
    assert kept is not None
    assert kept.subject == "Keep me"
    [link] = world.links(account.id)
    assert link.state is LinkState.DETACHED
    # ... and it never pushes again, whatever happens to it in the CRM
    world.crm_update(activity.id, subject="Edited later")
    world.sync()
    assert world.events() == []


def test_one_way_crm_deletion_deletes_the_event(world: World) -> None:
    world.connect(sync_type="one_way")
    activity = world.crm_create()
    world.sync()
    world.crm_delete(activity.id)
    world.sync()
    assert world.events() == []


def test_a_deletion_beats_an_edit_made_on_the_other_side_and_says_so(world: World) -> None:
    account = world.connect()
    activity = world.crm_create(subject="Plan")
    world.sync()
    event = world.event_for(activity.id)
    assert event is not None
    world.crm_update(activity.id, subject="Plan v2")
    world.cal().delete(event.calendar_id, event.id)
    world.sync()
    assert world.activity(activity.id) is None
    assert [c.field for c in world.conflicts(account.id)] == ["deleted"]


@pytest.mark.parametrize("pull_first", [False, True], ids=["push-first", "pull-first"])
def test_a_crm_deletion_beats_a_calendar_edit_made_meanwhile_and_says_so(
    world: World, pull_first: bool
) -> None:
    """Push first: the deletion's push-only job meets the edit (If-Match, 412). Pull first: a
    notification's job sees the edit, then pushes the deletion. Either way the deletion wins
    and the lost calendar edit is recorded, as the opposite direction is."""
    account = world.connect()
    activity = world.crm_create(subject="Plan")
    world.sync()
    event = world.event_for(activity.id)
    assert event is not None
    world.clock.advance(timedelta(minutes=1))
    world.cal().update(event.calendar_id, event.id, summary="Plan (calendar)", location="Room 9")
    world.crm_delete(activity.id)
    if pull_first:
        world.sync()
    else:
        [job] = world.run_jobs()
        assert job.outcome.value == "done"
    assert world.events() == []
    [decision] = world.conflicts(account.id)
    assert (decision.field, decision.winner) == ("deleted", Side.CRM)
    assert (decision.crm_value, decision.calendar_value) == ("deleted", "edited")
    assert "deleted in the CRM" in decision.reason
    assert world.links(account.id) == []
    world.sync()
    assert len(world.conflicts(account.id)) == 1  # recorded once


def test_a_crm_deletion_of_an_unchanged_event_records_nothing(world: World) -> None:
    account = world.connect()
    activity = world.crm_create(subject="Plan")
    world.sync()
    world.crm_delete(activity.id)
    world.sync()
    assert world.events() == []
    assert world.conflicts(account.id) == []


@pytest.mark.parametrize("pull_first", [False, True], ids=["push-first", "pull-first"])
def test_a_past_pair_deleted_in_the_crm_and_moved_back_in_the_calendar(
    world: World, pull_first: bool
) -> None:
    """The CRM deletes an activity that is over (its past event is left alone), and the
    calendar user moves that event back into the future. Whichever job comes first, the
    deletion wins as it does for any calendar edit made meanwhile, and says so: the event is
    not mistaken for an unknown orphan and deleted without a record."""
    account = world.connect()
    activity = world.crm_create(subject="Over", hours=1)
    world.sync()
    event = world.event_for(activity.id)
    assert event is not None
    world.clock.advance(timedelta(hours=3))
    world.crm_delete(activity.id)
    if not pull_first:
        [job] = world.run_jobs()  # the deletion's push-only job: the past stays
        assert job.outcome.value == "done"
        assert world.event_for(activity.id) is not None
    start = world.at(5)
    world.cal().update(event.calendar_id, event.id, start=start, end=start + timedelta(hours=1))
    world.sync()
    assert world.events() == []
    [decision] = world.conflicts(account.id)
    assert (decision.field, decision.winner) == ("deleted", Side.CRM)
    assert world.links(account.id) == []
