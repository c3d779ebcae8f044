"""The Google adapter on the simulator: fields Google holds in its own way, as the events look
on the wire. An all-day event's zone (Google keeps none), an end zone of its own (a flight),
the organizer's own attendee entry, and reading an event whose calendar's zone no listing of
this job showed yet. (The same rules as the provider contract says them, for every calendar:
tests/contract/test_provider_fields.py.)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from calsync.domain import CalendarEvent
from calsync.domain.mapping import fields_from_event
from calsync.domain.schedule import evolve
from calsync.ports import CreateEvent, Outcome, UpdateEvent
from calsync.providers.google_wire import OWN_ENTRY_KEY, STAMP_KEY, ZONE_KEY

from tests.integration.google_helpers import ID, START, create, fields, user_event
from tests.integration.google_world import GoogleRig

DAY = date(2030, 3, 4)
ALL_DAY: dict[str, Any] = {"start": None, "end": None, "start_date": DAY, "end_date": DAY}


def update(rig: GoogleRig, event_id: str, **changes: Any) -> CalendarEvent:
    """The adapter writes the event as it reads it, with `changes` (as after a CRM edit)."""
    current = rig.provider.get(rig.calendar_id, event_id)
    assert current is not None
    wanted = evolve(fields_from_event(current), **changes)
    [ok] = rig.provider.write(rig.calendar_id, [UpdateEvent(event_id, wanted, current.etag)])
    assert ok.outcome is Outcome.OK, ok.detail
    assert ok.event is not None
    return ok.event


# -- all-day zones ------------------------------------------------------------------------------


def test_an_all_day_event_carries_the_crms_zone_in_a_private_property(rig: GoogleRig) -> None:
    create(rig, timezone="Europe/Berlin", **ALL_DAY)
    raw = rig.raw(ID)
    assert (raw["start"], raw["end"]) == ({"date": "2030-03-04"}, {"date": "2030-03-05"})
    assert raw["extendedProperties"]["private"] == {STAMP_KEY: "a1", ZONE_KEY: "Europe/Berlin"}
    assert len(ZONE_KEY) <= 44
    timing = {"start": START, "end": START + timedelta(hours=1), "start_date": None}
    timed = update(rig, ID, **timing, end_date=None, timezone="Europe/Berlin")
    assert timed.timezone == "Europe/Berlin"
    assert rig.raw(ID)["extendedProperties"]["private"] == {STAMP_KEY: "a1"}


def test_an_event_read_outside_a_listing_gets_its_calendars_zone(rig: GoogleRig) -> None:
    tokyo = rig.provider.create_calendar("Travel", "Asia/Tokyo")
    holiday = rig.user.create(tokyo.id, user_event(rig, 0, **ALL_DAY))
    [ours] = rig.provider.write(tokyo.id, [_create_all_day("Europe/Berlin")])
    assert ours.outcome is Outcome.OK
    job = rig.fresh()  # a push-only job: no listing showed it the calendar's zone
    rig.sim.reset_stats()
    assert job.get(tokyo.id, ID).timezone == "Europe/Berlin"  # type: ignore[union-attr]
    assert rig.units() == 1  # stamped with its zone: the calendar's is not needed
    seen = job.get(tokyo.id, holiday.id)
    assert seen is not None
    assert (seen.timezone, seen.start_date) == ("Asia/Tokyo", DAY)
    assert rig.sim.stats()["requests"] == {"events.get": 2, "calendarList.get": 1}
    assert job.get(tokyo.id, holiday.id).timezone == "Asia/Tokyo"  # type: ignore[union-attr]
    assert rig.sim.stats()["requests"]["calendarList.get"] == 1  # read once per job


def _create_all_day(zone: str) -> CreateEvent:
    return CreateEvent(ID, fields(timezone=zone, **ALL_DAY), "a1")


# -- end zones ----------------------------------------------------------------------------------


def shown(when: dict[str, str]) -> tuple[str, str]:
    """A start or end as the user's app shows it: the local time (with its offset) and zone."""
    local = datetime.fromisoformat(when["dateTime"]).astimezone(ZoneInfo(when["timeZone"]))
    return local.isoformat(), when["timeZone"]


