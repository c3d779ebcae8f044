"""Every sync option and its effect: sync type, default visibility, private events, the
incoming type, the exported types (custom ones too), deal and contact information, preview."""

from __future__ import annotations

import pytest

from tests.e2e.synced import meeting, settle, start_sync, timed_event
from tests.fixtures.stack import Tenant


def test_one_way_sends_activities_but_brings_no_events_in(tenant: Tenant) -> None:
    synced = start_sync(tenant, sync_type="one_way")
    activity = synced.crm.create_activity(**meeting("Out"))
    event = synced.wait_event(activity["id"])
    synced.google.insert(synced.calendar_id, timed_event("Made in Google", 14, 15))
    # Google's own edit of the CRM's event comes back (it updates the activity) ...
    synced.google.patch(synced.calendar_id, event["id"], {"location": "Room 4"})
    synced.wait_activity(lambda a: a["id"] == activity["id"] and a["location"] == "Room 4")
    settle(synced.stack)
    # ... but the event made in Google never became an activity.
    assert [a["subject"] for a in synced.activities()] == ["Out"]


def test_switching_to_two_way_brings_in_the_events_made_before(tenant: Tenant) -> None:
    synced = start_sync(tenant, sync_type="one_way")
    synced.google.insert(synced.calendar_id, timed_event("Made while one-way", 9, 10))
    settle(synced.stack)
    assert synced.activities() == []
    synced.crm.save_settings(synced.account_id, sync_type="two_way")
    synced.wait_subject("Made while one-way")


def test_two_way_brings_events_in_as_the_chosen_type(tenant: Tenant) -> None:
    synced = start_sync(tenant, sync_type="two_way", import_as_type="lunch")
    synced.google.insert(synced.calendar_id, timed_event("Made in Google", 12, 13))
    arrived = synced.wait_subject("Made in Google")
    assert arrived["type"] == "lunch"
    assert arrived["origin"] == "calendar"
    assert arrived["owner_id"] == tenant.company.main.id
    assert arrived["visibility"] == "everyone"
    assert not arrived["read_only"]
    seen_by_bob = synced.activity_where(lambda a: a["id"] == arrived["id"])
    assert seen_by_bob is not None
    bobs = {a["id"]: a for a in synced.activities(tenant.bob)}
    assert bobs[arrived["id"]]["subject"] == "Made in Google"


def test_default_visibility_only_me_hides_incoming_events_from_others(tenant: Tenant) -> None:
    synced = start_sync(tenant, default_visibility="only_me")
    synced.google.insert(synced.calendar_id, timed_event("Board meeting", 9, 10))
    arrived = synced.wait_subject("Board meeting")
    assert arrived["visibility"] == "only_me"
    bobs = {a["id"]: a for a in synced.activities(tenant.bob)}
    assert bobs[arrived["id"]]["details_hidden"]
    assert bobs[arrived["id"]]["subject"] == "Busy"


@pytest.mark.parametrize(
    ("option", "bob_sees"),
    [("everyone", "Dentist"), ("only_me", "Busy"), ("skip", None)],
)
def test_private_events_option(tenant: Tenant, option: str, bob_sees: str | None) -> None:
    synced = start_sync(tenant, private_events=option)
    synced.google.insert(synced.calendar_id, timed_event("Dentist", 8, 9, visibility="private"))
    synced.google.insert(synced.calendar_id, timed_event("Marker", 9, 10))
    synced.wait_subject("Marker")  # events arrive in order: the private one had its turn
    settle(synced.stack)
    dentist = synced.activity_where(lambda a: a["subject"] == "Dentist")
    if bob_sees is None:
        assert dentist is None, "'don't sync private events': not brought in, time not blocked"
        return
    assert dentist is not None
    assert dentist["visibility"] == ("everyone" if option == "everyone" else "only_me")
    bobs = {a["id"]: a for a in synced.activities(tenant.bob)}
    assert bobs[dentist["id"]]["subject"] == bob_sees
    assert bobs[dentist["id"]]["busy"], "the time is blocked for everyone"


def test_only_exported_types_go_to_the_calendar_custom_types_too(tenant: Tenant) -> None:
    synced = start_sync(tenant, export_types=["call", "site_visit"])
    visit = synced.crm.create_activity(**meeting("Visit the plant", type="site_visit"))
    lunch = synced.crm.create_activity(**meeting("Lunch", 12, 13, type="lunch"))
    call = synced.crm.create_activity(**meeting("Call", 14, 15, type="call"))
    synced.wait_event(visit["id"])
    synced.wait_event(call["id"])
    settle(synced.stack)
    assert synced.event_of(lunch["id"]) is None


def test_deal_and_contact_information_in_the_description(tenant: Tenant) -> None:
    synced = start_sync(tenant, include_deal_and_contact=True)
    activity = synced.crm.create_activity(
        **meeting(
            "Pitch",
            deal_id="deal-renewal",
            person_id="person-hank",
            org_id="org-globex",
            public_description="Slides are ready.",
        )
    )
    description = synced.wait_event(activity["id"])["description"]
    assert description.startswith("Slides are ready.")
    for name in ("Globex renewal", "Hank Scorpio", "Globex Corporation"):
        assert name in description
    assert synced.stack.functions_url + "/_dev/crm" in description, "links back to the CRM"

    synced.crm.save_settings(synced.account_id, include_deal_and_contact=False)
    event = synced.wait_event(activity["id"], lambda e: "Globex" not in e.get("description", ""))
    assert event["description"] == "Slides are ready."


def test_the_private_event_preview_for_each_option(tenant: Tenant) -> None:
    account_id = tenant.ann.connect(tenant.google_email())
    views = {o: tenant.ann.preview(account_id, o) for o in ("everyone", "only_me", "skip")}
    assert views["everyone"]["others"]["title"] == views["everyone"]["owner"]["title"]
    assert views["only_me"]["others"]["blocks_time"]
    assert views["only_me"]["others"]["title"] != views["only_me"]["owner"]["title"]
    assert not views["skip"]["owner"]["shown"]
    assert not views["skip"]["others"]["shown"]
    assert all(view["calendar"]["shown"] for view in views.values())
    assert tenant.ann.call("GET", f"/accounts/{account_id}/private-event-preview")["option"]
