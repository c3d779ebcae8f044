"""Each calendar write as a short conversation with Google: a generator that yields the next
request, receives its Reply, and returns the WriteResult (google_batch.py runs many at once).

| write  | requests (quota units)                   | answers                                 |
|--------|------------------------------------------|-----------------------------------------|
| create | insert (1)                               | OK                                      |
|        | 409 `duplicate`: get the holder (+1)     | live: EXISTS with it                    |
|        | cancelled: update it, `status: confirmed`| OK (restored with these fields)         |
|        | (+1); Google refuses (403/404/409/410):  | OK under the new id; a live holder of   |
|        | the same again under the id's next       | it made for this activity is updated    |
|        | generation (ids.next_event_id)           | to these fields (+1): OK                |
| update | get (1) + update with If-Match (1);      | OK; 404/410/cancelled: GONE             |
|        | the get is skipped (1 unit in all) when  | the etag is not `if_match`: STALE with  |
|        | the adapter holds the resource at        | the event; 412: get (+1), STALE (or,    |
|        | `if_match` from this job's reads         | with no `if_match`, update once more)   |
| delete | delete with If-Match where given (1)     | OK; 404/410: GONE; 412: get (+1), STALE |
| move   | move (1)                                 | OK; 409: EXISTS; 404: get (+1): GONE if |
|        |                                          | the event is gone, else REJECTED        |

Restoring a deleted event is what Google's docs allow, but Google is reported to refuse it for
some ids (403 "forbidden", or 409 again). Then the create moves on to the id's next generation
(`crm1...`, `crm2...`: still derived from the activity, so a retried create finds it again
and never makes a second event); at most 32 generations, so a create always ends.

Updates are full updates (PUT) of the current resource with the synced fields laid over it
(google_body.event_body), so nothing calsync does not manage is lost; a patch would cost 3
units and still replace whole arrays such as `attendees`. Every insert and update carries
`conferenceDataVersion=1` so conference links are written (and kept). Other 4xx answers are
REJECTED with Google's message; transient ones never reach these functions (see the runner).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Generator
from typing import Any

from calsync.domain.event import CalendarEvent
from calsync.domain.ids import next_event_id
from calsync.domain.link import SyncedFields
from calsync.ports import CreateEvent, DeleteEvent, EventWrite, MoveEvent, Outcome, WriteResult
from calsync.providers.google_body import event_body
from calsync.providers.google_errors import Reply
from calsync.providers.google_wire import JSON, is_cancelled, stamp_of

Op = Generator[Any, Reply, WriteResult]
Step = Generator[Any, Reply, WriteResult | None]  # None: the conversation goes on
# Google's answers to restoring a deleted event that mean "not under this id" (rate-limit 403s
# are transient: the batch runner retries them and they never get here)
_REVIVE_REFUSED = frozenset({403, 404, 409, 410})
ReadEvent = Callable[[JSON, str], CalendarEvent | None]


class ResourceCache:
    """The latest event resources this provider saw (bounded), to update without a get."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str], JSON] = OrderedDict()

    def remember(self, calendar_id: str, resource: JSON) -> None:
        key = (calendar_id, str(resource.get("id")))
        self._items[key] = resource
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def at(self, calendar_id: str, event_id: str, etag: str | None) -> JSON | None:
        """The resource, if the one held is at `etag`."""
        found = self._items.get((calendar_id, event_id))
        return found if found is not None and etag and found.get("etag") == etag else None


class Calls:
    """The requests of one calendar's writes, and reading their answers."""

    def __init__(
        self, service: Any, calendar_id: str, read: ReadEvent, cache: ResourceCache
    ) -> None:
        self.events = service.events()
        self.calendar_id = calendar_id
        self._read = read
        self.cache = cache

    def body(self, fields: SyncedFields, current: JSON | None, *, stamp: str | None) -> JSON:
        """The resource to write (google_body.event_body) for this calendar."""
        return event_body(fields, current, stamp=stamp, calendar_id=self.calendar_id)

    def insert(self, body: JSON) -> Any:
        return self.events.insert(calendarId=self.calendar_id, body=body, conferenceDataVersion=1)

    def get(self, event_id: str) -> Any:
        return self.events.get(calendarId=self.calendar_id, eventId=event_id)

    def update(self, event_id: str, body: JSON, etag: str | None) -> Any:
        request = self.events.update(
            calendarId=self.calendar_id, eventId=event_id, body=body, conferenceDataVersion=1
        )
        return _if_match(request, etag)

    def delete(self, event_id: str, etag: str | None) -> Any:
        return _if_match(self.events.delete(calendarId=self.calendar_id, eventId=event_id), etag)

    def move(self, event_id: str, destination: str) -> Any:
        return self.events.move(
            calendarId=self.calendar_id, eventId=event_id, destination=destination
        )

    def result(self, outcome: Outcome, reply: Reply, calendar_id: str = "") -> WriteResult:
        """`outcome` with the event `reply` carries (remembered for later updates)."""
        where = calendar_id or self.calendar_id
        if reply.body is None:
            return WriteResult(outcome)
        self.cache.remember(where, reply.body)
        event = self._read(reply.body, where)
        if event is None:
            return WriteResult(outcome, detail="Google answered with an event calsync can't read")
        return WriteResult(outcome, event)


def _if_match(request: Any, etag: str | None) -> Any:
    if etag:
        request.headers["If-Match"] = etag
    return request


def refused(reply: Reply) -> WriteResult:
    detail = f"Google refused it ({reply.status} {reply.reason}): {reply.message}".strip()
    return WriteResult(Outcome.REJECTED, detail=detail)


