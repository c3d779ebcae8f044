"""Bad input gets a 4xx in Google's shape, never a 500, and never damages what is stored.

Quick Hypothesis fuzzes (a few dozen examples each, to stay fast in CI) send random bodies and
query parameters to the main Calendar routes and random forms to the token endpoint.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.google import GoogleSim, list_all, timed

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**6) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
event_fields = st.sampled_from(
    [
        "id",
        "summary",
        "start",
        "end",
        "recurrence",
        "attendees",
        "reminders",
        "status",
        "visibility",
        "transparency",
        "extendedProperties",
        "eventType",
        "conferenceData",
        "colorId",
        "sequence",
        "originalStartTime",
        "recurringEventId",
    ]
)
date_like = st.sampled_from(
    [
        {"dateTime": "2031-01-01T10:00:00Z"},
        {"date": "2031-01-01"},
        {"dateTime": "garbage"},
        {"date": "2031-02-30"},
        {"dateTime": "2031-01-01T10:00:00", "timeZone": "Nowhere/X"},
        {"dateTime": "9999-12-31T23:59:59-14:00"},
        {"date": "0001-01-01"},
        {},
    ]
)
bodies = st.dictionaries(event_fields, json_values | date_like, max_size=6)
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _call(
    google: GoogleSim, token: str, method: str, path: str, **kwargs: Any
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return requests.request(
        method, f"{google.url}/calendar/v3/{path}", headers=headers, timeout=10, **kwargs
    )


def _assert_client_error(response: requests.Response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] == response.status_code
        assert error["errors"][0]["reason"]


@SETTINGS
@given(body=bodies)
def test_random_event_bodies(google: GoogleSim, google_user: str, body: dict[str, Any]) -> None:
    token = google.access_token(google_user)
    anchor = _call(
        google,
        token,
        "POST",
        "calendars/primary/events",
        json=timed("anchor", "2031-01-01T10:00:00Z", "2031-01-01T11:00:00Z"),
    )
    event_id = anchor.json()["id"]
    for method, path in (
        ("POST", "calendars/primary/events"),
        ("PATCH", f"calendars/primary/events/{event_id}"),
        ("PUT", f"calendars/primary/events/{event_id}"),
    ):
        _assert_client_error(_call(google, token, method, path, json=body))
    stored = _call(google, token, "GET", f"calendars/primary/events/{event_id}")
    assert stored.status_code == 200
    assert stored.json()["id"] == event_id


query_values = st.sampled_from(
    [
        "",
        "x",
        "-1",
        "0",
        "99999",
        "true",
        "maybe",
        "2031-01-01T00:00:00Z",
        "2031-13-01",
        "9999-12-31T23:59:59-14:00",
        "a=b",
        "==",
    ]
)
params = st.dictionaries(
    st.sampled_from(
        [
            "maxResults",
            "pageToken",
            "syncToken",
            "singleEvents",
            "showDeleted",
            "timeMin",
            "timeMax",
            "updatedMin",
            "orderBy",
            "privateExtendedProperty",
            "eventTypes",
            "fields",
            "iCalUID",
        ]
    ),
    query_values,
    max_size=4,
)


@SETTINGS
@given(query=params)
def test_random_list_parameters(google: GoogleSim, google_user: str, query: dict[str, str]) -> None:
    token = google.access_token(google_user)
    _assert_client_error(_call(google, token, "GET", "calendars/primary/events", params=query))


tricky_text = st.text(max_size=12) | st.sampled_from(
    ["é", "☃", "\x00", "a(" * 40, "9" * 400, "true", "-1", "2031-01-01T00:00:00Z", "x=y", "*"]
)
api_routes = st.sampled_from(
    [
        ("GET", "events/{id}"),
        ("PUT", "events/{id}"),
        ("PATCH", "events/{id}"),
        ("DELETE", "events/{id}"),
        ("GET", "events/{id}/instances"),
        ("PATCH", "events/{id}_20310102T090000Z"),
        ("DELETE", "events/{id}_20310103T090000Z"),
        ("POST", "events/{id}/move"),
        ("POST", "events/watch"),
        ("POST", "acl"),
        ("PATCH", ""),
    ]
)
api_params = st.dictionaries(
    st.sampled_from(
        [
            "fields",
            "maxResults",
            "pageToken",
            "timeMin",
            "timeMax",
            "originalStart",
            "showDeleted",
            "destination",
            "conferenceDataVersion",
            "sendUpdates",
            "timeZone",
        ]
    ),
    tricky_text,
    max_size=3,
)
api_bodies = st.dictionaries(
    st.sampled_from(
        ["id", "type", "address", "token", "expiration", "params", "role", "scope", "summary"]
    ),
    json_values | tricky_text,
    max_size=4,
)


@SETTINGS
@given(route=api_routes, query=api_params, body=api_bodies)
def test_random_calls_on_the_main_routes(
    google: GoogleSim, google_user: str, route: tuple[str, str], query: dict[str, str], body: Any
) -> None:
    token = google.access_token(google_user)
    series = timed(
        "s",
        "2031-01-01T10:00:00",
        "2031-01-01T11:00:00",
        tz="Europe/Berlin",
        recurrence=["RRULE:FREQ=DAILY;COUNT=3"],
    )
    created = _call(google, token, "POST", "calendars/primary/events", json=series).json()
    method, path = route
    target = "calendars/primary" + (f"/{path.format(id=created['id'])}" if path else "")
    sent = {"json": body} if method in ("POST", "PUT", "PATCH") else {}
    _assert_client_error(_call(google, token, method, target, params=query, **sent))


token_forms = st.dictionaries(
    st.sampled_from(
        [
            "grant_type",
            "code",
            "redirect_uri",
            "code_verifier",
            "refresh_token",
            "scope",
            "client_id",
            "client_secret",
        ]
    ),
    tricky_text | st.sampled_from(["authorization_code", "refresh_token"]),
    max_size=6,
)


@SETTINGS
@given(form=token_forms)
def test_random_token_requests(google: GoogleSim, form: dict[str, str]) -> None:
    base = {"client_id": google.client_id, "client_secret": google.client_secret}
    response = requests.post(google.token_uri, data={**base, **form}, timeout=10)
    assert response.status_code in (400, 401), response.text
    assert set(response.json()) == {"error", "error_description"}


def test_garbage_bodies_and_ids(google: GoogleSim, google_user: str) -> None:
    token = google.access_token(google_user)
    nested = b"[" * 100_000 + b"]" * 100_000
    for raw in (b"{", b"[]", b"null", b"\xff\xfe", json.dumps("text").encode(), nested):
        response = _call(
            google,
            token,
            "POST",
            "calendars/primary/events",
            data=raw,
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 400, raw
    for event_id in ("x_20310101T000000Z", "abcde_20310101", "%00", "a" * 3000):
        _assert_client_error(_call(google, token, "GET", f"calendars/primary/events/{event_id}"))
    for token_value in ("", "Bearer", "ya29.nothing"):
        response = requests.get(
            f"{google.url}/calendar/v3/users/me/calendarList",
            timeout=10,
            headers={"Authorization": token_value},
        )
        assert response.status_code == 401


def test_concurrent_writers_lose_nothing(google: GoogleSim, google_user: str) -> None:
    failures: list[BaseException] = []

    def write(worker: int) -> None:
        service = google.service(google_user)
        try:
            for n in range(20):
                body = timed(f"w{worker}-{n}", "2031-01-01T10:00:00Z", "2031-01-01T11:00:00Z")
                service.events().insert(calendarId="primary", body=body).execute()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    items, _ = list_all(google.service(google_user))
    assert len({item["summary"] for item in items}) == 80
