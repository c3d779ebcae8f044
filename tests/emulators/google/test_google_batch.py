"""The batch endpoint through BatchHttpRequest: 50 inserts, per-part errors, 401 replay."""

from __future__ import annotations

from typing import Any

import requests
from googleapiclient.errors import HttpError

from tests.fixtures.google import GoogleSim, list_all, timed


def _body(n: int, **fields: Any) -> dict[str, Any]:
    return timed(
        f"b{n}", f"2031-02-01T{n % 24:02d}:00:00Z", f"2031-02-01T{n % 24:02d}:30:00Z", **fields
    )


def test_a_batch_of_50_inserts(google: GoogleSim, google_service) -> None:
    results: dict[str, tuple[Any, Any]] = {}
    batch = google_service.new_batch_http_request(
        callback=lambda rid, response, error: results.__setitem__(rid, (response, error))
    )
    for n in range(50):
        batch.add(google_service.events().insert(calendarId="primary", body=_body(n)))
    batch.execute()
    assert sorted(results, key=int) == [str(n) for n in range(1, 51)]
    assert all(error is None for _, error in results.values())
    assert [results[str(n + 1)][0]["summary"] for n in range(50)] == [f"b{n}" for n in range(50)]
    assert len(list_all(google_service)[0]) == 50
    stats = google.stats()
    assert stats["requests"]["events.insert"] == 50
    assert stats["quotaUnits"]["byMethod"]["events.insert"] == 50
    assert stats["batch"] == {"requests": 1, "parts": 50}


def test_parts_fail_independently(google_service) -> None:
    outcomes: list[tuple[str, Any, Any]] = []
    batch = google_service.new_batch_http_request()

    def record(rid: str, response: Any, error: Any) -> None:
        outcomes.append((rid, response, error))

    batch.add(
        google_service.events().insert(calendarId="primary", body=_body(1, id="same1")),
        callback=record,
        request_id="first",
    )
    batch.add(
        google_service.events().insert(calendarId="primary", body=_body(2, id="same1")),
        callback=record,
        request_id="second",
    )
    batch.add(
        google_service.events().delete(calendarId="primary", eventId="same1"),
        callback=record,
        request_id="third",
    )
    batch.add(
        google_service.events().get(calendarId="primary", eventId="same1"),
        callback=record,
        request_id="fourth",
    )
    batch.execute()
    by_id = {rid: (response, error) for rid, response, error in outcomes}
    assert by_id["first"][0]["id"] == "same1"
    error = by_id["second"][1]
    assert isinstance(error, HttpError)
    assert error.resp.status == 409
    assert by_id["third"] == ("", None)
    assert by_id["fourth"][0]["status"] == "cancelled"


def test_expired_token_parts_are_replayed_after_a_refresh(google: GoogleSim) -> None:
    credentials = google.oauth_credentials("dan@example.com")
    service = google.service(credentials=credentials)
    google.expire_tokens("dan@example.com")
    done: list[Any] = []
    batch = service.new_batch_http_request(callback=lambda rid, r, e: done.append(e))
    for n in range(3):
        batch.add(service.events().insert(calendarId="primary", body=_body(n)))
    batch.execute()
    assert done == [None, None, None]
    assert google.stats()["statuses"]["events.insert"] == {"401": 3, "200": 3}


def test_malformed_batches_are_refused(google: GoogleSim) -> None:
    url = f"{google.url}/batch/calendar/v3"
    plain = requests.post(url, data="x", headers={"Content-Type": "text/plain"}, timeout=10)
    assert plain.status_code == 400
    boundary = "b"
    request_line = "GET /calendar/v3/users/me/calendarList\r\n\r\n"
    part = f"--b\r\nContent-Type: application/http\r\n\r\n{request_line}"
    too_many = part * 1001 + "--b--\r\n"
    big = requests.post(
        url,
        data=too_many,
        timeout=30,
        headers={"Content-Type": f"multipart/mixed; boundary={boundary}"},
    )
    assert big.status_code == 400
    garbage = (
        "--b\r\nContent-Type: application/http\r\nContent-ID: <x>\r\n\r\nnot http\r\n--b--\r\n"
    )
    answer = requests.post(
        url, data=garbage, timeout=10, headers={"Content-Type": "multipart/mixed; boundary=b"}
    )
    assert answer.status_code == 200
    assert "HTTP/1.1 400 Bad Request" in answer.text
    assert "Content-ID: <response-x>" in answer.text
