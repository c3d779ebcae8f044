"""MemoryCalendarProvider: the CalendarProvider port over a MemoryCalendarService.

A working fake, not a mock: it passes the same provider contract suite as the Google adapter.
Cursors are "<epoch>:<sequence>" of the calendar's change log; a full listing returns live
events ending after the window start; an incremental one returns every change after the
cursor, deletions as RemovedEvent.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from calsync.domain.account import Account, Credentials, Pace
from calsync.domain.event import CalendarEvent, CalendarInfo, EventChange, RemovedEvent
from calsync.domain.link import SyncedFields
from calsync.domain.schedule import evolve
from calsync.errors import CursorExpired, ProviderRejected
from calsync.ports import (
    CalendarConnector,
    CalendarProvider,
    ChangePage,
    CreateEvent,
    DeleteEvent,
    EventWrite,
    MoveEvent,
    Outcome,
    UpdateEvent,
    WatchChannel,
    WriteResult,
)
from calsync.providers.memory_calendar import (
    EVENT_ID,
    MemoryCalendarService,
    StoredCalendar,
    WatchRecord,
)


def event_fields(fields: SyncedFields) -> dict[str, object]:
    """SyncedFields as CalendarEvent keyword arguments."""
    return {
        **fields.timing_fields(),
        "summary": fields.subject,
        "description": fields.description,
        "location": fields.location,
        "busy": fields.busy,
        "private": fields.private,
        "attendees": fields.attendees,
        "conference_url": fields.conference_url,
    }


class MemoryCalendarProvider:
    """One user's view of the MemoryCalendarService."""

    def __init__(self, service: MemoryCalendarService, email: str, *, page_size: int = 50) -> None:
        self.service = service
        self.email = email
        self.page_size = page_size

    def _own(self, calendar_id: str) -> StoredCalendar:
        calendar = self.service.calendar(calendar_id)
        if calendar is None or calendar.owner != self.email:
            raise ProviderRejected(f"calendar {calendar_id!r} not found")
        return calendar

    def calendars(self) -> list[CalendarInfo]:
        self._request()
        self.service.enter(self.email, "calendarList.list")
        with self.service.lock:
            return [c.info for c in self.service.calendars.values() if c.owner == self.email]

    def create_calendar(self, name: str, timezone: str) -> CalendarInfo:
        self.service.enter(self.email, "calendars.insert")
        self._request()
        calendar_id = f"{uuid.uuid4().hex}@group.calendar.memory"
        info = self.service.add_calendar(self.email, calendar_id, timezone=timezone)
        with self.service.lock:
            named = evolve(info, name=name)
            self.service.calendars[calendar_id].info = named
            return named

    def changes(
        self, calendar_id: str, cursor: str | None, *, window_start: datetime
    ) -> Iterator[ChangePage]:
        self._request()
        self.service.enter(self.email, "events.list")
        with self.service.lock:
            calendar = self._own(calendar_id)
            items = self._snapshot(calendar, cursor, window_start)
            final = f"{calendar.epoch}:{self.service.last_seq}"
        for start in range(0, max(len(items), 1), self.page_size):
            if start:
                self._request()
                self.service.enter(self.email, "events.list")
            last = start + self.page_size >= len(items)
            yield ChangePage(items[start : start + self.page_size], final if last else None)

    def _snapshot(
        self, calendar: StoredCalendar, cursor: str | None, window_start: datetime
    ) -> list[EventChange]:
        if cursor is None:
            live = [s for s in calendar.events.values() if not s.deleted]
            return [s.event for s in live if s.event.ends_at() > window_start]
        epoch, _, seq = cursor.partition(":")
        if not seq.isdigit() or int(epoch) != calendar.epoch:
            raise CursorExpired("the sync cursor is no longer valid: a full sync is required")
        changed = sorted(
            (s for s in calendar.events.values() if s.seq > int(seq)), key=lambda s: s.seq
        )
        return [
            RemovedEvent(
                id=s.event.id,
                calendar_id=calendar.info.id,
                recurring_event_id=s.event.recurring_event_id,
            )
            if s.deleted
            else s.event
            for s in changed
        ]

    def get(self, calendar_id: str, event_id: str) -> CalendarEvent | None:
        self._request()
        self.service.enter(self.email, "events.get")
        with self.service.lock:
            self._own(calendar_id)
            return self.service.live(calendar_id, event_id)

    def write(self, calendar_id: str, writes: Sequence[EventWrite]) -> list[WriteResult]:
        self._request()
        results: list[WriteResult] = []
        for write in writes:
            method = _METHOD[type(write)]
            self.service.enter(self.email, method)
            with self.service.lock:
                self._own(calendar_id)
                results.append(self._apply(calendar_id, write))
            self.service.leave(method)
        return results

    def _request(self) -> None:
        with self.service.lock:
            self.service.requests += 1

    def _apply(self, calendar_id: str, write: EventWrite) -> WriteResult:
        service = self.service
        if isinstance(write, CreateEvent):
            return self._create(calendar_id, write)
        current = service.live(calendar_id, write.event_id)
        if current is None:
            return WriteResult(Outcome.GONE, detail="the event does not exist")
        if isinstance(write, MoveEvent):
            return self._move(calendar_id, current, write.destination)
        if write.if_match is not None and write.if_match != current.etag:
            return WriteResult(Outcome.STALE, current, "the event changed since it was read")
        if isinstance(write, UpdateEvent):
            updated = evolve(current, **event_fields(write.fields))
            listed = _lists_owner(calendar_id, write.fields)
            return WriteResult(Outcome.OK, service.store(calendar_id, updated, lists_owner=listed))
        service.remove(calendar_id, write.event_id)
        return WriteResult(Outcome.OK)

    def _create(self, calendar_id: str, write: CreateEvent) -> WriteResult:
        if not EVENT_ID.match(write.event_id):
            return WriteResult(Outcome.REJECTED, detail=f"invalid event id {write.event_id!r}")
        calendar = self.service.calendars[calendar_id]
        existing = calendar.events.get(write.event_id)
        if existing is not None and not existing.deleted:
            return WriteResult(Outcome.EXISTS, existing.event, "the id is already taken")
        event = CalendarEvent(
            id=write.event_id,
            calendar_id=calendar_id,
            crm_activity_id=write.activity_id,
            **event_fields(write.fields),
        )
        # A deleted event keeps its id; creating it again restores it (as an update does).
        listed = _lists_owner(calendar_id, write.fields)
        return WriteResult(Outcome.OK, self.service.store(calendar_id, event, lists_owner=listed))

    def _move(self, calendar_id: str, current: CalendarEvent, destination: str) -> WriteResult:
        target = self.service.calendar(destination)
        if target is None or target.owner != self.email:
            return WriteResult(Outcome.REJECTED, detail=f"no calendar {destination!r}")
        if self.service.live(destination, current.id) is not None:
            return WriteResult(Outcome.EXISTS, detail="the destination has an event with that id")
        self.service.remove(calendar_id, current.id)
        moved = self.service.store(destination, current, lists_owner=True)  # shown as it was
        return WriteResult(Outcome.OK, moved)

    def watch(
        self, calendar_id: str, *, channel_id: str, address: str, token: str, ttl: timedelta
    ) -> WatchChannel:
        self._request()
        self.service.enter(self.email, "events.watch")
        with self.service.lock:
            self._own(calendar_id)
            expires = self.service.clock.now() + ttl
            record = WatchRecord(
                channel_id, f"res-{calendar_id}", calendar_id, address, token, expires
            )
            self.service.watches[channel_id] = record
            return WatchChannel(channel_id, record.resource_id, expires)

    def request_budget(self) -> Pace | None:
        return None  # the memory calendar enforces no quota, so nothing is paced

    def stop_watch(self, channel_id: str, resource_id: str) -> None:
        self._request()
        self.service.enter(self.email, "channels.stop")
        with self.service.lock:
            record = self.service.watches.get(channel_id)
            if record is not None and record.resource_id == resource_id:
                record.stopped = True


def _lists_owner(calendar_id: str, fields: SyncedFields) -> bool:
    return calendar_id.lower() in {email.lower() for email in fields.attendees}


_METHOD: dict[type, str] = {
    CreateEvent: "events.insert",
    UpdateEvent: "events.update",
    DeleteEvent: "events.delete",
    MoveEvent: "events.move",
}


class MemoryConnector:
    """Opens MemoryCalendarProviders; revocation is checked on each call, as at a provider."""

    def __init__(self, service: MemoryCalendarService, *, page_size: int = 50) -> None:
        self.service = service
        self.page_size = page_size

    def open(
        self,
        account: Account,
        credentials: Credentials,
        on_refresh: Callable[[Credentials], None],
    ) -> MemoryCalendarProvider:
        return MemoryCalendarProvider(self.service, account.email, page_size=self.page_size)


if TYPE_CHECKING:  # the fakes must satisfy the ports they stand in for
    _provider: CalendarProvider = MemoryCalendarProvider(MemoryCalendarService(), "a@b.c")
    _connector: CalendarConnector = MemoryConnector(MemoryCalendarService())
