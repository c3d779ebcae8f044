"""events.watch and channels.stop: notifications on a loopback receiver, with push faults."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from tests.fixtures.google import GoogleSim, PushReceiver, timed

BODY = timed("x", "2031-01-01T10:00:00Z", "2031-01-01T11:00:00Z")


def _watch(service: Any, receiver: PushReceiver, channel_id: str = "chan-1", **extra: Any) -> Any:
    body = {"id": channel_id, "type": "web_hook", "address": receiver.url, **extra}
    return service.events().watch(calendarId="primary", body=body).execute()


def _insert(service: Any) -> None:
    service.events().insert(calendarId="primary", body=BODY).execute()


def test_watch_sends_sync_then_exists_with_googles_headers(
    google_service, push_receiver: PushReceiver, google_user: str
) -> None:
    channel = _watch(google_service, push_receiver, token="secret-token")
    assert channel["kind"] == "api#channel"
    assert channel["id"] == "chan-1"
    expected_expiry = (time.time() + 604800) * 1000
    assert abs(int(channel["expiration"]) - expected_expiry) < 60_000
    sync = push_receiver.wait_for(1)[0]
    assert sync.headers["x-goog-resource-state"] == "sync"
    assert sync.headers["x-goog-message-number"] == "1"
    assert sync.headers["x-goog-channel-id"] == "chan-1"
    assert sync.headers["x-goog-resource-id"] == channel["resourceId"]
    assert sync.headers["x-goog-channel-token"] == "secret-token"
    assert "alice%40example.com/events" in sync.headers["x-goog-resource-uri"]
    assert sync.headers["x-goog-channel-expiration"].endswith("GMT")
    assert sync.headers["user-agent"].startswith("APIs-Google")
    assert sync.body == b""
    _insert(google_service)
    _insert(google_service)
    received = push_receiver.wait_for(3)
    assert [n.headers["x-goog-resource-state"] for n in received] == ["sync", "exists", "exists"]
    numbers = [int(n.headers["x-goog-message-number"]) for n in received]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 3


def test_nothing_arrives_after_stop(google_service, push_receiver: PushReceiver) -> None:
    channel = _watch(google_service, push_receiver)
    push_receiver.wait_for(1)
    google_service.channels().stop(
        body={"id": channel["id"], "resourceId": channel["resourceId"]}
    ).execute()
    _insert(google_service)
    time.sleep(0.5)
    assert len(push_receiver.notifications) == 1
    with pytest.raises(HttpError) as unknown:
        google_service.channels().stop(
            body={"id": channel["id"], "resourceId": channel["resourceId"]}
        ).execute()
    assert unknown.value.resp.status == 404


def test_nothing_arrives_after_expiration(google_service, push_receiver: PushReceiver) -> None:
    channel = _watch(google_service, push_receiver, params={"ttl": "2"})
    expires_at = int(channel["expiration"]) / 1000
    assert expires_at - time.time() <= 2
    time.sleep(max(0.0, expires_at - time.time()) + 0.2)
    _insert(google_service)
    time.sleep(0.5)
    states = [n.headers["x-goog-resource-state"] for n in push_receiver.notifications]
    assert "exists" not in states


def test_channel_requests_are_validated(
    google: GoogleSim, google_service, push_receiver: PushReceiver
) -> None:
    _watch(google_service, push_receiver, channel_id="dup")
    with pytest.raises(HttpError) as duplicate:
        _watch(google_service, push_receiver, channel_id="dup")
    assert duplicate.value.error_details[0]["reason"] == "channelIdNotUnique"
    events = google_service.events()
    for bad in (
        {"id": "a", "type": "web_hook", "address": "ftp://x"},
        {"id": "b", "type": "carrier_pigeon", "address": push_receiver.url},
        {"id": "c" * 65, "type": "web_hook", "address": push_receiver.url},
        {"id": "d", "type": "web_hook", "address": push_receiver.url, "expiration": 1},
    ):
        with pytest.raises(HttpError) as refused:
            events.watch(calendarId="primary", body=bad).execute()
        assert refused.value.resp.status == 400, bad
    assert [c["id"] for c in google.channels()] == ["dup"]


def test_push_faults_drop_duplicate_and_delay(
    google: GoogleSim, google_service, push_receiver: PushReceiver
) -> None:
    _watch(google_service, push_receiver)
    push_receiver.wait_for(1)
    google.set_faults({"push": {"dropRate": 1.0}})
    _insert(google_service)
    time.sleep(0.3)
    assert len(push_receiver.notifications) == 1
    google.set_faults({"push": {"duplicateRate": 1.0}})
    _insert(google_service)
    copies = push_receiver.wait_for(3)[1:]
    assert copies[0].headers["x-goog-message-number"] == copies[1].headers["x-goog-message-number"]
    google.set_faults({"push": {"delayMs": 400}})
    sent = time.time()
    _insert(google_service)
    delayed = push_receiver.wait_for(4)[3]
    assert delayed.received_at - sent >= 0.35
    push = google.stats()["push"]
    assert (push["dropped"], push["duplicated"], push["delayed"]) == (1, 1, 1)


def test_failed_deliveries_are_retried(
    google: GoogleSim, google_service, push_receiver: PushReceiver
) -> None:
    push_receiver.statuses = [503, 500]
    _watch(google_service, push_receiver)
    assert push_receiver.wait_for(1)[0].headers["x-goog-resource-state"] == "sync"
    assert google.stats()["push"]["retried"] == 2


def test_expiration_header_is_the_channels_expiration_in_rfc_1123(
    google_service, push_receiver: PushReceiver
) -> None:
    channel = _watch(google_service, push_receiver, params={"ttl": "3600"})
    header = push_receiver.wait_for(1)[0].headers["x-goog-channel-expiration"]
    assert re.fullmatch(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT", header)
    expected = datetime.fromtimestamp(int(channel["expiration"]) // 1000, UTC)
    assert parsedate_to_datetime(header) == expected
    assert header == expected.strftime("%a, %d %b %Y %H:%M:%S GMT")


def test_exists_on_patch_and_delete(google_service, push_receiver: PushReceiver) -> None:
    events = google_service.events()
    event = events.insert(calendarId="primary", body=BODY).execute()
    _watch(google_service, push_receiver)
    assert len(push_receiver.wait_for(1)) == 1
    events.patch(calendarId="primary", eventId=event["id"], body={"summary": "y"}).execute()
    assert len(push_receiver.wait_for(2)) == 2
    events.delete(calendarId="primary", eventId=event["id"]).execute()
    received = push_receiver.wait_for(3)
    assert [n.headers["x-goog-resource-state"] for n in received] == ["sync", "exists", "exists"]
    numbers = [int(n.headers["x-goog-message-number"]) for n in received]
    assert numbers == sorted(set(numbers))


def test_any_text_token_is_echoed_as_utf8(google_service, push_receiver: PushReceiver) -> None:
    _watch(google_service, push_receiver, token="jeton ☃ é")
    raw = push_receiver.wait_for(1)[0].headers["x-goog-channel-token"]
    assert raw.encode("latin-1").decode("utf-8") == "jeton ☃ é"


def test_list_parameters_do_not_filter_notifications(
    google_service, push_receiver: PushReceiver
) -> None:
    body = {"id": "filtered", "type": "web_hook", "address": push_receiver.url}
    google_service.events().watch(
        calendarId="primary", body=body, eventTypes="outOfOffice", q="nothing"
    ).execute()
    push_receiver.wait_for(1)
    _insert(google_service)
    received = push_receiver.wait_for(2)
    assert [n.headers["x-goog-resource-state"] for n in received] == ["sync", "exists"]
