"""Validation and normalisation of event bodies sent to insert, update and patch.

:func:`prepare` turns a request body (and, for update/patch, the stored body) into the body to
store, or raises a 400 worded like Google's. Read-only and unknown fields are dropped; Google's
limits apply: client ids are base32hex of 5-1024 characters; extended-property keys over 44
characters are dropped and values cut to 1024, with at most 300 properties and 32 kB (keys and
values in UTF-8, private and shared together) per event; five reminder overrides; 25
attachments.
"""

from __future__ import annotations

import copy
import hashlib
import re
from typing import Any

from emulators.google import errors, recurrence
from emulators.google.model import Calendar
from emulators.google.timefmt import When, parse_when, when_to_resource

ID_PATTERN = re.compile(r"[a-v0-9]{5,1024}")
EVENT_TYPES = ("default", "birthday", "focusTime", "fromGmail", "outOfOffice", "workingLocation")
_PRIMARY_ONLY_TYPES = ("focusTime", "outOfOffice", "workingLocation")
_IMMUTABLE = ("iCalUID", "recurringEventId", "originalStartTime", "eventType")
_DATETIME_FIELDS = ("start", "end", "originalStartTime")
_ENUMS = {
    "status": ("confirmed", "tentative", "cancelled"),
    "visibility": ("default", "public", "private", "confidential"),
    "transparency": ("opaque", "transparent"),
}
_STRINGS = ("summary", "description", "location", "colorId", "iCalUID", "recurringEventId")
_BOOLS = (
    "anyoneCanAddSelf",
    "endTimeUnspecified",
    "guestsCanInviteOthers",
    "guestsCanModify",
    "guestsCanSeeOtherGuests",
    "privateCopy",
)
_OBJECTS = (
    "source",
    "gadget",
    "focusTimeProperties",
    "outOfOfficeProperties",
    "workingLocationProperties",
    "birthdayProperties",
)
_COMPOUND = ("attendees", "reminders", "extendedProperties", "conferenceData", "attachments")
_SPECIAL = ("recurrence", "sequence", "eventType")
_WRITABLE = frozenset(
    (*_STRINGS, *_BOOLS, *_OBJECTS, *_DATETIME_FIELDS, *_ENUMS, *_COMPOUND, *_SPECIAL)
)


def check_client_id(event_id: object) -> str:
    if not isinstance(event_id, str) or not ID_PATTERN.fullmatch(event_id):
        raise errors.invalid("Invalid resource id value.")
    return event_id


