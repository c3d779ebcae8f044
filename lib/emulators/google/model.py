"""What the simulator stores: users, calendars and events (all in memory).

Every change is stamped with a *tick*: a store-wide, strictly increasing number of
microseconds since the epoch. A tick is an event's etag, its ``updated`` time and its place in
the calendar's change history; sync tokens name a tick. Deleted events stay as tombstones
(``deleted=True``) with the tick of their deletion, so incremental lists can report them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROLES = ("none", "freeBusyReader", "reader", "writerWithoutPrivateAccess", "writer", "owner")
WRITER_ROLES = ("writerWithoutPrivateAccess", "writer", "owner")


def role_rank(role: str) -> int:
    return ROLES.index(role) if role in ROLES else 0


@dataclass
class User:
    """A Google account: its email is also the id of its primary calendar."""

    email: str
    sub: str
    name: str
    time_zone: str = "UTC"


@dataclass
class VanishedSlot:
    """An instance of a series that existed and no longer does (rule shortened, moved...)."""

    tick: int
    original_start: dict[str, Any]


@dataclass
class StoredEvent:
    """One event as stored: a single event, a series (``recurrence``) or an exception.

    ``body`` holds the writable fields in Google's JSON form; ``created``/``updated``/``tick``
    are microsecond stamps. An exception (a modified or cancelled instance) is stored under its
    instance id with ``recurringEventId`` and ``originalStartTime`` in its body.
    """

    id: str
    body: dict[str, Any]
    creator: str
    organizer: str
    created: int
    updated: int
    tick: int
    deleted: bool = False
    vanished: dict[str, VanishedSlot] = field(default_factory=dict)

    @property
    def etag(self) -> str:
        return f'"{self.tick}"'

    @property
    def recurring(self) -> bool:
        return bool(self.body.get("recurrence"))

    @property
    def series_id(self) -> str | None:
        value = self.body.get("recurringEventId")
        return value if isinstance(value, str) else None


@dataclass
class Calendar:
    """A calendar, its access list (email -> role) and its events by id."""

    id: str
    owner: str
    summary: str
    time_zone: str
    primary: bool
    tick: int
    description: str | None = None
    location: str | None = None
    acl: dict[str, str] = field(default_factory=dict)
    events: dict[str, StoredEvent] = field(default_factory=dict)
    epoch: int = 0
    deleted: bool = False
    last_change: int = 0

    @property
    def etag(self) -> str:
        return f'"{self.tick}"'

    def role_of(self, email: str) -> str:
        if self.deleted:
            return "none"
        return self.acl.get(email, "none")
