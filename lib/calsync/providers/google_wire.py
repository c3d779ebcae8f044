"""Google Calendar event JSON <-> calsync's CalendarEvent and SyncedFields.

Reading (`change_from_wire`): `status: cancelled` is a RemovedEvent; `start`/`end` keep their
`timeZone` (all-day `date`s take the calendar's zone, Google keeps none for them) and Google's
exclusive all-day `end.date` becomes calsync's inclusive `end_date`; `transparency: transparent`
is free; `visibility` private or confidential is private; attendees are their emails, without
the organizer's own entry and without rooms (resources); the conference link is the first
video entry point of `conferenceData`, else `hangoutLink`; calsync's stamp is the activity id
under `STAMP_KEY` in `extendedProperties.private`.

Writing (`event_body`): the synced fields are laid over the event's current resource, so
everything calsync does not manage survives an update (reminders, colour, other extended
properties, attendees' response statuses and comments, rooms, the organizer's entry, a Meet
link that did not change, a `public` or `confidential` visibility that still means the same).
"""

from __future__ import annotations

import copy
import logging
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from calsync.domain.event import CalendarEvent, EventChange, RemovedEvent
from calsync.domain.link import SyncedFields
from calsync.domain.schedule import zone

log = logging.getLogger(__name__)

JSON = dict[str, Any]

STAMP_KEY = "calsyncActivityId"  # Google drops private extended-property keys over 44 chars
_PRIVATE = ("private", "confidential")
_PUBLIC = ("default", "public")


# -- reading ----------------------------------------------------------------------------------


def change_from_wire(item: JSON, calendar_id: str, calendar_zone: str) -> EventChange | None:
    """The change an events.list item stands for; None (logged) if it cannot be understood."""
    if item.get("status") == "cancelled":
        return RemovedEvent(
            id=str(item["id"]),
            calendar_id=calendar_id,
            recurring_event_id=item.get("recurringEventId"),
        )
    return event_from_wire(item, calendar_id, calendar_zone)


def event_from_wire(item: JSON, calendar_id: str, calendar_zone: str) -> CalendarEvent | None:
    """A live event resource as a CalendarEvent; None (logged) if it cannot be understood."""
    try:
        return CalendarEvent(
            **_timing(item.get("start") or {}, item.get("end") or {}, calendar_zone),
            id=str(item["id"]),
            calendar_id=calendar_id,
            etag=item.get("etag"),
            updated=_instant(item["updated"]) if item.get("updated") else None,
            summary=item.get("summary") or "",
            description=item.get("description") or "",
            location=item.get("location") or "",
            busy=item.get("transparency") != "transparent",
            private=item.get("visibility") in _PRIVATE,
            attendees=attendee_emails(item),
            conference_url=conference_url(item),
            recurring_event_id=item.get("recurringEventId"),
            event_type=item.get("eventType") or "default",
            crm_activity_id=stamp_of(item),
            organizer_self=bool((item.get("organizer") or {"self": True}).get("self")),
        )
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        # One malformed event must not stop the sync of the others; it is skipped.
        log.warning("skipping event %s of an unexpected shape: %s", item.get("id"), _short(exc))
        return None


def _timing(start: JSON, end: JSON, calendar_zone: str) -> dict[str, Any]:
    if "date" in start:
        first = date.fromisoformat(start["date"])
        after = date.fromisoformat(end["date"])  # exclusive at Google
        last = max(first, after - timedelta(days=1))
        return {"timezone": calendar_zone, "start_date": first, "end_date": last}
    name = known_zone(start.get("timeZone")) or calendar_zone
    return {
        "timezone": name,
        "start": _instant(start["dateTime"], name),
        "end": _instant(end["dateTime"], known_zone(end.get("timeZone")) or name),
    }


def known_zone(name: object) -> str | None:
    if not isinstance(name, str):
        return None
    try:
        zone(name)
    except ValueError:
        return None
    return name


def _instant(text: str, zone_name: str = "UTC") -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone(zone_name))


