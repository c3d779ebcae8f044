"""Page sizes as Google's: events 250 by default and at most 2500, calendar lists 100 and 250."""

from __future__ import annotations

from typing import Any

from tests.fixtures.google import timed


def _batch(service: Any, calls: list[Any]) -> None:
    failures: list[Any] = []
    batch = service.new_batch_http_request(
        callback=lambda rid, response, error: failures.append(error) if error else None
    )
    for call in calls:
        batch.add(call)
    batch.execute()
    assert failures == []


def _pages(request: Any, follow: Any) -> list[dict[str, Any]]:
    pages = []
    while request is not None:
        page = request.execute()
        pages.append(page)
        request = follow(request, page)
    return pages


def test_events_list_pages_250_by_default(google_service) -> None:
    events = google_service.events()
    body = timed("e", "2031-01-01T10:00:00Z", "2031-01-01T11:00:00Z")
    _batch(google_service, [events.insert(calendarId="primary", body=body) for _ in range(260)])
    pages = _pages(events.list(calendarId="primary"), events.list_next)
    assert [len(page["items"]) for page in pages] == [250, 10]
    assert "nextPageToken" in pages[0]
    assert "nextSyncToken" not in pages[0]
    assert "nextSyncToken" in pages[1]
    ids = [item["id"] for page in pages for item in page["items"]]
    assert len(set(ids)) == 260


def test_max_results_is_clamped_to_2500(google_service) -> None:
    body = timed(
        "hourly",
        "2031-01-01T00:00:00Z",
        "2031-01-01T00:30:00Z",
        tz="UTC",
        recurrence=["RRULE:FREQ=HOURLY;COUNT=2600"],
    )
    events = google_service.events()
    series = events.insert(calendarId="primary", body=body).execute()
    listed = _pages(
        events.list(calendarId="primary", singleEvents=True, maxResults=5000), events.list_next
    )
    assert [len(page["items"]) for page in listed] == [2500, 100]
    assert "nextSyncToken" in listed[1]
    assert listed[1]["items"][-1]["id"] == f"{series['id']}_20310419T070000Z"
    instances = _pages(
        events.instances(calendarId="primary", eventId=series["id"], maxResults=5000),
        events.instances_next,
    )
    assert [len(page["items"]) for page in instances] == [2500, 100]
    default = events.instances(calendarId="primary", eventId=series["id"]).execute()
    assert len(default["items"]) == 250
    assert "nextPageToken" in default


def test_calendar_list_pages_100_by_default_and_at_most_250(google_service) -> None:
    calendars = google_service.calendars()
    inserts = [calendars.insert(body={"summary": f"c{n}"}) for n in range(251)]
    _batch(google_service, inserts)
    entries = google_service.calendarList()
    default = _pages(entries.list(), entries.list_next)
    assert [len(page["items"]) for page in default] == [100, 100, 52]
    widest = _pages(entries.list(maxResults=1000), entries.list_next)
    assert [len(page["items"]) for page in widest] == [250, 2]
    assert "nextSyncToken" in widest[-1]
    assert "nextSyncToken" not in widest[0]
    ids = {item["id"] for page in widest for item in page["items"]}
    assert len(ids) == 252
