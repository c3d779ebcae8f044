"""The rules of the sync, end to end: owner only, future only, private notes, field mapping,
recurring occurrences, deletions per sync type, merges, and who sees what."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.synced import (
    ZONE,
    at,
    day,
    meeting,
    settle,
    start_sync,
    timed_event,
    wait_count,
)
from tests.fixtures.stack import Tenant


def test_only_the_owners_activities_are_synced(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    bobs = tenant.bob.create_activity(**meeting("Bob's meeting"))
    anns = synced.crm.create_activity(**meeting("Ann's meeting", 12, 13))
    synced.wait_event(anns["id"])
    settle(synced.stack)
    assert synced.event_of(bobs["id"]) is None


def test_only_the_future_is_synced(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    past = synced.crm.create_activity(**meeting("Last week", days=-7))
    marker = synced.crm.create_activity(**meeting("Next week", days=7))
    synced.google.insert(synced.calendar_id, timed_event("Google last week", 9, 10, days=-7))
    synced.google.insert(synced.calendar_id, timed_event("Google next week", 9, 10, days=7))
    synced.wait_event(marker["id"])
    settle(synced.stack)
    start = day(-9)
    listed = synced.crm.activities(start.isoformat(), (start + timedelta(days=20)).isoformat())
    subjects = sorted(a["subject"] for a in listed)
    assert subjects == ["Google next week", "Last week", "Next week"]
    assert synced.event_of(past["id"]) is None


def test_notes_stay_private_and_the_public_description_goes_out(tenant: Tenant) -> None:
    synced = start_sync(tenant, include_deal_and_contact=False)
    activity = synced.crm.create_activity(
        **meeting("Review", note="They cannot pay before May.", public_description="Agenda")
    )
    event = synced.wait_event(activity["id"])
    assert event["description"] == "Agenda"
    assert "May" not in str(event)
    synced.google.patch(synced.calendar_id, event["id"], {"description": "Agenda, v2"})
    edited = synced.wait_activity(lambda a: a["public_description"] == "Agenda, v2")
    assert edited["note"] == "They cannot pay before May.", "Google's edit leaves the note alone"


def test_fields_map_both_ways(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    activity = synced.crm.create_activity(
        **meeting(
            "Workshop",
            location="Room 1",
            busy=False,
            attendees=["Hank@Globex.example"],
            conference_url="https://meet.example/abc-defg",
        )
    )
    event = synced.wait_event(activity["id"])
    assert event["start"]["timeZone"] == ZONE
    assert event["location"] == "Room 1"
    assert event["transparency"] == "transparent"
    assert [a["email"] for a in event["attendees"]] == ["hank@globex.example"]
    assert "https://meet.example/abc-defg" in str(event)

    holiday = synced.crm.create_activity(
        type="meeting",
        subject="Offsite",
        all_day=True,
        start=day(4).date().isoformat(),
        end=day(5).date().isoformat(),
        timezone=ZONE,
    )
    event = synced.wait_event(holiday["id"])
    assert event["start"] == {"date": day(4).date().isoformat()}
    assert event["end"] == {"date": day(6).date().isoformat()}, "Google's end day is exclusive"

    synced.google.insert(
        synced.calendar_id,
        {
            "summary": "Trip",
            "start": {"date": day(7).date().isoformat()},
            "end": {"date": day(9).date().isoformat()},
            "transparency": "transparent",
        },
    )
    trip = synced.wait_activity(lambda a: a["subject"] == "Trip")
    assert trip["all_day"]
    assert (trip["start"], trip["end"]) == (day(7).date().isoformat(), day(8).date().isoformat())
    assert trip["busy"] is False
    synced.google.insert(
        synced.calendar_id,
        {
            "summary": "Tokyo call",
            "start": {"dateTime": at(1), "timeZone": "Asia/Tokyo"},
            "end": {"dateTime": at(2), "timeZone": "Asia/Tokyo"},
        },
    )
    call = synced.wait_activity(lambda a: a["subject"] == "Tokyo call")
    assert call["timezone"] == "Asia/Tokyo", "time zones are kept, not flattened"


def test_recurring_occurrences_are_read_only_and_follow_deletions(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    series = synced.google.insert(
        synced.calendar_id, timed_event("Standup", 9, 9.25, recurrence=["RRULE:FREQ=DAILY;COUNT=3"])
    )
    occurrences = wait_count(synced, "Standup", 3)
    assert all(a["read_only"] for a in occurrences)
    first = min(occurrences, key=lambda a: a["start"])
    refused = synced.crm.request("PATCH", f"/activities/{first['id']}", json={"subject": "x"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "read_only"
    assert "calendar" in refused.json()["error"]["message"].lower()
    assert synced.crm.request("DELETE", f"/activities/{first['id']}").status_code == 409

    instances = synced.google.events(synced.calendar_id, singleEvents="true")
    one = min(
        (e for e in instances if e.get("recurringEventId") == series["id"]),
        key=lambda e: e["start"]["dateTime"],
    )
    synced.google.delete(synced.calendar_id, one["id"])
    wait_count(synced, "Standup", 2)
    synced.google.delete(synced.calendar_id, series["id"])
    wait_count(synced, "Standup", 0)