def attendee_emails(item: JSON) -> tuple[str, ...]:
    """The guests' emails: not the organizer's own entry, not rooms; each once, in order."""
    emails: dict[str, str] = {}
    for attendee in item.get("attendees") or []:
        if _unmanaged_attendee(attendee) or not attendee.get("email"):
            continue
        emails.setdefault(str(attendee["email"]).lower(), str(attendee["email"]))
    return tuple(emails.values())


def _unmanaged_attendee(attendee: JSON) -> bool:
    own = bool(attendee.get("self")) and bool(attendee.get("organizer"))
    return own or bool(attendee.get("resource"))


def conference_url(item: JSON) -> str | None:
    for entry in (item.get("conferenceData") or {}).get("entryPoints") or []:
        if entry.get("entryPointType") == "video" and entry.get("uri"):
            return str(entry["uri"])
    link = item.get("hangoutLink")
    return str(link) if link else None


def stamp_of(item: JSON) -> str | None:
    private = (item.get("extendedProperties") or {}).get("private") or {}
    stamp = private.get(STAMP_KEY)
    return str(stamp) if stamp else None


def is_cancelled(item: JSON | None) -> bool:
    return item is None or item.get("status") == "cancelled"


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


# -- writing ----------------------------------------------------------------------------------


def event_body(fields: SyncedFields, current: JSON | None = None, *, stamp: str | None) -> JSON:
    """The resource to write: `current` (if any) with the synced fields replaced."""
    body = copy.deepcopy(current) if current else {}
    start, end = _wire_times(fields)
    body.update(
        start=start,
        end=end,
        summary=fields.subject,
        description=fields.description,
        location=fields.location,
        transparency="opaque" if fields.busy else "transparent",
        visibility=_visibility(fields.private, body.get("visibility")),
    )
    attendees = _attendees(fields.attendees, body.get("attendees") or [])
    if attendees:
        body["attendees"] = attendees
    else:
        body.pop("attendees", None)
    _set_conference(body, fields.conference_url)
    if stamp is not None:
        properties = body.setdefault("extendedProperties", {})
        properties.setdefault("private", {})[STAMP_KEY] = stamp
    return body


def _wire_times(fields: SyncedFields) -> tuple[JSON, JSON]:
    if fields.start_date is not None and fields.end_date is not None:
        after = fields.end_date + timedelta(days=1)  # Google's end date is exclusive
        return {"date": fields.start_date.isoformat()}, {"date": after.isoformat()}
    assert fields.start is not None
    assert fields.end is not None
    shown_in = zone(fields.timezone)
    return (
        {"dateTime": fields.start.astimezone(shown_in).isoformat(), "timeZone": fields.timezone},
        {"dateTime": fields.end.astimezone(shown_in).isoformat(), "timeZone": fields.timezone},
    )


def _visibility(private: bool, current: object) -> str:
    """Keep the current value when it already means the same (confidential, public)."""
    if private:
        return str(current) if current in _PRIVATE else "private"
    return str(current) if current in _PUBLIC else "default"


def _attendees(emails: tuple[str, ...], current: list[JSON]) -> list[JSON]:
    """The guests `emails`, keeping each known guest's entry (response status, comment...),
    plus the entries calsync does not manage (the organizer's own, rooms)."""
    known = {str(a.get("email", "")).lower(): a for a in current if not _unmanaged_attendee(a)}
    managed = [copy.deepcopy(known.get(email.lower(), {"email": email})) for email in emails]
    kept = [copy.deepcopy(a) for a in current if _unmanaged_attendee(a)]
    return managed + kept


def _set_conference(body: JSON, url: str | None) -> None:
    """Leave an unchanged link as it is (e.g. a Meet made by Google); else replace or drop it.

    Written only with `conferenceDataVersion=1` on the request (see google_writes.py).
    """
    if url == conference_url(body):
        return
    body.pop("conferenceData", None)
    body.pop("hangoutLink", None)
    if url is not None:
        host = urlsplit(url).hostname or url
        body["conferenceData"] = {
            "conferenceSolution": {"key": {"type": "addOn"}, "name": host},
            "entryPoints": [{"entryPointType": "video", "uri": url, "label": host}],
        }
