"""Acting as the calendar's user, outside calsync: the other half of every provider fixture.

A provider adapter is tested by what calsync sees through it (`CalendarProvider`) after the
user did something in their calendar app. `CalendarUser` is that user. Today its only
implementation drives the MemoryCalendarService; the Google adapter's fixture will add one that
drives the Google simulator's own API. Keep this interface small: every method is something a
real user (or the real service) can do.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from calsync.domain.event import CalendarEvent
from calsync.errors import ProviderError
from calsync.providers.memory_calendar import MemoryCalendarService


class CalendarUser(Protocol):
    """The owner of a calendar account, using the provider's own app."""

    email: str

    def add_calendar(self, name: str) -> str:
        """A new (writable) calendar of this user; returns its id."""
        ...

    def create(self, calendar_id: str, event: CalendarEvent) -> CalendarEvent:
        """A new event (`event.id` "" lets the service choose the id)."""
        ...

    def update(self, calendar_id: str, event_id: str, **changes: Any) -> CalendarEvent: ...

    def delete(self, calendar_id: str, event_id: str) -> None: ...

    def create_series(
        self, calendar_id: str, template: CalendarEvent, starts: Sequence[datetime]
    ) -> list[CalendarEvent]:
        """A recurring series; returns its occurrences."""
        ...

    def delete_series(self, calendar_id: str, series_id: str) -> None: ...

    def events(self, calendar_id: str) -> list[CalendarEvent]:
        """The live events of a calendar, as the user sees them."""
        ...

    def invalidate_cursors(self, calendar_id: str) -> None:
        """Make the provider refuse every change cursor of the calendar (Google's 410)."""
        ...

    def fail_next(self, method: str, error: ProviderError, *, after: bool = False) -> None:
        """The service fails the next call of `method` (`after`: once it took effect)."""
        ...

    def revoke(self) -> None:
        """The user withdraws calsync's access."""
        ...


class MemoryCalendarUser:
    """CalendarUser over a MemoryCalendarService."""

    def __init__(self, service: MemoryCalendarService, email: str) -> None:
        self.service = service
        self.email = email
        self._calendars = 0

    def add_calendar(self, name: str) -> str:
        self._calendars += 1
        calendar_id = f"{name.lower().replace(' ', '-')}-{self._calendars}@group.calendar.memory"
        return self.service.add_calendar(self.email, calendar_id).id

    def create(self, calendar_id: str, event: CalendarEvent) -> CalendarEvent:
        return self.service.user_create(calendar_id, event)

    def update(self, calendar_id: str, event_id: str, **changes: Any) -> CalendarEvent:
        return self.service.user_update(calendar_id, event_id, **changes)

    def delete(self, calendar_id: str, event_id: str) -> None:
        self.service.user_delete(calendar_id, event_id)

    def create_series(
        self, calendar_id: str, template: CalendarEvent, starts: Sequence[datetime]
    ) -> list[CalendarEvent]:
        return self.service.user_create_series(calendar_id, template, starts)

    def delete_series(self, calendar_id: str, series_id: str) -> None:
        self.service.user_delete_series(calendar_id, series_id)

    def events(self, calendar_id: str) -> list[CalendarEvent]:
        with self.service.lock:
            stored = self.service.calendars[calendar_id].events.values()
            return sorted((s.event for s in stored if not s.deleted), key=lambda e: e.id)

    def invalidate_cursors(self, calendar_id: str) -> None:
        self.service.invalidate_cursors(calendar_id)

    def fail_next(self, method: str, error: ProviderError, *, after: bool = False) -> None:
        self.service.fail_next(method, error, after=after)

    def revoke(self) -> None:
        self.service.revoke(self.email)
