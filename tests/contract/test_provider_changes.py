"""The CalendarProvider contract, changes: full listings, cursors with removals, paging,
expired cursors and recurring occurrences.

Runs for every adapter of the `calendar` fixture (tests/contract/conftest.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from calsync.domain import CalendarEvent, RemovedEvent
from calsync.errors import CursorExpired

from tests.contract.conftest import CalendarCase
from tests.contract.provider_helpers import ID, changes, create, pull, user_event

# -- changes ------------------------------------------------------------------------------------


def test_full_listing_shows_live_events_ending_after_the_window(calendar: CalendarCase) -> None:
    kept = calendar.user.create(calendar.calendar_id, user_event(calendar, 5))
    calendar.user.create(calendar.calendar_id, user_event(calendar, -5, summary="past"))
    gone = calendar.user.create(calendar.calendar_id, user_event(calendar, 7))
    calendar.user.delete(calendar.calendar_id, gone.id)
    found, _ = changes(calendar, None)
    assert [c.id for c in found if isinstance(c, CalendarEvent)] == [kept.id]
    assert not any(isinstance(c, RemovedEvent) for c in found)


def test_full_listing_pages(calendar: CalendarCase) -> None:
    count = calendar.page_size * 2 + 1
    made = {
        calendar.user.create(calendar.calendar_id, user_event(calendar, h)).id
        for h in range(1, count + 1)
    }
    pages, _ = pull(calendar, None)
    assert len(pages) >= 3
    assert all(len(page.changes) <= calendar.page_size for page in pages)
    seen = [c.id for page in pages for c in page.changes]
    assert sorted(seen) == sorted(made)


def test_incremental_changes_since_a_cursor(calendar: CalendarCase) -> None:
    before = calendar.user.create(calendar.calendar_id, user_event(calendar, 3))
    _, cursor = changes(calendar, None)
    found, cursor = changes(calendar, cursor)
    assert found == []
    new = calendar.user.create(calendar.calendar_id, user_event(calendar, 4, summary="New"))
    calendar.user.update(calendar.calendar_id, before.id, summary="Edited")
    ours = create(calendar)
    found, cursor = changes(calendar, cursor)
    by_id = {c.id: c for c in found}
    assert set(by_id) == {new.id, before.id, ID}
    assert by_id[before.id].summary == "Edited"
    assert by_id[ID].etag == ours.etag
    calendar.user.delete(calendar.calendar_id, new.id)
    found, _ = changes(calendar, cursor)
    assert found == [RemovedEvent(id=new.id, calendar_id=calendar.calendar_id)]


def test_incremental_changes_page_too(calendar: CalendarCase) -> None:
    _, cursor = changes(calendar, None)
    for hours in range(1, calendar.page_size * 2 + 2):
        calendar.user.create(calendar.calendar_id, user_event(calendar, hours))
    pages, _ = pull(calendar, cursor)
    assert len(pages) >= 3
    assert sum(len(p.changes) for p in pages) == calendar.page_size * 2 + 1


def test_an_invalidated_cursor_raises_cursor_expired(calendar: CalendarCase) -> None:
    _, cursor = changes(calendar, None)
    calendar.user.invalidate_cursors(calendar.calendar_id)
    with pytest.raises(CursorExpired):
        changes(calendar, cursor)
    found, _ = changes(calendar, None)  # a full listing still works
    assert found == []


def test_recurring_series_arrive_as_read_only_occurrences(calendar: CalendarCase) -> None:
    now = calendar.clock.now()
    starts = [now + timedelta(days=d) for d in (1, 8, 15)]
    _, cursor = changes(calendar, None)
    made = calendar.user.create_series(
        calendar.calendar_id, user_event(calendar, 24, summary="Weekly"), starts
    )
    found, cursor = changes(calendar, cursor)
    occurrences = [c for c in found if isinstance(c, CalendarEvent)]
    assert len(occurrences) == 3
    series = {c.recurring_event_id for c in occurrences}
    assert len(series) == 1
    assert None not in series
    assert all(c.read_only for c in occurrences)
    calendar.user.delete(calendar.calendar_id, made[1].id)
    found, cursor = changes(calendar, cursor)
    assert [c.id for c in found] == [made[1].id]
    [series_id] = series
    assert series_id is not None
    calendar.user.delete_series(calendar.calendar_id, series_id)
    found, _ = changes(calendar, cursor)
    assert {c.id for c in found} == {made[0].id, made[2].id}
    assert all(isinstance(c, RemovedEvent) and c.recurring_event_id == series_id for c in found)


def test_all_day_user_events_list_with_dates(calendar: CalendarCase) -> None:
    day = (calendar.clock.now() + timedelta(days=2)).date()
    event = user_event(calendar, start=None, end=None, start_date=day, end_date=day)
    calendar.user.create(calendar.calendar_id, event)
    found, _ = changes(calendar, None)
    assert [(c.start_date, c.end_date) for c in found] == [(day, day)]
