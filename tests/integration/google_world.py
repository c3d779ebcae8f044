"""The rule tests' world on the Google simulator: the Google adapter, connected through the real
consent flow, for every user; storage is what the caller passes (the `world` fixture passes
FirestoreStorage on the Firestore emulator; MemoryStorage when none is given).

One thing differs from the memory world: time. The rule tests move a settable clock (the
engine's "now", the CRM's `updated_at`), while the simulator stamps each event's `updated`
with the real time. `FramedClock` therefore notes, at each move, the real instant it moved at;
`FramedProvider` hands the engine each event with `updated` read in the clock's frame: what the
test clock showed at the real instant Google stamped. That is exactly what the memory
calendar does (it stamps events with the same clock), so "the later change wins" compares
like with like. Everything else passes through untouched.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from calsync.clock import FakeClock
from calsync.domain import Account, CalendarEvent, CalendarInfo, Credentials
from calsync.domain.account import Pace
from calsync.domain.schedule import evolve
from calsync.ports import ChangePage, EventWrite, Storage, WatchChannel, WriteResult
from calsync.providers.google import GoogleCalendarProvider, GoogleConnector
from calsync.store.memory import MemoryStorage

from tests.contract.drivers import CalendarUser
from tests.contract.google_driver import (
    GoogleCalendarUser,
    connector,
    consent,
    oauth_client,
)
from tests.contract.google_network import LossyNetwork
from tests.fixtures.google import GoogleSim
from tests.integration.world import World

_GAP = 0.002  # seconds kept clear around each move, wider than the simulator's 1 ms stamps


class FramedClock(FakeClock):
    """A FakeClock that remembers when (in real time) it showed what."""

    def __init__(self) -> None:
        super().__init__()
        self._real: list[float] = [time.time()]
        self._shown: list[datetime] = [super().now()]

    def advance(self, delta: timedelta) -> datetime:
        time.sleep(_GAP)
        shown = super().advance(delta)
        self._mark(shown)
        return shown

    def set(self, instant: datetime) -> None:
        time.sleep(_GAP)
        super().set(instant)
        self._mark(instant)

    def _mark(self, shown: datetime) -> None:
        self._real.append(time.time())
        self._shown.append(shown)
        time.sleep(_GAP)

    def shown_at(self, real: datetime) -> datetime:
        """What this clock showed at the real instant `real`."""
        index = bisect_right(self._real, real.timestamp()) - 1
        return self._shown[max(index, 0)]


class FramedProvider:
    """The Google adapter, with each event's `updated` read in the test clock's frame."""

    def __init__(self, provider: GoogleCalendarProvider, clock: FramedClock) -> None:
        self.provider, self.clock = provider, clock

    def _framed(self, event: CalendarEvent) -> CalendarEvent:
        if event.updated is None:
            return event
        return evolve(event, updated=self.clock.shown_at(event.updated))

    def calendars(self) -> list[CalendarInfo]:
        return self.provider.calendars()

    def create_calendar(self, name: str, timezone: str) -> CalendarInfo:
        return self.provider.create_calendar(name, timezone)

    def changes(
        self, calendar_id: str, cursor: str | None, *, window_start: datetime
    ) -> Iterator[ChangePage]:
        for page in self.provider.changes(calendar_id, cursor, window_start=window_start):
            framed = [self._framed(c) if isinstance(c, CalendarEvent) else c for c in page.changes]
            yield ChangePage(framed, page.cursor)

    def get(self, calendar_id: str, event_id: str) -> CalendarEvent | None:
        event = self.provider.get(calendar_id, event_id)
        return self._framed(event) if event else None

    def write(self, calendar_id: str, writes: Sequence[EventWrite]) -> list[WriteResult]:
        results = self.provider.write(calendar_id, writes)
        return [replace(r, event=self._framed(r.event)) if r.event else r for r in results]

    def watch(
        self, calendar_id: str, *, channel_id: str, address: str, token: str, ttl: timedelta
    ) -> WatchChannel:
        return self.provider.watch(
            calendar_id, channel_id=channel_id, address=address, token=token, ttl=ttl
        )

    def stop_watch(self, channel_id: str, resource_id: str) -> None:
        self.provider.stop_watch(channel_id, resource_id)

    def request_budget(self) -> Pace | None:
        return self.provider.request_budget()


class GoogleBackend:
    """Calendar accounts on the simulator; each user consents once, each job opens the adapter
    with the stored tokens (refreshed ones replace them, as the credential vault does)."""

    def __init__(self, sim: GoogleSim, clock: FramedClock) -> None:
        self.sim, self.clock = sim, clock
        self.network = LossyNetwork()
        self.oauth = oauth_client(sim)
        self.connector = connector(sim, self.network)
        self.tokens: dict[str, Credentials] = {}

    def add_user(self, email: str) -> CalendarUser:
        self.tokens[email] = consent(self.oauth, email).credentials
        return GoogleCalendarUser(self.sim, email, self.network)

    def open(self, account: Account) -> FramedProvider:
        def store(refreshed: Credentials) -> None:
            self.tokens[account.email] = refreshed

        provider = self.connector.open(account, self.tokens[account.email], store)
        return FramedProvider(provider, self.clock)


def google_world(sim: GoogleSim, storage: Storage | None = None) -> World:
    clock = FramedClock()
    return World(storage or MemoryStorage(), GoogleBackend(sim, clock), clock)


@dataclass
class GoogleRig:
    """For Google-specific tests: the adapter as ann, ann herself, and the simulator."""

    sim: GoogleSim
    network: LossyNetwork
    connector: GoogleConnector
    account: Account
    credentials: Credentials
    user: GoogleCalendarUser
    refreshed: list[Credentials] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.provider = self.fresh()

    def fresh(self) -> GoogleCalendarProvider:
        """Another provider for ann, as the next job opens one (holding no resources)."""
        return self.connector.open(self.account, self.credentials, self.refreshed.append)

    @property
    def calendar_id(self) -> str:
        return self.user.email

    def raw(self, event_id: str, calendar_id: str | None = None) -> dict[str, Any]:
        """The event resource as Google holds it."""
        request = self.user.service.events().get(
            calendarId=calendar_id or self.calendar_id, eventId=event_id
        )
        return dict(request.execute())

    def units(self) -> int:
        """Quota units spent since the last `sim.reset_stats()`."""
        return int(self.sim.stats()["quotaUnits"]["total"])


def google_rig(sim: GoogleSim, *, page_size: int = 2500) -> GoogleRig:
    network, email = LossyNetwork(), "ann@example.com"
    grant = consent(oauth_client(sim), email)
    account = Account(id="acc-ann", company_id="c1", user_id="ann", email=grant.email)
    user = GoogleCalendarUser(sim, email, network)
    rig = GoogleRig(
        sim, network, connector(sim, network, page_size), account, grant.credentials, user
    )
    sim.reset_stats()
    return rig
