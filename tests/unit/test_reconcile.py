"""What a settings change asks of the next job."""

from __future__ import annotations

from typing import Any

import pytest
from calsync.domain import SyncSettings
from calsync.domain.schedule import evolve
from calsync.sync.reconcile import Reconcile, what_changed

APPLIED = SyncSettings(calendar_id="cal", export_types=("call", "meeting"))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, Reconcile()),
        (
            {"calendar_id": "new"},
            Reconcile(full_pull=True, move=True, push_types=("call", "meeting")),
        ),
        ({"export_types": ("call", "meeting", "task")}, Reconcile(push_types=("task",))),
        ({"export_types": ("meeting",)}, Reconcile(drop_types=("call",))),
        ({"include_deal_and_contact": False}, Reconcile(refresh_links=True)),
        ({"private_events": "skip"}, Reconcile(full_pull=True, reevaluate=True)),
        ({"default_visibility": "only_me"}, Reconcile(full_pull=True, reevaluate=True)),
        ({"import_as_type": "call"}, Reconcile()),
        ({"sync_type": "one_way"}, Reconcile()),
    ],
    ids=[
        "nothing",
        "calendar",
        "type added",
        "type removed",
        "deal/contact option",
        "private events",
        "default visibility",
        "incoming type",
        "to one-way",
    ],
)
def test_each_change(changes: dict[str, Any], expected: Reconcile) -> None:
    assert what_changed(APPLIED, evolve(APPLIED, **changes)) == expected


def test_one_way_to_two_way_lists_the_calendar_again() -> None:
    one_way = evolve(APPLIED, sync_type="one_way")
    assert what_changed(one_way, APPLIED) == Reconcile(full_pull=True)


def test_first_sync_or_resume_reconciles_everything() -> None:
    todo = what_changed(None, APPLIED)
    assert (todo.full_pull, todo.push_types, todo.refresh_links) == (
        True,
        ("call", "meeting"),
        True,
    )
    assert todo.needed
    assert not Reconcile().needed
