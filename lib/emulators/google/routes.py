"""Every path the simulator serves, mapped to a handler.

Calendar API endpoints are named like the discovery document's method ids without the
``calendar.`` prefix (``events.list``); those names are also what faults, quota and stats use.
Other endpoints are named ``oauth.*``, ``admin.*`` and ``discovery``.
"""

from __future__ import annotations

from collections.abc import Callable

from werkzeug.routing import Map, Rule

from emulators.google import api_calendars, api_events, api_watch
from emulators.google.calls import Call, Reply

ApiHandler = Callable[..., Reply]
_API = "/calendar/v3"
_CAL = f"{_API}/calendars/<calendar_id>"
_EVENT = f"{_CAL}/events/<event_id>"

API_HANDLERS: dict[str, ApiHandler] = {
    "calendarList.list": api_calendars.list_entries,
    "calendarList.get": api_calendars.get_entry,
    "calendars.insert": api_calendars.insert_calendar,
    "calendars.get": api_calendars.get_calendar,
    "calendars.update": api_calendars.update_calendar,
    "calendars.patch": api_calendars.patch_calendar,
    "calendars.delete": api_calendars.delete_calendar,
    "calendars.clear": api_calendars.clear_calendar,
    "acl.list": api_calendars.list_rules,
    "acl.insert": api_calendars.insert_rule,
    "events.list": api_watch.list_events,
    "events.insert": api_events.insert,
    "events.watch": api_watch.watch,
    "events.get": api_events.get,
    "events.update": api_events.update,
    "events.patch": api_events.patch,
    "events.delete": api_events.delete,
    "events.instances": api_watch.instances,
    "events.move": api_events.move,
    "channels.stop": api_watch.stop,
}

_API_RULES = [
    ("GET", f"{_API}/users/me/calendarList", "calendarList.list"),
    ("GET", f"{_API}/users/me/calendarList/<calendar_id>", "calendarList.get"),
    ("POST", f"{_API}/calendars", "calendars.insert"),
    ("GET", _CAL, "calendars.get"),
    ("PUT", _CAL, "calendars.update"),
    ("PATCH", _CAL, "calendars.patch"),
    ("DELETE", _CAL, "calendars.delete"),
    ("POST", f"{_CAL}/clear", "calendars.clear"),
    ("GET", f"{_CAL}/acl", "acl.list"),
    ("POST", f"{_CAL}/acl", "acl.insert"),
    ("GET", f"{_CAL}/events", "events.list"),
    ("POST", f"{_CAL}/events", "events.insert"),
    ("POST", f"{_CAL}/events/watch", "events.watch"),
    ("GET", _EVENT, "events.get"),
    ("PUT", _EVENT, "events.update"),
    ("PATCH", _EVENT, "events.patch"),
    ("DELETE", _EVENT, "events.delete"),
    ("GET", f"{_EVENT}/instances", "events.instances"),
    ("POST", f"{_EVENT}/move", "events.move"),
    ("POST", f"{_API}/channels/stop", "channels.stop"),
]

_OTHER_RULES = [
    ("GET", "/discovery/v1/apis/calendar/v3/rest", "discovery"),
    ("POST", "/batch/calendar/v3", "batch"),
    ("POST", "/batch", "batch"),
    ("GET", "/o/oauth2/v2/auth", "oauth.authorize"),
    ("GET", "/o/oauth2/auth", "oauth.authorize"),
    ("POST", "/o/oauth2/v2/auth/decision", "oauth.decision"),
    ("POST", "/token", "oauth.token"),
    ("POST", "/o/oauth2/token", "oauth.token"),
    ("POST", "/revoke", "oauth.revoke"),
    ("GET", "/revoke", "oauth.revoke"),
    ("POST", "/o/oauth2/revoke", "oauth.revoke"),
    ("GET", "/v1/userinfo", "oauth.userinfo_openid"),
    ("GET", "/oauth2/v3/userinfo", "oauth.userinfo_openid"),
    ("GET", "/oauth2/v1/userinfo", "oauth.userinfo"),
    ("GET", "/oauth2/v2/userinfo", "oauth.userinfo"),
    ("GET", "/oauth2/v1/certs", "oauth.certs"),
    ("GET", "/oauth2/v3/certs", "oauth.jwks"),
    ("POST", "/_admin/reset", "admin.reset"),
    ("GET", "/_admin/users", "admin.list_users"),
    ("POST", "/_admin/users", "admin.create_user"),
    ("POST", "/_admin/users/<email>/token", "admin.token"),
    ("POST", "/_admin/users/<email>/revoke", "admin.revoke"),
    ("POST", "/_admin/users/<email>/expire-tokens", "admin.expire_tokens"),
    ("POST", "/_admin/calendars/<calendar_id>/invalidate-sync-tokens", "admin.invalidate"),
    ("GET", "/_admin/faults", "admin.get_faults"),
    ("POST", "/_admin/faults", "admin.set_faults"),
    ("DELETE", "/_admin/faults", "admin.clear_faults"),
    ("GET", "/_admin/stats", "admin.stats"),
    ("POST", "/_admin/stats/reset", "admin.reset_stats"),
    ("GET", "/_admin/channels", "admin.channels"),
]


def build_map() -> Map:
    rules = [
        Rule(path, methods=[method], endpoint=name)
        for method, path, name in _API_RULES + _OTHER_RULES
    ]
    return Map(rules, strict_slashes=False, merge_slashes=False)


def is_api(endpoint: str) -> bool:
    return endpoint in API_HANDLERS


__all__ = ["API_HANDLERS", "Call", "build_map", "is_api"]
