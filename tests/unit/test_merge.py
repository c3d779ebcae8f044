"""The field-level three-way merge, case by case."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from calsync.domain import Side, SyncedFields
from calsync.domain.merge import merge
from calsync.domain.schedule import evolve

from tests.unit.builders import T0

BASE = SyncedFields(
    start=T0, end=T0 + timedelta(hours=1), subject="s", location="l", attendees=("a@x.io",)
)
EARLY, LATE = T0, T0 + timedelta(minutes=5)


@pytest.mark.parametrize(
    "case",
    [
        ({}, {}, EARLY, LATE, {}, []),
        ({"subject": "c"}, {}, EARLY, LATE, {"subject": "c"}, []),
        ({}, {"subject": "k"}, LATE, EARLY, {"subject": "k"}, []),
        ({"subject": "same"}, {"subject": "same"}, EARLY, LATE, {"subject": "same"}, []),
        ({"subject": "c"}, {"location": "k"}, EARLY, LATE, {"subject": "c", "location": "k"}, []),
        (
            {"subject": "c"},
            {"subject": "k"},
            EARLY,
            LATE,
            {"subject": "k"},
            [("subject", Side.CALENDAR)],
        ),
        (
            {"subject": "c"},
            {"subject": "k"},
            LATE,
            EARLY,
            {"subject": "c"},
            [("subject", Side.CRM)],
        ),
        (
            {"subject": "c"},
            {"subject": "k"},
            EARLY,
            EARLY,
            {"subject": "c"},
            [("subject", Side.CRM)],
        ),
        (
            {"subject": "c"},
            {"subject": "k"},
            EARLY,
            None,
            {"subject": "c"},
            [("subject", Side.CRM)],
        ),
        (
            {"busy": False},
            {"busy": False, "private": True},
            EARLY,
            LATE,
            {"busy": False, "private": True},
            [],
        ),
    ],
    ids=[
        "nothing changed",
        "crm only",
        "calendar only",
        "same value both",
        "different fields",
        "same field, calendar later",
        "same field, crm later",
        "a tie goes to the crm",
        "unknown calendar time goes to the crm",
        "flags",
    ],
)
def test_field_cases(case: tuple[Any, ...]) -> None:
    crm, cal, crm_at, cal_at, expected, decisions = case
    result = merge(
        BASE,
        evolve(BASE, **crm),
        evolve(BASE, **cal),
        crm_changed_at=crm_at,
        calendar_changed_at=cal_at,
    )
    assert result.fields == evolve(BASE, **expected)
    assert [(d.field, d.winner) for d in result.decisions] == decisions


def test_the_schedule_merges_as_one_field() -> None:
    crm = evolve(BASE, start=T0 + timedelta(hours=1), end=T0 + timedelta(hours=2))
    cal = evolve(BASE, end=T0 + timedelta(hours=3))
    result = merge(BASE, crm, cal, crm_changed_at=EARLY, calendar_changed_at=LATE)
    assert (result.fields.start, result.fields.end) == (T0, T0 + timedelta(hours=3))
    [decision] = result.decisions
    assert decision.field == "when"
    assert "to" in decision.crm_value


def test_attendees_merge_as_a_set_without_conflicts() -> None:
    crm = evolve(BASE, attendees=("a@x.io", "b@x.io"))
    cal = evolve(BASE, attendees=("c@x.io",))
    result = merge(BASE, crm, cal, crm_changed_at=EARLY, calendar_changed_at=LATE)
    assert result.fields.attendees == ("b@x.io", "c@x.io")
    assert result.decisions == ()


def test_each_field_is_judged_by_its_own_crm_time() -> None:
    """The activity changed last (its subject), but its location changed before the calendar's:
    the calendar's location wins, the CRM's subject stays."""
    crm = evolve(BASE, subject="crm", location="crm room")
    calendar = evolve(BASE, location="calendar room")
    result = merge(
        BASE,
        crm,
        calendar,
        crm_changed_at=LATE + timedelta(minutes=1),
        calendar_changed_at=LATE,
        crm_field_times={"location": EARLY, "subject": LATE + timedelta(minutes=1)},
    )
    assert (result.fields.subject, result.fields.location) == ("crm", "calendar room")
    assert [(d.field, d.winner) for d in result.decisions] == [("location", Side.CALENDAR)]


def test_a_field_without_its_own_time_is_judged_by_the_activitys() -> None:
    crm, calendar = evolve(BASE, location="crm room"), evolve(BASE, location="calendar room")
    result = merge(
        BASE, crm, calendar, crm_changed_at=LATE, calendar_changed_at=EARLY, crm_field_times={}
    )
    assert result.fields.location == "crm room"
