"""Applying planned CRM-side actions inside one storage transaction.

`apply_actions` does the few reads the actions need (the owner's syncing accounts when a change
fans out, the outbox entries it may clear), then all writes: activities through `outbox.py`
(so every other syncing account of the owner hears of the change, in the same transaction),
links, this account's outbox entries and merge records. Callers do their own reads first, as
transactions require.
"""

from __future__ import annotations

from collections.abc import Sequence

from calsync.domain.account import Account
from calsync.domain.link import OutboxEntry
from calsync.ports import UnitOfWork
from calsync.sync.actions import (
    Action,
    ClearOutbox,
    DropLink,
    PutLink,
    QueuePush,
    Record,
    RemoveActivity,
    SaveActivity,
    Scope,
)
from calsync.sync.outbox import delete_activity, save_activity, syncing_accounts


def _fans_out(action: Action) -> bool:
    return isinstance(action, SaveActivity | RemoveActivity) and action.fan_out


def apply_actions(uow: UnitOfWork, scope: Scope, actions: Sequence[Action]) -> None:
    """Read what `actions` need, then write them all (one outbox write per activity at most)."""
    others: dict[str, list[Account]] = {}
    for action in actions:
        if _fans_out(action):
            assert isinstance(action, SaveActivity | RemoveActivity)
            owner = action.activity.owner_id
            if owner not in others:
                found = syncing_accounts(uow, scope.company_id, owner)
                others[owner] = [a for a in found if a.id != scope.account_id]
    queued = {a.activity_id for a in actions if isinstance(a, QueuePush)}
    queued |= {a.activity.id for a in actions if isinstance(a, SaveActivity) and a.push_here}
    to_clear = {
        a.activity_id: uow.outbox.get(scope.account_id, a.activity_id)
        for a in actions
        if isinstance(a, ClearOutbox) and a.activity_id not in queued
    }
    for action in actions:
        _write(uow, scope, action, others, to_clear)


def _write(
    uow: UnitOfWork,
    scope: Scope,
    action: Action,
    others: dict[str, list[Account]],
    to_clear: dict[str, OutboxEntry | None],
) -> None:
    if isinstance(action, SaveActivity):
        accounts = list(others.get(action.activity.owner_id, [])) if action.fan_out else []
        if action.push_here:
            accounts.append(scope.account)
        save_activity(uow, action.activity, accounts, scope.now)
    elif isinstance(action, RemoveActivity):
        accounts = others.get(action.activity.owner_id, []) if action.fan_out else []
        delete_activity(uow, action.activity, accounts, scope.now)
    elif isinstance(action, PutLink):
        uow.links.put(scope.account_id, action.link)
    elif isinstance(action, DropLink):
        uow.links.delete(scope.account_id, action.activity_id)
    elif isinstance(action, QueuePush):
        entry = OutboxEntry(
            account_id=scope.account_id,
            activity_id=action.activity_id,
            op=action.op,
            activity_version=action.version,
            enqueued_at=scope.now,
        )
        uow.outbox.put(entry)
    elif isinstance(action, ClearOutbox):
        stored = to_clear.pop(action.activity_id, None)
        if stored is not None and stored.activity_version <= action.upto:
            uow.outbox.delete(scope.account_id, action.activity_id)
    elif isinstance(action, Record):
        uow.conflicts.add(action.conflict)
