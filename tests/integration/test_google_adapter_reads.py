"""The Google adapter on the simulator, reading: event types, time zones, and push channels."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from calsync.domain import CalendarEvent
from calsync.errors import CursorExpired
from calsync.providers.google import GoogleConnector

from tests.fixtures.google import GoogleSim, PushReceiver
from tests.integration.google_helpers import START, create, pull, user_event
from tests.integration.google_world import GoogleRig, google_rig

# -- reading ------------------------------------------------------------------------------------


def test_special_event_types_are_read_only_and_can_be_left_out(google: GoogleSim) -> None:
    rig = google_rig(google)
    rig.user.create(rig.calendar_id, user_event(rig, 1, event_type="outOfOffice"))
    rig.user.create(rig.calendar_id, user_event(rig, 2))
    found, cursor = pull(rig)
    by_type = {c.event_type: c for c in found if isinstance(c, CalendarEvent)}
    assert set(by_type) == {"outOfOffice", "default"}
    assert by_type["outOfOffice"].read_only
    assert not by_type["default"].read_only
    only_default = GoogleConnector(**{**_connector_options(rig), "event_types": ["default"]})
    provider = only_default.open(rig.account, rig.credentials, lambda c: None)
    listed = list(provider.changes(rig.calendar_id, None, window_start=START))
    assert [c.summary for p in listed for c in p.changes] == ["user 2"]  # type: ignore[union-attr]
    with pytest.raises(CursorExpired):  # a token of the other query: a full sync is needed
        list(provider.changes(rig.calendar_id, cursor, window_start=START))


def _connector_options(rig: GoogleRig) -> dict[str, object]:
    sim = rig.sim
    return {
        "client_id": sim.client_id,
        "client_secret": sim.client_secret,
        "token_uri": sim.token_uri,
        "discovery_url": sim.discovery_url.format(api="calendar", apiVersion="v3"),
        "http_factory": rig.network.http,
    }


def test_time_zones_are_kept_and_all_day_takes_the_calendars(rig: GoogleRig) -> None:
    made = rig.user.create(rig.calendar_id, user_event(rig, 3, timezone="Asia/Tokyo"))
    found, _ = pull(rig)
    [event] = [c for c in found if isinstance(c, CalendarEvent) and c.id == made.id]
    assert (event.timezone, event.start) == ("Asia/Tokyo", START + timedelta(hours=3))
    assert event.organizer_self
    berlin = rig.provider.create_calendar("CRM activities", "Europe/Berlin")
    day = date(2030, 3, 5)
    holiday = user_event(rig, 0, start=None, end=None, start_date=day, end_date=day)
    rig.user.create(berlin.id, holiday)
    [page] = rig.provider.changes(berlin.id, None, window_start=START)
    [listed] = page.changes
    assert isinstance(listed, CalendarEvent)
    assert (listed.timezone, listed.start_date, listed.end_date) == ("Europe/Berlin", day, day)


# -- push channels ------------------------------------------------------------------------------


def test_watch_delivers_notifications_until_stopped(
    rig: GoogleRig, push_receiver: PushReceiver
) -> None:
    channel = rig.provider.watch(
        rig.calendar_id,
        channel_id="chan-1",
        address=push_receiver.url,
        token="tok-123",
        ttl=timedelta(hours=2),
    )
    assert abs(channel.expires_at - datetime.now(UTC) - timedelta(hours=2)) < timedelta(minutes=1)
    create(rig)
    received = push_receiver.wait_for(2)
    assert [n.headers["x-goog-resource-state"] for n in received[:2]] == ["sync", "exists"]
    assert received[0].headers["x-goog-channel-token"] == "tok-123"
    rig.provider.stop_watch(channel.id, channel.resource_id)
    assert rig.sim.channels() == []
    rig.provider.stop_watch(channel.id, channel.resource_id)  # already stopped: no error


def test_calendars_shared_for_reading_are_listed_read_only(rig: GoogleRig) -> None:
    rig.sim.create_user("bob@example.com")
    bob = rig.sim.service("bob@example.com")
    shared = bob.calendars().insert(body={"summary": "Bob's team", "timeZone": "Asia/Tokyo"})
    calendar_id = shared.execute()["id"]
    rule = {"role": "reader", "scope": {"type": "user", "value": rig.calendar_id}}
    bob.acl().insert(calendarId=calendar_id, body=rule).execute()
    found = {c.id: c for c in rig.provider.calendars()}
    assert found[rig.calendar_id].primary
    assert found[rig.calendar_id].writable
    assert not found[calendar_id].writable
    assert (found[calendar_id].name, found[calendar_id].timezone) == ("Bob's team", "Asia/Tokyo")
