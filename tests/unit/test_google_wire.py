"""The Google adapter's wire mapping (google_wire.py), without a server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from calsync.domain import CalendarEvent, RemovedEvent, SyncedFields
from calsync.domain.schedule import evolve
from calsync.providers.google_body import event_body
from calsync.providers.google_wire import (
    OWN_ENTRY_KEY,
    STAMP_KEY,
    ZONE_KEY,
    change_from_wire,
    event_from_wire,
    needs_calendar_zone,
)
from hypothesis import given
from hypothesis import strategies as st

T0 = datetime(2030, 5, 6, 7, 30, tzinfo=UTC)


def item(**changes: object) -> dict[str, object]:
    return {
        "id": "ev1",
        "etag": '"7"',
        "updated": "2030-05-01T10:00:00.123Z",
        "status": "confirmed",
        "start": {"dateTime": "2030-05-06T09:30:00+02:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2030-05-06T10:30:00+02:00", "timeZone": "Europe/Berlin"},
        **changes,
    }


def read(**changes: object) -> CalendarEvent:
    event = event_from_wire(item(**changes), "cal", "UTC")
    assert event is not None
    return event


def test_a_cancelled_item_is_a_removal() -> None:
    gone = {"id": "s1_20300506T073000Z", "status": "cancelled", "recurringEventId": "s1"}
    assert change_from_wire(gone, "cal", "UTC") == RemovedEvent(
        id="s1_20300506T073000Z", calendar_id="cal", recurring_event_id="s1"
    )


def test_fields_are_read() -> None:
    event = read(
        summary="Review",
        transparency="transparent",
        visibility="confidential",
        attendees=[
            {"email": "ann@example.com", "self": True, "organizer": True},
            {"email": "Bob@example.com"},
            {"email": "room-1@resource.example.com", "resource": True},
            {"email": "bob@example.com"},
        ],
        hangoutLink="https://meet.google.com/abc-defg-hij",
        extendedProperties={"private": {STAMP_KEY: "act1"}},
        eventType="focusTime",
        organizer={"email": "ann@example.com", "self": True},
    )
    assert (event.summary, event.busy, event.private) == ("Review", False, True)
    assert event.attendees == ("Bob@example.com",)
    assert event.conference_url == "https://meet.google.com/abc-defg-hij"
    assert (event.crm_activity_id, event.event_type, event.read_only) == ("act1", "focusTime", True)
    assert event.updated == datetime(2030, 5, 1, 10, 0, 0, 123000, tzinfo=UTC)
    assert (event.timezone, event.start) == ("Europe/Berlin", T0)
    assert event.organizer_self
    assert not read(organizer={"email": "boss@example.com"}).organizer_self


def test_all_day_dates_become_inclusive_in_the_calendars_zone() -> None:
    allday = {"start": {"date": "2030-05-06"}, "end": {"date": "2030-05-07"}}
    event = event_from_wire(item(**allday), "cal", "Asia/Tokyo")
    assert event is not None
    assert (event.start_date, event.end_date, event.timezone) == (
        date(2030, 5, 6),
        date(2030, 5, 6),
        "Asia/Tokyo",
    )


def test_all_day_events_calsync_wrote_keep_the_zone_it_stamped() -> None:
    allday = {"start": {"date": "2030-05-06"}, "end": {"date": "2030-05-07"}}
    stamped = item(**allday, extendedProperties={"private": {ZONE_KEY: "Europe/Berlin"}})
    event = event_from_wire(stamped, "cal", "Asia/Tokyo")
    assert event is not None
    assert event.timezone == "Europe/Berlin"
    assert not needs_calendar_zone(stamped)
    odd = item(**allday, extendedProperties={"private": {ZONE_KEY: "Mars/Olympus"}})
    assert event_from_wire(odd, "cal", "Asia/Tokyo").timezone == "Asia/Tokyo"  # type: ignore[union-attr]
    assert needs_calendar_zone(odd)
    assert not needs_calendar_zone(item())  # timed, with its own zone


def test_the_organizers_own_entry_is_read_only_where_calsync_wrote_it() -> None:
    own = {"email": "ann@example.com", "self": True, "organizer": True}
    guests = [own, {"email": "bob@example.com"}]
    assert read(attendees=guests).attendees == ("bob@example.com",)
    marked = read(attendees=guests, extendedProperties={"private": {OWN_ENTRY_KEY: "true"}})
    assert marked.attendees == ("ann@example.com", "bob@example.com")


def test_an_unknown_zone_name_falls_back_to_the_calendars() -> None:
    odd = {"dateTime": "2030-05-06T09:30:00+02:00", "timeZone": "Mars/Olympus"}
    event = event_from_wire(item(start=odd, end=odd), "cal", "Europe/Paris")
    assert event is not None
    assert (event.timezone, event.start) == ("Europe/Paris", T0)


@pytest.mark.parametrize(
    "broken",
    [
        {"start": {}},
        {"end": {"dateTime": "2030-05-06T08:30:00+02:00"}},  # before its start
        {"start": {"date": "2030-05-06"}},  # all-day start, timed end
        {"updated": "yesterday"},
    ],
)
def test_an_event_of_an_unexpected_shape_is_skipped(broken: dict[str, object]) -> None:
    assert change_from_wire(item(**broken), "cal", "UTC") is None


def wire(
    written: SyncedFields,
    current: dict[str, object] | None = None,
    *,
    stamp: str | None = None,
    calendar_id: str = "cal",
) -> dict[str, Any]:
    """The resource calsync writes (google_body.event_body) to calendar `calendar_id`."""
    return event_body(written, current, stamp=stamp, calendar_id=calendar_id)


def fields(**changes: object) -> SyncedFields:
    values: dict[str, object] = {
        "start": T0,
        "end": T0 + timedelta(hours=1),
        "timezone": "Europe/Berlin",
        "subject": "Review",
        **changes,
    }
    return SyncedFields.model_validate(values)


def test_a_body_keeps_equivalent_visibilities_and_unmanaged_guests() -> None:
    current = item(
        visibility="confidential",
        attendees=[
            {"email": "ann@example.com", "self": True, "organizer": True},
            {"email": "room@resource.example.com", "resource": True},
            {"email": "bob@example.com", "responseStatus": "declined"},
        ],
    )
    body = wire(fields(private=True, attendees=("BOB@example.com",)), current)
    assert body["visibility"] == "confidential"
    assert [a["email"] for a in body["attendees"]] == [
        "bob@example.com",
        "ann@example.com",
        "room@resource.example.com",
    ]
    assert body["attendees"][0]["responseStatus"] == "declined"
    assert wire(fields(), item(visibility="public"))["visibility"] == "public"
    assert wire(fields(), current)["visibility"] == "default"
    assert "attendees" not in wire(fields(), item(attendees=[{"email": "x@y.z"}]))


def test_a_body_replaces_or_drops_a_changed_conference_link() -> None:
    meet = {"entryPoints": [{"entryPointType": "video", "uri": "https://meet.google.com/a"}]}
    current = item(conferenceData=meet, hangoutLink="https://meet.google.com/a")
    same = wire(fields(conference_url="https://meet.google.com/a"), current)
    assert same["conferenceData"] == meet
    dropped = wire(fields(), current)
    assert "conferenceData" not in dropped
    assert "hangoutLink" not in dropped
    other = wire(
        fields(conference_url="https://zoom.example.com/j/1"),
        current,
    )
    assert other["conferenceData"]["entryPoints"][0]["uri"] == "https://zoom.example.com/j/1"


def test_a_body_writes_the_owner_as_a_guest_only_while_the_crm_lists_her() -> None:
    own = {
        "email": "ann@example.com",
        "self": True,
        "organizer": True,
        "responseStatus": "accepted",
    }
    current = item(attendees=[own, {"email": "bob@example.com"}])
    listed = wire(fields(attendees=("ann@example.com",)), current, calendar_id="x")
    assert listed["attendees"] == [own]  # her entry, once, kept as Google has it
    assert listed["extendedProperties"]["private"] == {OWN_ENTRY_KEY: "true"}
    unlisted = wire(fields(attendees=("bob@example.com",)), listed, calendar_id="x")
    assert unlisted["attendees"] == [{"email": "bob@example.com"}]
    assert unlisted["extendedProperties"]["private"] == {}
    fresh = wire(
        fields(attendees=("Ann@Example.com",)), None, stamp="a", calendar_id="ann@example.com"
    )
    assert fresh["extendedProperties"]["private"][OWN_ENTRY_KEY] == "true"  # her primary calendar


def test_a_body_keeps_an_end_zone_the_crm_did_not_change() -> None:
    flight = item(
        start={"dateTime": "2030-05-06T18:00:00-04:00", "timeZone": "America/New_York"},
        end={"dateTime": "2030-05-07T06:00:00+01:00", "timeZone": "Europe/London"},
    )
    landing = datetime(2030, 5, 7, 5, 0, tzinfo=UTC)
    same = fields(start=T0, end=landing, timezone="America/New_York")
    body = wire(same, flight)
    assert body["end"] == {"dateTime": "2030-05-07T06:00:00+01:00", "timeZone": "Europe/London"}
    later = wire(evolve(same, end=landing + timedelta(hours=1)), flight)
    assert later["end"]["timeZone"] == "Europe/London"  # moved, in the same zones
    rezoned = wire(evolve(same, timezone="Asia/Tokyo"), flight)
    assert rezoned["end"]["timeZone"] == "Europe/London"  # the end itself did not change
    both = evolve(same, timezone="Asia/Tokyo", end=landing + timedelta(hours=1))
    assert wire(both, flight)["end"] == {
        "dateTime": "2030-05-07T15:00:00+09:00",
        "timeZone": "Asia/Tokyo",
    }


def test_the_stamp_joins_other_extended_properties() -> None:
    current = item(extendedProperties={"private": {"theirs": "1"}, "shared": {"x": "2"}})
    body = wire(fields(), current, stamp="act9")
    assert body["extendedProperties"] == {
        "private": {"theirs": "1", STAMP_KEY: "act9"},
        "shared": {"x": "2"},
    }
    assert wire(fields(), current)["extendedProperties"] == current["extendedProperties"]


zones = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"])
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
emails = st.lists(
    st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.com", fullmatch=True), max_size=3, unique=True
)


@st.composite
def synced_fields(draw: st.DrawFn) -> SyncedFields:
    start = T0 + timedelta(minutes=draw(st.integers(0, 60 * 24 * 400)))
    length = draw(st.integers(0, 60 * 48))
    timing: dict[str, object] = {"start": start, "end": start + timedelta(minutes=length)}
    if draw(st.booleans()):
        first = start.date()
        timing = {"start_date": first, "end_date": first + timedelta(days=length // 1440)}
    return SyncedFields.model_validate(
        {
            **timing,
            "timezone": draw(zones),
            "subject": draw(texts),
            "location": draw(texts),
            "description": draw(texts),
            "busy": draw(st.booleans()),
            "private": draw(st.booleans()),
            "attendees": tuple(draw(emails)),
            "conference_url": draw(st.none() | st.just("https://meet.example.com/x")),
        }
    )


@given(written=synced_fields())
def test_what_calsync_writes_reads_back_the_same(written: SyncedFields) -> None:
    body = wire(written, None, stamp="act1") | {"id": "ev1", "etag": '"1"'}
    back = event_from_wire(body, "cal", "UTC")  # all-day zones too, whatever the calendar's
    assert back is not None
    assert back.schedule() == written.schedule()
    assert (back.summary, back.location, back.description) == (
        written.subject,
        written.location,
        written.description,
    )
    assert (back.busy, back.private, back.attendees, back.conference_url) == (
        written.busy,
        written.private,
        written.attendees,
        written.conference_url,
    )
    assert back.crm_activity_id == "act1"
