"""The simulator speaks the official client's wire format: discovery, paths, batch, 204."""

from __future__ import annotations

import httplib2
import pytest
import requests
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from tests.fixtures.google import GoogleSim, timed


def test_the_client_builds_from_the_served_discovery_document(google: GoogleSim) -> None:
    google.create_user("alice@example.com")
    credentials = Credentials(token=google.access_token("alice@example.com"))
    service = build(
        "calendar",
        "v3",
        credentials=credentials,
        discoveryServiceUrl=google.discovery_url,
        static_discovery=False,
        cache_discovery=False,
    )
    assert service.new_batch_http_request()._batch_uri == f"{google.url}/batch/calendar/v3"
    entries = service.calendarList().list().execute()["items"]
    assert [entry["id"] for entry in entries] == ["alice@example.com"]


def test_discovery_document_points_at_the_simulator(google: GoogleSim) -> None:
    document = requests.get(f"{google.url}/discovery/v1/apis/calendar/v3/rest", timeout=10).json()
    assert document["rootUrl"] == f"{google.url}/"
    assert document["baseUrl"] == f"{google.url}/calendar/v3/"
    assert document["batchPath"] == "batch/calendar/v3"
    assert "events" in document["resources"]


def test_url_encoded_calendar_ids_and_alt_json(google_service, google_user: str) -> None:
    created = google_service.events().insert(
        calendarId=google_user, body=timed("x", "2031-01-01T10:00:00Z", "2031-01-01T11:00:00Z")
    )
    assert "alice%40example.com" in created.uri
    assert "alt=json" in created.uri
    event = created.execute()
    fetched = google_service.events().get(calendarId="primary", eventId=event["id"]).execute()
    assert fetched["organizer"] == {"email": google_user, "self": True}


def test_delete_answers_204_with_an_empty_body(google: GoogleSim, google_service) -> None:
    event = (
        google_service.events()
        .insert(
            calendarId="primary", body=timed("x", "2031-01-01T10:00:00Z", "2031-01-01T11:00:00Z")
        )
        .execute()
    )
    assert google_service.events().delete(calendarId="primary", eventId=event["id"]).execute() == ""
    token = google.access_token("alice@example.com")
    raw = requests.get(
        f"{google.url}/calendar/v3/calendars/primary/events/{event['id']}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert raw.json()["status"] == "cancelled"


def test_fields_selects_a_partial_response(google_service) -> None:
    google_service.events().insert(
        calendarId="primary", body=timed("x", "2031-01-01T10:00:00Z", "2031-01-01T11:00:00Z")
    ).execute()
    page = (
        google_service.events()
        .list(calendarId="primary", fields="items(id,start/dateTime),nextSyncToken")
        .execute()
    )
    assert set(page) == {"items", "nextSyncToken"}
    assert set(page["items"][0]) == {"id", "start"}
    assert set(page["items"][0]["start"]) == {"dateTime"}
    with pytest.raises(HttpError) as bad:
        google_service.events().list(calendarId="primary", fields="items(id").execute()
    assert bad.value.resp.status == 400


def test_errors_have_googles_json_shape(google: GoogleSim, google_service) -> None:
    with pytest.raises(HttpError) as missing:
        google_service.events().get(calendarId="primary", eventId="nosuchevent").execute()
    assert missing.value.resp.status == 404
    assert missing.value.error_details == [
        {"domain": "global", "reason": "notFound", "message": "Not Found"}
    ]
    response, content = httplib2.Http().request(f"{google.url}/calendar/v3/users/me/calendarList")
    assert response.status == 401
    assert b'"reason": "authError"' in content


def test_unknown_paths_and_methods_get_json_errors(google: GoogleSim) -> None:
    assert requests.get(f"{google.url}/calendar/v3/nothing", timeout=10).status_code == 404
    wrong = requests.delete(f"{google.url}/calendar/v3/calendars/x/events", timeout=10)
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == 405


def test_long_queries_sent_as_a_post_with_method_override(google_service) -> None:
    """The client turns a GET longer than 2048 characters into a POST with
    ``X-HTTP-Method-Override: GET`` and the query as a form body."""
    wanted = {"crm": "v" * 1024, "owner": "w" * 1024}
    both = timed("both", "2031-01-01T10:00:00Z", "2031-01-01T11:00:00Z")
    both["extendedProperties"] = {"private": wanted}
    one = {**both, "summary": "one", "extendedProperties": {"private": {"crm": "v" * 1024}}}
    events = google_service.events()
    kept = events.insert(calendarId="primary", body=both).execute()
    events.insert(calendarId="primary", body=one).execute()
    request = events.list(
        calendarId="primary", privateExtendedProperty=[f"{k}={v}" for k, v in wanted.items()]
    )
    assert len(request.uri) > 2048
    page = request.execute()
    assert [item["id"] for item in page["items"]] == [kept["id"]]
    assert "nextSyncToken" in page
