"""The Google adapter's wire mapping (google_wire.py), without a server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from calsync.domain import CalendarEvent, RemovedEvent, SyncedFields
from calsync.providers.google_wire import STAMP_KEY, change_from_wire, event_body, event_from_wire
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
    body = event_body(fields(private=True, attendees=("BOB@example.com",)), current, stamp=None)
    assert body["visibility"] == "confidential"
    assert [a["email"] for a in body["attendees"]] == [
        "bob@example.com",
        "ann@example.com",
        "room@resource.example.com",
    ]
    assert body["attendees"][0]["responseStatus"] == "declined"
    assert event_body(fields(), item(visibility="public"), stamp=None)["visibility"] == "public"
    assert event_body(fields(), current, stamp=None)["visibility"] == "default"
    assert "attendees" not in event_body(fields(), item(attendees=[{"email": "x@y.z"}]), stamp=None)


def test_a_body_replaces_or_drops_a_changed_conference_link() -> None:
    meet = {"entryPoints": [{"entryPointType": "video", "uri": "https://meet.google.com/a"}]}
    current = item(conferenceData=meet, hangoutLink="https://meet.google.com/a")
    same = event_body(fields(conference_url="https://meet.google.com/a"), current, stamp=None)
    assert same["conferenceData"] == meet
    dropped = event_body(fields(), current, stamp=None)
    assert "conferenceData" not in dropped
    assert "hangoutLink" not in dropped
    other = event_body(fields(conference_url="https://zoom.example.com/j/1"), current, stamp=None)
    assert other["conferenceData"]["entryPoints"][0]["uri"] == "https://zoom.example.com/j/1"


def test_the_stamp_joins_other_extended_properties() -> None:
    current = item(extendedProperties={"private": {"theirs": "1"}, "shared": {"x": "2"}})
    body = event_body(fields(), current, stamp="act9")
    assert body["extendedProperties"] == {
        "private": {"theirs": "1", STAMP_KEY: "act9"},
        "shared": {"x": "2"},
    }
    assert (
        event_body(fields(), current, stamp=None)["extendedProperties"]
        == current["extendedProperties"]
    )


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
    body = event_body(written, None, stamp="act1") | {"id": "ev1", "etag": '"1"'}
    back = event_from_wire(body, "cal", written.timezone)
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
