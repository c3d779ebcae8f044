"""The emulator's memory of used names: taken for their window, then forgotten.

The conformance tests show the windows through the official client; these check that the memory
behind them is given back (a long run of named tasks must not keep every name it ever saw) while
no name is forgotten early, including one buried again after an earlier burial.
"""

from __future__ import annotations

import pytest
from emulators.cloudtasks import state as state_module
from emulators.cloudtasks.settings import Settings
from emulators.cloudtasks.state import State


class _Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    fake = _Clock()
    monkeypatch.setattr(state_module.time, "time", fake.time)
    return fake


def test_names_stay_taken_for_their_window_then_are_forgotten(clock: _Clock) -> None:
    state = State(Settings())
    for i in range(20_000):
        state.bury(f"task-{i}", 60.0)
    assert state.buried("task-0")
    assert state.buried("task-19999")
    clock.now += 61.0
    state.bury("later", 60.0)  # a burial gives back what has expired
    assert set(state.tombstones) == {"later"}
    assert not state.buried("task-0")
    assert state.buried("later")


def test_a_name_buried_again_keeps_its_later_window(clock: _Clock) -> None:
    state = State(Settings())
    state.bury("again", 10.0)
    clock.now += 5.0
    state.bury("again", 10.0)  # now taken until 1,015
    clock.now += 6.0  # past the first window, inside the second
    state.bury("other", 10.0)
    assert state.buried("again")
    clock.now += 5.0
    state.bury("third", 10.0)
    assert not state.buried("again")
    assert set(state.tombstones) == {"other", "third"}


def test_windows_of_different_lengths_expire_in_their_own_order(clock: _Clock) -> None:
    state = State(Settings())
    state.bury("queue", 3 * 86_400.0)  # a queue's name: days
    state.bury("task", 3_600.0)  # a task's name: an hour
    clock.now += 3_601.0
    state.bury("next", 3_600.0)
    assert set(state.tombstones) == {"queue", "next"}
    assert state.buried("queue")


def test_a_reset_forgets_every_name(clock: _Clock) -> None:
    state = State(Settings())
    state.bury("task", 3_600.0)
    state.reset()
    assert not state.buried("task")
    clock.now += 3_601.0
    state.bury("fresh", 10.0)
    assert set(state.tombstones) == {"fresh"}
