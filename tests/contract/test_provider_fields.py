"""The CalendarProvider contract, fields that must survive a round trip through the calendar:
an all-day event's zone, and the calendar's own address among the attendees (Google flags the
organizer's own entry, and adds one by itself once an event has guests).

Runs for every adapter of the `calendar` fixture (tests/contract/conftest.py).
"""

from __future__ import annotations

from datetime import timedelta

from calsync.domain import CalendarEvent
from calsync.ports import Outcome, UpdateEvent

from tests.contract.conftest import CalendarCase
from tests.contract.provider_helpers import ID, changes, create, fields, user_event


def seen(case: CalendarCase, event_id: str = ID) -> CalendarEvent:
    event = case.provider.get(case.calendar_id, event_id)
    assert event is not None
    return event


def listed(case: CalendarCase, event_id: str) -> CalendarEvent:
    """The event as a full listing shows it."""
    found, _ = changes(case, None)
    [event] = [c for c in found if isinstance(c, CalendarEvent) and c.id == event_id]
    return event


# -- all-day zones ------------------------------------------------------------------------------


def test_an_all_day_event_keeps_the_zone_calsync_wrote(calendar: CalendarCase) -> None:
    """The calendar is in UTC; the CRM's all-day item is in Berlin, before and after the user
    edits the event, and in a listing as in a read."""
    day = (calendar.clock.now() + timedelta(days=3)).date()
    allday = {"start": None, "end": None, "start_date": day, "end_date": day}
    made = create(calendar, timezone="Europe/Berlin", **allday)
    assert made.timezone == "Europe/Berlin"
    assert seen(calendar).timezone == "Europe/Berlin"
    calendar.user.update(calendar.calendar_id, ID, summary="Offsite!")
    edited = seen(calendar)
    assert (edited.summary, edited.timezone) == ("Offsite!", "Europe/Berlin")
    assert (edited.start_date, edited.end_date) == (day, day)
    assert listed(calendar, ID).timezone == "Europe/Berlin"


def test_an_all_day_event_takes_the_zone_of_its_latest_write(calendar: CalendarCase) -> None:
    day = (calendar.clock.now() + timedelta(days=3)).date()
    allday = {"start": None, "end": None, "start_date": day, "end_date": day}
    made = create(calendar, timezone="Europe/Berlin", **allday)
    tokyo = fields(calendar, timezone="Asia/Tokyo", **allday)
    [ok] = calendar.provider.write(calendar.calendar_id, [UpdateEvent(ID, tokyo, made.etag)])
    assert ok.outcome is Outcome.OK
    assert seen(calendar).timezone == "Asia/Tokyo"
    timed = fields(calendar, timezone="America/New_York")
    assert ok.event is not None
    [ok] = calendar.provider.write(calendar.calendar_id, [UpdateEvent(ID, timed, ok.event.etag)])
    assert ok.outcome is Outcome.OK
    assert (seen(calendar).timezone, seen(calendar).start) == ("America/New_York", timed.start)


# -- the calendar's own address among the attendees -----------------------------------------


def test_the_owner_listed_by_calsync_stays_an_attendee(calendar: CalendarCase) -> None:
    owner = calendar.user.email
    made = create(calendar, attendees=(owner, "bob@example.com"))
    assert set(made.attendees) == {owner, "bob@example.com"}
    calendar.user.update(calendar.calendar_id, ID, summary="Renamed")
    assert set(seen(calendar).attendees) == {owner, "bob@example.com"}
    assert set(listed(calendar, ID).attendees) == {owner, "bob@example.com"}
    unlisted = fields(calendar, attendees=("bob@example.com",))
    [ok] = calendar.provider.write(
        calendar.calendar_id, [UpdateEvent(ID, unlisted, seen(calendar).etag)]
    )
    assert ok.outcome is Outcome.OK
    assert seen(calendar).attendees == ("bob@example.com",)
    calendar.user.update(calendar.calendar_id, ID, summary="Renamed again")
    assert seen(calendar).attendees == ("bob@example.com",)


def test_the_owner_in_the_users_own_event_is_not_an_attendee(calendar: CalendarCase) -> None:
    """The user's event with guests lists its organizer too; calsync sees only the guests,
    before and after it writes the event, and after the user edits it again."""
    owner = calendar.user.email
    made = calendar.user.create(
        calendar.calendar_id, user_event(calendar, attendees=(owner, "bob@example.com"))
    )
    assert seen(calendar, made.id).attendees == ("bob@example.com",)
    assert listed(calendar, made.id).attendees == ("bob@example.com",)
    guests = fields(calendar, attendees=("bob@example.com", "cy@example.com"))
    [ok] = calendar.provider.write(
        calendar.calendar_id, [UpdateEvent(made.id, guests, seen(calendar, made.id).etag)]
    )
    assert ok.outcome is Outcome.OK
    assert ok.event is not None
    assert set(ok.event.attendees) == {"bob@example.com", "cy@example.com"}
    calendar.user.update(calendar.calendar_id, made.id, summary="Dentist, moved")
    assert set(seen(calendar, made.id).attendees) == {"bob@example.com", "cy@example.com"}
