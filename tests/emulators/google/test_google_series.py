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


def _expanded(service: Any, series: dict[str, Any]) -> list[tuple[str, str]]:
    """``(id, start)`` of every instance, as singleEvents=true and events.instances show them."""
    listed, _ = list_all(service, singleEvents=True)
    mine = [i for i in listed if i["recurringEventId"] == series["id"]]
    found = service.events().instances(calendarId="primary", eventId=series["id"]).execute()
    assert [i["id"] for i in found["items"]] == [i["id"] for i in mine]
    for item in mine:
        assert item["originalStartTime"] == item["start"]
        assert item["start"]["timeZone"] == series["start"]["timeZone"]
    return [(i["id"], i["start"]["dateTime"]) for i in mine]


def test_exdate_with_a_tzid_of_another_zone(google_service) -> None:
    series = _insert(
        google_service,
        [
            "RRULE:FREQ=DAILY;COUNT=4",
            "EXDATE;TZID=America/New_York:20310318T050000",
            "EXDATE;TZID=Europe/Berlin:20310320T100000",
        ],
        "2031-03-17T10:00:00",
        "2031-03-17T10:30:00",
    )
    assert _expanded(google_service, series) == [
        (f"{series['id']}_20310317T090000Z", "2031-03-17T10:00:00+01:00"),
        (f"{series['id']}_20310319T090000Z", "2031-03-19T10:00:00+01:00"),
    ]


def test_rdate_only_series_starts_with_its_own_start(google_service) -> None:
    """RFC 5545: DTSTART (the event's start) is always the first instance."""
    series = _insert(
        google_service,
        ["RDATE;TZID=Europe/Berlin:20310320T150000,20310401T100000", "RDATE:20310322T080000Z"],
        "2031-03-17T10:00:00",
        "2031-03-17T10:30:00",
    )
    assert _expanded(google_service, series) == [
        (f"{series['id']}_20310317T090000Z", "2031-03-17T10:00:00+01:00"),
        (f"{series['id']}_20310320T140000Z", "2031-03-20T15:00:00+01:00"),
        (f"{series['id']}_20310322T080000Z", "2031-03-22T09:00:00+01:00"),
        (f"{series['id']}_20310401T080000Z", "2031-04-01T10:00:00+02:00"),
    ]
    listed, _ = list_all(google_service, singleEvents=True)
    assert listed[-1]["end"]["dateTime"] == "2031-04-01T10:30:00+02:00"


def test_exdate_only_series_keeps_its_start(google_service) -> None:
    series = _insert(
        google_service,
        ["EXDATE;TZID=Europe/Berlin:20310318T100000"],
        "2031-03-17T10:00:00",
        "2031-03-17T10:30:00",
    )
    assert _expanded(google_service, series) == [
        (f"{series['id']}_20310317T090000Z", "2031-03-17T10:00:00+01:00")
    ]


def test_start_off_the_rule_counts_as_the_first_of_count(google_service) -> None:
    """RFC 5545 3.3.10: DTSTART always counts as the first occurrence of COUNT."""
    series = _insert(
        google_service,
        ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3"],
        "2031-03-19T10:00:00",
        "2031-03-19T10:30:00",
    )
    assert [start for _, start in _expanded(google_service, series)] == [
        "2031-03-19T10:00:00+01:00",
        "2031-03-24T10:00:00+01:00",
        "2031-03-31T10:00:00+02:00",
    ]


def test_weekly_series_across_daylight_saving_in_new_york(google_service) -> None:
    series = _insert(
        google_service,
        ["RRULE:FREQ=WEEKLY;COUNT=3"],
        "2031-03-02T09:00:00",
        "2031-03-02T10:00:00",
        tz="America/New_York",
    )
    assert _expanded(google_service, series) == [
        (f"{series['id']}_20310302T140000Z", "2031-03-02T09:00:00-05:00"),
        (f"{series['id']}_20310309T130000Z", "2031-03-09T09:00:00-04:00"),
        (f"{series['id']}_20310316T130000Z", "2031-03-16T09:00:00-04:00"),
    ]
    listed, _ = list_all(google_service, singleEvents=True)
    assert [i["end"]["dateTime"] for i in listed][1] == "2031-03-09T10:00:00-04:00"


@pytest.mark.parametrize(
    "recurrence",
    [
        ["RRULE:FREQ=DAILY;INTERVAL=0"],
        ["RRULE:FREQ=DAILY;COUNT=0"],
        ["RRULE:FREQ=DAILY;COUNT=-2"],
        ["RRULE:FREQ=DAILY;UNTIL=20310101T1000"],
        ["RDATE;TZID=America/New_York:00010101T000000"],
        ["RDATE:2031"],
    ],
)
def test_bad_recurrence_values_are_refused(google_service, recurrence: list[str]) -> None:
    body = timed("x", "2031-03-17T10:00:00", "2031-03-17T11:00:00", tz=BERLIN)
    call = google_service.events().insert(
        calendarId="primary", body={**body, "recurrence": recurrence}
    )
    assert _error(call) == (400, "invalid")


def test_all_day_series_take_dates_only(google_service) -> None:
    body = {
        "summary": "day",
        "start": {"date": "2031-01-01"},
        "end": {"date": "2031-01-02"},
        "recurrence": ["RRULE:FREQ=DAILY;COUNT=3", "EXDATE:20310102T000000Z"],
    }
    assert _error(google_service.events().insert(calendarId="primary", body=body)) == (
        400,
        "invalid",
    )
    body["recurrence"][1] = "EXDATE;VALUE=DATE:20310102"
    series = google_service.events().insert(calendarId="primary", body=body).execute()
    listed, _ = list_all(google_service, singleEvents=True)
    assert [i["id"] for i in listed] == [f"{series['id']}_20310101", f"{series['id']}_20310103"]
