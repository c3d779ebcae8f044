"""The admin interface: users, tokens, faults, quota and stats."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from googleapiclient.errors import HttpError

from tests.fixtures.google import GoogleSim, timed

BODY = timed("x", "2031-01-01T10:00:00Z", "2031-01-01T11:00:00Z")


def _status(call: Any) -> tuple[int, str]:
    with pytest.raises(HttpError) as caught:
        call.execute()
    return caught.value.resp.status, caught.value.error_details[0]["reason"]


def test_users(google: GoogleSim) -> None:
    url = f"{google.url}/_admin/users"
    created = requests.post(url, json={"email": "Eve@Example.com"}, timeout=10)
    assert created.status_code == 201
    assert created.json()["primaryCalendarId"] == "eve@example.com"
    assert requests.post(url, json={"email": "eve@example.com"}, timeout=10).status_code == 200
    assert requests.post(url, json={"email": "not-an-email"}, timeout=10).status_code == 400
    assert requests.post(url, data="{", timeout=10).status_code == 400
    assert [u["email"] for u in google.admin("GET", "users")["users"]] == ["eve@example.com"]
    missing = requests.post(f"{url}/nobody@example.com/token", timeout=10)
    assert missing.status_code == 404


def test_injected_errors_per_method(google: GoogleSim, google_service) -> None:
    google.set_faults({"methods": {"events.insert": {"failNext": [503, 500, 429, 403]}}})
    events = google_service.events()
    assert _status(events.insert(calendarId="primary", body=BODY)) == (503, "backendError")
    assert _status(events.insert(calendarId="primary", body=BODY)) == (500, "backendError")
    assert _status(events.insert(calendarId="primary", body=BODY)) == (429, "rateLimitExceeded")
    assert _status(events.insert(calendarId="primary", body=BODY)) == (403, "rateLimitExceeded")
    assert events.insert(calendarId="primary", body=BODY).execute()["summary"] == "x"
    events.list(calendarId="primary").execute()
    assert google.stats()["injectedFaults"] == {"events.insert": 4}


def test_client_retries_get_through_injected_faults(google: GoogleSim, google_service) -> None:
    google.set_faults({"methods": {"*": {"failNext": [503]}}})
    start = time.monotonic()
    page = google_service.events().list(calendarId="primary").execute(num_retries=3)
    assert page["kind"] == "calendar#events"
    assert time.monotonic() - start < 30


def test_error_rates_and_latency(google: GoogleSim, google_service) -> None:
    google.set_faults({"methods": {"events.list": {"rateLimit429": 1.0}}, "seed": 7})
    assert _status(google_service.events().list(calendarId="primary")) == (429, "rateLimitExceeded")
    google.set_faults({"methods": {"events.list": {"error500": 0.5}}, "seed": 7})
    outcomes = []
    for _ in range(20):
        try:
            google_service.events().list(calendarId="primary").execute()
            outcomes.append(200)
        except HttpError as error:
            outcomes.append(error.resp.status)
    assert set(outcomes) == {200, 500}
    google.set_faults({"methods": {"calendarList.list": {"latencyMs": 300}}})
    start = time.monotonic()
    google_service.calendarList().list().execute()
    assert time.monotonic() - start >= 0.3
    google.clear_faults()
    assert google.admin("GET", "faults")["methods"] == {}


def test_error503_and_rate_limit403_rates(google: GoogleSim, google_service) -> None:
    listing = google_service.events().list(calendarId="primary")
    google.set_faults({"methods": {"events.list": {"error503": 1.0}}})
    assert _status(listing) == (503, "backendError")
    google.set_faults({"methods": {"events.list": {"rateLimit403": 1.0}}})
    with pytest.raises(HttpError) as limited:
        listing.execute()
    assert limited.value.resp.status == 403
    assert limited.value.error_details[0] | {"message": ""} == {
        "domain": "usageLimits",
        "reason": "rateLimitExceeded",
        "message": "",
    }
    rates = {"error503": 0.3, "rateLimit403": 0.3}
    google.set_faults({"methods": {"events.list": rates}, "seed": 11})
    outcomes = []
    for _ in range(60):
        try:
            listing.execute()
            outcomes.append(200)
        except HttpError as error:
            outcomes.append(error.resp.status)
    counts = {status: outcomes.count(status) for status in (200, 403, 503)}
    assert sum(counts.values()) == 60
    assert all(6 <= n <= 36 for n in counts.values()), counts
    assert google.stats()["injectedFaults"]["events.list"] == 2 + counts[403] + counts[503]


def test_fault_configuration_is_validated(google: GoogleSim) -> None:
    url = f"{google.url}/_admin/faults"
    for bad in (
        {"methods": {"x": {"error500": 2}}},
        {"quota": {"status": 500}},
        {"nonsense": 1},
        {"methods": {"x": {"failNext": [200]}}},
    ):
        refused = requests.post(url, json=bad, timeout=10)
        assert refused.status_code == 400, bad
        assert refused.json()["error"]["message"].startswith("Invalid faults")


def test_per_user_quota(google: GoogleSim, google_service) -> None:
    google.set_faults({"quota": {"userPerMinute": 5}})
    for _ in range(5):
        google_service.events().list(calendarId="primary").execute()
    refused = google_service.events().list(calendarId="primary")
    assert _status(refused) == (403, "userRateLimitExceeded")
    google.set_faults({"quota": {"userPerMinute": 4, "status": 429}})
    event = google_service.events().insert(calendarId="primary", body=BODY).execute()
    patch = google_service.events().patch(calendarId="primary", eventId=event["id"], body={})
    patch.execute()
    assert _status(patch) == (429, "rateLimitExceeded")
    google.create_user("bob@example.com")
    other = google.service("bob@example.com")
    assert other.calendarList().list().execute()["items"], "quota is per user"


def test_stats_count_requests_and_quota_units(google: GoogleSim, google_service) -> None:
    event = google_service.events().insert(calendarId="primary", body=BODY).execute()
    google_service.events().patch(calendarId="primary", eventId=event["id"], body={}).execute()
    google_service.events().get(calendarId="primary", eventId=event["id"]).execute()
    stats = google.stats()
    assert stats["requests"] == {"events.insert": 1, "events.patch": 1, "events.get": 1}
    assert stats["quotaUnits"]["total"] == 5
    assert stats["quotaUnits"]["byUser"] == {"alice@example.com": 5}
    google.reset_stats()
    assert google.stats()["requests"] == {}


def test_admin_token_acts_as_the_user(google: GoogleSim, google_user: str) -> None:
    token = google.access_token(google_user)
    response = requests.post(
        f"{google.url}/calendar/v3/calendars/primary/events",
        json=BODY,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["creator"]["email"] == google_user
    unknown = requests.post(
        f"{google.url}/_admin/calendars/nope/invalidate-sync-tokens", timeout=10
    )
    assert unknown.status_code == 404
