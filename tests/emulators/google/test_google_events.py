"""events.get/insert/update/patch/delete/move through google-api-python-client."""

from __future__ import annotations

import time
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from tests.fixtures.google import GoogleSim, all_day, list_all, timed

START, END = "2031-03-01T10:00:00Z", "2031-03-01T11:00:00Z"


def _insert(service: Any, body: dict[str, Any], **params: Any) -> dict[str, Any]:
    return dict(service.events().insert(calendarId="primary", body=body, **params).execute())


def _error(call: Any) -> tuple[int, str]:
    with pytest.raises(HttpError) as caught:
        call.execute()
    return caught.value.resp.status, caught.value.error_details[0]["reason"]


def test_client_ids_are_validated_and_unique(google_service) -> None:
    events = google_service.events()
    body = timed("a", START, END, id="abcde12345")
    assert _insert(google_service, body)["id"] == "abcde12345"
    assert _error(events.insert(calendarId="primary", body=body)) == (409, "duplicate")
    for bad in ("abcd", "ABCDEF", "abcdw1", "abc_def", "x" * 1025):
        call = events.insert(calendarId="primary", body=timed("a", START, END, id=bad))
        assert _error(call) == (400, "invalid"), bad
    generated = _insert(google_service, timed("b", START, END))["id"]
    assert len(generated) >= 5
    assert set(generated) <= set("0123456789abcdefghijklmnopqrstuv")


def test_etag_and_updated_change_on_every_write(google_service) -> None:
    event = _insert(google_service, timed("a", START, END))
    time.sleep(0.002)
    patched = (
        google_service.events()
        .patch(calendarId="primary", eventId=event["id"], body={"summary": "b"})
        .execute()
    )
    assert patched["etag"] != event["etag"]
    assert patched["updated"] > event["updated"]
    assert patched["created"] == event["created"]
    assert patched["summary"] == "b"


def test_if_match_and_if_none_match(google_service) -> None:
    event = _insert(google_service, timed("a", START, END))
    events = google_service.events()
    events.patch(calendarId="primary", eventId=event["id"], body={"summary": "b"}).execute()
    stale = events.patch(calendarId="primary", eventId=event["id"], body={"summary": "c"})
    stale.headers["If-Match"] = event["etag"]
    assert _error(stale) == (412, "conditionNotMet")
    current = events.get(calendarId="primary", eventId=event["id"]).execute()
    fresh = events.patch(calendarId="primary", eventId=event["id"], body={"summary": "c"})
    fresh.headers["If-Match"] = current["etag"]
    assert fresh.execute()["summary"] == "c"
    conditional = events.get(calendarId="primary", eventId=event["id"])
    conditional.headers["If-None-Match"] = events.get(
        calendarId="primary", eventId=event["id"]
    ).execute()["etag"]
    with pytest.raises(HttpError) as unchanged:
        conditional.execute()
    assert unchanged.value.resp.status == 304
    delete = events.delete(calendarId="primary", eventId=event["id"])
    delete.headers["If-Match"] = current["etag"]
    assert _error(delete) == (412, "conditionNotMet")


def test_deleted_events_are_tombstones(google_service) -> None:
    event = _insert(google_service, timed("a", START, END))
    events = google_service.events()
    events.delete(calendarId="primary", eventId=event["id"]).execute()
    assert events.get(calendarId="primary", eventId=event["id"]).execute()["status"] == "cancelled"
    assert _error(events.delete(calendarId="primary", eventId=event["id"])) == (410, "deleted")
    patch = events.patch(calendarId="primary", eventId=event["id"], body={"summary": "x"})
    assert _error(patch) == (410, "deleted")
    assert _error(events.delete(calendarId="primary", eventId="neverexisted")) == (404, "notFound")
    revived = events.patch(calendarId="primary", eventId=event["id"], body={"status": "confirmed"})
    assert revived.execute()["status"] == "confirmed"


