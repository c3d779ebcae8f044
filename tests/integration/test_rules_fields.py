"""Rules of the sync: every field maps both ways; all-day stays all-day; zones are kept."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.integration.world import World

BERLIN = ZoneInfo("Europe/Berlin")


def test_crm_fields_reach_the_event(world: World) -> None:
    world.connect(include_deal_and_contact=False)
    start = datetime(2030, 3, 4, 15, 30, tzinfo=BERLIN)
    activity = world.crm_create(
        subject="Quarterly review",
        start=start,
        end=start + timedelta(minutes=45),
        timezone="Europe/Berlin",
        location="HQ, room 4",
        public_description="Numbers",
        busy=False,
        attendees=("bob@example.com", "cy@example.com"),
        conference_url="https://meet.example.com/q1",
    )
    world.sync()
    event = world.event_for(activity.id)
    assert event is not None
    assert (event.summary, event.location, event.description) == (
        "Quarterly review",
        "HQ, room 4",
        "Numbers",
    )
    assert event.timezone == "Europe/Berlin"
    assert (event.start, event.end) == (start, start + timedelta(minutes=45))
    assert event.busy is False
    assert event.attendees == ("bob@example.com", "cy@example.com")
    assert event.conference_url == "https://meet.example.com/q1"


def test_calendar_fields_reach_the_activity(world: World) -> None:
    account = world.connect(import_as_type="call")
    start = datetime(2030, 3, 5, 8, 0, tzinfo=ZoneInfo("America/New_York"))
    event = world.cal_create(
        summary="Pitch",
        start=start,
        end=start + timedelta(hours=2),
        timezone="America/New_York",
        location="NYC office",
        description="Bring slides",
        busy=False,
        attendees=("Dee@Example.com",),
        conference_url="https://meet.example.com/pitch",
    )
    world.sync()
    activity = world.activity(world.imported_id(account, event.id))
    assert activity is not None
    assert (activity.subject, activity.location, activity.public_description) == (
        "Pitch",
        "NYC office",
        "Bring slides",
    )
    assert activity.type == "call"
    assert activity.timezone == "America/New_York"
    assert activity.start == start
    assert activity.busy is False
    assert activity.attendees == ("dee@example.com",)
    assert activity.conference_url == "https://meet.example.com/pitch"
    assert activity.note == ""


def test_all_day_stays_all_day_both_ways(world: World) -> None:
    account = world.connect()
    day = (world.clock.now() + timedelta(days=3)).date()
    activity = world.crm_create(
        start=None, end=None, start_date=day, end_date=day + timedelta(days=1)
    )
    event = world.cal_create(start=None, end=None, start_date=day, end_date=day, summary="Holiday")
    world.sync()
    pushed = world.event_for(activity.id)
    assert pushed is not None
    assert (pushed.start_date, pushed.end_date, pushed.start) == (
        day,
        day + timedelta(days=1),
        None,
    )
    imported = world.activity(world.imported_id(account, event.id))
    assert imported is not None
    assert (imported.start_date, imported.end_date, imported.start) == (day, day, None)
    assert isinstance(imported.start_date, date)


def test_a_calendar_edit_of_the_time_and_zone_comes_back(world: World) -> None:
    world.connect()
    activity = world.crm_create(subject="Call")
    world.sync()
    event = world.event_for(activity.id)
    assert event is not None
    start = datetime(2030, 4, 1, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    world.cal().update(
        event.calendar_id,
        event.id,
        start=start,
        end=start + timedelta(hours=1),
        timezone="Asia/Tokyo",
    )
    world.sync()
    back = world.activity(activity.id)
    assert back is not None
    assert (back.start, back.timezone) == (start, "Asia/Tokyo")
    assert back.version == activity.version + 1
