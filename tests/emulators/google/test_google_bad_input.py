"""Inputs that used to crash the simulator (500) get Google's 4xx instead.

Each case goes through the official client where it can send the bad input, else raw HTTP. The
``google`` fixture also fails any test after which the simulator logged an unexpected failure.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import Request as AuthRequest
from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import Flow
from googleapiclient.errors import HttpError
from oauthlib.oauth2.rfc6749.errors import InvalidGrantError

from tests.fixtures.google import CALENDAR_SCOPE, GoogleSim, timed

EMAIL = "bob@example.com"
BODY = timed("x", "2031-01-01T10:00:00Z", "2031-01-01T11:00:00Z")


def _error(call: Any) -> tuple[int, str]:
    with pytest.raises(HttpError) as caught:
        call.execute()
    return caught.value.resp.status, caught.value.error_details[0]["reason"]


def _flow(google: GoogleSim) -> Flow:
    config = {
        "web": {
            "client_id": google.client_id,
            "client_secret": google.client_secret,
            "auth_uri": google.auth_uri,
            "token_uri": google.token_uri,
            "redirect_uris": [google.redirect_uri],
        }
    }
    scopes = [CALENDAR_SCOPE]
    return Flow.from_client_config(config, scopes=scopes, redirect_uri=google.redirect_uri)


def _redirect(url: str) -> dict[str, list[str]]:
    response = requests.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    return parse_qs(urlsplit(response.headers["Location"]).query)


def test_non_ascii_client_secret_is_invalid_client(google: GoogleSim) -> None:
    refresh_token = google.oauth_credentials(EMAIL).refresh_token
    credentials = Credentials(
        token=None,
        refresh_token=refresh_token,
        token_uri=google.token_uri,
        client_id=google.client_id,
        client_secret="sécret-☃",
    )
    with pytest.raises(RefreshError, match="invalid_client"):
        credentials.refresh(AuthRequest())
    pair = f"{google.client_id}:sécret".encode()
    basic = requests.post(
        google.token_uri,
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        headers={"Authorization": "Basic " + base64.b64encode(pair).decode()},
        timeout=10,
    )
    assert basic.status_code == 401
    assert basic.json()["error"] == "invalid_client"
    right = f"{google.client_id}:{google.client_secret}".encode()
    accepted = requests.post(
        google.token_uri,
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        headers={"Authorization": "Basic " + base64.b64encode(right).decode()},
        timeout=10,
    )
    assert accepted.status_code == 200, accepted.text


@pytest.mark.usefixtures("oauthlib_local")
def test_non_ascii_code_challenge_is_invalid_request(google: GoogleSim) -> None:
    flow = _flow(google)
    url, state = flow.authorization_url(login_hint=EMAIL, code_challenge="é" * 43)
    redirect = _redirect(url)
    assert redirect["error"] == ["invalid_request"]
    assert redirect["state"] == [state]
    assert "code" not in redirect
    short, _ = _flow(google).authorization_url(login_hint=EMAIL, code_challenge="abc")
    assert _redirect(short)["error"] == ["invalid_request"]


@pytest.mark.usefixtures("oauthlib_local")
@pytest.mark.parametrize("method", ["plain", "S256"])
def test_non_ascii_code_verifier_is_invalid_grant(google: GoogleSim, method: str) -> None:
    flow = _flow(google)
    url, _ = flow.authorization_url(
        login_hint=EMAIL, code_challenge="abc" * 15, code_challenge_method=method
    )
    code = _redirect(url)["code"][0]
    with pytest.raises(InvalidGrantError, match="Invalid code verifier"):
        flow.fetch_token(code=code, code_verifier="é" * 45)
    if method == "plain":
        assert flow.fetch_token(code=code, code_verifier="abc" * 15)["access_token"]


def test_deeply_nested_fields_are_invalid_parameter(google_service) -> None:
    deep = "a(" * 3000 + "b" + ")" * 3000
    for call in (
        google_service.events().list(calendarId="primary", fields=deep),
        google_service.calendarList().list(fields=deep),
        google_service.events().insert(calendarId="primary", body=BODY, fields=deep),
    ):
        assert _error(call) == (400, "invalidParameter")
    assert google_service.events().list(calendarId="primary").execute()["items"] == []
    nested = google_service.events().list(calendarId="primary", fields="items(start(dateTime))")
    assert nested.execute() == {"items": []}


def test_bodies_python_would_accept_but_json_does_not(google: GoogleSim, google_user: str) -> None:
    token = google.access_token(google_user)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    url = f"{google.url}/calendar/v3/calendars/primary/events"
    event = requests.post(url, json=BODY, headers=headers, timeout=10).json()
    deep: dict[str, Any] = {}
    for _ in range(500):
        deep = {"a": deep}
    for raw in (
        json.dumps({**BODY, "source": deep}),
        '{"summary": NaN}',
        '{"summary": "x", "sequence": Infinity}',
    ):
        for method, target in (("POST", url), ("PATCH", f"{url}/{event['id']}")):
            response = requests.request(method, target, data=raw, headers=headers, timeout=10)
            assert response.status_code == 400, (method, raw[:40])
            assert response.json()["error"]["errors"][0]["reason"] == "parseError"
    stored = requests.get(f"{url}/{event['id']}", headers=headers, timeout=10).json()
    assert stored["etag"] == event["etag"]


def test_forged_page_tokens_are_invalid(google: GoogleSim, google_service) -> None:
    for _ in range(3):
        google_service.events().insert(calendarId="primary", body=BODY).execute()
    google_service.calendars().insert(body={"summary": "second"}).execute()
    events = lambda **page: google_service.events().list(calendarId="primary", **page)  # noqa: E731
    calendars = google_service.calendarList().list
    for list_call in (events, calendars):
        token = list_call(maxResults=1).execute()["nextPageToken"]
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        for after in ([1], [None], [[1]], [{"a": 1}]):
            forged = {**payload, "a": after}
            raw = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
            assert _error(list_call(maxResults=1, pageToken=raw)) == (400, "invalid"), after
        assert list_call(maxResults=1, pageToken=token).execute()["items"]


def test_odd_channel_and_event_values(google: GoogleSim, google_user: str, google_service) -> None:
    events = google_service.events()
    odd_hosts = ("http://☃☃/", "http://a..b/", f"http://{'a' * 64}.example/")
    for address in ("http://[::1", "http://host:99999/x", "http://host:0/x", *odd_hosts):
        body = {"id": "chan", "type": "web_hook", "address": address}
        assert _error(events.watch(calendarId="primary", body=body)) == (400, "invalid"), address
    for number in ("1e400", "-1e400"):
        raw = '{"id": "c", "type": "web_hook", "address": "http://127.0.0.1:9/x", '
        response = requests.post(
            f"{google.url}/calendar/v3/calendars/primary/events/watch",
            data=raw + f'"expiration": {number}}}',
            headers={"Authorization": f"Bearer {google.access_token(google_user)}"},
            timeout=10,
        )
        assert response.status_code == 400, number
        assert response.json()["error"]["errors"][0]["reason"] == "invalid"
    assert google.channels() == []
    assert _error(events.insert(calendarId="primary", body={**BODY, "sequence": 2**31})) == (
        400,
        "invalid",
    )
    assert events.insert(calendarId="primary", body={**BODY, "sequence": 2**31 - 1}).execute()
    for bad_id in ("abcde\n", "abcdef\n"):
        call = events.insert(calendarId="primary", body={**BODY, "id": bad_id})
        assert _error(call) == (400, "invalid")


def test_lone_surrogates_are_parse_errors(google: GoogleSim, google_user: str) -> None:
    """JSON may escape a lone surrogate (``\\ud800``); it is not Unicode, so it is refused."""
    token = google.access_token(google_user)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    base = json.dumps(BODY)[:-1]
    for url, raw in (
        (f"{google.url}/calendar/v3/calendars/primary/events", base + ', "summary": "\\ud800"}'),
        (
            f"{google.url}/calendar/v3/calendars/primary/events?conferenceDataVersion=1",
            base + ', "conferenceData": {"createRequest": {"requestId": "\\udfff"}}}',
        ),
        (f"{google.url}/_admin/users", '{"email": "\\ud800@example.com"}'),
    ):
        response = requests.post(url, data=raw, headers=headers, timeout=10)
        assert response.status_code == 400, raw
        assert response.json()["error"]["errors"][0]["reason"] == "parseError"
    fine = requests.post(
        f"{google.url}/calendar/v3/calendars/primary/events",
        data=base + ', "summary": "\\u00e9\\ud83d\\ude00"}',
        headers=headers,
        timeout=10,
    )
    assert fine.json()["summary"] == "é😀"
