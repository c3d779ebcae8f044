"""The `world` the rule tests run in, one parameter per set of adapters.

- "memory": MemoryStorage + the memory calendar.
- "emulators": FirestoreStorage on the Firestore emulator (tests.fixtures.firestore) and the
  Google adapter on the Google simulator (tests.fixtures.google), each user connected through
  the real consent flow (tests/integration/google_world.py).
"""

from __future__ import annotations

import pytest
from calsync.store.firestore import FirestoreStorage

from tests.fixtures.google import GoogleSim
from tests.integration.google_world import GoogleRig, google_rig, google_world
from tests.integration.world import World, memory_world


@pytest.fixture(params=["memory", "emulators"])
def world(request: pytest.FixtureRequest) -> World:
    if request.param == "memory":
        built = memory_world()
    elif request.param == "emulators":
        client = request.getfixturevalue("firestore_client")  # a clean database per test
        built = google_world(request.getfixturevalue("google"), FirestoreStorage(client))
    else:
        raise AssertionError(f"unknown world {request.param}")
    built.add_user("ann")
    return built


@pytest.fixture
def rig(google: GoogleSim) -> GoogleRig:
    """The Google adapter as ann on a fresh simulator (Google-specific tests)."""
    return google_rig(google)
