"""How stored events look on the wire: full resources, synthesised instances, tombstones.

Instances of a series are not stored; they are rendered from the series body for each slot of
its expansion. Tombstones in lists are minimal, as Google guarantees no more: ``kind``,
``etag``, ``id``, ``status`` (plus ``recurringEventId``/``originalStartTime`` for instances).
Readers without private access see private events as busy blocks only.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from emulators.google import recurrence
from emulators.google.model import Calendar, StoredEvent
from emulators.google.timefmt import When, format_micros, parse_when, when_to_resource

_ORDER = (
    "kind",
    "etag",
    "id",
    "status",
    "htmlLink",
    "created",
    "updated",
    "summary",
    "description",
    "location",
    "colorId",
    "creator",
    "organizer",
    "start",
    "end",
    "endTimeUnspecified",
    "recurrence",
    "recurringEventId",
    "originalStartTime",
    "transparency",
    "visibility",
    "iCalUID",
    "sequence",
    "attendees",
    "extendedProperties",
    "hangoutLink",
    "conferenceData",
    "reminders",
    "eventType",
)
_BUSY_ONLY = (
    "kind",
    "etag",
    "id",
    "status",
    "created",
    "updated",
    "start",
    "end",
    "recurringEventId",
    "originalStartTime",
    "transparency",
    "visibility",
    "iCalUID",
    "eventType",
)


def event_resource(event: StoredEvent, calendar: Calendar, viewer: str) -> dict[str, Any]:
    """The full resource of a stored event (a deleted one shows ``status: cancelled``)."""
    return redact(_full(event, calendar, viewer), calendar.role_of(viewer))


def _full(event: StoredEvent, calendar: Calendar, viewer: str) -> dict[str, Any]:
    resource = dict(event.body)
    resource.update(
        kind="calendar#event",
        etag=event.etag,
        id=event.id,
        status="cancelled" if event.deleted else event.body.get("status", "confirmed"),
        htmlLink=_html_link(event.id, calendar.id),
        created=format_micros(event.created),
        updated=format_micros(event.updated),
        creator=_person(event.creator, calendar, viewer),
        organizer=_person(event.organizer, calendar, viewer),
        iCalUID=event.body.get("iCalUID") or f"{event.id}@google.com",
        sequence=event.body.get("sequence", 0),
    )
    if "attendees" in resource:
        resource["attendees"] = [
            _attendee(a, event.organizer, viewer) for a in resource["attendees"]
        ]
    meet = _meet_link(resource.get("conferenceData"))
    if meet:
        resource["hangoutLink"] = meet
    return _ordered(resource)


def instance_resource(
    series: StoredEvent, slot: When, calendar: Calendar, viewer: str
) -> dict[str, Any]:
    """A plain (unmodified) instance of ``series`` at original start ``slot``."""
    base = _full(series, calendar, viewer)
    base.pop("recurrence", None)
    start = parse_when(series.body["start"], "start")
    end = parse_when(series.body["end"], "end")
    original = when_to_resource(slot, calendar.time_zone)
    base.update(
        id=instance_id(series.id, slot),
        start=original,
        end=when_to_resource(slot.shifted(_duration(start, end)), calendar.time_zone),
        recurringEventId=series.id,
        originalStartTime=original,
    )
    if series.deleted:
        base["status"] = "cancelled"
    return redact(_ordered(base), calendar.role_of(viewer))


def tombstone(
    event_id: str,
    etag: str,
    original_start: dict[str, Any] | None = None,
    series_id: str | None = None,
) -> dict[str, Any]:
    """The minimal cancelled entry lists carry for deletions."""
    resource: dict[str, Any] = {
        "kind": "calendar#event",
        "etag": etag,
        "id": event_id,
        "status": "cancelled",
    }
    if series_id and original_start:
        resource.update(recurringEventId=series_id, originalStartTime=original_start)
    return resource


def instance_id(series_id: str, slot: When) -> str:
    return f"{series_id}_{recurrence.suffix(slot)}"


def redact(resource: dict[str, Any], role: str) -> dict[str, Any]:
    """Hide details from those who may only see that the time is busy."""
    private = resource.get("visibility") in ("private", "confidential")
    if role == "freeBusyReader" or (private and role in ("reader", "writerWithoutPrivateAccess")):
        return {key: resource[key] for key in _BUSY_ONLY if key in resource}
    return resource


def _duration(start: When, end: When) -> timedelta:
    if start.day is not None and end.day is not None:
        return end.day - start.day
    assert start.instant is not None
    assert end.instant is not None
    return end.instant - start.instant


def _person(email: str, calendar: Calendar, viewer: str) -> dict[str, Any]:
    person: dict[str, Any] = {"email": email}
    if email == calendar.id and not calendar.primary:
        person["displayName"] = calendar.summary
    if email in (viewer, calendar.id):
        person["self"] = True
    return person


def _attendee(attendee: dict[str, Any], organizer: str, viewer: str) -> dict[str, Any]:
    shown = dict(attendee)
    if shown.get("email") == organizer:
        shown["organizer"] = True
    if shown.get("email") == viewer:
        shown["self"] = True
    return shown


def _meet_link(data: object) -> str | None:
    if not isinstance(data, dict):
        return None
    for entry in data.get("entryPoints") or []:
        if isinstance(entry, dict) and entry.get("entryPointType") == "video":
            uri = entry.get("uri")
            return uri if isinstance(uri, str) else None
    return None


def _html_link(event_id: str, calendar_id: str) -> str:
    eid = base64.urlsafe_b64encode(f"{event_id} {calendar_id}".encode()).decode().rstrip("=")
    return f"https://www.google.com/calendar/event?eid={eid}"


def _ordered(resource: dict[str, Any]) -> dict[str, Any]:
    first = {key: resource[key] for key in _ORDER if key in resource}
    return first | {key: value for key, value in resource.items() if key not in first}
