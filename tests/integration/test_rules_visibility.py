"""Rules of the sync: default visibility of imported events, the private-event options, and
private <-> only me."""

from __future__ import annotations

import pytest
from calsync.domain import Side, Visibility

from tests.integration.world import World


@pytest.mark.parametrize("default", ["everyone", "only_me"])
def test_imported_events_get_the_default_visibility(world: World, default: str) -> None:
    account = world.connect(default_visibility=default)
    event = world.cal_create(summary="Lunch")
    world.sync()
    activity = world.activity(world.imported_id(account, event.id))
    assert activity is not None
    assert activity.visibility is Visibility(default)


@pytest.mark.parametrize(
    ("option", "visibility"), [("everyone", "everyone"), ("only_me", "only_me")]
)
def test_private_events_follow_the_private_events_option(
    world: World, option: str, visibility: str
) -> None:
    account = world.connect(private_events=option)
    event = world.cal_create(summary="Doctor", private=True)
    world.sync()
    activity = world.activity(world.imported_id(account, event.id))
    assert activity is not None
    assert activity.visibility is Visibility(visibility)
    assert activity.busy  # the time is blocked either way


def test_private_events_are_not_brought_in_under_dont_sync(world: World) -> None:
    account = world.connect(private_events="skip")
    private = world.cal_create(summary="Doctor", private=True)
    public = world.cal_create(summary="Team lunch")
    world.sync()
    assert world.activity(world.imported_id(account, private.id)) is None
    assert world.activity(world.imported_id(account, public.id)) is not None


def test_an_imported_event_turning_private_under_dont_sync_leaves_the_crm(world: World) -> None:
    account = world.connect(private_events="skip")
    event = world.cal_create(summary="Lunch")
    world.sync()
    world.cal().update(event.calendar_id, event.id, private=True)
    world.sync()
    assert world.activity(world.imported_id(account, event.id)) is None
    assert world.links(account.id) == []
    assert [e.id for e in world.events()] == [event.id]  # the event itself is untouched


def test_only_me_and_private_map_both_ways_for_crm_activities(world: World) -> None:
    world.connect()
    activity = world.crm_create(visibility="only_me")
    world.sync()
    event = world.event_for(activity.id)
    assert event is not None
    assert event.private
    world.cal().update(event.calendar_id, event.id, private=False)
    world.sync()
    assert world.activity(activity.id).visibility is Visibility.EVERYONE


def test_an_imported_public_event_stays_public_when_edited_in_the_crm(world: World) -> None:
    """Its "only me" came from the default visibility, not from the event being private."""
    account = world.connect(default_visibility="only_me")
    event = world.cal_create(summary="Workshop")
    world.sync()
    activity_id = world.imported_id(account, event.id)
    world.crm_update(activity_id, subject="Workshop (room 3)")
    world.sync()
    [now] = world.events()
    assert (now.summary, now.private) == ("Workshop (room 3)", False)
    assert world.activity(activity_id).visibility is Visibility.ONLY_ME


def test_changing_the_private_events_option_applies_to_imported_activities(world: World) -> None:
    account = world.connect(private_events="everyone")
    event = world.cal_create(summary="Doctor", private=True)
    world.sync()
    activity_id = world.imported_id(account, event.id)
    assert world.activity(activity_id).visibility is Visibility.EVERYONE
    world.change_settings(account.id, private_events="only_me")
    world.sync()
    assert world.activity(activity_id).visibility is Visibility.ONLY_ME
    world.change_settings(account.id, private_events="skip")
    world.sync()
    assert world.activity(activity_id) is None


@pytest.mark.parametrize("option", ["skip", "only_me"])
def test_only_me_chosen_in_the_crm_is_no_private_import_under_dont_sync(
    world: World, option: str
) -> None:
    """The CRM user makes an imported activity "only me": calsync marks its event private. That
    privacy is calsync's own write, not a private event of the calendar: under "don't sync
    private events" (set already, or switched to afterwards) the activity, its note included,
    stays, and keeps syncing."""
    account = world.connect(private_events=option)
    event = world.cal_create(summary="Lunch")
    world.sync()
    activity_id = world.imported_id(account, event.id)
    world.crm_update(activity_id, visibility="only_me", note="CRM-only: budget 40k")
    world.sync()
    [private] = world.events()
    assert private.private
    world.cal().update(private.calendar_id, private.id, location="Cafe")
    world.sync()
    world.change_settings(account.id, private_events="skip")
    world.sync()
    kept = world.activity(activity_id)
    assert kept is not None
    assert (kept.note, kept.location, kept.visibility) == (
        "CRM-only: budget 40k",
        "Cafe",
        Visibility.ONLY_ME,
    )
    world.crm_update(activity_id, subject="Lunch with Dee")
    world.sync()
    assert world.events()[0].summary == "Lunch with Dee"
    assert world.conflicts(account.id) == []


def test_a_private_import_leaving_under_dont_sync_records_what_only_the_crm_held(
    world: World,
) -> None:
    account = world.connect(private_events="skip")
    event = world.cal_create(summary="Lunch")
    world.sync()
    activity_id = world.imported_id(account, event.id)
    world.crm_update(activity_id, note="CRM-only: budget 40k")
    world.sync()
    world.cal().update(event.calendar_id, event.id, private=True)
    world.sync()
    assert world.activity(activity_id) is None
    [decision] = world.conflicts(account.id)
    assert (decision.field, decision.winner) == ("deleted", Side.CALENDAR)
