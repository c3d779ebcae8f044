"""Sample domain objects for the contract suites."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from calsync.domain import (
    Account,
    AccountStatus,
    Activity,
    Conflict,
    OutboxEntry,
    Side,
    SyncSettings,
)
from calsync.domain.activity import Origin
from calsync.domain.link import Link
from calsync.domain.schedule import evolve

T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


def account(account_id: str = "acc1", user: str = "u1", **changes: object) -> Account:
    base = Account(
        id=account_id,
        company_id="c1",
        user_id=user,
        email=f"{user}@example.com",
        status=AccountStatus.SYNCING,
        settings=SyncSettings(calendar_id=f"{user}@example.com"),
        created_at=T0,
        updated_at=T0,
    )
    return evolve(base, **changes)


def activity(
    activity_id: str, *, owner: str = "u1", hours: int = 24, **changes: object
) -> Activity:
    start = T0 + timedelta(hours=hours)
    base = Activity(
        id=activity_id,
        company_id="c1",
        owner_id=owner,
        type="meeting",
        subject=f"subject {activity_id}",
        start=start,
        end=start + timedelta(hours=1),
        created_at=T0,
        updated_at=T0,
    )
    return evolve(base, **changes)


def link(activity_id: str, event_id: str = "", **changes: object) -> Link:
    base = Link(
        activity_id=activity_id,
        event_id=event_id or f"ev{activity_id}",
        calendar_id="cal",
        origin=Origin.CRM,
        updated_at=T0,
    )
    return evolve(base, **changes)


def entry(
    activity_id: str, minutes: int = 0, account_id: str = "acc1", version: int = 1
) -> OutboxEntry:
    return OutboxEntry(
        account_id=account_id,
        activity_id=activity_id,
        op="upsert",
        activity_version=version,
        enqueued_at=T0 + timedelta(minutes=minutes),
    )


def conflict(conflict_id: str, minutes: int = 0, account_id: str = "acc1") -> Conflict:
    """A CRM-won conflict over an activity's subject, decided `minutes` after T0."""
    return Conflict(
        id=conflict_id,
        account_id=account_id,
        activity_id="a",
        event_id="e",
        field="subject",
        crm_value="x",
        calendar_value="y",
        winner=Side.CRM,
        reason="r",
        decided_at=T0 + timedelta(minutes=minutes),
    )