def test_times_all_day_and_time_zones(google_service) -> None:
    day = _insert(google_service, all_day("holiday", "2031-05-01", "2031-05-02"))
    assert day["start"] == {"date": "2031-05-01"}
    assert day["end"] == {"date": "2031-05-02"}
    zoned = _insert(
        google_service,
        timed("z", "2031-05-01T08:00:00Z", "2031-05-01T09:00:00Z", tz="Europe/Berlin"),
    )
    assert zoned["start"] == {"dateTime": "2031-05-01T10:00:00+02:00", "timeZone": "Europe/Berlin"}
    events = google_service.events()
    empty = all_day("x", "2031-05-01", "2031-05-01")
    assert _error(events.insert(calendarId="primary", body=empty)) == (400, "timeRangeEmpty")
    backwards = timed("x", END, START)
    assert _error(events.insert(calendarId="primary", body=backwards)) == (400, "timeRangeEmpty")
    mixed = {"start": {"date": "2031-05-01"}, "end": {"dateTime": END}}
    assert _error(events.insert(calendarId="primary", body=mixed))[0] == 400
    no_zone = {"start": {"dateTime": "2031-05-01T10:00:00"}, "end": {"dateTime": END}}
    assert _error(events.insert(calendarId="primary", body=no_zone))[0] == 400
    bad_zone = timed("x", START, END, tz="Mars/Olympus")
    assert _error(events.insert(calendarId="primary", body=bad_zone)) == (400, "invalid")
    assert _error(events.insert(calendarId="primary", body={"summary": "x"})) == (400, "required")


def test_fields_calsync_maps(google_service) -> None:
    body = timed(
        "meeting",
        START,
        END,
        description="<b>agenda</b>",
        location="Room 1",
        visibility="private",
        transparency="transparent",
        attendees=[{"email": "Guest@Example.com", "displayName": "Guest"}],
        reminders={"useDefault": False, "overrides": [{"method": "popup", "minutes": 5}]},
        conferenceData={
            "createRequest": {"requestId": "r1", "conferenceSolutionKey": {"type": "hangoutsMeet"}}
        },
    )
    event = _insert(google_service, body, conferenceDataVersion=1)
    assert (event["visibility"], event["transparency"]) == ("private", "transparent")
    assert event["attendees"] == [
        {"email": "guest@example.com", "displayName": "Guest", "responseStatus": "needsAction"}
    ]
    assert event["hangoutLink"].startswith("https://meet.google.com/")
    assert event["conferenceData"]["createRequest"]["status"] == {"statusCode": "success"}
    ignored = _insert(google_service, {**body, "id": "nomeet00001"})
    assert "conferenceData" not in ignored
    assert _error(
        google_service.events().insert(
            calendarId="primary", body=timed("x", START, END, visibility="secret")
        )
    ) == (400, "invalid")


def test_extended_properties_follow_googles_limits(google_service) -> None:
    props = {"crmId": "42", "k" * 45: "dropped", "long": "v" * 2000}
    event = _insert(google_service, timed("a", START, END, extendedProperties={"private": props}))
    private = event["extendedProperties"]["private"]
    assert set(private) == {"crmId", "long"}
    assert len(private["long"]) == 1024
    too_many = {f"p{i}": "x" for i in range(301)}
    call = google_service.events().insert(
        calendarId="primary", body=timed("a", START, END, extendedProperties={"shared": too_many})
    )
    assert _error(call) == (400, "invalid")
    found, _ = list_all(google_service, privateExtendedProperty="crmId=42")
    assert [item["id"] for item in found] == [event["id"]]
    assert list_all(google_service, privateExtendedProperty="crmId=43")[0] == []


