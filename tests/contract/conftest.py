"""The adapters every contract suite runs against, one fixture parameter each.

To run the suites against another adapter, add a parameter here:

- `storage`: a factory of *empty* Storage instances. E.g. for Firestore: a parameter
  "firestore" whose branch returns a FirestoreStorage on the emulator (tests.fixtures.firestore)
  under a fresh project/namespace per test.
- `calendar`: a `CalendarCase`: the CalendarProvider under test, authorized as one user, the
  `CalendarUser` acting as that user in the provider's own app, and the user's calendar id.
  "google" is the Google adapter on the Google simulator (tests.fixtures.google), connected
  through the real consent flow, with a CalendarUser that drives the simulator's own API
  (tests/contract/google_driver.py).

Tests never touch an adapter's internals: only the port and the CalendarUser.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from calsync.clock import FakeClock
from calsync.ports import CalendarProvider, Storage
from calsync.providers.memory import MemoryCalendarProvider
from calsync.providers.memory_calendar import MemoryCalendarService
from calsync.store.firestore import FirestoreStorage
from calsync.store.memory import MemoryStorage

from tests.contract.drivers import CalendarUser, MemoryCalendarUser
from tests.contract.google_driver import GoogleCalendarUser, open_provider
from tests.contract.google_network import LossyNetwork

PAGE_SIZE = 5  # small pages, so paging is exercised with few events


@dataclass(frozen=True)
class CalendarCase:
    provider: CalendarProvider
    user: CalendarUser
    calendar_id: str
    clock: FakeClock
    page_size: int = PAGE_SIZE


@pytest.fixture(params=["memory", "firestore"])
def storage(request: pytest.FixtureRequest) -> Iterator[Storage]:
    if request.param == "memory":
        yield MemoryStorage()
        return
    if request.param == "firestore":  # the emulator, on a database reset for this test
        yield FirestoreStorage(request.getfixturevalue("firestore_client"))
        return
    raise AssertionError(f"unknown storage adapter {request.param}")


@pytest.fixture(params=["memory", "google"])
def calendar(request: pytest.FixtureRequest) -> Iterator[CalendarCase]:
    clock = FakeClock()
    if request.param == "memory":
        service = MemoryCalendarService(clock)
        email = "ann@example.com"
        info = service.add_user(email)
        provider = MemoryCalendarProvider(service, email, page_size=PAGE_SIZE)
        yield CalendarCase(provider, MemoryCalendarUser(service, email), info.id, clock)
        return
    if request.param == "google":
        sim = request.getfixturevalue("google")
        email, network = "ann@example.com", LossyNetwork()
        google = open_provider(sim, network, email, page_size=PAGE_SIZE)
        yield CalendarCase(google, GoogleCalendarUser(sim, email, network), email, clock)
        return
    raise AssertionError(f"unknown calendar adapter {request.param}")
