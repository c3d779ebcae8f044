"""The entries a calendar lists, in either of Google's two shapes.

With ``singleEvents=false`` a calendar lists single events, series and exceptions; with
``singleEvents=true`` it lists single events and every instance of every series (exceptions in
place of the instances they modify), never the series themselves. Each entry carries the tick
of the change that last touched it, which is what incremental lists select on.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from emulators.google.model import Calendar, StoredEvent
from emulators.google.recurrence import Expander
from emulators.google.timefmt import When, parse_when, when_to_resource
from emulators.google.views import event_resource, instance_id, instance_resource, tombstone


@dataclass
class Entry:
    """One listed item: what filters look at, and how to render it."""

    id: str
    tick: int
    updated: int
    cancelled: bool
    body: dict[str, Any]
    start: datetime
    end: datetime
    render: Callable[[], dict[str, Any]]
    live_series_exception: bool = False


class Collector:
    """Builds the entries of one calendar as seen by one viewer."""

    def __init__(self, calendar: Calendar, viewer: str, expander: Expander) -> None:
        self.calendar = calendar
        self.viewer = viewer
        self.expander = expander
        self.tz = calendar.time_zone

    def entries(self, single_events: bool) -> Iterator[Entry]:
        for event in list(self.calendar.events.values()):
            if event.series_id:
                if not single_events:
                    yield self._exception(event)
            elif single_events:
                yield from self._expanded(event)
            else:
                yield self._stored(event)

    def instances(self, series: StoredEvent) -> Iterator[Entry]:
        """Every instance of one series (exceptions included, vanished slots not)."""
        length = self._length(series)
        for slot in self.expander.slots(series.body):
            yield self._instance(series, slot, length)

    def _stored(self, event: StoredEvent) -> Entry:
        start, end = self._bounds(event)
        render = functools.partial(event_resource, event, self.calendar, self.viewer)
        if event.deleted:
            render = functools.partial(tombstone, event.id, event.etag)
        return self._entry(event, start, end, render)

    def _exception(self, event: StoredEvent) -> Entry:
        start, end = self._bounds(event)
        cancelled = event.deleted or event.body.get("status") == "cancelled"
        render = functools.partial(event_resource, event, self.calendar, self.viewer)
        if cancelled:
            original = event.body.get("originalStartTime")
            render = functools.partial(tombstone, event.id, event.etag, original, event.series_id)
        series = self.calendar.events.get(event.series_id or "")
        entry = self._entry(event, start, end, render, cancelled)
        entry.live_series_exception = series is not None and not series.deleted
        return entry

    def _expanded(self, event: StoredEvent) -> Iterator[Entry]:
        live: set[str] = set()
        if event.recurring:
            length = self._length(event)
            for slot in self.expander.slots(event.body):
                entry = self._instance(event, slot, length)
                live.add(entry.id)
                yield entry
        else:
            live.add(event.id)
            yield self._stored(event)
        for gone, vanished in event.vanished.items():
            if gone in live:
                continue
            original = vanished.original_start
            moment = parse_when(original, "originalStartTime").moment(self.tz) if original else None
            at = moment or self._bounds(event)[0]
            render = functools.partial(tombstone, gone, f'"{vanished.tick}"', original, event.id)
            yield Entry(gone, vanished.tick, vanished.tick, True, event.body, at, at, render)

    def _instance(self, series: StoredEvent, slot: When, length: timedelta) -> Entry:
        exception = self.calendar.events.get(instance_id(series.id, slot))
        if exception is not None and exception.series_id == series.id:
            return self._exception(exception)
        at = slot.moment(self.tz)
        render: Callable[[], dict[str, Any]] = functools.partial(
            instance_resource, series, slot, self.calendar, self.viewer
        )
        entry_id = instance_id(series.id, slot)
        if series.deleted:
            original = when_to_resource(slot, self.tz)
            render = functools.partial(tombstone, entry_id, series.etag, original, series.id)
        cancelled = series.deleted
        return Entry(
            entry_id, series.tick, series.updated, cancelled, series.body, at, at + length, render
        )

    def _entry(
        self,
        event: StoredEvent,
        start: datetime,
        end: datetime,
        render: Callable[[], dict[str, Any]],
        cancelled: bool | None = None,
    ) -> Entry:
        gone = event.deleted if cancelled is None else cancelled
        return Entry(event.id, event.tick, event.updated, gone, event.body, start, end, render)

    def _length(self, event: StoredEvent) -> timedelta:
        start = parse_when(event.body["start"], "start").moment(self.tz)
        return parse_when(event.body["end"], "end").moment(self.tz) - start

    def _bounds(self, event: StoredEvent) -> tuple[datetime, datetime]:
        """Start and end; a series spans from its first instance to its last one's end."""
        start = parse_when(event.body["start"], "start").moment(self.tz)
        end = parse_when(event.body["end"], "end").moment(self.tz)
        slots = self.expander.slots(event.body) if event.recurring else ()
        if slots:
            length = end - start
            start = slots[0].moment(self.tz)
            end = slots[-1].moment(self.tz) + length
        return start, end
