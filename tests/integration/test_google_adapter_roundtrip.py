"""Round trips through the engine that depend on how the calendar adapter reads back what it
wrote: an all-day activity's zone, the owner listed among the attendees (both directions), and
an event's own end zone. The first run in both worlds (the memory calendar behaves as Google
does here); the end zone exists only at Google, so that test runs on the simulator alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.fixtures.google import GoogleSim
from tests.integration.google_world import GoogleBackend, google_world
from tests.integration.world import World

OWNER = "ann@example.com"


def test_an_all_day_activity_keeps_its_zone_through_a_calendar_edit(world: World) -> None:
    account = world.connect()  # the calendar is in UTC
    day = (world.clock.now() + timedelta(days=3)).date()
    offsite = world.crm_create(
        start=None, end=None, start_date=day, end_date=day, timezone="Europe/Berlin"
    )
    world.sync()
    event = world.event_for(offsite.id)
    assert event is not None
    world.cal().update(event.calendar_id, event.id, summary="Offsite!")
    world.sync()
    back = world.activity(offsite.id)
    assert back is not None
    assert (back.subject, back.timezone, back.start_date) == ("Offsite!", "Europe/Berlin", day)
    assert world.conflicts(account.id) == []


def test_the_owner_the_crm_lists_stays_listed_after_calendar_edits(world: World) -> None:
    account = world.connect()
    meeting = world.crm_create(attendees=(OWNER, "bob@example.com"))
    world.sync()
    event = world.event_for(meeting.id)
    assert event is not None
    assert set(event.attendees) == {OWNER, "bob@example.com"}
    world.cal().update(event.calendar_id, event.id, summary="Renamed")
    world.sync()
    back = world.activity(meeting.id)
    assert back is not None
    assert (back.subject, back.attendees) == ("Renamed", (OWNER, "bob@example.com"))
    world.crm_update(meeting.id, attendees=("bob@example.com",))
    world.sync()
    world.cal().update(event.calendar_id, event.id, summary="Renamed again")
    world.sync()
    back = world.activity(meeting.id)
    assert back is not None
    assert (back.subject, back.attendees) == ("Renamed again", ("bob@example.com",))
    assert world.conflicts(account.id) == []


def test_the_organizer_a_calendar_event_lists_is_not_imported(world: World) -> None:
    account = world.connect()
    event = world.cal_create(summary="Lunch", attendees=(OWNER, "bob@example.com"))
    world.sync()
    activity_id = world.imported_id(account, event.id)
    imported = world.activity(activity_id)
    assert imported is not None
    assert imported.attendees == ("bob@example.com",)
    world.crm_update(activity_id, location="Cafe")
    world.sync()
    world.cal().update(event.calendar_id, event.id, summary="Lunch with Bob")
    world.sync()
    back = world.activity(activity_id)
    assert back is not None
    assert (back.subject, back.location, back.attendees) == (
        "Lunch with Bob",
        "Cafe",
        ("bob@example.com",),
    )
    assert world.conflicts(account.id) == []


def test_a_crm_edit_keeps_the_events_own_end_zone(google: GoogleSim) -> None:
    """A flight in the user's calendar leaves New York and lands in London; the CRM user
    adds the terminal: the event still lands in London's zone."""
    world = google_world(google)
    world.add_user("ann")
    account = world.connect()
    backend = world.backend
    assert isinstance(backend, GoogleBackend)
    events = backend.sim.service(OWNER).events()
    start = datetime.combine(
        (world.clock.now() + timedelta(days=2)).date(), datetime.min.time(), ZoneInfo("UTC")
    )
    body = {
        "summary": "Flight",
        "start": {"dateTime": start.isoformat(), "timeZone": "America/New_York"},
        "end": {"dateTime": (start + timedelta(hours=7)).isoformat(), "timeZone": "Europe/London"},
    }
    made = events.insert(calendarId=OWNER, body=body).execute()
    world.sync()
    world.crm_update(world.imported_id(account, made["id"]), location="JFK T4")
    world.sync()
    raw = events.get(calendarId=OWNER, eventId=made["id"]).execute()
    assert raw["location"] == "JFK T4"
    assert raw["start"]["timeZone"] == "America/New_York"
    assert raw["end"]["timeZone"] == "Europe/London"
    landing = datetime.fromisoformat(raw["end"]["dateTime"])
    assert landing == start + timedelta(hours=7)
