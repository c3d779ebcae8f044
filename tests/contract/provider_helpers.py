"""Helpers of the CalendarProvider contract suites."""

from __future__ import annotations

from datetime import timedelta

from calsync.domain import CalendarEvent, SyncedFields
from calsync.ports import ChangePage, CreateEvent, Outcome

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
