"""Helpers of the Google adapter tests (test_google_adapter*.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from calsync.domain import CalendarEvent, SyncedFields
from calsync.ports import CreateEvent, Outcome

from tests.integration.google_world import GoogleRig

START = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
ID = "crm0abcdef12345"


def fields(**changes: object) -> SyncedFields:
    values: dict[str, object] = {
        "start": START,
        "end": START + timedelta(hours=1),
        "timezone": "America/New_York",
        "subject": "Pitch",
        "attendees": ("bob@example.com",),
        **changes,
    }
    return SyncedFields.model_validate(values)


def create(rig: GoogleRig, event_id: str = ID, **changes: object) -> CalendarEvent:
    [result] = rig.provider.write(rig.calendar_id, [CreateEvent(event_id, fields(**changes), "a1")])
    assert result.outcome is Outcome.OK, result.detail
    assert result.event is not None
    return result.event


def pull(rig: GoogleRig, cursor: str | None = None) -> tuple[list[object], str | None]:
    pages = list(rig.provider.changes(rig.calendar_id, cursor, window_start=START))
    return [c for page in pages for c in page.changes], pages[-1].cursor


def user_event(rig: GoogleRig, hours: int, **changes: object) -> CalendarEvent:
    values: dict[str, object] = {
        "id": "",
        "calendar_id": rig.calendar_id,
        "summary": f"user {hours}",
        "start": START + timedelta(hours=hours),
        "end": START + timedelta(hours=hours + 1),
        **changes,
    }
    return CalendarEvent.model_validate(values)
