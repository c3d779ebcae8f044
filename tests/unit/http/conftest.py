"""Fixtures of the HTTP tests: a whole calsync over the in-memory adapters, behind WSGI."""

from __future__ import annotations

import pytest

from tests.unit.services.harness import Api, World


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def api(world: World) -> Api:
    return Api(world)
