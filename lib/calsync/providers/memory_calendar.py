"""A small calendar service in memory: the "server side" behind MemoryCalendarProvider.

It keeps what calsync relies on from a real provider: client-chosen ids refused when taken
(even by a deleted event), etags that change with every write, a change log with cursors that
can be invalidated, tombstones for deletions, occurrences of recurring series, push channels,
revocable authorizations and injectable faults. Like Google (as the Google adapter reads it),
it does not show the calendar's own address among an event's attendees (the organizer's own
entry) unless calsync wrote it there. Tests also act through it as the user does in
the provider's own app (`user_create`, `user_update`, `user_delete`, `user_delete_series`).
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from calsync.clock import SystemClock
from calsync.domain.event import CalendarEvent, CalendarInfo
from calsync.domain.schedule import evolve
from calsync.errors import ProviderAuthError, ProviderError
from calsync.ports import Clock

EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")


@dataclass
class StoredEvent:
    event: CalendarEvent
    seq: int
    deleted: bool = False
    lists_owner: bool = False  # calsync wrote the calendar's own address among the attendees


@dataclass
class StoredCalendar:
    info: CalendarInfo
    owner: str
    events: dict[str, StoredEvent] = field(default_factory=dict)
    epoch: int = 0  # bumped to invalidate every cursor of this calendar


@dataclass(frozen=True)
class Notification:
    channel_id: str
    token: str
    address: str
    calendar_id: str


@dataclass
class WatchRecord:
    channel_id: str
    resource_id: str
    calendar_id: str
    address: str
    token: str
    expires_at: datetime
    stopped: bool = False


class MemoryCalendarService:
    """Calendars of many users, shared by every MemoryCalendarProvider opened on it."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        self.lock = threading.RLock()
        self.calendars: dict[str, StoredCalendar] = {}
        self.revoked: set[str] = set()
        self.watches: dict[str, WatchRecord] = {}
        self.notifications: list[Notification] = []
        self.calls: Counter[str] = Counter()  # requests per method
        self.faults: list[tuple[str, ProviderError]] = []  # (method or "*", error) to raise next
        # Like `faults`, but raised after the call took effect: the response is lost.
        self.lost_responses: list[tuple[str, ProviderError]] = []
        self.requests = 0  # HTTP requests a real provider would get (a batch of writes is one)
        self.last_seq = 0  # the sequence number of the latest change
        self._etags = itertools.count(1)

    # -- set-up and the user's own actions ---------------------------------------------------

    def add_user(self, email: str, timezone: str = "UTC") -> CalendarInfo:
        """A user with a primary calendar whose id is the email, as at Google."""
        return self.add_calendar(email, email, primary=True, timezone=timezone)

    def add_calendar(
        self, owner: str, calendar_id: str, *, primary: bool = False, timezone: str = "UTC"
    ) -> CalendarInfo:
        with self.lock:
            info = CalendarInfo(
                id=calendar_id, name=calendar_id, primary=primary, writable=True, timezone=timezone
            )
            self.calendars.setdefault(calendar_id, StoredCalendar(info=info, owner=owner))
            return self.calendars[calendar_id].info

    def user_create(self, calendar_id: str, event: CalendarEvent) -> CalendarEvent:
        """The user creates an event in their calendar app (a server-chosen id if none)."""
        with self.lock:
            event_id = event.id or f"u{next(self._etags):08d}"
            return self.store(calendar_id, evolve(event, id=event_id, calendar_id=calendar_id))

    def user_update(self, calendar_id: str, event_id: str, **changes: Any) -> CalendarEvent:
        with self.lock:
            current = self.live(calendar_id, event_id)
            if current is None:
                raise KeyError(event_id)
            return self.store(calendar_id, evolve(current, **changes))

    def user_delete(self, calendar_id: str, event_id: str) -> None:
        with self.lock:
            self.remove(calendar_id, event_id)

    def user_create_series(
        self, calendar_id: str, template: CalendarEvent, starts: Sequence[datetime]
    ) -> list[CalendarEvent]:
        """The user creates a recurring series: one occurrence per start (the template's
        duration), ids `{series}_{YYYYMMDDTHHMMSSZ}` as at Google, all read-only for calsync."""
        with self.lock:
            series_id = template.id or f"s{next(self._etags):08d}"
            duration = template.ends_at() - template.starts_at()
            made = []
            for start in starts:
                occurrence = evolve(
                    template,
                    id=f"{series_id}_{start.astimezone(UTC):%Y%m%dT%H%M%SZ}",
                    calendar_id=calendar_id,
                    start=start,
                    end=start + duration,
                    start_date=None,
                    end_date=None,
                    recurring_event_id=series_id,
                )
                made.append(self.store(calendar_id, occurrence))
            return made

    def user_delete_series(self, calendar_id: str, recurring_event_id: str) -> None:
        with self.lock:
            for stored in list(self.calendars[calendar_id].events.values()):
                if stored.event.recurring_event_id == recurring_event_id and not stored.deleted:
                    self.remove(calendar_id, stored.event.id)

    def revoke(self, email: str) -> None:
        """The user withdraws calsync's access: every later call fails with ProviderAuthError."""
        self.revoked.add(email)

    def invalidate_cursors(self, calendar_id: str) -> None:
        with self.lock:
            self.calendars[calendar_id].epoch += 1

    def fail_next(
        self, method: str, error: ProviderError, times: int = 1, *, after: bool = False
    ) -> None:
        """Make the next `times` calls of `method` ("*" for any) raise `error`; with `after`,
        the call takes effect first and only its response is lost (writes only)."""
        with self.lock:
            (self.lost_responses if after else self.faults).extend([(method, error)] * times)

    # -- the store, used by the provider -------------------------------------------------------

    def enter(self, email: str, method: str) -> None:
        """Count a request and raise the auth error or injected fault it should meet."""
        with self.lock:
            self.calls[method] += 1
            if email in self.revoked:
                raise ProviderAuthError("the provider no longer accepts calsync's access")
            self._raise_fault(self.faults, method)

    def leave(self, method: str) -> None:
        """After a call took effect: raise a lost-response fault if one is due."""
        with self.lock:
            self._raise_fault(self.lost_responses, method)

    @staticmethod
    def _raise_fault(faults: list[tuple[str, ProviderError]], method: str) -> None:
        for index, (name, error) in enumerate(faults):
            if name in (method, "*"):
                del faults[index]
                raise error

    def calendar(self, calendar_id: str) -> StoredCalendar | None:
        return self.calendars.get(calendar_id)

    def live(self, calendar_id: str, event_id: str) -> CalendarEvent | None:
        stored = self.calendars[calendar_id].events.get(event_id)
        return None if stored is None or stored.deleted else stored.event

    def store(
        self, calendar_id: str, event: CalendarEvent, *, lists_owner: bool | None = None
    ) -> CalendarEvent:
        """Write `event` as the new version: fresh etag, next change sequence.

        The calendar's own address among the attendees is kept only where calsync wrote it
        (`lists_owner`; None, as for the user's own edits: as the event had it before).
        """
        events = self.calendars[calendar_id].events
        previous = events.get(event.id)
        if lists_owner is None:
            lists_owner = previous is not None and previous.lists_owner
        if not lists_owner:
            own = calendar_id.lower()
            event = evolve(event, attendees=tuple(a for a in event.attendees if a.lower() != own))
        etag = f'"{next(self._etags)}"'
        saved = evolve(event, calendar_id=calendar_id, etag=etag, updated=self.clock.now())
        events[saved.id] = StoredEvent(saved, self._next_seq(), lists_owner=lists_owner)
        self._notify(calendar_id)
        return saved

    def remove(self, calendar_id: str, event_id: str) -> None:
        stored = self.calendars[calendar_id].events[event_id]
        stored.deleted, stored.seq = True, self._next_seq()
        self._notify(calendar_id)

    def _notify(self, calendar_id: str) -> None:
        for watch in self.watches.values():
            if watch.calendar_id == calendar_id and not watch.stopped:
                self.notifications.append(
                    Notification(watch.channel_id, watch.token, watch.address, calendar_id)
                )

    def _next_seq(self) -> int:
        self.last_seq += 1
        return self.last_seq
