"""``events.get/insert/update/patch/delete/move``: single events, series and their instances.

An id may name a stored event (single, series, exception) or a plain instance of a series
(``{seriesId}_{stamp}``), which is rendered from the series; writing to a plain instance stores
an exception under that id, and deleting it stores a cancelled exception, as Google does.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from emulators.google import errors, recurrence
from emulators.google.calls import Call, Reply
from emulators.google.event_input import check_client_id, prepare
from emulators.google.model import Calendar, StoredEvent
from emulators.google.mutations import instance_body
from emulators.google.timefmt import When, when_to_resource
from emulators.google.views import event_resource, instance_resource, tombstone

_BASE32HEX = "0123456789abcdefghijklmnopqrstuv"


@dataclass
class Located:
    """What an event id names: a stored event, or a plain instance (series + slot)."""

    event: StoredEvent | None = None
    series: StoredEvent | None = None
    slot: When | None = None
    vanished_etag: str | None = None

    @property
    def etag(self) -> str:
        if self.event is not None:
            return self.event.etag
        if self.series is not None:
            return self.series.etag
        return self.vanished_etag or ""


def locate_writable(call: Call, calendar: Calendar, event_id: str) -> Located:
    """What a write (update, patch, delete) to ``event_id`` targets.

    An instance of a deleted series is gone with it: writing to it (a plain instance or an
    exception) is 410 ``deleted``, so no live exception can outlive its series.
    """
    found = locate(call, calendar, event_id)
    call.check_if_match(found.etag)
    series_id = found.event.series_id if found.event is not None else None
    series = found.series or calendar.events.get(series_id or "")
    if series is not None and series.deleted:
        raise errors.deleted()
    return found


def locate(call: Call, calendar: Calendar, event_id: str) -> Located:
    """Find what ``event_id`` names in ``calendar`` or raise 404 ``notFound``."""
    stored = calendar.events.get(event_id)
    if stored is not None:
        return Located(event=stored)
    split = recurrence.split_instance_id(event_id)
    series = calendar.events.get(split[0]) if split else None
    if split and series is not None and not series.series_id:
        if event_id in series.vanished:
            return Located(vanished_etag=f'"{series.vanished[event_id].tick}"')
        for slot in call.sim.expander.slots(series.body):
            if recurrence.suffix(slot) == split[1]:
                return Located(series=series, slot=slot)
    raise errors.not_found()


def render(call: Call, calendar: Calendar, found: Located, event_id: str) -> dict[str, Any]:
    if found.event is not None:
        return event_resource(found.event, calendar, call.email)
    if found.series is not None and found.slot is not None:
        return instance_resource(found.series, found.slot, calendar, call.email)
    return tombstone(event_id, found.etag)


def get(call: Call, calendar_id: str, event_id: str) -> Reply:
    calendar = call.calendar(calendar_id)
    found = locate(call, calendar, event_id)
    if call.not_modified(found.etag):
        return Reply(None, 304, {"ETag": found.etag})
    return Reply(render(call, calendar, found, event_id))


def insert(call: Call, calendar_id: str) -> Reply:
    calendar = call.calendar(calendar_id, "writer")
    request = call.object_body()
    _check_send_updates(call)
    event_id = request.get("id")
    if event_id is None:
        event_id = "".join(secrets.choice(_BASE32HEX) for _ in range(26))
    check_client_id(event_id)
    if event_id in calendar.events:
        raise errors.duplicate()
    if request.get("status") == "cancelled":
        raise errors.invalid("A new event cannot be cancelled.")
    clean = {k: v for k, v in request.items() if k not in ("recurringEventId", "originalStartTime")}
    body = prepare(clean, calendar, conference_version=_conference_version(call))
    body.setdefault("iCalUID", f"{event_id}@google.com")
    event = call.sim.writer.create(calendar, event_id, body, creator=call.email)
    return Reply(event_resource(event, calendar, call.email))


def update(call: Call, calendar_id: str, event_id: str) -> Reply:
    return _write(call, calendar_id, event_id, patch=False)


def patch(call: Call, calendar_id: str, event_id: str) -> Reply:
    return _write(call, calendar_id, event_id, patch=True)


def _write(call: Call, calendar_id: str, event_id: str, *, patch: bool) -> Reply:
    calendar = call.calendar(calendar_id, "writer")
    request = call.object_body()
    _check_send_updates(call)
    found = locate_writable(call, calendar, event_id)
    writer = call.sim.writer
    if found.event is not None:
        event = found.event
        revive = request.get("status") in ("confirmed", "tentative")
        if event.deleted and not revive:
            raise errors.deleted()
        body = prepare(
            request, calendar, event.body, patch=patch, conference_version=_conference_version(call)
        )
        writer.replace(calendar, event, body)
    elif found.series is not None and found.slot is not None:
        original = when_to_resource(found.slot, calendar.time_zone)
        base = instance_body(found.series, original)
        body = prepare(
            request, calendar, base, patch=patch, conference_version=_conference_version(call)
        )
        event = writer.create(calendar, event_id, body, creator=found.series.creator)
        event.created = found.series.created
    else:
        raise errors.deleted()
    if body.get("status") == "cancelled":
        writer.delete(calendar, event)
    return Reply(event_resource(event, calendar, call.email))


def delete(call: Call, calendar_id: str, event_id: str) -> Reply:
    calendar = call.calendar(calendar_id, "writer")
    _check_send_updates(call)
    found = locate_writable(call, calendar, event_id)
    writer = call.sim.writer
    if found.event is not None:
        if found.event.deleted:
            raise errors.deleted()
        writer.delete(calendar, found.event)
    elif found.series is not None and found.slot is not None:
        original = when_to_resource(found.slot, calendar.time_zone)
        body = instance_body(found.series, original)
        event = writer.create(calendar, event_id, body, creator=found.series.creator, deleted=True)
        event.created = found.series.created
    else:
        raise errors.deleted()
    return Reply(None, 204)


def move(call: Call, calendar_id: str, event_id: str) -> Reply:
    source = call.calendar(calendar_id, "writer")
    destination_id = call.params.text("destination")
    if not destination_id:
        raise errors.required("Missing destination calendar.", "destination")
    destination = call.calendar(destination_id, "writer")
    event = source.events.get(event_id)
    if event is None:
        raise errors.not_found()
    if event.deleted:
        raise errors.deleted()
    if event.series_id or event.body.get("eventType", "default") != "default":
        raise errors.invalid("Only events of type default that are not instances can be moved.")
    if destination is source:
        return Reply(event_resource(event, source, call.email))
    taken = destination.events.get(event_id)
    if taken is not None and not taken.deleted:
        raise errors.duplicate()
    moved = _move_one(call, source, destination, event)
    for other in list(source.events.values()):
        if other.series_id == event.id and not other.deleted:
            _move_one(call, source, destination, other)
    call.sim.writer.delete(source, event)
    return Reply(event_resource(moved, destination, call.email))


def _move_one(
    call: Call, source: Calendar, destination: Calendar, event: StoredEvent
) -> StoredEvent:
    moved = call.sim.writer.create(destination, event.id, dict(event.body), creator=event.creator)
    moved.created = event.created
    return moved


def _conference_version(call: Call) -> int:
    return call.params.number("conferenceDataVersion", 0, 0, 1)


def _check_send_updates(call: Call) -> None:
    call.params.choice("sendUpdates", ("all", "externalOnly", "none"))