def merge_patch(stored: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Patch semantics: objects merge key by key (``null`` deletes), arrays and times replace."""
    merged = copy.deepcopy(stored)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = value if key in _DATETIME_FIELDS else merge_patch(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def prepare(
    request: object,
    calendar: Calendar,
    stored: dict[str, Any] | None = None,
    *,
    patch: bool = False,
    conference_version: int = 0,
) -> dict[str, Any]:
    """The body to store for an insert (``stored`` is None), an update or a patch."""
    if not isinstance(request, dict):
        raise errors.bad_request("The request body must be a JSON object.")
    body = merge_patch(stored, request) if (patch and stored is not None) else dict(request)
    body = {key: value for key, value in body.items() if key in _WRITABLE and value is not None}
    if stored is not None:
        _keep_immutable(body, stored)
    _check_scalars(body)
    start, end = _times(body, calendar)
    if body.get("recurrence"):
        if body.get("recurringEventId"):
            raise errors.invalid("An instance of a recurring event cannot have a recurrence.")
        body["recurrence"] = list(recurrence.validate(body["recurrence"], start))
    else:
        body.pop("recurrence", None)
    _check_event_type(body, calendar, stored, start, end)
    _check_attendees(body)
    _check_reminders(body)
    _check_extended_properties(body)
    _check_attachments(body)
    _apply_conference(body, stored, conference_version)
    return body


def _keep_immutable(body: dict[str, Any], stored: dict[str, Any]) -> None:
    for key in _IMMUTABLE:
        if key == "eventType" and key in body and body[key] != stored.get(key, "default"):
            raise errors.invalid("The event type cannot be changed.")
        if key in stored:
            body[key] = stored[key]
        elif key not in ("eventType", "iCalUID"):
            body.pop(key, None)


def _check_scalars(body: dict[str, Any]) -> None:
    for key in _STRINGS:
        if key in body and not isinstance(body[key], str):
            raise errors.invalid(f"Invalid value for field {key}.")
    for key in _BOOLS:
        if key in body and not isinstance(body[key], bool):
            raise errors.invalid(f"Invalid value for field {key}.")
    for key in _OBJECTS:
        if key in body and not isinstance(body[key], dict):
            raise errors.invalid(f"Invalid value for field {key}.")
    for key, allowed in _ENUMS.items():
        if key in body and body[key] not in allowed:
            raise errors.invalid(f"Invalid value for field {key}: {str(body[key])[:40]!r}.")
    sequence = body.get("sequence", 0)
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 0 <= sequence < 2**31:
        raise errors.invalid("Invalid sequence value.")
    if "colorId" in body and body["colorId"] not in [str(n) for n in range(1, 12)]:
        raise errors.invalid("Invalid color id.")


def _times(body: dict[str, Any], calendar: Calendar) -> tuple[When, When]:
    start = parse_when(body.get("start"), "start")
    end = parse_when(body.get("end"), "end")
    if start.all_day != end.all_day:
        raise errors.bad_request(
            "Start and end times must either both be date or both be dateTime."
        )
    begins, ends = start.moment(calendar.time_zone), end.moment(calendar.time_zone)
    if ends < begins or (start.all_day and ends == begins):
        raise errors.time_range_empty()
    body["start"] = when_to_resource(start, calendar.time_zone)
    body["end"] = when_to_resource(end, calendar.time_zone)
    return start, end


def _check_event_type(
    body: dict[str, Any], calendar: Calendar, stored: dict[str, Any] | None, start: When, end: When
) -> None:
    kind = body.setdefault("eventType", "default")
    if kind not in EVENT_TYPES:
        raise errors.invalid(f"Invalid event type: {str(kind)[:40]!r}.")
    if stored is not None:
        return
    if kind == "fromGmail":
        raise errors.invalid("Events of type fromGmail cannot be created.")
    if kind in _PRIMARY_ONLY_TYPES and not calendar.primary:
        raise errors.invalid(f"Events of type {kind} can only be created on primary calendars.")
    if kind == "birthday":
        one_day = start.day is not None and end.day is not None and (end.day - start.day).days == 1
        yearly = [line.upper() for line in body.get("recurrence", [])]
        if not one_day or not yearly or not yearly[0].startswith("RRULE:FREQ=YEARLY"):
            raise errors.invalid("A birthday event must be a one-day, yearly recurring event.")
        body["visibility"], body["transparency"] = "private", "transparent"


def _check_attendees(body: dict[str, Any]) -> None:
    attendees = body.get("attendees")
    if attendees is None:
        return
    if not isinstance(attendees, list) or not all(isinstance(a, dict) for a in attendees):
        raise errors.invalid("Invalid attendees.")
    cleaned = []
    for attendee in attendees:
        email = attendee.get("email")
        if not isinstance(email, str) or "@" not in email:
            raise errors.required("Missing attendee email.")
        status = attendee.get("responseStatus", "needsAction")
        if status not in ("needsAction", "declined", "tentative", "accepted"):
            raise errors.invalid("Invalid attendee response status.")
        entry = {k: v for k, v in attendee.items() if k not in ("self", "organizer", "id")}
        entry.update(email=email.lower(), responseStatus=status)
        cleaned.append(entry)
    body["attendees"] = cleaned


def _check_reminders(body: dict[str, Any]) -> None:
    reminders = body.setdefault("reminders", {"useDefault": True})
    if not isinstance(reminders, dict):
        raise errors.invalid("Invalid reminders.")
    overrides = reminders.get("overrides", [])
    if not isinstance(overrides, list) or len(overrides) > 5:
        raise errors.invalid("At most 5 reminder overrides are allowed.")
    for item in overrides:
        minutes = item.get("minutes") if isinstance(item, dict) else None
        if not isinstance(item, dict) or item.get("method") not in ("email", "popup"):
            raise errors.invalid("Invalid reminder method.")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= 40320:
            raise errors.invalid("Invalid reminder minutes.")
    if reminders.get("useDefault") and overrides:
        raise errors.bad_request(
            "Cannot specify both default reminders and overrides at the same time."
        )
    reminders["useDefault"] = bool(reminders.get("useDefault", False))


def _check_extended_properties(body: dict[str, Any]) -> None:
    props = body.get("extendedProperties")
    if props is None:
        return
    if not isinstance(props, dict):
        raise errors.invalid("Invalid extended properties.")
    count = size = 0
    cleaned: dict[str, dict[str, str]] = {}
    for scope in ("private", "shared"):
        values = props.get(scope) or {}
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            raise errors.invalid(f"Invalid {scope} extended properties.")
        kept = {k: v[:1024] for k, v in values.items() if len(k) <= 44}
        count, size = count + len(kept), size + sum(_utf8(k) + _utf8(v) for k, v in kept.items())
        if kept:
            cleaned[scope] = kept
    if count > 300 or size > 32 * 1024:
        raise errors.invalid("Too many extended properties or extended properties are too large.")
    if cleaned:
        body["extendedProperties"] = cleaned
    else:
        body.pop("extendedProperties", None)


def _utf8(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _check_attachments(body: dict[str, Any]) -> None:
    attachments = body.get("attachments")
    if attachments is not None and (not isinstance(attachments, list) or len(attachments) > 25):
        raise errors.invalid("At most 25 attachments are allowed.")


def _apply_conference(body: dict[str, Any], stored: dict[str, Any] | None, version: int) -> None:
    """Conference data is honoured only with ``conferenceDataVersion=1``, as at Google."""
    if version < 1:
        body.pop("conferenceData", None)
        if stored is not None and "conferenceData" in stored:
            body["conferenceData"] = stored["conferenceData"]
        return
    data = body.get("conferenceData")
    if data is None:
        return
    if not isinstance(data, dict):
        raise errors.invalid("Invalid conference data.")
    create = data.get("createRequest")
    if isinstance(create, dict) and "entryPoints" not in data:
        body["conferenceData"] = _meet_conference(create)


def _meet_conference(create: dict[str, Any]) -> dict[str, Any]:
    request_id = str(create.get("requestId", ""))
    if not request_id:
        raise errors.required("Missing conference create request id.")
    digest = hashlib.sha256(request_id.encode()).digest()
    letters = "".join(chr(ord("a") + byte % 26) for byte in digest[:10])
    code = f"{letters[:3]}-{letters[3:7]}-{letters[7:10]}"
    key = create.get("conferenceSolutionKey") or {"type": "hangoutsMeet"}
    return {
        "createRequest": {
            "requestId": request_id,
            "conferenceSolutionKey": key,
            "status": {"statusCode": "success"},
        },
        "entryPoints": [
            {
                "entryPointType": "video",
                "uri": f"https://meet.google.com/{code}",
                "label": f"meet.google.com/{code}",
            }
        ],
        "conferenceSolution": {"key": {"type": "hangoutsMeet"}, "name": "Google Meet"},
        "conferenceId": code,
    }
