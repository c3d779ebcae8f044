"""The Google adapter's create conversation (google_writes.py) against scripted answers: what
it does when Google refuses to bring back a deleted event under its id. (The same through the
simulator: tests/integration/test_google_adapter_ids.py.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from calsync.domain import SyncedFields
from calsync.domain.ids import activity_id_from_event_id, event_id_for, next_event_id
from calsync.ports import CreateEvent, Outcome, WriteResult
from calsync.providers.google_errors import Reply
from calsync.providers.google_wire import JSON, STAMP_KEY, event_from_wire
from calsync.providers.google_writes import Calls, ResourceCache, plan

START = datetime(2030, 5, 6, 9, 0, tzinfo=UTC)
ACTIVITY = "act-42"
FIRST = event_id_for(ACTIVITY)
SECOND = event_id_for(ACTIVITY, 1)


class Sent:
    """A request as the conversation built it (what google_batch.py would send)."""

    def __init__(self, method: str, **args: Any) -> None:
        self.method, self.args, self.headers = method, args, {}

    def __repr__(self) -> str:
        return f"{self.method}({self.args.get('eventId') or self.args['body'].get('id')})"


class FakeEvents:
    def insert(self, **args: Any) -> Sent:
        return Sent("insert", **args)

    def get(self, **args: Any) -> Sent:
        return Sent("get", **args)

    def update(self, **args: Any) -> Sent:
        return Sent("update", **args)


class FakeService:
    def events(self) -> FakeEvents:
        return FakeEvents()


def read(item: JSON, calendar_id: str) -> Any:
    return event_from_wire(item, calendar_id, "UTC")


def fields() -> SyncedFields:
    return SyncedFields(start=START, end=START + timedelta(hours=1), subject="Pitch")


def resource(event_id: str, *, status: str = "confirmed", stamp: str = ACTIVITY) -> JSON:
    return {
        "id": event_id,
        "etag": f'"{event_id}-1"',
        "status": status,
        "start": {"dateTime": START.isoformat()},
        "end": {"dateTime": (START + timedelta(hours=1)).isoformat()},
        "extendedProperties": {"private": {STAMP_KEY: stamp}},
    }


Answer = Callable[[Sent], Reply]


def converse(answer: Answer, event_id: str = FIRST) -> tuple[WriteResult, list[Sent]]:
    """Run one create against `answer` (Google, scripted); the result and what was sent."""
    calls = Calls(FakeService(), "ann@example.com", read, ResourceCache())
    op = plan(CreateEvent(event_id, fields(), ACTIVITY), calls)
    sent: list[Sent] = []
    request = next(op)
    while True:
        sent.append(request)
        assert len(sent) < 200, "the conversation does not end"
        try:
            request = op.send(answer(request))
        except StopIteration as done:
            return done.value, sent


def google(
    refusal: Reply, *, dead: set[str], refuse: bool = True, live: dict[str, JSON] | None = None
) -> Answer:
    """Google where deleted events hold the `dead` ids; with `refuse`, it will not bring them
    back (answering `refusal`)."""
    live = dict(live or {})

    def answer(request: Sent) -> Reply:
        event_id = request.args.get("eventId") or request.args["body"]["id"]
        if request.method == "insert":
            if event_id in dead or event_id in live:
                return Reply(409, reason="duplicate")
            live[event_id] = {**request.args["body"], "etag": '"new"', "status": "confirmed"}
            return Reply(200, live[event_id])
        if request.method == "get":
            return Reply(200, live.get(event_id) or resource(event_id, status="cancelled"))
        if event_id in dead:
            if refuse:
                return refusal
            dead.discard(event_id)
            live[event_id] = resource(event_id, status="cancelled")
        assert request.headers.get("If-Match") == live[event_id]["etag"]
        live[event_id] = {**request.args["body"], "etag": '"newer"'}
        return Reply(200, live[event_id])

    return answer


REFUSALS = [
    Reply(403, reason="forbidden", message="Forbidden"),
    Reply(409, reason="duplicate", message="The requested identifier already exists."),
    Reply(410, reason="deleted", message="Resource has been deleted"),
]


@pytest.mark.parametrize("refusal", REFUSALS, ids=lambda r: str(r.status))
def test_a_refused_restore_creates_the_event_under_the_next_generation(refusal: Reply) -> None:
    result, sent = converse(google(refusal, dead={FIRST}))
    assert result.outcome is Outcome.OK
    assert result.event is not None
    assert result.event.id == SECOND
    assert result.event.crm_activity_id == ACTIVITY
    assert [(r.method, r.args.get("eventId")) for r in sent] == [
        ("insert", None),
        ("get", FIRST),
        ("update", FIRST),
        ("insert", None),
    ]
    assert sent[-1].args["body"]["id"] == SECOND
    assert activity_id_from_event_id(SECOND) == ACTIVITY  # still leads back to the activity


def test_a_retried_create_finds_its_later_generation_and_brings_it_up_to_date() -> None:
    earlier = resource(SECOND) | {"summary": "an older version"}
    result, sent = converse(google(REFUSALS[0], dead={FIRST}, live={SECOND: earlier}))
    assert result.outcome is Outcome.OK
    assert result.event is not None
    assert (result.event.id, result.event.summary) == (SECOND, "Pitch")
    assert [r.method for r in sent] == ["insert", "get", "update", "insert", "get", "update"]
    assert sent[-1].headers["If-Match"] == earlier["etag"]


def test_a_later_generation_held_by_another_activity_is_not_taken() -> None:
    theirs = resource(SECOND, stamp="someone-else")
    result, _ = converse(google(REFUSALS[0], dead={FIRST}, live={SECOND: theirs}))
    assert result.outcome is Outcome.EXISTS
    assert result.event is not None
    assert result.event.crm_activity_id == "someone-else"


def test_the_generations_run_out_instead_of_looping() -> None:
    every = {event_id_for(ACTIVITY, generation) for generation in range(32)}
    result, sent = converse(google(REFUSALS[0], dead=every))
    assert result.outcome is Outcome.REJECTED
    assert "refused" in result.detail
    assert len(sent) == 32 * 3  # insert, get, refused update: once per generation
    assert next_event_id(event_id_for(ACTIVITY, 31)) is None


def test_an_id_calsync_did_not_derive_has_no_next_generation() -> None:
    result, sent = converse(google(REFUSALS[0], dead={"crm0abcdef12345"}), "crm0abcdef12345")
    assert result.outcome is Outcome.REJECTED
    assert len(sent) == 3


def test_a_restore_google_accepts_keeps_the_id() -> None:
    result, sent = converse(google(REFUSALS[0], dead={FIRST}, refuse=False))
    assert result.outcome is Outcome.OK
    assert result.event is not None
    assert result.event.id == FIRST
    assert [r.method for r in sent] == ["insert", "get", "update"]
    assert sent[-1].args["body"]["status"] == "confirmed"
