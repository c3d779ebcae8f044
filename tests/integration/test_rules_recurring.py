"""Rules of the sync: recurring events arrive as occurrences, read-only in the CRM, and go
when the calendar removes them (one occurrence or the whole series)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from calsync.errors import ReadOnly

from tests.integration.world import World


def _series(world: World) -> list[str]:
    cal = world.cal()
    starts = [world.at(24 * day) for day in (1, 8, 15)]
    made = cal.create_series(cal.email, world.event_template(summary="Standup"), starts)
    return [event.id for event in made]


def test_occurrences_arrive_one_by_one_and_read_only(world: World) -> None:
    account = world.connect()
    expected = [world.at(24 * day) for day in (1, 8, 15)]
    ids = _series(world)
    world.sync()
    activities = [world.activity(world.imported_id(account, i)) for i in ids]
    assert all(a is not None and a.read_only and a.subject == "Standup" for a in activities)
    assert sorted(a.start for a in activities if a and a.start) == expected


def test_editing_or_deleting_an_occurrence_in_the_crm_is_refused(world: World) -> None:
    """Through the product's activities API: the refusal says why, and changes nothing."""
    account = world.connect()
    [first, *_] = _series(world)
    world.sync()
    activity_id = world.imported_id(account, first)
    before = world.activity(activity_id)
    with pytest.raises(ReadOnly, match="recurring calendar event"):
        world.activities_api.patch(world.user(), activity_id, {"subject": "Mine now"})
    with pytest.raises(ReadOnly):
        world.activities_api.delete(world.user(), activity_id)
    assert world.activity(activity_id) == before
    world.sync()
    assert world.activity(activity_id) == before


def test_a_changed_occurrence_updates_its_activity(world: World) -> None:
    account = world.connect()
    [_, second, _] = _series(world)
    world.sync()
    world.cal().update(world.cal().email, second, summary="Standup (moved)", location="Room 9")
    world.sync()
    activity = world.activity(world.imported_id(account, second))
    assert activity is not None
    assert (activity.subject, activity.location, activity.read_only) == (
        "Standup (moved)",
        "Room 9",
        True,
    )


def test_removing_one_occurrence_removes_its_activity(world: World) -> None:
    account = world.connect()
    ids = _series(world)
    world.sync()
    world.cal().delete(world.cal().email, ids[1])
    world.sync()
    remaining = [world.activity(world.imported_id(account, i)) is not None for i in ids]
    assert remaining == [True, False, True]


@pytest.mark.parametrize("sync_type", ["two_way", "one_way"])
def test_removing_the_series_removes_all_its_activities(world: World, sync_type: str) -> None:
    account = world.connect()
    ids = _series(world)
    world.sync()
    world.change_settings(account.id, sync_type=sync_type)
    world.sync()
    series = world.cal().events(world.cal().email)[0].recurring_event_id
    assert series is not None
    world.cal().delete_series(world.cal().email, series)
    world.clock.advance(timedelta(minutes=1))
    world.sync()
    assert all(world.activity(world.imported_id(account, i)) is None for i in ids)
    assert world.links(account.id) == []
