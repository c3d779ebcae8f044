"""Rules of the sync: one-way and two-way, the incoming type, the outgoing types."""

from __future__ import annotations

from calsync.domain import Origin

from tests.integration.world import World


def test_one_way_does_not_bring_calendar_events_in(world: World) -> None:
    account = world.connect(sync_type="one_way")
    event = world.cal_create(summary="Private dinner")
    activity = world.crm_create(subject="Demo")
    world.sync()
    assert world.activity(world.imported_id(account, event.id)) is None
    assert [a.id for a in world.activities()] == [activity.id]
    assert {e.summary for e in world.events()} == {"Private dinner", "Demo"}


def test_one_way_still_takes_calendar_edits_of_crm_events(world: World) -> None:
    world.connect(sync_type="one_way")
    activity = world.crm_create(subject="Demo")
    world.sync()
    event = world.event_for(activity.id)
    assert event is not None
    start, end = world.at(30), world.at(31)
    world.cal().update(event.calendar_id, event.id, summary="Demo (moved)", start=start, end=end)
    world.sync()
    back = world.activity(activity.id)
    assert back is not None
    assert (back.subject, back.start) == ("Demo (moved)", start)


def test_two_way_brings_calendar_events_in_as_the_incoming_type(world: World) -> None:
    account = world.connect(sync_type="two_way", import_as_type="lunch")
    event = world.cal_create(summary="With Dee")
    world.sync()
    activity = world.activity(world.imported_id(account, event.id))
    assert activity is not None
    assert (activity.type, activity.origin, activity.owner_id) == ("lunch", Origin.CALENDAR, "ann")
    assert activity.source_account_id == account.id


def test_two_way_sends_crm_edits_of_imported_activities_back(world: World) -> None:
    account = world.connect()
    event = world.cal_create(summary="With Dee")
    world.sync()
    world.crm_update(world.imported_id(account, event.id), location="Cafe")
    world.sync()
    [now] = world.events()
    assert (now.id, now.location) == (event.id, "Cafe")


def test_only_the_selected_activity_types_go_out(world: World) -> None:
    world.connect(export_types=("call", "meeting"))
    call = world.crm_create(type="call")
    task = world.crm_create(type="task")
    world.sync()
    assert world.event_for(call.id) is not None
    assert world.event_for(task.id) is None


def test_switching_one_way_to_two_way_brings_existing_events_in(world: World) -> None:
    account = world.connect(sync_type="one_way")
    event = world.cal_create(summary="Already there")
    world.sync()
    assert world.activity(world.imported_id(account, event.id)) is None
    world.change_settings(account.id, sync_type="two_way")
    world.sync()
    assert world.activity(world.imported_id(account, event.id)) is not None


def test_switching_two_way_to_one_way_keeps_existing_pairs_and_stops_imports(
    world: World,
) -> None:
    account = world.connect()
    mine = world.crm_create(subject="Mine")
    theirs = world.cal_create(summary="Theirs")
    world.sync()
    imported_id = world.imported_id(account, theirs.id)
    world.change_settings(account.id, sync_type="one_way")
    world.sync()
    assert world.activity(imported_id) is not None  # nothing already synced goes
    pushed = world.event_for(mine.id)
    assert pushed is not None
    world.cal().update(pushed.calendar_id, pushed.id, location="Room 2")
    world.cal().update(theirs.calendar_id, theirs.id, location="Cafe")
    world.crm_update(imported_id, subject="Theirs (CRM)")
    world.sync()
    # the existing links still work both ways ...
    assert world.activity(mine.id).location == "Room 2"
    assert world.activity(imported_id).location == "Cafe"
    assert {e.id: e.summary for e in world.events()}[theirs.id] == "Theirs (CRM)"
    # ... but new calendar events are not brought in any more
    new = world.cal_create(summary="New in the calendar")
    world.sync()
    assert world.activity(world.imported_id(account, new.id)) is None
    # and a calendar deletion now unlinks and keeps the activity (the CRM is the source)
    world.cal().delete(theirs.calendar_id, theirs.id)
    world.sync()
    assert world.activity(imported_id) is not None
    assert world.conflicts(account.id) == []
