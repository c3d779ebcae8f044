"""Rules of the sync: whose activities, which time range, which text leaves the CRM."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.world import World


def test_a_users_sync_carries_only_activities_they_own(world: World) -> None:
    """Each user's calendar sync carries only activities owned by that user."""
    ann = world.connect("ann")
    world.connect("bob")
    mine = world.crm_create("ann", subject="Ann's call")
    theirs = world.crm_create("bob", subject="Bob's demo")
    world.sync()
    assert [e.summary for e in world.events("ann")] == ["Ann's call"]
    assert [e.summary for e in world.events("bob")] == ["Bob's demo"]
    assert world.event_for(theirs.id, "ann") is None
    assert world.event_for(mine.id, "ann") is not None
    assert {link.activity_id for link in world.links(ann.id)} == {mine.id}


def test_an_activity_given_to_another_user_leaves_the_old_owners_calendar(world: World) -> None:
    world.connect("ann")
    world.connect("bob")
    moved = world.crm_create("ann", subject="Handover")
    world.sync()
    assert world.event_for(moved.id, "ann") is not None
    world.crm_update(moved.id, owner_id="bob")  # queued for the old owner's accounts too
    world.sync()
    assert world.event_for(moved.id, "ann") is None
    assert world.event_for(moved.id, "bob") is not None


def test_only_future_items_are_synced(world: World) -> None:
    """Only activities and events ending after the sync started (and now) are synced."""
    past_activity = world.crm_create(hours=-3, subject="Yesterday's call")
    past_event = world.cal_create(hours=-5, summary="Old event")
    account = world.connect()
    future_event = world.cal_create(hours=5, summary="Coming up")
    world.sync()
    assert world.event_for(past_activity.id) is None
    assert world.activity(world.imported_id(account, past_event.id)) is None
    assert world.activity(world.imported_id(account, future_event.id)) is not None


def test_edits_to_past_items_are_not_propagated(world: World) -> None:
    world.connect()
    activity = world.crm_create(hours=2, subject="Soon")
    world.sync()
    world.clock.advance(timedelta(hours=4))  # it is over now
    world.crm_update(activity.id, subject="Edited afterwards")
    world.sync()
    event = world.event_for(activity.id)
    assert event is not None
    assert event.summary == "Soon"
    world.cal().update(event.calendar_id, event.id, summary="Edited in the calendar")
    world.sync()
    assert world.activity(activity.id).subject == "Edited afterwards"


def test_notes_stay_in_the_crm_and_the_public_description_goes_out(world: World) -> None:
    world.connect(include_deal_and_contact=False)
    activity = world.crm_create(public_description="Agenda: pricing", note="Client is unhappy")
    world.sync()
    event = world.event_for(activity.id)
    assert event is not None
    assert event.description == "Agenda: pricing"
    assert "unhappy" not in event.model_dump_json()
    world.cal().update(event.calendar_id, event.id, description="Agenda: pricing, terms")
    world.sync()
    back = world.activity(activity.id)
    assert back is not None
    assert (back.public_description, back.note) == ("Agenda: pricing, terms", "Client is unhappy")


@pytest.mark.parametrize("push_first", [False, True], ids=["pulled", "met-by-a-crm-edit"])
def test_a_calendar_move_into_the_past_reaches_the_activity(world: World, push_first: bool) -> None:
    """The pair was still to come: the move across "now" is a change like any other. Pulled, it
    moves the activity; met by a CRM edit's push first (412), the two merge."""
    account = world.connect()
    activity = world.crm_create(subject="Planned", hours=24)
    world.sync()
    event = world.event_for(activity.id)
    assert event is not None
    start, end = world.at(-3), world.at(-2)
    world.cal().update(event.calendar_id, event.id, start=start, end=end)
    world.clock.advance(timedelta(minutes=1))
    if push_first:
        world.crm_update(activity.id, subject="Planned (agenda changed)")
        world.run_jobs()
    else:
        world.sync()
        world.crm_update(activity.id, subject="Edited once over")
        world.sync()
    moved, now = world.activity(activity.id), world.event_for(activity.id)
    assert moved is not None
    assert now is not None
    assert (moved.start, moved.end) == (start, end)
    assert (now.start, now.end) == (start, end)
    if push_first:  # both changes kept
        assert moved.subject == now.summary == "Planned (agenda changed)"
    else:  # then both sides were over: that edit stays in the CRM
        assert (moved.subject, now.summary) == ("Edited once over", "Planned")
    assert world.conflicts(account.id) == []


def test_a_crm_move_into_the_past_reaches_the_event(world: World) -> None:
    world.connect()
    activity = world.crm_create(subject="Planned", hours=24)
    world.sync()
    start, end = world.at(-3), world.at(-2)
    world.crm_update(activity.id, start=start, end=end)
    world.sync()
    event = world.event_for(activity.id)
    assert event is not None
    assert (event.start, event.end) == (start, end)
    world.cal().update(event.calendar_id, event.id, summary="Renamed once over")
    world.sync()
    assert world.activity(activity.id).subject == "Planned"  # over on both sides now


def test_a_past_item_moved_into_the_future_syncs_again(world: World) -> None:
    world.connect()
    activity = world.crm_create(subject="Soon", hours=2)
    world.sync()
    world.clock.advance(timedelta(hours=4))  # over
    start, end = world.at(20), world.at(21)
    world.crm_update(activity.id, subject="Rescheduled", start=start, end=end)
    world.sync()
    event = world.event_for(activity.id)
    assert event is not None
    assert (event.summary, event.start, event.end) == ("Rescheduled", start, end)
