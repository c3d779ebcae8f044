"""Rules of the sync: deleting a synced item on one side, per sync type."""

from __future__ import annotations

from calsync.domain import LinkState
from calsync.domain.ids import imported_activity_id

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
    assert world.activity(imported_activity_id(account.id, event.id)) is None
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
