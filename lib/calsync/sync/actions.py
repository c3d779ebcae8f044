"""What the planner decides, as plain values the executor applies.

The planner never touches a port: it returns a list of these. CRM-side actions (activities,
links, outbox entries, merge records) are applied inside one storage transaction by
`executor.py`; a calendar write (`ports.EventWrite`) is sent by the push step, and its result is
planned again by `outcomes.py`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from calsync.domain.account import Account, SyncSettings
from calsync.domain.activity import Activity, ActivityOp
from calsync.domain.link import CONFLICT_RETENTION, Conflict, Link, Side
from calsync.ports import EventWrite


@dataclass(frozen=True)
class Scope:
    """What the planner knows about the account it plans for."""

    account: Account
    settings: SyncSettings
    now: datetime
    crm_base_url: str = "https://crm.example.com"

    @property
    def account_id(self) -> str:
        return self.account.id

    @property
    def company_id(self) -> str:
        return self.account.company_id

    @property
    def user_id(self) -> str:
        return self.account.user_id

    @property
    def calendar_id(self) -> str:
        return self.settings.calendar_id

    def owns(self, activity: Activity) -> bool:
        """Whether the activity is this account's user's (only those sync here)."""
        return activity.owner_id == self.user_id and activity.company_id == self.company_id


@dataclass(frozen=True)
class SaveActivity:
    """Write the activity. `fan_out`: queue it for the owner's other syncing accounts;
    `push_here`: queue it for this account too (its event must be brought up to date)."""

    activity: Activity
    fan_out: bool
    push_here: bool = False


@dataclass(frozen=True)
class RemoveActivity:
    """Delete the activity (queued for the owner's other syncing accounts if `fan_out`)."""

    activity: Activity
    fan_out: bool


@dataclass(frozen=True)
class PutLink:
    link: Link


@dataclass(frozen=True)
class DropLink:
    activity_id: str


@dataclass(frozen=True)
class QueuePush:
    """Put an outbox entry for this account: the push step will bring the event in line."""

    activity_id: str
    op: ActivityOp
    version: int


@dataclass(frozen=True)
class ClearOutbox:
    """Delete this account's outbox entry of the activity if its version is `upto` or older."""

    activity_id: str
    upto: int


@dataclass(frozen=True)
class Record:
    """Keep a merge decision (or a refused write) for the user to see."""

    conflict: Conflict


Action = SaveActivity | RemoveActivity | PutLink | DropLink | QueuePush | ClearOutbox | Record


@dataclass(frozen=True)
class PushStep:
    """The push planner's answer: a calendar write to send (or none) and CRM-side actions."""

    write: EventWrite | None = None
    actions: list[Action] = field(default_factory=list)


def decision(
    scope: Scope,
    *,
    activity_id: str,
    event_id: str,
    name: str,
    crm_value: str,
    calendar_value: str,
    winner: Side,
    reason: str,
) -> Record:
    """A merge record with an id derived from its content, so a re-run job records it once."""
    key = "\x00".join((scope.account_id, activity_id, event_id, name, crm_value, calendar_value))
    return Record(
        Conflict(
            id=hashlib.sha256(key.encode()).hexdigest()[:32],
            account_id=scope.account_id,
            activity_id=activity_id,
            event_id=event_id,
            field=name,
            crm_value=crm_value[:2000],
            calendar_value=calendar_value[:2000],
            winner=winner,
            reason=reason,
            decided_at=scope.now,
            expires_at=scope.now + CONFLICT_RETENTION,
        )
    )