def _flight(rig: GoogleRig) -> str:
    """The user's flight: leaves New York at 18:00, lands in London at 06:00 (7 h)."""
    body = {
        "summary": "Flight",
        "start": {"dateTime": "2030-03-04T18:00:00-05:00", "timeZone": "America/New_York"},
        "end": {"dateTime": "2030-03-05T06:00:00+00:00", "timeZone": "Europe/London"},
    }
    made = rig.user.service.events().insert(calendarId=rig.calendar_id, body=body).execute()
    return str(made["id"])


def test_an_update_keeps_an_end_zone_of_its_own(rig: GoogleRig) -> None:
    flight = _flight(rig)
    update(rig, flight, location="JFK T4")
    raw = rig.raw(flight)
    assert raw["location"] == "JFK T4"
    assert shown(raw["start"]) == ("2030-03-04T18:00:00-05:00", "America/New_York")
    assert shown(raw["end"]) == ("2030-03-05T06:00:00+00:00", "Europe/London")
    event = rig.provider.get(rig.calendar_id, flight)
    assert event is not None
    assert event.end is not None
    update(rig, flight, end=event.end + timedelta(hours=1))  # landing later, still in London
    assert shown(rig.raw(flight)["end"]) == ("2030-03-05T07:00:00+00:00", "Europe/London")


def test_an_end_zone_follows_a_crm_change_of_zone_and_end(rig: GoogleRig) -> None:
    flight = _flight(rig)
    event = rig.provider.get(rig.calendar_id, flight)
    assert event is not None
    assert event.end is not None
    update(rig, flight, timezone="Europe/Berlin")  # the zone changed, the end did not
    assert rig.raw(flight)["end"]["timeZone"] == "Europe/London"
    update(rig, flight, timezone="Asia/Tokyo", end=event.end + timedelta(hours=2))
    raw = rig.raw(flight)
    assert shown(raw["end"]) == ("2030-03-05T17:00:00+09:00", "Asia/Tokyo")
    assert raw["start"]["timeZone"] == "Asia/Tokyo"


# -- the organizer's own entry ------------------------------------------------------------------


def test_the_owner_listed_by_the_crm_is_marked_on_the_event(rig: GoogleRig) -> None:
    owner = rig.calendar_id
    made = create(rig, attendees=(owner, "bob@example.com"))
    assert set(made.attendees) == {owner, "bob@example.com"}
    raw = rig.raw(ID)
    entries = {a["email"]: a for a in raw["attendees"]}
    assert set(entries) == {owner, "bob@example.com"}  # once each
    assert entries[owner].get("organizer")  # Google's flags: the organizer's own entry
    assert entries[owner].get("self")
    assert raw["extendedProperties"]["private"][OWN_ENTRY_KEY] == "true"
    update(rig, ID, attendees=("bob@example.com",))
    raw = rig.raw(ID)
    assert [a["email"] for a in raw["attendees"]] == ["bob@example.com"]
    assert OWN_ENTRY_KEY not in raw["extendedProperties"]["private"]


def test_the_organizers_entry_google_added_is_kept_but_not_read(rig: GoogleRig) -> None:
    owner = rig.calendar_id
    made = rig.user.create(rig.calendar_id, user_event(rig, 2, attendees=(owner, "bob@x.com")))
    seen = update(rig, made.id, attendees=("bob@x.com", "cy@x.com"))
    assert set(seen.attendees) == {"bob@x.com", "cy@x.com"}
    raw = rig.raw(made.id)
    assert sorted(a["email"] for a in raw["attendees"]) == sorted([owner, "bob@x.com", "cy@x.com"])
    assert OWN_ENTRY_KEY not in (raw.get("extendedProperties") or {}).get("private", {})
    listed = update(rig, made.id, attendees=(owner, "bob@x.com"))  # the CRM lists her now
    assert set(listed.attendees) == {owner, "bob@x.com"}
    assert sorted(a["email"] for a in rig.raw(made.id)["attendees"]) == [owner, "bob@x.com"]
