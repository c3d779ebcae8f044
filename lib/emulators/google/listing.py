"""``events.list`` and ``events.instances``: filters, order, pages and sync tokens.

Full lists page with a keyset cursor over a stable order; incremental lists (``syncToken``)
return the entries stamped after the token's tick, in tick order, tombstones included. Every
page carries ``nextPageToken`` xor (on the last page of ``events.list``) ``nextSyncToken``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from emulators.google import errors, tokens
from emulators.google.entries import Collector, Entry
from emulators.google.event_input import EVENT_TYPES
from emulators.google.model import Calendar, StoredEvent
from emulators.google.params import Params
from emulators.google.recurrence import Expander
from emulators.google.timefmt import format_micros, micros_of

_NOT_WITH_SYNC = (
    "iCalUID",
    "orderBy",
    "privateExtendedProperty",
    "q",
    "sharedExtendedProperty",
    "timeMin",
    "timeMax",
    "updatedMin",
)
_SYNC_QUERY = ("singleEvents", "eventTypes")
Key = tuple[Any, ...]


@dataclass
class Filters:
    """What a full list keeps (incremental lists keep only by ``eventTypes``)."""

    show_deleted: bool = False
    single_events: bool = False
    time_min: datetime | None = None
    time_max: datetime | None = None
    updated_min: int | None = None
    ical_uid: str | None = None
    private: tuple[tuple[str, str], ...] = ()
    shared: tuple[tuple[str, str], ...] = ()
    event_types: frozenset[str] | None = None
    text: str | None = None

    def keeps(self, entry: Entry) -> bool:
        body = entry.body
        if (
            self.event_types is not None
            and body.get("eventType", "default") not in self.event_types
        ):
            return False
        if entry.cancelled and not (self.show_deleted or self.updated_min is not None):
            if self.single_events or not entry.live_series_exception:
                return False
        if self.updated_min is not None and entry.updated < self.updated_min:
            return False
        if self.time_min is not None and entry.end <= self.time_min:
            return False
        if self.time_max is not None and entry.start >= self.time_max:
            return False
        if self.ical_uid is not None and body.get("iCalUID") != self.ical_uid:
            return False
        props = body.get("extendedProperties") or {}
        if not _has_props(props.get("private") or {}, self.private):
            return False
        if not _has_props(props.get("shared") or {}, self.shared):
            return False
        return self.text is None or _matches_text(body, self.text)


def list_events(
    calendar: Calendar, viewer: str, params: Params, expander: Expander, now: Callable[[], int],
    generation: str,
) -> dict[str, Any]:  # fmt: skip
    """The ``calendar#events`` page for one ``events.list`` call."""
    filters = _filters(params)
    page_size = params.number("maxResults", 250, 1, 2500)
    order = params.choice("orderBy", ("startTime", "updated"))
    if order == "startTime" and not filters.single_events:
        raise errors.invalid("The requested ordering is not available for the particular query.")
    query_all = tokens.fingerprint(params.as_lists())
    query_sync = tokens.fingerprint(params.as_lists(), only=_SYNC_QUERY)
    position = _start_position(calendar, params, query_all, query_sync, now(), generation)
    collector = Collector(calendar, viewer, expander)
    entries: Iterable[Entry] = collector.entries(filters.single_events)
    if position.since is not None:
        since, upto = position.since, position.tick
        kinds = filters.event_types
        entries = [e for e in entries if since < e.tick <= upto and _type_ok(e, kinds)]
        key: Callable[[Entry], Key] = lambda e: (e.tick, e.id)  # noqa: E731
    else:
        entries = [e for e in entries if filters.keeps(e)]
        key = _order_key(order)
    page, more = _page(entries, key, position.after, page_size)
    response = _events_envelope(calendar, viewer, [e.render() for e in page])
    if more:
        after = replace(position, query=query_all, after=key(page[-1]) if page else position.after)
        response["nextPageToken"] = tokens.encode("page", after)
    else:
        done = replace(position, query=query_sync, since=None, after=None)
        response["nextSyncToken"] = tokens.encode("sync", done)
    return response


def list_instances(
    calendar: Calendar, viewer: str, series: StoredEvent, params: Params, expander: Expander,
    generation: str,
) -> dict[str, Any]:  # fmt: skip
    """The ``calendar#events`` page for one ``events.instances`` call."""
    page_size = params.number("maxResults", 250, 1, 2500)
    time_min, time_max = params.instant("timeMin"), params.instant("timeMax")
    if time_min and time_max and time_min >= time_max:
        raise errors.time_range_empty("timeMax")
    original = params.instant("originalStart")
    show_deleted = params.flag("showDeleted")
    query = tokens.fingerprint(params.as_lists())
    scope = f"{calendar.id}/{series.id}"
    position = tokens.Position(generation, scope, calendar.epoch, 0, query)
    token = params.text("pageToken")
    if token:
        position = tokens.decode("page", token, "pageToken")
        tokens.check_current(position, generation, scope, calendar.epoch)
        if position.query != query:
            raise errors.invalid("Invalid pageToken value.", "pageToken")
    kept = []
    for entry in Collector(calendar, viewer, expander).instances(series):
        if entry.cancelled and not show_deleted:
            continue
        if (time_min and entry.end < time_min) or (time_max and entry.start >= time_max):
            continue
        if original is not None and entry.id not in _instance_ids(series.id, original):
            continue
        kept.append(entry)
    key = _order_key("startTime")
    page, more = _page(kept, key, position.after, page_size)
    response = _events_envelope(calendar, viewer, [e.render() for e in page])
    if more:
        response["nextPageToken"] = tokens.encode("page", replace(position, after=key(page[-1])))
    return response


