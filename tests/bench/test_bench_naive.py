"""The naive baseline is a real two-way sync (so the ratios compare with something that works),
and it costs what it is meant to: the whole calendar and every activity on every run."""

from __future__ import annotations

from typing import Any

import pytest
from calsync.bench.naive import NaiveSync, new_activity
from calsync.devstack.client import GoogleUser
from google.cloud import firestore

from tests.fixtures.firestore import FirestoreCounters
from tests.fixtures.google import GoogleSim


def _event(day: int, summary: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "start": {"dateTime": f"2031-03-{day:02d}T10:00:00+00:00"},
        "end": {"dateTime": f"2031-03-{day:02d}T11:00:00+00:00"},
    }


@pytest.fixture
def person(google: GoogleSim) -> GoogleUser:
    return GoogleUser(google.url, "naive@example.com")


@pytest.fixture
def calendar(person: GoogleUser) -> str:
    made = person.session.post(
        f"{person.url}/calendar/v3/calendars", json={"summary": "Naive"}, timeout=30
    )
    made.raise_for_status()
    return str(made.json()["id"])


@pytest.fixture
def naive(firestore_client: firestore.Client, person: GoogleUser, calendar: str) -> NaiveSync:
    token = str(person.session.headers["Authorization"]).removeprefix("Bearer ")
    return NaiveSync(
        firestore_client,
        google_url=person.url,
        access_token=token,
        calendar_id=calendar,
        account_id="acc",
    )


def test_it_brings_calendar_events_in_and_then_has_nothing_to_do(
    naive: NaiveSync, person: GoogleUser, calendar: str
) -> None:
    for day in (1, 2, 3):
        person.insert(calendar, _event(day, f"Event {day}"))
    first = naive.run()
    assert (first.listed, first.saved_activities) == (3, 3)
    found = naive.crm_find(person.events(calendar)[0]["id"])
    assert found is not None
    assert found[1]["subject"].startswith("Event ")
    again = naive.run()
    assert (again.read, again.saved_activities, again.created_events) == (3, 0, 0)


def test_crm_changes_reach_the_calendar_one_request_each(
    naive: NaiveSync, person: GoogleUser, calendar: str
) -> None:
    body = _event(4, "From the CRM")
    activity_id = naive.crm_create(new_activity(body["summary"], body["start"], body["end"]))
    assert naive.run().created_events == 1
    event_id = (naive.crm_get(activity_id) or {})["event_id"]
    assert person.event(calendar, event_id)["summary"] == "From the CRM"
    naive.crm_update(activity_id, subject="Renamed in the CRM")
    assert naive.run().updated_events == 1
    assert person.event(calendar, event_id)["summary"] == "Renamed in the CRM"
    assert naive.run().updated_events == 0  # pushed once
    naive.crm_delete(activity_id)
    assert naive.run().deleted_events == 1
    assert person.event(calendar, event_id)["status"] == "cancelled"
    assert naive.crm_get(activity_id) is None


def test_calendar_changes_reach_the_crm(
    naive: NaiveSync, person: GoogleUser, calendar: str
) -> None:
    event = person.insert(calendar, _event(5, "In Google"))
    naive.run()
    person.patch(calendar, event["id"], {"summary": "Renamed in Google"})
    assert naive.run().saved_activities == 1
    found = naive.crm_find(event["id"])
    assert found is not None
    assert found[1]["subject"] == "Renamed in Google"
    assert naive.run().updated_events == 0  # no echo of the calendar's own change
    person.delete(calendar, event["id"])
    assert naive.run().deleted_activities == 1
    assert naive.crm_find(event["id"]) is None


def test_every_run_reads_every_activity_and_lists_the_whole_calendar(
    naive: NaiveSync,
    person: GoogleUser,
    calendar: str,
    google: GoogleSim,
    firestore_counters: FirestoreCounters,
) -> None:
    for day in range(1, 8):
        person.insert(calendar, _event(day, f"Event {day}"))
    naive.run()
    firestore_counters.reset()
    google.admin("POST", "stats/reset")
    naive.run()  # nothing changed
    assert firestore_counters.billed() == {"reads": 7, "writes": 0, "deletes": 0}
    assert google.admin("GET", "stats")["requests"] == {"events.list": 1}