def gone(reply: Reply) -> bool:
    return reply.status in (404, 410) or (reply.ok and is_cancelled(reply.body))


def plan(write: EventWrite, calls: Calls) -> Op:
    """The conversation that carries out `write`."""
    if isinstance(write, CreateEvent):
        return _create(write, calls)
    if isinstance(write, DeleteEvent):
        return _delete(write, calls)
    if isinstance(write, MoveEvent):
        return _move(write, calls)
    return _update(write.event_id, write.fields, write.if_match, calls)


def _create(write: CreateEvent, calls: Calls) -> Op:
    event_id: str | None = write.event_id
    while event_id is not None:  # each round a later generation: 32 rounds at most
        body = calls.body(write.fields, None, stamp=write.activity_id)
        reply = yield calls.insert({"id": event_id, **body})
        if reply.ok:
            return calls.result(Outcome.OK, reply)
        if reply.status != 409:
            return refused(reply)
        holder = yield calls.get(event_id)
        if not holder.ok or holder.body is None:
            return WriteResult(Outcome.RETRY, detail="the id is taken but its holder can't be read")
        if not is_cancelled(holder.body):
            return (yield from _taken(write, event_id, holder, calls))
        restored = yield from _restore(write, event_id, holder.body, calls)
        if restored is not None:
            return restored
        event_id = next_event_id(event_id)
    detail = "Google refused to bring back the deleted event under every id calsync can give it"
    return WriteResult(Outcome.REJECTED, detail=detail)


def _taken(write: CreateEvent, event_id: str, holder: Reply, calls: Calls) -> Op:
    """A live event holds the id: EXISTS; but a later generation made for this activity (an
    earlier attempt whose answer was lost) is brought up to date and answers OK."""
    assert holder.body is not None
    if event_id == write.event_id or stamp_of(holder.body) != write.activity_id:
        return calls.result(Outcome.EXISTS, holder)
    body = calls.body(write.fields, holder.body, stamp=write.activity_id)
    reply = yield calls.update(event_id, body, holder.body.get("etag"))
    if reply.status == 412:
        return WriteResult(Outcome.RETRY, detail="the event changed while updating it")
    return _answered(reply, calls)


def _restore(write: CreateEvent, event_id: str, holder: JSON, calls: Calls) -> Step:
    """A deleted event keeps its id: bring it back with these fields. None if Google refuses
    to (the id's next generation is used instead)."""
    restored = calls.body(write.fields, holder, stamp=write.activity_id)
    restored["status"] = "confirmed"
    reply = yield calls.update(event_id, restored, holder.get("etag"))
    if reply.status == 412:
        return WriteResult(Outcome.RETRY, detail="the deleted event changed while restoring it")
    if reply.status in _REVIVE_REFUSED:
        return None
    return _answered(reply, calls)


def _update(event_id: str, fields: SyncedFields, if_match: str | None, calls: Calls) -> Op:
    current = calls.cache.at(calls.calendar_id, event_id, if_match)
    for _ in range(2):  # with no If-Match asked for, one more round after a 412
        if current is None:
            got = yield calls.get(event_id)
            unusable = _unusable(got, if_match, calls)
            if unusable is not None:
                return unusable
            assert got.body is not None
            current = got.body
        body = calls.body(fields, current, stamp=None)
        reply = yield calls.update(event_id, body, current.get("etag"))
        if reply.status != 412:
            return _answered(reply, calls)
        if if_match is not None:
            return (yield from _stale(event_id, calls))
        current = None
    return WriteResult(Outcome.RETRY, detail="the event kept changing while updating it")


def _unusable(got: Reply, if_match: str | None, calls: Calls) -> WriteResult | None:
    """What a read before an update already answers: gone, refused, or stale."""
    if gone(got):
        return WriteResult(Outcome.GONE, detail="the event does not exist")
    if not got.ok or got.body is None:
        return refused(got)
    if if_match is not None and got.body.get("etag") != if_match:
        return calls.result(Outcome.STALE, got)
    return None


def _answered(reply: Reply, calls: Calls) -> WriteResult:
    if reply.ok:
        return calls.result(Outcome.OK, reply)
    if reply.status in (404, 410):
        return WriteResult(Outcome.GONE, detail="the event does not exist")
    return refused(reply)


def _stale(event_id: str, calls: Calls) -> Op:
    got = yield calls.get(event_id)
    if gone(got):
        return WriteResult(Outcome.GONE, detail="the event does not exist")
    if not got.ok:
        return refused(got)
    return calls.result(Outcome.STALE, got)


def _delete(write: DeleteEvent, calls: Calls) -> Op:
    reply = yield calls.delete(write.event_id, write.if_match)
    if reply.ok:
        return WriteResult(Outcome.OK)
    if gone(reply):
        return WriteResult(Outcome.GONE, detail="the event does not exist")
    if reply.status == 412:
        return (yield from _stale(write.event_id, calls))
    return refused(reply)


def _move(write: MoveEvent, calls: Calls) -> Op:
    reply = yield calls.move(write.event_id, write.destination)
    if reply.ok:
        return calls.result(Outcome.OK, reply, write.destination)
    if reply.status == 409:
        return WriteResult(Outcome.EXISTS, detail="the destination has an event with that id")
    if reply.status == 410:
        return WriteResult(Outcome.GONE, detail="the event does not exist")
    if reply.status != 404:
        return refused(reply)
    got = yield calls.get(write.event_id)
    if gone(got):
        return WriteResult(Outcome.GONE, detail="the event does not exist")
    return WriteResult(Outcome.REJECTED, detail=f"no writable calendar {write.destination!r}")
