"""Calendar providers: one account's calendar service, the writes it takes and their results."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from calsync.domain.account import Account, Credentials, Pace
from calsync.domain.event import CalendarEvent, CalendarInfo, EventChange
from calsync.domain.link import SyncedFields


@dataclass(frozen=True)
class ChangePage:
    """One page of calendar changes; `cursor` is set on the last page only."""

    changes: list[EventChange]
    cursor: str | None = None


@dataclass(frozen=True)
class CreateEvent:
    """Create an event with a client-chosen id; retried creates can never make a second one.

    If a live event holds the id, the result is EXISTS (with that event, so the caller can see
    whether it is its own earlier create, by `crm_activity_id`). If a deleted event holds it,
    the adapter restores that event with these fields (providers keep ids of deleted events).
    """

    event_id: str
    fields: SyncedFields
    activity_id: str


@dataclass(frozen=True)
class UpdateEvent:
    """Replace the synced fields of an event, only if it is still at `if_match` (when given)."""

    event_id: str
    fields: SyncedFields
    if_match: str | None = None


@dataclass(frozen=True)
class DeleteEvent:
    event_id: str
    if_match: str | None = None


@dataclass(frozen=True)
class MoveEvent:
    """Move an event to another calendar of the same account (its id stays)."""

    event_id: str
    destination: str


EventWrite = CreateEvent | UpdateEvent | DeleteEvent | MoveEvent


class Outcome(StrEnum):
    OK = "ok"  # done; `event` is the event as it is now
    EXISTS = "exists"  # create: the id is taken (`event` is what holds it, if readable)
    STALE = "stale"  # update/delete: the event changed since `if_match` (`event` is current)
    GONE = "gone"  # the event no longer exists (for a delete this counts as done)
    REJECTED = "rejected"  # permanently refused (bad data, permission): `detail` says why
    RETRY = "retry"  # transiently failed (rate limit, 5xx): try this write again later


@dataclass(frozen=True)
class WriteResult:
    outcome: Outcome
    event: CalendarEvent | None = None
    detail: str = ""


@dataclass(frozen=True)
class WatchChannel:
    """A push channel the provider opened: its ids and when it expires."""

    id: str
    resource_id: str
    expires_at: datetime


class CalendarProvider(Protocol):
    """One account's calendar service, authorized as its user.

    Raises ProviderAuthError when the authorization is dead, ProviderRateLimited or
    ProviderUnavailable when the whole call failed after the adapter's own retries.
    """

    def calendars(self) -> list[CalendarInfo]: ...

    def create_calendar(self, name: str, timezone: str) -> CalendarInfo: ...

    def changes(
        self, calendar_id: str, cursor: str | None, *, window_start: datetime
    ) -> Iterator[ChangePage]:
        """Pages of event changes since `cursor`, occurrences of recurring events expanded.

        With `cursor` None: a full listing of the events ending after `window_start` (no
        removals). Raises CursorExpired when the cursor is no longer valid (full resync needed).
        """
        ...

    def get(self, calendar_id: str, event_id: str) -> CalendarEvent | None:
        """The event now, or None if it does not exist or was deleted."""
        ...

    def write(self, calendar_id: str, writes: Sequence[EventWrite]) -> list[WriteResult]:
        """Apply `writes` (batched where the provider can): one result per write, in order."""
        ...

    def watch(
        self, calendar_id: str, *, channel_id: str, address: str, token: str, ttl: timedelta
    ) -> WatchChannel: ...

    def stop_watch(self, channel_id: str, resource_id: str) -> None: ...

    def request_budget(self) -> Pace | None:
        """What is left of the account's request budget now, for its next job to go on
        from (the provider was opened with `account.sync.pace`); None when it paces nothing."""
        ...


class CalendarConnector(Protocol):
    """Opens an account's CalendarProvider from its credentials.

    `on_refresh` is called with new credentials whenever the adapter refreshed the access
    token, so the caller can store them (sealed) and the next job need not refresh again.
    """

    def open(
        self,
        account: Account,
        credentials: Credentials,
        on_refresh: Callable[[Credentials], None],
    ) -> CalendarProvider: ...
