"""The CalendarProvider contract, for every adapter (the `calendar` fixture in conftest.py).

What calsync relies on: client-chosen ids and what a taken id answers, If-Match, deletions,
restores, cursors with removals, full listings, paging, expired cursors, recurring occurrences,
moves between calendars, push channels, and the errors of a dead authorization.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from calsync.domain import CalendarEvent, RemovedEvent, SyncedFields
from calsync.errors import CursorExpired, ProviderAuthError, ProviderRejected, ProviderUnavailable
from calsync.ports import (
    ChangePage,
    CreateEvent,
    DeleteEvent,
    MoveEvent,
    Outcome,
    UpdateEvent,
)

from tests.contract.conftest import CalendarCase

ID = "crm0abcdef12345"


def fields(case: CalendarCase, hours: int = 24, **changes: object) -> SyncedFields:
    start = case.clock.now() + timedelta(hours=hours)
    values: dict[str, object] = {
        "start": start,
        "end": start + timedelta(hours=1),
        "timezone": "Europe/Berlin",
        "subject": "Review",
        "location": "Room 1",
        "description": "Agenda",
        "attendees": ("bob@example.com",),
        "conference_url": "https://meet.example.com/x",
        **changes,
    }
    return SyncedFields.model_validate(values)


def user_event(case: CalendarCase, hours: int = 24, **changes: object) -> CalendarEvent:
    start = case.clock.now() + timedelta(hours=hours)
    values: dict[str, object] = {
        "id": "",
        "calendar_id": case.calendar_id,
        "summary": "Dentist",
        "start": start,
        "end": start + timedelta(hours=1),
        **changes,
    }
    return CalendarEvent.model_validate(values)


def create(case: CalendarCase, event_id: str = ID, **changes: object) -> CalendarEvent:
    [result] = case.provider.write(
        case.calendar_id, [CreateEvent(event_id, fields(case, **changes), activity_id="a1")]
    )
    assert result.outcome is Outcome.OK, result.detail
    assert result.event is not None
    return result.event


def pull(case: CalendarCase, cursor: str | None) -> tuple[list[ChangePage], str]:
    pages = list(case.provider.changes(case.calendar_id, cursor, window_start=case.clock.now()))
    assert all(page.cursor is None for page in pages[:-1])
    assert pages[-1].cursor is not None
    return pages, pages[-1].cursor


def changes(case: CalendarCase, cursor: str | None) -> tuple[list[object], str]:
    pages, new_cursor = pull(case, cursor)
    return [change for page in pages for change in page.changes], new_cursor


# -- calendars ----------------------------------------------------------------------------------


def test_calendars_lists_the_users_writable_calendars(calendar: CalendarCase) -> None:
    found = {c.id: c for c in calendar.provider.calendars()}
    assert calendar.calendar_id in found
    assert found[calendar.calendar_id].writable
    made = calendar.provider.create_calendar("CRM activities", "Europe/Berlin")
    listed = {c.id: c for c in calendar.provider.calendars()}
    assert listed[made.id].name == "CRM activities"
    assert listed[made.id].writable


def test_unknown_calendar_is_rejected(calendar: CalendarCase) -> None:
    with pytest.raises(ProviderRejected):
        list(calendar.provider.changes("nope@example.com", None, window_start=calendar.clock.now()))


# -- writes -------------------------------------------------------------------------------------


def test_create_with_a_client_id_keeps_every_field(calendar: CalendarCase) -> None:
    event = create(calendar)
    assert event.id == ID
    assert event.crm_activity_id == "a1"
    assert event.etag
    got = calendar.provider.get(calendar.calendar_id, ID)
    assert got is not None
    assert got.timezone == "Europe/Berlin"
    assert (got.summary, got.location, got.description) == ("Review", "Room 1", "Agenda")
    assert got.attendees == ("bob@example.com",)
    assert got.conference_url == "https://meet.example.com/x"
    assert got.start == fields(calendar).start


def test_all_day_events_keep_inclusive_dates(calendar: CalendarCase) -> None:
    day = (calendar.clock.now() + timedelta(days=3)).date()
    allday = {"start": None, "end": None, "start_date": day, "end_date": day + timedelta(days=1)}
    create(calendar, **allday)
    got = calendar.provider.get(calendar.calendar_id, ID)
    assert got is not None
    assert (got.start_date, got.end_date) == (day, day + timedelta(days=1))
    assert got.start is None


def test_a_taken_id_answers_exists_with_the_holder(calendar: CalendarCase) -> None:
    create(calendar)
    [again] = calendar.provider.write(
        calendar.calendar_id, [CreateEvent(ID, fields(calendar, subject="x"), activity_id="a1")]
    )
    assert again.outcome is Outcome.EXISTS
    assert again.event is not None
    assert again.event.crm_activity_id == "a1"
    assert calendar.provider.get(calendar.calendar_id, ID).summary == "Review"


@pytest.mark.parametrize("bad_id", ["ABCDEF12345", "abc", "crm0_with_underscore", "w" * 10])
def test_ids_outside_base32hex_are_rejected(calendar: CalendarCase, bad_id: str) -> None:
    [result] = calendar.provider.write(
        calendar.calendar_id, [CreateEvent(bad_id, fields(calendar), activity_id="a1")]
    )
    assert result.outcome is Outcome.REJECTED
    assert result.detail


def test_a_deleted_id_is_restored_by_a_create(calendar: CalendarCase) -> None:
    create(calendar)
    calendar.provider.write(calendar.calendar_id, [DeleteEvent(ID)])
    restored = create(calendar, subject="Back again")
    assert restored.id == ID
    assert calendar.provider.get(calendar.calendar_id, ID).summary == "Back again"


def test_update_with_if_match(calendar: CalendarCase) -> None:
    event = create(calendar)
    [ok] = calendar.provider.write(
        calendar.calendar_id,
        [UpdateEvent(ID, fields(calendar, subject="New"), if_match=event.etag)],
    )
    assert ok.outcome is Outcome.OK
    assert ok.event is not None
    assert ok.event.etag != event.etag
    assert ok.event.summary == "New"
    assert ok.event.crm_activity_id == "a1"  # the stamp survives updates
    [stale] = calendar.provider.write(
        calendar.calendar_id,
        [UpdateEvent(ID, fields(calendar, subject="Old"), if_match=event.etag)],
    )
    assert stale.outcome is Outcome.STALE
    assert stale.event is not None
    assert stale.event.summary == "New"


def test_a_user_edit_makes_an_if_match_stale(calendar: CalendarCase) -> None:
    event = create(calendar)
    calendar.user.update(calendar.calendar_id, ID, summary="Edited by the user")
    [stale] = calendar.provider.write(
        calendar.calendar_id, [UpdateEvent(ID, fields(calendar), if_match=event.etag)]
    )
    assert stale.outcome is Outcome.STALE
    assert stale.event is not None
    assert stale.event.summary == "Edited by the user"


def test_writes_to_missing_events_are_gone(calendar: CalendarCase) -> None:
    results = calendar.provider.write(
        calendar.calendar_id,
        [UpdateEvent("crm0nothere1", fields(calendar)), DeleteEvent("crm0nothere1")],
    )
    assert [r.outcome for r in results] == [Outcome.GONE, Outcome.GONE]


def test_delete_then_get_and_delete_again(calendar: CalendarCase) -> None:
    event = create(calendar)
    [stale] = calendar.provider.write(calendar.calendar_id, [DeleteEvent(ID, if_match='"0"')])
    assert stale.outcome is Outcome.STALE
    [ok] = calendar.provider.write(calendar.calendar_id, [DeleteEvent(ID, if_match=event.etag)])
    assert ok.outcome is Outcome.OK
    assert calendar.provider.get(calendar.calendar_id, ID) is None
    [gone] = calendar.provider.write(calendar.calendar_id, [DeleteEvent(ID)])
    assert gone.outcome is Outcome.GONE


def test_one_call_answers_each_write_in_order(calendar: CalendarCase) -> None:
    ids = [f"crm0batch{i:03d}" for i in range(60)]
    results = calendar.provider.write(
        calendar.calendar_id,
        [CreateEvent(i, fields(calendar, subject=i), activity_id=i) for i in ids],
    )
    assert [r.outcome for r in results] == [Outcome.OK] * 60
    assert [r.event.id for r in results if r.event] == ids


def test_move_to_another_calendar_keeps_the_id(calendar: CalendarCase) -> None:
    other = calendar.user.add_calendar("Work")
    _, cursor = changes(calendar, None)
    create(calendar)
    [moved] = calendar.provider.write(calendar.calendar_id, [MoveEvent(ID, other)])
    assert moved.outcome is Outcome.OK
    assert calendar.provider.get(calendar.calendar_id, ID) is None
    there = calendar.provider.get(other, ID)
    assert there is not None
    assert there.summary == "Review"
    found, _ = changes(calendar, cursor)
    assert RemovedEvent(id=ID, calendar_id=calendar.calendar_id) in found


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


# -- channels, errors ---------------------------------------------------------------------------


def test_watch_and_stop(calendar: CalendarCase) -> None:
    channel = calendar.provider.watch(
        calendar.calendar_id,
        channel_id="ch-1",
        address="https://hooks.example.com/google",
        token="secret-token",
        ttl=timedelta(hours=1),
    )
    assert channel.id == "ch-1"
    assert channel.resource_id
    assert channel.expires_at.tzinfo is not None
    calendar.provider.stop_watch(channel.id, channel.resource_id)


def test_a_revoked_authorization_raises_provider_auth_error(calendar: CalendarCase) -> None:
    calendar.user.revoke()
    with pytest.raises(ProviderAuthError):
        calendar.provider.calendars()
    with pytest.raises(ProviderAuthError):
        calendar.provider.write(calendar.calendar_id, [DeleteEvent(ID)])


def test_a_failed_call_raises_and_the_next_one_works(calendar: CalendarCase) -> None:
    calendar.user.fail_next("events.list", ProviderUnavailable("503"))
    with pytest.raises(ProviderUnavailable):
        changes(calendar, None)
    assert changes(calendar, None)[0] == []


def test_a_lost_response_still_took_effect(calendar: CalendarCase) -> None:
    calendar.user.fail_next("events.insert", ProviderUnavailable("timeout"), after=True)
    with pytest.raises(ProviderUnavailable):
        calendar.provider.write(calendar.calendar_id, [CreateEvent(ID, fields(calendar), "a1")])
    [again] = calendar.provider.write(
        calendar.calendar_id, [CreateEvent(ID, fields(calendar), "a1")]
    )
    assert again.outcome is Outcome.EXISTS
