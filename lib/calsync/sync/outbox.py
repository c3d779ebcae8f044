"""Recording a CRM activity change for every calendar account that must hear of it.

Used inside one transaction by everything that changes activities (the activities API, and the
engine when a calendar change updates an activity that other accounts also sync): the activity
write and its outbox entries commit together, so a change can never be stored but forgotten.
Reads first (`syncing_accounts`), writes after (`save_activity` / `delete_activity`), as
Firestore transactions require.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from calsync.domain.account import Account
from calsync.domain.activity import Activity, ActivityOp
from calsync.domain.link import OutboxEntry
from calsync.ports import UnitOfWork


def syncing_accounts(uow: UnitOfWork, company_id: str, owner_id: str) -> list[Account]:
    """The owner's accounts that currently sync (only those get outbox entries)."""
    return [a for a in uow.accounts.for_user(company_id, owner_id) if a.is_syncing]


def _queue(
    uow: UnitOfWork,
    activity: Activity,
    op: ActivityOp,
    accounts: Sequence[Account],
    *,
    now: datetime,
    skip_account: str | None,
) -> list[str]:
    queued = []
    for account in accounts:
        if account.id == skip_account or account.company_id != activity.company_id:
            continue
        entry = OutboxEntry(
            account_id=account.id,
            activity_id=activity.id,
            op=op,
            activity_version=activity.version,
            enqueued_at=now,
        )
        uow.outbox.put(entry)
        queued.append(account.id)
    return queued


def save_activity(
    uow: UnitOfWork,
    activity: Activity,
    accounts: Sequence[Account],
    now: datetime,
    *,
    skip_account: str | None = None,
) -> list[str]:
    """Write `activity` (its version already bumped by the caller) and queue it for `accounts`
    (except `skip_account`, whose calendar the change came from). Returns the queued account
    ids: the caller enqueues a sync job for each after the transaction commits."""
    uow.activities.put(activity)
    return _queue(uow, activity, "upsert", accounts, now=now, skip_account=skip_account)


def delete_activity(
    uow: UnitOfWork,
    activity: Activity,
    accounts: Sequence[Account],
    now: datetime,
    *,
    skip_account: str | None = None,
) -> list[str]:
    """Delete `activity` and queue the deletion for `accounts`; returns the queued account ids."""
    uow.activities.delete(activity.company_id, activity.id)
    return _queue(uow, activity, "delete", accounts, now=now, skip_account=skip_account)
