"""The promises, end to end: no duplicates (duplicate task deliveries, duplicate and retried
notifications, failing Google calls), no lost edits, no echo loops (writes counted at the
emulators), and changes within the polling interval when push fails."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from calsync.devstack.client import wait_for

from tests.e2e.synced import (
    Synced,
    google_writes,
    meeting,
    queue_stats,
    settle,
    start_sync,
    sync_held,
    timed_event,
    wait_count,
)
from tests.fixtures.stack import LocalStack, Tenant


@contextmanager
def duplicated_tasks(stack: LocalStack) -> Iterator[None]:
    """Cloud Tasks delivers every task twice (it may: delivery is at least once)."""
    stack.tasks.config(duplicate_rate=1.0)
    try:
        yield
    finally:
        stack.tasks.config(duplicate_rate=0.0)


@contextmanager
def google_faults(stack: LocalStack, faults: dict[str, Any]) -> Iterator[None]:
    stack.google_admin("POST", "faults", faults)
    try:
        yield
    finally:
        stack.google_admin("DELETE", "faults")


def _events_named(synced: Synced, summary: str) -> list[dict[str, Any]]:
    return [e for e in synced.events() if e.get("summary") == summary]


def test_duplicate_task_deliveries_make_no_duplicates(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    duplicated = queue_stats(synced.stack)["totals"]["duplicated"]
    with duplicated_tasks(synced.stack):
        made = [
            synced.crm.create_activity(**meeting(f"Twice {n}", 9 + n, 10 + n)) for n in range(3)
        ]
        for n in range(3):
            synced.google.insert(synced.calendar_id, timed_event(f"Google {n}", 14 + n, 15 + n))
        for activity in made:
            synced.wait_event(activity["id"])
        for n in range(3):
            synced.wait_subject(f"Google {n}")
        settle(synced.stack)
    assert queue_stats(synced.stack)["totals"]["duplicated"] > duplicated, "it did deliver twice"
    for n in range(3):
        assert len(_events_named(synced, f"Twice {n}")) == 1
        assert len(_events_named(synced, f"Google {n}")) == 1
        wait_count(synced, f"Google {n}", 1)
        wait_count(synced, f"Twice {n}", 1)


def test_duplicate_push_notifications_make_no_duplicates(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    with google_faults(synced.stack, {"push": {"duplicateRate": 1.0}}):
        for n in range(3):
            synced.google.insert(synced.calendar_id, timed_event(f"Pushed {n}", 9 + n, 10 + n))
        for n in range(3):
            synced.wait_subject(f"Pushed {n}")
        settle(synced.stack)
    assert synced.stack.google_admin("GET", "stats")["push"]["duplicated"] > 0
    for n in range(3):
        wait_count(synced, f"Pushed {n}", 1)


def test_failing_google_calls_are_retried_without_duplicates(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    settle(synced.stack)
    injected = synced.stack.google_admin("GET", "stats")["injectedFaults"]
    faults = {
        "methods": {
            "events.insert": {"failNext": [503, 500]},
            "events.list": {"failNext": [503]},
        }
    }
    with sync_held(synced.stack):  # both changes wait for the sync, which meets the faults
        activity = synced.crm.create_activity(**meeting("Despite failures"))
        synced.google.insert(synced.calendar_id, timed_event("Also despite failures", 13, 14))
        synced.stack.google_admin("POST", "faults", faults)
    try:
        synced.wait_subject("Also despite failures")  # calsync's listing got through
        synced.wait_event(activity["id"])
    finally:
        synced.stack.google_admin("DELETE", "faults")
    settle(synced.stack)
    now_injected = synced.stack.google_admin("GET", "stats")["injectedFaults"]
    assert now_injected.get("events.insert", 0) == injected.get("events.insert", 0) + 2
    assert now_injected.get("events.list", 0) == injected.get("events.list", 0) + 1
    assert len(_events_named(synced, "Despite failures")) == 1
    wait_count(synced, "Also despite failures", 1)
    account = synced.crm.account(synced.account_id)
    assert (account["status"], account["error"]) == ("syncing", None)


def test_no_edit_is_lost_in_a_burst_of_edits(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    activity = synced.crm.create_activity(**meeting("Edit 0"))
    event = synced.wait_event(activity["id"])
    for n in range(1, 16):
        synced.crm.edit_activity(activity["id"], subject=f"Edit {n}")
    synced.wait_event(activity["id"], lambda e: e["summary"] == "Edit 15")
    for n in range(1, 6):
        synced.google.patch(synced.calendar_id, event["id"], {"location": f"Room {n}"})
    synced.wait_activity(lambda a: a["id"] == activity["id"] and a["location"] == "Room 5")
    settle(synced.stack)
    final = synced.event_of(activity["id"])
    assert final is not None
    assert (final["summary"], final["location"]) == ("Edit 15", "Room 5")
    stored = synced.crm.activity(activity["id"])
    assert (stored["subject"], stored["location"]) == ("Edit 15", "Room 5")


def test_the_sync_never_reacts_to_its_own_writes(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    settle(synced.stack)
    writes = google_writes(synced.stack)
    activity = synced.crm.create_activity(**meeting("No echo"))
    synced.wait_event(activity["id"])
    settle(synced.stack)  # the push of calsync's own write came back, and its job ran
    assert google_writes(synced.stack) == writes + 1, "one insert, nothing after it"
    assert synced.crm.activity(activity["id"])["version"] == 1, "its echo changed nothing"

    synced.google.insert(synced.calendar_id, timed_event("Nor this way", 14, 15))
    arrived = synced.wait_subject("Nor this way")
    settle(synced.stack)
    assert google_writes(synced.stack) == writes + 2, "only the person's own insert"
    assert synced.crm.activity(arrived["id"])["version"] == 1


def test_without_push_a_calendar_change_arrives_within_the_polling_interval(
    tenant: Tenant,
) -> None:
    synced = start_sync(tenant)
    settle(synced.stack)
    tuning = synced.stack.info["tuning"]
    bound = tuning["poll_interval_seconds"] + tuning["tick_seconds"]
    dropped = synced.stack.google_admin("GET", "stats")["push"]["dropped"]
    with google_faults(synced.stack, {"push": {"dropRate": 1.0}}):
        started = time.monotonic()
        synced.google.insert(synced.calendar_id, timed_event("No push for this", 9, 10))
        wait_for("the polled change", lambda: synced.activity_where(
            lambda a: a["subject"] == "No push for this"), bound + 15)  # fmt: skip
        took = time.monotonic() - started
        assert synced.stack.google_admin("GET", "stats")["push"]["dropped"] > dropped
    # the account's next poll is one interval after its last sync, and a tick claims it
    assert took <= bound + 3, f"{took:.1f} s, beyond {bound} s plus the sync itself"
