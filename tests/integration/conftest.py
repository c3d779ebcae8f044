"""The `world` the rule tests run in, one parameter per set of adapters.

Today: "memory" (MemoryStorage + the memory calendar). To run every rule test through the
Firestore emulator and the Google simulator, add a parameter whose branch builds
`World(firestore_storage, GoogleBackend(...), clock)` with a `CalendarBackend` that creates
simulator users and opens the Google adapter (see tests/integration/world.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.world import World, memory_world


@pytest.fixture(params=["memory"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    if request.param == "memory":
        built = memory_world()
        built.add_user("ann")
        yield built
        return
    raise AssertionError(f"unknown world {request.param}")
