"""``calendarList``, ``calendars`` and ``acl``: which calendars a user has, and with what role.

A user's primary calendar has the user's email as its id. Secondary calendars get ids like
``<hex>@group.calendar.google.com``. Sharing (``acl.insert`` with a ``user`` scope) adds the
calendar to the other user's calendar list with that role.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

from emulators.google import errors, tokens
from emulators.google.calls import Call, Reply
from emulators.google.model import ROLES, Calendar, role_rank
from emulators.google.store import valid_email
from emulators.google.timefmt import zone

_COLORS = {True: ("14", "#9fe1e7"), False: ("9", "#7bd148")}


def list_entries(call: Call) -> Reply:
    params = call.params
    page_size = params.number("maxResults", 100, 1, 250)
    minimum = params.choice("minAccessRole", ROLES[1:]) or "freeBusyReader"
    scope, store = f"calendarList:{call.email}", call.sim.store
    query = tokens.fingerprint(params.as_lists())
    position = tokens.Position(store.generation, scope, 0, store.tick(), query)
    since = None
    if params.text("pageToken"):
        position = tokens.decode("page", str(params.text("pageToken")), "pageToken")
        tokens.check_current(position, store.generation, scope, 0)
        since = position.since
    elif params.text("syncToken"):
        if params.has("minAccessRole") or not params.flag("showDeleted", True):
            raise errors.invalid("minAccessRole/showDeleted=false cannot be used with syncToken.")
        synced = tokens.decode("sync", str(params.text("syncToken")), "syncToken")
        tokens.check_current(synced, store.generation, scope, 0)
        since = synced.tick
    show_deleted = params.flag("showDeleted") or since is not None
    rows = sorted(store.calendars_of(call.email), key=lambda cal: cal.id)
    rows = [c for c in rows if since is None or since < c.tick <= position.tick]
    rows = [c for c in rows if show_deleted or not c.deleted]
    rows = [c for c in rows if c.deleted or role_rank(c.role_of(call.email)) >= role_rank(minimum)]
    if position.after:
        rows = [c for c in rows if tokens.after((c.id,), position.after)]
    page, more = rows[:page_size], len(rows) > page_size
    response: dict[str, Any] = {
        "kind": "calendar#calendarList",
        "etag": f'"{store.tick()}"',
        "items": [entry(c, call.email) for c in page],
    }
    if more:
        after = replace(position, since=since, after=(page[-1].id,))
        response["nextPageToken"] = tokens.encode("page", after)
    else:
        response["nextSyncToken"] = tokens.encode("sync", replace(position, since=None))
    return Reply(response)


def get_entry(call: Call, calendar_id: str) -> Reply:
    return Reply(entry(call.calendar(calendar_id), call.email))


def entry(calendar: Calendar, email: str) -> dict[str, Any]:
    """A ``calendarListEntry`` as ``email`` sees it (a deleted calendar is a tombstone)."""
    if calendar.deleted:
        return {
            "kind": "calendar#calendarListEntry",
            "etag": calendar.etag,
            "id": calendar.id,
            "deleted": True,
        }
    role = calendar.role_of(email)
    owned = role == "owner"
    color, background = _COLORS[calendar.primary]
    result: dict[str, Any] = {
        "kind": "calendar#calendarListEntry",
        "etag": calendar.etag,
        "id": calendar.id,
        "summary": calendar.summary,
        **_optional(calendar),
        "timeZone": calendar.time_zone,
        "colorId": color,
        "backgroundColor": background,
        "foregroundColor": "#000000",
        "selected": True,
        "accessRole": role,
        "defaultReminders": [{"method": "popup", "minutes": 10}]
        if owned and calendar.primary
        else [],
        "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
    }
    if calendar.primary and calendar.owner == email:
        result["primary"] = True
    elif owned and calendar.owner == email:
        result["dataOwner"] = email
    return result


def insert_calendar(call: Call) -> Reply:
    body = call.object_body()
    summary = body.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise errors.required("Missing summary.")
    time_zone = body.get("timeZone") or call.sim.store.user(call.email).time_zone
    zone(time_zone)
    store = call.sim.store
    calendar = Calendar(
        id=f"{secrets.token_hex(26)}@group.calendar.google.com",
        owner=call.email,
        summary=summary,
        time_zone=time_zone,
        primary=False,
        tick=store.tick(),
        acl={call.email: "owner"},
    )
    _describe(calendar, body)
    store.calendars[calendar.id] = calendar
    return Reply(resource(calendar))


def get_calendar(call: Call, calendar_id: str) -> Reply:
    return Reply(resource(call.calendar(calendar_id)))


def update_calendar(call: Call, calendar_id: str) -> Reply:
    return _change(call, calendar_id, patch=False)


def patch_calendar(call: Call, calendar_id: str) -> Reply:
    return _change(call, calendar_id, patch=True)


def _change(call: Call, calendar_id: str, *, patch: bool) -> Reply:
    calendar = call.calendar(calendar_id, "owner")
    body = call.object_body()
    summary = body.get("summary", calendar.summary if patch else None)
    if not isinstance(summary, str) or not summary.strip():
        raise errors.required("Missing summary.")
    if body.get("timeZone") is not None:
        calendar.time_zone = zone(body["timeZone"]).key
    calendar.summary = summary
    _describe(calendar, body)
    calendar.tick = call.sim.store.tick()
    return Reply(resource(calendar))


def delete_calendar(call: Call, calendar_id: str) -> Reply:
    calendar = call.calendar(calendar_id, "owner")
    if calendar.primary:
        raise errors.ApiError(400, "cannotDeletePrimaryCalendar", "Cannot delete primary calendar.")
    calendar.deleted, calendar.tick = True, call.sim.store.tick()
    call.sim.push.calendar_deleted(calendar.id)
    return Reply(None, 204)


def clear_calendar(call: Call, calendar_id: str) -> Reply:
    calendar = call.calendar(calendar_id, "owner")
    for event in list(calendar.events.values()):
        if not event.deleted and not event.series_id:
            call.sim.writer.delete(calendar, event)
    return Reply(None, 204)


def insert_rule(call: Call, calendar_id: str) -> Reply:
    calendar = call.calendar(calendar_id, "owner")
    body = call.object_body()
    role, scope = body.get("role"), body.get("scope")
    if role not in ROLES[1:]:
        raise errors.invalid("Invalid ACL role.")
    if not isinstance(scope, dict) or scope.get("type") != "user":
        raise errors.invalid("Only ACL rules with scope type 'user' are simulated.")
    email = str(scope.get("value", "")).lower()
    if not valid_email(email):
        raise errors.invalid("Invalid ACL scope value.")
    calendar.acl[email] = role
    calendar.tick = call.sim.store.tick()
    return Reply(rule(calendar, email))


def list_rules(call: Call, calendar_id: str) -> Reply:
    calendar = call.calendar(calendar_id, "owner")
    items = [rule(calendar, email) for email in sorted(calendar.acl)]
    return Reply({"kind": "calendar#acl", "etag": calendar.etag, "items": items})


def rule(calendar: Calendar, email: str) -> dict[str, Any]:
    return {
        "kind": "calendar#aclRule",
        "etag": calendar.etag,
        "id": f"user:{email}",
        "scope": {"type": "user", "value": email},
        "role": calendar.acl[email],
    }


def resource(calendar: Calendar) -> dict[str, Any]:
    return {
        "kind": "calendar#calendar",
        "etag": calendar.etag,
        "id": calendar.id,
        "summary": calendar.summary,
        **_optional(calendar),
        "timeZone": calendar.time_zone,
        "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
    }


def _optional(calendar: Calendar) -> dict[str, Any]:
    shown = {"description": calendar.description, "location": calendar.location}
    return {key: value for key, value in shown.items() if value}


def _describe(calendar: Calendar, body: dict[str, Any]) -> None:
    for key in ("description", "location"):
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            raise errors.invalid(f"Invalid value for field {key}.")
        if key in body:
            setattr(calendar, key, value)
