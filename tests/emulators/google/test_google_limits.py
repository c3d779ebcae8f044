"""Google's limits on event ids and extended properties, and orderBy=updated."""

from __future__ import annotations

import time
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from tests.fixtures.google import list_all, timed

START, END = "2031-03-01T10:00:00Z", "2031-03-01T11:00:00Z"
LIMIT = 32 * 1024  # keys + values of all of an event's extended properties (providers.md 1.4)


def _error(call: Any) -> tuple[int, str]:
    with pytest.raises(HttpError) as caught:
        call.execute()
    return caught.value.resp.status, caught.value.error_details[0]["reason"]


def _props(count: int, value: str, prefix: str = "p") -> dict[str, str]:
    return {f"{prefix}{n:02d}": value for n in range(count)}


def test_extended_properties_total_at_most_32_kb(google_service) -> None:
    events = google_service.events()
    under = _props(31, "v" * 1024)
    assert sum(len(k) + len(v) for k, v in under.items()) <= LIMIT
    event = events.insert(
        calendarId="primary", body=timed("a", START, END, extendedProperties={"private": under})
    ).execute()
    assert event["extendedProperties"]["private"] == under
    split = {"private": _props(16, "v" * 1024), "shared": _props(16, "v" * 1024, "s")}
    assert sum(len(k) + len(v) for side in split.values() for k, v in side.items()) > LIMIT
    over = events.insert(
        calendarId="primary", body=timed("b", START, END, extendedProperties=split)
    )
    assert _error(over) == (400, "invalid")
    wide = _props(20, "é" * 1000)
    assert sum(len(k) + len(v) for k, v in wide.items()) < LIMIT < len(str(wide).encode())
    utf8 = events.insert(
        calendarId="primary", body=timed("c", START, END, extendedProperties={"shared": wide})
    )
    assert _error(utf8) == (400, "invalid")
    more = {"extendedProperties": {"shared": {"extra": "w" * 1024}}}
    assert _error(events.patch(calendarId="primary", eventId=event["id"], body=more)) == (
        400,
        "invalid",
    )
    stored = events.get(calendarId="primary", eventId=event["id"]).execute()
    assert stored["etag"] == event["etag"]
    assert "shared" not in stored["extendedProperties"]


def test_a_1024_character_client_id_is_accepted(google_service) -> None:
    alphabet = "0123456789abcdefghijklmnopqrstuv"
    long_id = (alphabet * 32)[:1024]
    events = google_service.events()
    created = events.insert(calendarId="primary", body=timed("a", START, END, id=long_id)).execute()
    assert created["id"] == long_id
    assert events.get(calendarId="primary", eventId=long_id).execute()["summary"] == "a"
    assert [e["id"] for e in list_all(google_service)[0]] == [long_id]
    too_long = events.insert(calendarId="primary", body=timed("b", START, END, id=long_id + "0"))
    assert _error(too_long) == (400, "invalid")


def test_order_by_updated_is_ascending_modification_time(google_service) -> None:
    events = google_service.events()
    ids = {}
    for summary in ("a", "b", "c"):
        body = timed(summary, START, END)
        ids[summary] = events.insert(calendarId="primary", body=body).execute()["id"]
        time.sleep(0.002)
    events.patch(calendarId="primary", eventId=ids["a"], body={"location": "x"}).execute()
    ordered, _ = list_all(google_service, orderBy="updated")
    assert [e["summary"] for e in ordered] == ["b", "c", "a"]
    updated = [e["updated"] for e in ordered]
    assert updated == sorted(updated)
    paged, _ = list_all(google_service, orderBy="updated", maxResults=1)
    assert [e["summary"] for e in paged] == ["b", "c", "a"]