def _start_position(
    calendar: Calendar, params: Params, query_all: str, query_sync: str, tick: int,
    generation: str,
) -> tokens.Position:  # fmt: skip
    page_token, sync_token = params.text("pageToken"), params.text("syncToken")
    if sync_token is not None:
        _check_sync_params(params)
    current = (generation, calendar.id, calendar.epoch)
    if page_token:
        position = tokens.decode("page", page_token, "pageToken")
        tokens.check_current(position, *current)
        if position.query != query_all:
            raise errors.invalid("Invalid pageToken value.", "pageToken")
        return position
    if sync_token is not None:
        synced = tokens.decode("sync", sync_token, "syncToken")
        tokens.check_current(synced, *current)
        if synced.query != query_sync:
            raise errors.invalid(
                "The sync token was issued for a different singleEvents/eventTypes query.",
                "syncToken",
            )
        return tokens.Position(*current, tick=tick, query=query_all, since=synced.tick)
    return tokens.Position(*current, tick=tick, query=query_all)


def _check_sync_params(params: Params) -> None:
    for name in _NOT_WITH_SYNC:
        if params.has(name):
            raise errors.invalid(f"The parameter {name} cannot be used with syncToken.", name)
    if not params.flag("showDeleted", True):
        raise errors.invalid("showDeleted=false cannot be used with syncToken.", "showDeleted")


def _filters(params: Params) -> Filters:
    filters = Filters(
        show_deleted=params.flag("showDeleted"),
        single_events=params.flag("singleEvents"),
        time_min=params.instant("timeMin"),
        time_max=params.instant("timeMax"),
        ical_uid=params.text("iCalUID"),
        private=_props(params.texts("privateExtendedProperty"), "privateExtendedProperty"),
        shared=_props(params.texts("sharedExtendedProperty"), "sharedExtendedProperty"),
        text=params.text("q"),
    )
    updated_min = params.instant("updatedMin")
    filters.updated_min = micros_of(updated_min) if updated_min else None
    if filters.time_min and filters.time_max and filters.time_min >= filters.time_max:
        raise errors.time_range_empty("timeMax")
    kinds = params.texts("eventTypes")
    for kind in kinds:
        if kind not in EVENT_TYPES:
            raise errors.invalid(f"Invalid value for eventTypes: {kind[:40]!r}", "eventTypes")
    filters.event_types = frozenset(kinds) if kinds else None
    return filters


def _props(values: list[str], name: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for value in values:
        key, sep, wanted = value.partition("=")
        if not sep or not key:
            raise errors.invalid(f"Invalid value for {name}: {value[:60]!r}", name)
        pairs.append((key, wanted))
    return tuple(pairs)


def _has_props(present: dict[str, str], wanted: tuple[tuple[str, str], ...]) -> bool:
    return all(present.get(key) == value for key, value in wanted)


def _matches_text(body: dict[str, Any], text: str) -> bool:
    fields = [body.get(name) or "" for name in ("summary", "description", "location")]
    for attendee in body.get("attendees") or []:
        fields += [attendee.get("email") or "", attendee.get("displayName") or ""]
    haystack = " ".join(str(field) for field in fields).lower()
    return all(term in haystack for term in text.lower().split())


def _type_ok(entry: Entry, kinds: frozenset[str] | None) -> bool:
    return kinds is None or entry.body.get("eventType", "default") in kinds


def _instance_ids(series_id: str, original: datetime) -> set[str]:
    """The ids an instance with this original start may have (timed or all-day series)."""
    stamp = original.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return {f"{series_id}_{stamp}", f"{series_id}_{original:%Y%m%d}"}


def _order_key(order: str | None) -> Callable[[Entry], Key]:
    if order == "startTime":
        return lambda e: (micros_of(e.start), e.id)
    if order == "updated":
        return lambda e: (e.updated, e.id)
    return lambda e: (e.id,)


def _page(
    entries: Iterable[Entry], key: Callable[[Entry], Key], after: Key | None, size: int
) -> tuple[list[Entry], bool]:
    ordered = sorted(entries, key=key)
    if after is not None:
        ordered = [e for e in ordered if key(e) > tuple(after)]
    return ordered[:size], len(ordered) > size


def _events_envelope(
    calendar: Calendar, viewer: str, items: list[dict[str, Any]]
) -> dict[str, Any]:
    role = calendar.role_of(viewer)
    reminders = [{"method": "popup", "minutes": 10}] if role == "owner" and calendar.primary else []
    changed = calendar.last_change or calendar.tick
    return {
        "kind": "calendar#events",
        "etag": f'"{changed}"',
        "summary": calendar.summary,
        **({"description": calendar.description} if calendar.description else {}),
        "updated": format_micros(changed),
        "timeZone": calendar.time_zone,
        "accessRole": role,
        "defaultReminders": reminders,
        "items": items,
    }
