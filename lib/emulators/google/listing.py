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
KeyOf = Callable[[Entry], Key]


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
        props = body.get("extendedProperties") or {}
        return all(
            (
                type_ok(entry, self.event_types),
                self._shows_deleted(entry),
                self.updated_min is None or entry.updated >= self.updated_min,
                self.time_min is None or entry.end > self.time_min,
                self.time_max is None or entry.start < self.time_max,
                self.ical_uid is None or body.get("iCalUID") == self.ical_uid,
                _has_props(props.get("private") or {}, self.private),
                _has_props(props.get("shared") or {}, self.shared),
                self.text is None or _matches_text(body, self.text),
            )
        )

    def _shows_deleted(self, entry: Entry) -> bool:
        """Cancelled entries need showDeleted or updatedMin, except cancelled instances of a
        live series in a ``singleEvents=false`` list (Google shows those regardless)."""
        if not entry.cancelled or self.show_deleted or self.updated_min is not None:
            return True
        return not self.single_events and entry.live_series_exception


@dataclass
class Lister:
    """Lists one calendar for one viewer."""

    calendar: Calendar
    viewer: str
    expander: Expander
    generation: str

    @property
    def _current(self) -> tuple[str, str, int]:
        return self.generation, self.calendar.id, self.calendar.epoch

    def events(self, params: Params, snapshot: int) -> dict[str, Any]:
        """One ``events.list`` page; ``snapshot`` is the tick a new listing starts from."""
        filters = _filters(params)
        page_size = params.number("maxResults", 250, 1, 2500)
        order = params.choice("orderBy", ("startTime", "updated"))
        if order == "startTime" and not filters.single_events:
            raise errors.invalid(
                "The requested ordering is not available for the particular query."
            )
        query_all = tokens.fingerprint(params.as_lists())
        query_sync = tokens.fingerprint(params.as_lists(), only=_SYNC_QUERY)
        position = self._position(params, query_all, query_sync, snapshot)
        entries: Iterable[Entry] = Collector(self.calendar, self.viewer, self.expander).entries(
            filters.single_events
        )
        key: KeyOf
        if position.since is not None:
            since, upto, kinds = position.since, position.tick, filters.event_types
            entries = [e for e in entries if since < e.tick <= upto and type_ok(e, kinds)]
            key = _by_tick
        else:
            entries = [e for e in entries if filters.keeps(e)]
            key = _order_key(order)
        page, more = _page(entries, key, position.after, page_size)
        response = self._envelope([e.render() for e in page])
        if more:
            after = key(page[-1]) if page else position.after
            response["nextPageToken"] = tokens.encode("page", replace(position, after=after))
        else:
            done = replace(position, query=query_sync, since=None, after=None)
            response["nextSyncToken"] = tokens.encode("sync", done)
        return response

    def instances(self, series: StoredEvent, params: Params) -> dict[str, Any]:
        """One ``events.instances`` page."""
        page_size = params.number("maxResults", 250, 1, 2500)
        time_min, time_max = params.instant("timeMin"), params.instant("timeMax")
        if time_min and time_max and time_min >= time_max:
            raise errors.time_range_empty("timeMax")
        original = params.instant("originalStart")
        show_deleted = params.flag("showDeleted")
        query = tokens.fingerprint(params.as_lists())
        scope = f"{self.calendar.id}/{series.id}"
        position = self._resume(params, scope, query)
        kept = []
        for entry in Collector(self.calendar, self.viewer, self.expander).instances(series):
            outside = (time_min and entry.end < time_min) or (time_max and entry.start >= time_max)
            if (entry.cancelled and not show_deleted) or outside:
                continue
            if original is None or entry.id in _instance_ids(series.id, original):
                kept.append(entry)
        key = _order_key("startTime")
        page, more = _page(kept, key, position.after, page_size)
        response = self._envelope([e.render() for e in page])
        if more:
            response["nextPageToken"] = tokens.encode(
                "page", replace(position, after=key(page[-1]))
            )
        return response

    def _resume(self, params: Params, scope: str, query: str) -> tokens.Position:
        generation, epoch = self.generation, self.calendar.epoch
        token = params.text("pageToken")
        if not token:
            return tokens.Position(generation, scope, epoch, 0, query)
        position = tokens.decode("page", token, "pageToken")
        tokens.check_current(position, generation, scope, epoch)
        if position.query != query:
            raise errors.invalid("Invalid pageToken value.", "pageToken")
        return position

    def _position(
        self, params: Params, query_all: str, query_sync: str, snapshot: int
    ) -> tokens.Position:
        page_token, sync_token = params.text("pageToken"), params.text("syncToken")
        if sync_token is not None:
            _check_sync_params(params)
        if page_token:
            return self._resume(params, self.calendar.id, query_all)
        if sync_token is not None:
            synced = tokens.decode("sync", sync_token, "syncToken")
            tokens.check_current(synced, *self._current)
            if synced.query != query_sync:
                raise errors.invalid(
                    "The sync token was issued for a different singleEvents/eventTypes query.",
                    "syncToken",
                )
            return tokens.Position(
                *self._current, tick=snapshot, query=query_all, since=synced.tick
            )
        return tokens.Position(*self._current, tick=snapshot, query=query_all)

    def _envelope(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        calendar = self.calendar
        role = calendar.role_of(self.viewer)
        owner_primary = role == "owner" and calendar.primary
        changed = calendar.last_change or calendar.tick
        envelope: dict[str, Any] = {
            "kind": "calendar#events",
            "etag": f'"{changed}"',
            "summary": calendar.summary,
            "updated": format_micros(changed),
            "timeZone": calendar.time_zone,
            "accessRole": role,
            "defaultReminders": [{"method": "popup", "minutes": 10}] if owner_primary else [],
            "items": items,
        }
        if calendar.description:
            envelope["description"] = calendar.description
        return envelope


def _check_sync_params(params: Params) -> None:
    for name in _NOT_WITH_SYNC:
        if params.has(name):
            raise errors.invalid(f"The parameter {name} cannot be used with syncToken.", name)
    if not params.flag("showDeleted", True):
        raise errors.invalid("showDeleted=false cannot be used with syncToken.", "showDeleted")


def _filters(params: Params) -> Filters:
    updated_min = params.instant("updatedMin")
    filters = Filters(
        show_deleted=params.flag("showDeleted"),
        single_events=params.flag("singleEvents"),
        time_min=params.instant("timeMin"),
        time_max=params.instant("timeMax"),
        updated_min=micros_of(updated_min) if updated_min else None,
        ical_uid=params.text("iCalUID"),
        private=_props(params.texts("privateExtendedProperty"), "privateExtendedProperty"),
        shared=_props(params.texts("sharedExtendedProperty"), "sharedExtendedProperty"),
        text=params.text("q"),
    )
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


def type_ok(entry: Entry, kinds: frozenset[str] | None) -> bool:
    return kinds is None or entry.body.get("eventType", "default") in kinds


def _instance_ids(series_id: str, original: datetime) -> set[str]:
    """The ids an instance with this original start may have (timed or all-day series)."""
    stamp = original.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return {f"{series_id}_{stamp}", f"{series_id}_{original:%Y%m%d}"}


def _by_tick(entry: Entry) -> Key:
    return (entry.tick, entry.id)


def _order_key(order: str | None) -> KeyOf:
    if order == "startTime":
        return lambda e: (micros_of(e.start), e.id)
    if order == "updated":
        return lambda e: (e.updated, e.id)
    return lambda e: (e.id,)


def _page(
    entries: Iterable[Entry], key: KeyOf, after: Key | None, size: int
) -> tuple[list[Entry], bool]:
    ordered = sorted(entries, key=key)
    if after is not None:
        ordered = [e for e in ordered if tokens.after(key(e), after)]
    return ordered[:size], len(ordered) > size
