"""Small builders for the planner and merge tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from calsync.domain import (
    Account,
    AccountStatus,
    Activity,
    CalendarEvent,
    Link,
    Origin,
    SyncSettings,
)
from calsync.domain.ids import event_id_for, imported_activity_id
from calsync.domain.mapping import (
    content_hash,
    fields_from_activity,
    fields_from_event,
    observed_content,
)
from calsync.domain.schedule import evolve
from calsync.sync.actions import Action, Scope

T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
ACCOUNT = Account(
    id="acc",
    company_id="c",
    user_id="ann",
    email="ann@example.com",
    status=AccountStatus.SYNCING,
    created_at=T0,
    updated_at=T0,
)


def scope(**settings: Any) -> Scope:
    chosen = SyncSettings(calendar_id="cal", include_deal_and_contact=False, **settings)
    return Scope(account=ACCOUNT, settings=chosen, now=T0)


def activity(activity_id: str = "a1", **changes: Any) -> Activity:
    base = Activity(
        id=activity_id,
        company_id="c",
        owner_id="ann",
        type="meeting",
        subject="Review",
        start=T0 + timedelta(days=1),
        end=T0 + timedelta(days=1, hours=1),
        created_at=T0 - timedelta(hours=1),
        updated_at=T0 - timedelta(hours=1),
    )
    return evolve(base, **changes)


def event(event_id: str = "", **changes: Any) -> CalendarEvent:
    base = CalendarEvent(
        id=event_id or event_id_for("a1"),
        calendar_id="cal",
        etag='"1"',
        summary="Review",
        start=T0 + timedelta(days=1),
        end=T0 + timedelta(days=1, hours=1),
        updated=T0 - timedelta(hours=1),
        crm_activity_id="a1",
    )
    return evolve(base, **changes)


def imported(event_id: str = "u1", **changes: Any) -> tuple[Activity, CalendarEvent]:
    """A calendar-born activity and its event."""
    made = activity(
        imported_activity_id(ACCOUNT, "cal", event_id),
        origin=Origin.CALENDAR,
        source_account_id="acc",
        **changes,
    )
    return made, event(event_id, crm_activity_id=None)


def link(act: Activity, ev: CalendarEvent, **changes: Any) -> Link:
    """A link as after a sync where both sides agreed on `ev`'s content."""
    settings = scope().settings
    base = fields_from_event(ev)
    made = Link(
        activity_id=act.id,
        event_id=ev.id,
        calendar_id=ev.calendar_id,
        origin=act.origin,
        event_etag=ev.etag,
        event_hash=content_hash(observed_content(ev)),
        activity_version=act.version,
        activity_hash=content_hash(fields_from_activity(act, settings, base)),
        base=base,
        activity_type=act.type,
        read_only=ev.read_only,
        recurring_event_id=ev.recurring_event_id,
        updated_at=T0,
    )
    return evolve(made, **changes)


def kinds(actions: list[Action]) -> list[str]:
    return [type(action).__name__ for action in actions]
