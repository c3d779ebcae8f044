"""Deletions per sync type, a calendar change to a CRM-made event in one-way mode, the merge
of changes made on both sides at once, and who sees an activity's details."""

from __future__ import annotations

from calsync.devstack.client import wait_for

from tests.e2e.synced import at, meeting, settle, start_sync, sync_held
from tests.fixtures.stack import Tenant


def test_two_way_deletions_delete_the_twin(tenant: Tenant) -> None:
    synced = start_sync(tenant, sync_type="two_way")
    from_crm = synced.crm.create_activity(**meeting("Deleted in the CRM"))
    from_google = synced.crm.create_activity(**meeting("Deleted in Google", 12, 13))
    synced.wait_event(from_crm["id"])
    event = synced.wait_event(from_google["id"])

    synced.crm.delete_activity(from_crm["id"])
    synced.wait_no_event(from_crm["id"])
    synced.google.delete(synced.calendar_id, event["id"])
    wait_for(
        "the activity deleted",
        lambda: synced.crm.request("GET", f"/activities/{from_google['id']}").status_code == 404,
        30,
    )


def test_one_way_keeps_the_activity_when_google_deletes_its_event(tenant: Tenant) -> None:
    synced = start_sync(tenant, sync_type="one_way")
    activity = synced.crm.create_activity(**meeting("The CRM is the source"))
    event = synced.wait_event(activity["id"])
    synced.google.delete(synced.calendar_id, event["id"])
    settle(synced.stack)
    kept = synced.crm.activity(activity["id"])
    assert kept["subject"] == "The CRM is the source"
    assert synced.event_of(activity["id"]) is None
    # Unlinked: the user removed it from the calendar, so later CRM edits do not bring it back.
    synced.crm.edit_activity(activity["id"], subject="Edited after the deletion")
    settle(synced.stack)
    assert synced.event_of(activity["id"]) is None


def test_one_way_takes_calendar_edits_of_crm_made_events(tenant: Tenant) -> None:
    synced = start_sync(tenant, sync_type="one_way")
    activity = synced.crm.create_activity(**meeting("Moved in Google"))
    event = synced.wait_event(activity["id"])
    synced.google.patch(
        synced.calendar_id,
        event["id"],
        {
            "start": {"dateTime": at(15), "timeZone": "Europe/Berlin"},
            "end": {"dateTime": at(16), "timeZone": "Europe/Berlin"},
            "summary": "Moved",
        },
    )
    moved = synced.wait_activity(lambda a: a["id"] == activity["id"] and a["subject"] == "Moved")
    assert moved["start"] == at(15).replace("+00:00", "Z")
    assert moved["version"] == activity["version"] + 1


def test_changes_on_both_sides_merge_and_the_decisions_are_shown(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    activity = synced.crm.create_activity(**meeting("Plan", location="Room 1"))
    event = synced.wait_event(activity["id"])
    settle(synced.stack)
    with sync_held(synced.stack):
        synced.crm.edit_activity(activity["id"], subject="Plan (CRM)", public_description="Notes")
        synced.google.patch(
            synced.calendar_id, event["id"], {"summary": "Plan (Google)", "location": "Room 2"}
        )
    synced.wait_activity(lambda a: a["id"] == activity["id"] and a["location"] == "Room 2")
    settle(synced.stack)
    merged = synced.crm.activity(activity["id"])
    final = synced.event_of(activity["id"])
    assert final is not None
    assert (merged["public_description"], merged["location"]) == ("Notes", "Room 2")
    assert merged["subject"] == final["summary"] == "Plan (Google)", "the later change wins"
    assert final["location"] == "Room 2"
    assert final["description"].startswith("Notes")
    [decision] = [c for c in synced.crm.conflicts(synced.account_id) if c["field"] == "subject"]
    assert decision["activity_id"] == activity["id"]
    assert (decision["crm_value"], decision["calendar_value"]) == ("Plan (CRM)", "Plan (Google)")
    assert decision["winner"] == "calendar"


def test_others_see_busy_blocks_for_private_activities_and_hidden_linked_items(
    tenant: Tenant,
) -> None:
    ann = tenant.ann
    shown = ann.create_activity(**meeting("Open", deal_id="deal-renewal"))
    secret = ann.create_activity(**meeting("Merger talks", 12, 13, deal_id="deal-merger"))
    mine = ann.create_activity(**meeting("Doctor", 14, 15, visibility="only_me"))
    seen = {a["id"]: a for a in ann.activities(at(0), at(24))}
    assert all(not seen[a["id"]]["details_hidden"] for a in (shown, secret, mine))
    bobs = {a["id"]: a for a in tenant.bob.activities(at(0), at(24))}
    assert bobs[shown["id"]]["subject"] == "Open"
    for hidden in (secret, mine):
        block = bobs[hidden["id"]]
        assert block["details_hidden"]
        assert block["subject"] == "Busy"
        assert (block["start"], block["end"], block["busy"]) == (
            hidden["start"],
            hidden["end"],
            True,
        )
        assert block["deal_id"] is None
        assert tenant.bob.request("GET", f"/activities/{hidden['id']}").status_code == 404
