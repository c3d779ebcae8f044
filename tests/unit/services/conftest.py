"""Fixtures of the service tests: a whole calsync over the in-memory adapters."""

from __future__ import annotations

import pytest

from tests.unit.services.harness import World


@pytest.fixture
def world() -> World:
    return World()
