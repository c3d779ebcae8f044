"""Recurring series through the client: deleted series, RDATE/EXDATE, daylight saving."""

from __future__ import annotations

from typing import Any

import pytest
from googleapiclient.errors import HttpError

from tests.fixtures.google import list_all, timed

BERLIN = "Europe/Berlin"


def _error(call: Any) -> tuple[int, str]:
    with pytest.raises(HttpError) as caught:
        call.execute()
    return caught.value.resp.status, caught.value.error_details[0]["reason"]


def _insert(service: Any, recurrence: list[str], start: str, end: str, tz: str = BERLIN) -> Any:
    body = timed("series", start, end, tz=tz, recurrence=recurrence)
    return service.events().insert(calendarId="primary", body=body).execute()


def test_instances_of_a_deleted_series_cannot_be_written(google_service) -> None:
    events = google_service.events()
    series = _insert(
        google_service, ["RRULE:FREQ=DAILY;COUNT=4"], "2031-03-17T10:00:00", "2031-03-17T11:00:00"
    )
    ids = [
        i["id"]
        for i in events.instances(calendarId="primary", eventId=series["id"]).execute()["items"]
    ]
    events.patch(calendarId="primary", eventId=ids[0], body={"summary": "exception"}).execute()
    events.delete(calendarId="primary", eventId=series["id"]).execute()
    plain = events.get(calendarId="primary", eventId=ids[1]).execute()
    assert plain["status"] == "cancelled"
    for event_id in ids:
        revive = {"summary": "zombie", "status": "confirmed"}
        full = timed("zombie", "2031-03-17T10:00:00", "2031-03-17T11:00:00", tz=BERLIN)
        for call in (
            events.delete(calendarId="primary", eventId=event_id),
            events.patch(calendarId="primary", eventId=event_id, body={"summary": "zombie"}),
            events.patch(calendarId="primary", eventId=event_id, body=revive),
            events.update(calendarId="primary", eventId=event_id, body=full),
        ):
            assert _error(call) == (410, "deleted"), event_id
    assert _error(events.instances(calendarId="primary", eventId=series["id"])) == (410, "deleted")
    live, _ = list_all(google_service, singleEvents=True)
    assert live == []
    shown, _ = list_all(google_service, singleEvents=True, showDeleted=True)
    assert sorted(i["id"] for i in shown) == sorted(ids)
    assert {i["status"] for i in shown} == {"cancelled"}
    assert all("zombie" not in str(i) for i in shown)
    default, _ = list_all(google_service)
    assert default == []
