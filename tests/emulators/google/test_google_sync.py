"""Incremental sync: page tokens xor sync tokens, tombstones, 410 recovery, consistency."""

from __future__ import annotations

from typing import Any

import pytest
from googleapiclient.errors import HttpError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.google import GoogleSim, list_all, timed


def _event(n: int, **fields: Any) -> dict[str, Any]:
    return timed(
        f"e{n}",
        f"2031-01-{n % 28 + 1:02d}T10:00:00Z",
        f"2031-01-{n % 28 + 1:02d}T11:00:00Z",
        **fields,
    )


def _insert(service: Any, n: int, **fields: Any) -> dict[str, Any]:
    return dict(service.events().insert(calendarId="primary", body=_event(n, **fields)).execute())


def test_pages_carry_a_page_token_xor_a_sync_token(google_service) -> None:
    for n in range(7):
        _insert(google_service, n)
    pages = []
    request = google_service.events().list(calendarId="primary", maxResults=3)
    while request is not None:
        page = request.execute()
        pages.append(page)
        request = google_service.events().list_next(request, page)
    assert [len(p["items"]) for p in pages] == [3, 3, 1]
    assert all(("nextPageToken" in p) != ("nextSyncToken" in p) for p in pages)
    assert "nextSyncToken" in pages[-1]
    assert len({item["id"] for p in pages for item in p["items"]}) == 7


def test_incremental_sync_returns_exactly_the_changes(google_service) -> None:
    kept, changed, removed = (_insert(google_service, n) for n in range(3))
    _, token = list_all(google_service)
    events = google_service.events()
    events.patch(calendarId="primary", eventId=changed["id"], body={"summary": "new"}).execute()
    events.delete(calendarId="primary", eventId=removed["id"]).execute()
    added = _insert(google_service, 9)
    items, token = list_all(google_service, syncToken=token)
    by_id = {item["id"]: item for item in items}
    assert set(by_id) == {changed["id"], removed["id"], added["id"]}
    assert by_id[changed["id"]]["summary"] == "new"
    assert by_id[removed["id"]] == {
        "kind": "calendar#event",
        "etag": by_id[removed["id"]]["etag"],
        "id": removed["id"],
        "status": "cancelled",
    }
    assert kept["id"] not in by_id
    assert list_all(google_service, syncToken=token)[0] == []


def test_parameters_google_forbids_with_a_sync_token(google_service) -> None:
    _, token = list_all(google_service)
    events = google_service.events()
    forbidden: list[dict[str, Any]] = [
        {"timeMin": "2031-01-01T00:00:00Z"},
        {"timeMax": "2031-01-01T00:00:00Z"},
        {"updatedMin": "2031-01-01T00:00:00Z"},
        {"q": "x"},
        {"iCalUID": "x"},
        {"privateExtendedProperty": "a=b"},
        {"sharedExtendedProperty": "a=b"},
        {"orderBy": "updated"},
        {"showDeleted": False},
    ]
    for params in forbidden:
        with pytest.raises(HttpError) as refused:
            events.list(calendarId="primary", syncToken=token, **params).execute()
        assert refused.value.resp.status == 400, params
    with pytest.raises(HttpError) as garbage:
        events.list(calendarId="primary", syncToken="not-a-token").execute()
    assert garbage.value.resp.status == 400


def test_invalidated_token_gets_410_and_a_full_sync_recovers(
    google: GoogleSim, google_service, google_user: str
) -> None:
    first = _insert(google_service, 1)
    _, token = list_all(google_service)
    second = _insert(google_service, 2)
    google.invalidate_sync_tokens(google_user)
    with pytest.raises(HttpError) as gone:
        list_all(google_service, syncToken=token)
    assert gone.value.resp.status == 410
    assert gone.value.error_details[0]["reason"] == "fullSyncRequired"
    items, fresh = list_all(google_service)
    assert {item["id"] for item in items} == {first["id"], second["id"]}
    assert list_all(google_service, syncToken=fresh)[0] == []