def test_patch_merges_and_update_replaces(google_service) -> None:
    event = _insert(
        google_service,
        timed(
            "a",
            START,
            END,
            location="L",
            attendees=[{"email": "a@x.com"}, {"email": "b@x.com"}],
            extendedProperties={"private": {"keep": "1", "drop": "2"}},
        ),
    )
    events = google_service.events()
    patched = events.patch(
        calendarId="primary",
        eventId=event["id"],
        body={
            "attendees": [{"email": "c@x.com"}],
            "extendedProperties": {"private": {"drop": None, "new": "3"}},
        },
    ).execute()
    assert [a["email"] for a in patched["attendees"]] == ["c@x.com"]
    assert patched["extendedProperties"]["private"] == {"keep": "1", "new": "3"}
    assert patched["location"] == "L"
    updated = events.update(
        calendarId="primary", eventId=event["id"], body=timed("b", START, END)
    ).execute()
    assert "location" not in updated
    assert "extendedProperties" not in updated
    assert "attendees" not in updated
    assert updated["summary"] == "b"


def test_reminder_changes_do_not_bump_updated(google_service) -> None:
    event = _insert(google_service, timed("a", START, END))
    time.sleep(0.002)
    changed = (
        google_service.events()
        .patch(
            calendarId="primary",
            eventId=event["id"],
            body={"reminders": {"useDefault": False, "overrides": []}},
        )
        .execute()
    )
    assert changed["updated"] == event["updated"]
    assert changed["etag"] != event["etag"]


def test_event_types(google_service, google: GoogleSim) -> None:
    _insert(google_service, timed("a", START, END))
    ooo = _insert(google_service, timed("away", START, END, eventType="outOfOffice"))
    assert ooo["eventType"] == "outOfOffice"
    defaults, _ = list_all(google_service, eventTypes="default")
    assert [e["summary"] for e in defaults] == ["a"]
    gmail = timed("x", START, END, eventType="fromGmail")
    assert _error(google_service.events().insert(calendarId="primary", body=gmail))[0] == 400
    change = google_service.events().patch(
        calendarId="primary", eventId=ooo["id"], body={"eventType": "default"}
    )
    assert _error(change) == (400, "invalid")


def test_move_between_calendars(google_service, google_user: str) -> None:
    other = google_service.calendars().insert(body={"summary": "CRM activities"}).execute()
    event = _insert(google_service, timed("a", START, END))
    moved = (
        google_service.events()
        .move(calendarId="primary", eventId=event["id"], destination=other["id"])
        .execute()
    )
    assert moved["id"] == event["id"]
    assert moved["organizer"]["email"] == other["id"]
    left = google_service.events().get(calendarId="primary", eventId=event["id"]).execute()
    assert left["status"] == "cancelled"
    assert [e["id"] for e in list_all(google_service, other["id"])[0]] == [event["id"]]


def test_time_filters_and_ordering(google_service) -> None:
    for day in ("03", "01", "02"):
        _insert(google_service, timed(day, f"2031-06-{day}T10:00:00Z", f"2031-06-{day}T11:00:00Z"))
    window, _ = list_all(
        google_service, timeMin="2031-06-01T11:00:00Z", timeMax="2031-06-03T10:00:00Z"
    )
    assert [e["summary"] for e in window] == ["02"]
    ordered, _ = list_all(google_service, singleEvents=True, orderBy="startTime")
    assert [e["summary"] for e in ordered] == ["01", "02", "03"]
    events = google_service.events()
    assert _error(events.list(calendarId="primary", orderBy="startTime")) == (400, "invalid")
    empty = events.list(calendarId="primary", timeMin=END, timeMax=START)
    assert _error(empty) == (400, "timeRangeEmpty")
    assert _error(events.list(calendarId="primary", timeMin="2031-06-01T10:00:00"))[0] == 400
    assert _error(events.list(calendarId="primary", maxResults=0)) == (400, "invalid")
    one = _insert(google_service, timed("uid", START, END))
    by_uid, _ = list_all(google_service, iCalUID=one["iCalUID"])
    assert [e["id"] for e in by_uid] == [one["id"]]
    assert [e["summary"] for e in list_all(google_service, q="UID")[0]] == ["uid"]
