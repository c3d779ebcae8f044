"""The Clock contract, for the system clock and the fake one: aware UTC instants, never going
backwards."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from calsync.clock import FakeClock, SystemClock
from calsync.ports import Clock


@pytest.fixture(params=["system", "fake"])
def clock(request: pytest.FixtureRequest) -> Clock:
    return SystemClock() if request.param == "system" else FakeClock()


def test_now_is_an_aware_utc_instant(clock: Clock) -> None:
    now = clock.now()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    assert now.astimezone(UTC) == now


def test_time_never_goes_backwards(clock: Clock) -> None:
    readings = [clock.now() for _ in range(100)]
    assert readings == sorted(readings)


def test_the_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock()
    start = clock.now()
    assert clock.now() == start
    assert clock.advance(timedelta(minutes=5)) == start + timedelta(minutes=5)
    clock.set(start + timedelta(days=1))
    assert clock.now() == start + timedelta(days=1)
