"""Writes to a calendar's events, keeping the change history that sync tokens rely on.

Every write stamps a new tick on what changed. When a series changes, the instance ids it
used to produce and no longer does (a shortened rule, a moved start, a series turned into a
single event or back) are remembered as *vanished* with the tick of that change, and
exceptions whose slot is gone are cancelled, so ``singleEvents=true`` incremental lists report
them as cancelled instances.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulators.google.model import Calendar, StoredEvent, VanishedSlot
from emulators.google.recurrence import Expander
from emulators.google.store import Store
from emulators.google.timefmt import When, parse_when, when_to_resource
from emulators.google.views import instance_id


@dataclass
class Writer:
    """Applies inserts, updates and deletions to one store."""

    store: Store
    expander: Expander

    def single_ids(self, event_id: str, body: dict[str, Any], tz: str) -> dict[str, Any]:
        """What ``singleEvents=true`` lists show for a body: instance id -> original start."""
        if not body.get("recurrence"):
            return {event_id: None}
        slots = self.expander.slots(body)
        return {instance_id(event_id, slot): when_to_resource(slot, tz) for slot in slots}

    def create(
        self,
        calendar: Calendar,
        event_id: str,
        body: dict[str, Any],
        creator: str,
        deleted: bool = False,
    ) -> StoredEvent:
        """Store a new event (or revive a tombstone with that id, as ``move`` does).

        ``deleted=True`` stores a tombstone at once (a cancelled instance of a series).
        """
        tick = self.store.tick()
        previous = calendar.events.get(event_id)
        event = StoredEvent(
            id=event_id,
            body=body,
            creator=creator,
            organizer=calendar.id,
            created=tick,
            updated=tick,
            tick=tick,
            deleted=deleted,
        )
        if previous is not None:
            event.vanished = previous.vanished
            old = self.single_ids(event_id, previous.body, calendar.time_zone)
            self._forget_vanished(event, calendar, old, tick)
        calendar.events[event_id] = event
        self._changed(calendar, tick)
        return event

    def replace(self, calendar: Calendar, event: StoredEvent, body: dict[str, Any]) -> StoredEvent:
        """Give ``event`` a new body (update, patch, un-delete)."""
        tick = self.store.tick()
        old_ids = self.single_ids(event.id, event.body, calendar.time_zone)
        same = _without_reminders(event.body) == _without_reminders(body)
        only_reminders = same and not event.deleted
        event.body, event.tick, event.deleted = body, tick, False
        if not only_reminders:
            event.updated = tick
        if not event.series_id:
            self._forget_vanished(event, calendar, old_ids, tick)
        self._changed(calendar, tick)
        return event

    def delete(self, calendar: Calendar, event: StoredEvent) -> None:
        """Turn ``event`` into a tombstone; a series takes its exceptions with it."""
        tick = self.store.tick()
        event.deleted, event.tick, event.updated = True, tick, tick
        for other in calendar.events.values():
            if other.series_id == event.id and not other.deleted:
                other.deleted, other.tick, other.updated = True, tick, tick
        self._changed(calendar, tick)

    def _forget_vanished(
        self, event: StoredEvent, calendar: Calendar, old_ids: dict[str, Any], tick: int
    ) -> None:
        new_ids = self.single_ids(event.id, event.body, calendar.time_zone)
        for gone in old_ids.keys() - new_ids.keys():
            event.vanished[gone] = VanishedSlot(tick=tick, original_start=old_ids[gone])
        for live in new_ids:
            event.vanished.pop(live, None)
        for other in calendar.events.values():
            if other.series_id == event.id and other.id not in new_ids and not other.deleted:
                other.deleted, other.tick, other.updated = True, tick, tick

    def _changed(self, calendar: Calendar, tick: int) -> None:
        calendar.last_change = tick
        self.store.changed(calendar.id)


def instance_body(series: StoredEvent, original_start: dict[str, Any]) -> dict[str, Any]:
    """The body of an instance about to become an exception (series body at that slot)."""
    body = {key: value for key, value in series.body.items() if key != "recurrence"}
    start = parse_when(series.body["start"], "start")
    end = parse_when(series.body["end"], "end")
    slot = parse_when(original_start, "originalStartTime")
    if start.day is not None and end.day is not None and slot.day is not None:
        body["start"], body["end"] = (
            {"date": slot.day.isoformat()},
            {"date": (slot.day + (end.day - start.day)).isoformat()},
        )
    else:
        assert start.instant is not None
        assert end.instant is not None
        body["start"] = dict(original_start)
        shifted = slot.shifted(end.instant - start.instant)
        body["end"] = when_to_resource(When(instant=shifted.instant, tz=end.tz), "UTC")
    body["recurringEventId"] = series.id
    body["originalStartTime"] = dict(original_start)
    return body


def _without_reminders(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "reminders"}
