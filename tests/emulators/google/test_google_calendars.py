"""calendarList, calendars and sharing: ids, access roles, what readers may see and do."""

from __future__ import annotations

from typing import Any

import pytest
from googleapiclient.errors import HttpError

from tests.fixtures.google import GoogleSim, timed

BODY = timed("dentist", "2031-01-01T10:00:00Z", "2031-01-01T11:00:00Z", visibility="private")


def _status(call: Any) -> tuple[int, str]:
    with pytest.raises(HttpError) as caught:
        call.execute()
    return caught.value.resp.status, caught.value.error_details[0]["reason"]


def test_primary_calendar_has_the_users_email_as_id(google_service, google_user: str) -> None:
    entries = google_service.calendarList().list().execute()["items"]
    assert [(e["id"], e["accessRole"], e.get("primary")) for e in entries] == [
        (google_user, "owner", True)
    ]
    calendar = google_service.calendars().get(calendarId="primary").execute()
    assert calendar["id"] == google_user
    assert calendar["kind"] == "calendar#calendar"


def test_secondary_calendars(google_service) -> None:
    created = (
        google_service.calendars()
        .insert(body={"summary": "CRM activities", "timeZone": "Europe/Berlin"})
        .execute()
    )
    assert created["id"].endswith("@group.calendar.google.com")
    entries = {e["id"]: e for e in google_service.calendarList().list().execute()["items"]}
    assert entries[created["id"]]["summary"] == "CRM activities"
    assert entries[created["id"]]["accessRole"] == "owner"
    assert _status(google_service.calendars().insert(body={})) == (400, "required")
    bad_zone = google_service.calendars().insert(body={"summary": "x", "timeZone": "Nowhere/X"})
    assert _status(bad_zone) == (400, "invalid")
    assert _status(google_service.calendars().delete(calendarId="primary"))[0] == 400
    google_service.calendars().delete(calendarId=created["id"]).execute()
    remaining = google_service.calendarList().list().execute()["items"]
    assert created["id"] not in {e["id"] for e in remaining}
    assert _status(google_service.events().list(calendarId=created["id"])) == (404, "notFound")


def test_shared_calendars_carry_the_granted_role(
    google: GoogleSim, google_service, google_user: str
) -> None:
    google_service.events().insert(calendarId="primary", body=BODY).execute()
    google_service.acl().insert(
        calendarId="primary",
        body={"role": "reader", "scope": {"type": "user", "value": "bob@example.com"}},
    ).execute()
    google.create_user("bob@example.com")
    bob = google.service("bob@example.com")
    roles = {e["id"]: e["accessRole"] for e in bob.calendarList().list().execute()["items"]}
    assert roles == {"bob@example.com": "owner", google_user: "reader"}
    writable = bob.calendarList().list(minAccessRole="writer").execute()["items"]
    assert [e["id"] for e in writable] == ["bob@example.com"]
    seen = bob.events().list(calendarId=google_user).execute()["items"][0]
    assert "summary" not in seen
    assert seen["visibility"] == "private"
    refused = bob.events().insert(calendarId=google_user, body=BODY)
    assert _status(refused) == (403, "requiredAccessLevel")
    stranger = google.service(google.create_user("eve@example.com")["email"])
    assert _status(stranger.events().list(calendarId=google_user)) == (404, "notFound")


def test_calendar_list_sync_reports_deleted_calendars(google_service) -> None:
    created = google_service.calendars().insert(body={"summary": "temp"}).execute()
    first = google_service.calendarList().list().execute()
    google_service.calendars().delete(calendarId=created["id"]).execute()
    changes = google_service.calendarList().list(syncToken=first["nextSyncToken"]).execute()
    assert changes["items"] == [
        {
            "kind": "calendar#calendarListEntry",
            "etag": changes["items"][0]["etag"],
            "id": created["id"],
            "deleted": True,
        }
    ]