def test_tokens_do_not_survive_a_reset(google: GoogleSim, google_service, google_user: str) -> None:
    _, token = list_all(google_service)
    google.reset()
    google.create_user(google_user)
    service = google.service(google_user)
    with pytest.raises(HttpError) as gone:
        list_all(service, syncToken=token)
    assert gone.value.resp.status == 410


def test_changes_during_pagination_are_not_lost(google_service) -> None:
    ids = {_insert(google_service, n)["id"] for n in range(6)}
    events = google_service.events()
    request = events.list(calendarId="primary", maxResults=2)
    page = request.execute()
    seen = {item["id"] for item in page["items"]}
    early = sorted(ids)[0]
    late_insert = _insert(google_service, 20, id="00000late1")["id"]
    events.patch(calendarId="primary", eventId=early, body={"summary": "edited"}).execute()
    while "nextPageToken" in page:
        request = events.list_next(request, page)
        page = request.execute()
        seen |= {item["id"] for item in page["items"]}
    assert ids <= seen
    items, _ = list_all(google_service, syncToken=page["nextSyncToken"])
    changed = {item["id"]: item for item in items}
    assert late_insert in changed
    assert changed[early]["summary"] == "edited"


def test_page_token_must_come_with_the_same_query(google_service) -> None:
    for n in range(3):
        _insert(google_service, n)
    page = google_service.events().list(calendarId="primary", maxResults=1).execute()
    with pytest.raises(HttpError) as refused:
        google_service.events().list(
            calendarId="primary", maxResults=1, singleEvents=True, pageToken=page["nextPageToken"]
        ).execute()
    assert refused.value.resp.status == 400


def test_deleted_events_show_with_show_deleted_or_updated_min(google_service) -> None:
    gone = _insert(google_service, 1)
    kept = _insert(google_service, 2)
    google_service.events().delete(calendarId="primary", eventId=gone["id"]).execute()
    assert [e["id"] for e in list_all(google_service)[0]] == [kept["id"]]
    with_deleted, _ = list_all(google_service, showDeleted=True)
    assert {e["id"] for e in with_deleted} == {gone["id"], kept["id"]}
    since = list_all(google_service, updatedMin=gone["updated"])[0]
    assert {e["id"]: e["status"] for e in since}[gone["id"]] == "cancelled"


class Mirror:
    """What a sync client holds: the live events it learnt about from incremental lists."""

    def __init__(self, service: Any) -> None:
        self.service = service
        self.events: dict[str, dict[str, Any]] = {}
        items, self.token = list_all(service, maxResults=3)
        self.apply(items)

    def apply(self, items: list[dict[str, Any]]) -> None:
        for item in items:
            if item["status"] == "cancelled":
                self.events.pop(item["id"], None)
            else:
                self.events[item["id"]] = item

    def sync(self) -> None:
        items, self.token = list_all(self.service, syncToken=self.token, maxResults=2)
        self.apply(items)


operations = st.lists(
    st.tuples(st.sampled_from(["insert", "patch", "delete", "sync"]), st.integers(0, 30)),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_incremental_mirror_matches_a_full_list(
    google: GoogleSim, ops: list[tuple[str, int]]
) -> None:
    google.reset()
    google.create_user("mirror@example.com")
    service = google.service("mirror@example.com")
    mirror = Mirror(service)
    live: list[str] = []
    for op, n in ops:
        if op == "insert":
            live.append(_insert(service, n)["id"])
        elif op == "sync" or not live:
            mirror.sync()
        else:
            target = live[n % len(live)]
            if op == "patch":
                body = {"summary": f"s{n}"}
                service.events().patch(calendarId="primary", eventId=target, body=body).execute()
            else:
                service.events().delete(calendarId="primary", eventId=target).execute()
                live.remove(target)
    mirror.sync()
    truth = {item["id"]: item for item in list_all(service)[0]}
    assert mirror.events == truth
