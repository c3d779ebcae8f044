"""Google Calendar event JSON -> calsync's CalendarEvent (writing: google_body.py).

Reading (`change_from_wire`): `status: cancelled` is a RemovedEvent; `start`/`end` keep their
`timeZone`; all-day `date`s take the zone calsync stamped on the event when it wrote it
(`ZONE_KEY`), else the calendar's (Google keeps none for them); Google's exclusive all-day
`end.date` becomes calsync's inclusive `end_date`; `transparency: transparent` is free;
`visibility` private or confidential is private; attendees are their emails, without rooms
(resources) and without the organizer's own entry unless calsync wrote that address itself
(`OWN_ENTRY_KEY`); the conference link is the first video entry point of `conferenceData`, else
`hangoutLink`; calsync's stamp is the activity id under `STAMP_KEY`.

calsync's keys live in `extendedProperties.private` (per calendar copy, never shown to guests);
Google silently drops keys over 44 characters, so each is shorter.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from calsync.domain.event import CalendarEvent, EventChange, RemovedEvent
from calsync.domain.schedule import zone

log = logging.getLogger(__name__)

JSON = dict[str, Any]

STAMP_KEY = "calsyncActivityId"  # the activity an event was created for
ZONE_KEY = "calsyncAllDayZone"  # the CRM's zone of an all-day event calsync wrote
OWN_ENTRY_KEY = "calsyncListsOrganizer"  # "true": the CRM lists the organizer as an attendee
PRIVATE_VISIBILITIES = ("private", "confidential")


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
        all_day_zone = known_zone(private_properties(item).get(ZONE_KEY)) or calendar_zone
        return CalendarEvent(
            **_timing(item.get("start") or {}, item.get("end") or {}, all_day_zone, calendar_zone),
            id=str(item["id"]),
            calendar_id=calendar_id,
            etag=item.get("etag"),
            updated=instant(item["updated"]) if item.get("updated") else None,
            summary=item.get("summary") or "",
            description=item.get("description") or "",
            location=item.get("location") or "",
            busy=item.get("transparency") != "transparent",
            private=item.get("visibility") in PRIVATE_VISIBILITIES,
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


def needs_calendar_zone(item: JSON) -> bool:
    """Whether reading `item` depends on its calendar's zone (an all-day event calsync did not
    stamp with a zone; a timed event without a known `start.timeZone`)."""
    start = item.get("start") or {}
    if "date" in start:
        return known_zone(private_properties(item).get(ZONE_KEY)) is None
    return known_zone(start.get("timeZone")) is None


def _timing(start: JSON, end: JSON, all_day_zone: str, calendar_zone: str) -> dict[str, Any]:
    if "date" in start:
        first = date.fromisoformat(start["date"])
        after = date.fromisoformat(end["date"])  # exclusive at Google
        last = max(first, after - timedelta(days=1))
        return {"timezone": all_day_zone, "start_date": first, "end_date": last}
    name = known_zone(start.get("timeZone")) or calendar_zone
    return {
        "timezone": name,
        "start": instant(start["dateTime"], name),
        "end": instant(end["dateTime"], known_zone(end.get("timeZone")) or name),
    }


def known_zone(name: object) -> str | None:
    if not isinstance(name, str):
        return None
    try:
        zone(name)
    except ValueError:
        return None
    return name


def instant(text: str, zone_name: str = "UTC") -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone(zone_name))


def attendee_emails(item: JSON) -> tuple[str, ...]:
    """The guests' emails, each once, in order: not rooms, and not the organizer's own entry
    (Google lists the organizer among the guests once there are any) unless calsync wrote
    that address because the CRM lists it."""
    own_listed = lists_own_entry(item)
    emails: dict[str, str] = {}
    for attendee in item.get("attendees") or []:
        if attendee.get("resource") or not attendee.get("email"):
            continue
        if is_own_entry(attendee) and not own_listed:
            continue
        emails.setdefault(str(attendee["email"]).lower(), str(attendee["email"]))
    return tuple(emails.values())


def is_own_entry(attendee: JSON) -> bool:
    """The organizer's own entry in `attendees` (flagged by Google, on the organizer's copy)."""
    return bool(attendee.get("self")) and bool(attendee.get("organizer"))


def lists_own_entry(item: JSON) -> bool:
    return private_properties(item).get(OWN_ENTRY_KEY) == "true"


def private_properties(item: JSON) -> dict[str, Any]:
    properties = (item.get("extendedProperties") or {}).get("private")
    return properties if isinstance(properties, dict) else {}


def conference_url(item: JSON) -> str | None:
    for entry in (item.get("conferenceData") or {}).get("entryPoints") or []:
        if entry.get("entryPointType") == "video" and entry.get("uri"):
            return str(entry["uri"])
    link = item.get("hangoutLink")
    return str(link) if link else None


def stamp_of(item: JSON) -> str | None:
    stamp = private_properties(item).get(STAMP_KEY)
    return str(stamp) if stamp else None


def is_cancelled(item: JSON | None) -> bool:
    return item is None or item.get("status") == "cancelled"


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
