"""The event resource calsync writes to Google: the synced fields laid over the current one.

Everything calsync does not manage survives an update (reminders, colour, other extended
properties, attendees' response statuses and comments, rooms, the organizer's entry Google
added, a Meet link that did not change, a `public` or `confidential` visibility that still
means the same, an end zone of its own that the CRM did not change).

calsync's own marks in `extendedProperties.private` (read back by google_wire.py):

- `STAMP_KEY`: the activity id, on creates;
- `ZONE_KEY`: the CRM's zone of an all-day event (Google keeps none for all-day events, and
  would read them in the calendar's zone); dropped when the event becomes timed;
- `OWN_ENTRY_KEY`: "true" while the CRM lists the organizer among the attendees. Google
  flags that entry organizer/self, exactly like the entry it adds by itself once an event has
  guests, which calsync does not read; the mark tells the two apart.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from calsync.domain.link import SyncedFields
from calsync.domain.schedule import zone
from calsync.providers.google_wire import (
    JSON,
    OWN_ENTRY_KEY,
    PRIVATE_VISIBILITIES,
    STAMP_KEY,
    ZONE_KEY,
    conference_url,
    instant,
    is_own_entry,
    known_zone,
    lists_own_entry,
    private_properties,
)

_PUBLIC = ("default", "public")


def event_body(
    fields: SyncedFields, current: JSON | None = None, *, stamp: str | None, calendar_id: str
) -> JSON:
    """The resource to write to `calendar_id`: `current` (if any) with the synced fields
    replaced; `stamp` (creates) is the activity id."""
    body = copy.deepcopy(current) if current else {}
    start, end = _wire_times(fields, current)
    body.update(
        start=start,
        end=end,
        summary=fields.subject,
        description=fields.description,
        location=fields.location,
        transparency="opaque" if fields.busy else "transparent",
        visibility=_visibility(fields.private, body.get("visibility")),
    )
    own = _own_addresses(body, calendar_id)
    listed = any(email.lower() in own for email in fields.attendees)
    attendees = _attendees(fields.attendees, body.get("attendees") or [], lists_own_entry(body))
    if attendees:
        body["attendees"] = attendees
    else:
        body.pop("attendees", None)
    _set_conference(body, fields.conference_url)
    _set_marks(
        body,
        {
            STAMP_KEY: stamp or private_properties(body).get(STAMP_KEY),
            ZONE_KEY: fields.timezone if fields.all_day else None,
            OWN_ENTRY_KEY: "true" if listed else None,
        },
    )
    return body


def _wire_times(fields: SyncedFields, current: JSON | None) -> tuple[JSON, JSON]:
    if fields.start_date is not None and fields.end_date is not None:
        after = fields.end_date + timedelta(days=1)  # Google's end date is exclusive
        return {"date": fields.start_date.isoformat()}, {"date": after.isoformat()}
    assert fields.start is not None
    assert fields.end is not None
    end_zone = _end_zone(fields, current)
    return (
        {
            "dateTime": fields.start.astimezone(zone(fields.timezone)).isoformat(),
            "timeZone": fields.timezone,
        },
        {"dateTime": fields.end.astimezone(zone(end_zone)).isoformat(), "timeZone": end_zone},
    )


def _end_zone(fields: SyncedFields, current: JSON | None) -> str:
    """The zone to write the end in: the event's own end zone (a flight from New York to
    London) while the CRM changed neither the end nor the start's zone; else the start's."""
    start = (current or {}).get("start") or {}
    end = (current or {}).get("end") or {}
    start_zone, end_zone = known_zone(start.get("timeZone")), known_zone(end.get("timeZone"))
    if start_zone is None or end_zone is None or end_zone == start_zone or "dateTime" not in end:
        return fields.timezone
    try:
        same_end = instant(str(end["dateTime"]), end_zone) == fields.end
    except ValueError:
        same_end = False
    return end_zone if same_end or start_zone == fields.timezone else fields.timezone


def _visibility(private: bool, current: object) -> str:
    """Keep the current value when it already means the same (confidential, public)."""
    if private:
        return str(current) if current in PRIVATE_VISIBILITIES else "private"
    return str(current) if current in _PUBLIC else "default"


def _own_addresses(body: JSON, calendar_id: str) -> set[str]:
    """The addresses Google flags as the organizer's own entry: the calendar's (a primary
    calendar's id is its user's email) and whatever Google flagged already."""
    attendees = body.get("attendees") or []
    flagged = {str(a["email"]).lower() for a in attendees if is_own_entry(a) and a.get("email")}
    return flagged | {calendar_id.lower()}


def _attendees(emails: tuple[str, ...], current: list[JSON], own_listed: bool) -> list[JSON]:
    """The guests `emails`, keeping each known guest's entry (response status, comment...),
    plus the entries calsync does not manage: rooms, and the organizer's own entry unless the
    CRM listed it before (then it is a guest like the others, kept only while listed)."""
    known = {str(a.get("email", "")).lower(): a for a in current if not a.get("resource")}
    managed = [copy.deepcopy(known.get(email.lower(), {"email": email})) for email in emails]
    chosen = {email.lower() for email in emails}

    def unmanaged(attendee: JSON) -> bool:
        if str(attendee.get("email", "")).lower() in chosen:
            return False
        return bool(attendee.get("resource")) or (is_own_entry(attendee) and not own_listed)

    return managed + [copy.deepcopy(a) for a in current if unmanaged(a)]


def _set_marks(body: JSON, marks: dict[str, Any]) -> None:
    """Set (or, for None, remove) calsync's keys among the private extended properties."""
    private = dict(private_properties(body))
    for key, value in marks.items():
        if value is None:
            private.pop(key, None)
        else:
            private[key] = str(value)
    if private or "private" in (body.get("extendedProperties") or {}):
        body.setdefault("extendedProperties", {})["private"] = private


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
