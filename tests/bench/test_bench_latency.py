"""change_latency's single edits: accounts taken in turn, each resting a window between edits."""

from __future__ import annotations

import time

from calsync.bench.fig_latency import Edits, _Rotation


def _account(name: str, log: list[tuple[str, float]]) -> Edits:
    def edit(_: str) -> None:
        log.append((name, time.monotonic()))

    return Edits(edit, lambda _: True, edit, lambda _: True)


def test_each_account_rests_a_window_before_its_next_edit() -> None:
    log: list[tuple[str, float]] = []
    settled: list[float] = []
    rotation = _Rotation(
        [_account("a", log), _account("b", log)], 0.15, lambda: settled.append(time.monotonic())
    )
    for i in range(3):
        rotation.edit(lambda edits, i=i: edits.to_google(f"x{i}"))
        rotation.edit(lambda edits, i=i: edits.to_crm(f"y{i}"))
    assert [name for name, _ in log] == ["a", "b"] * 3  # the longest-rested account first
    for earlier, later in zip(range(len(log)), range(2, len(log)), strict=False):
        assert log[later][1] - settled[earlier] >= 0.15  # rested since its last change settled
