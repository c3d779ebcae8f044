"""What a calendar write's result means for the CRM side: the second half of the push table.

| write  | result   | meaning and actions                                                   |
|--------|----------|-----------------------------------------------------------------------|
| create | OK       | link the new event; clear the outbox entry                            |
| create | EXISTS   | ours (stamped with this activity): an earlier attempt succeeded, so   |
|        |          | link it and queue the push again to bring it up to date; anyone       |
|        |          | else's: refused, recorded                                             |
| update | OK       | move the link's base and marks; clear the outbox entry                |
| update | STALE    | the event changed since we read it: plan it as a calendar change      |
|        |          | (merge), which queues another push if the event still lacks something |
| update | GONE     | deleted in the calendar meanwhile: plan it as a removal               |
| delete | OK, GONE | done: drop the link, clear the outbox entry                           |
| delete | STALE    | the event changed since we read it: planned as a calendar change (an  |
|        |          | edit lost to a CRM deletion is recorded; one of an activity that      |
|        |          | stays is merged into it), then the delete goes again, If-Match as now |
| any    | REJECTED | permanently refused: recorded for the user, the entry cleared         |
| any    | RETRY    | transient: stop pushing; the entry stays for the next attempt         |
"""

from __future__ import annotations

from dataclasses import dataclass, field

from calsync.domain.activity import Activity, ActivityOp, Origin
from calsync.domain.event import CalendarEvent, RemovedEvent
from calsync.domain.ids import activity_id_from_event_id, event_id_for
from calsync.domain.link import Link, Side
from calsync.domain.mapping import fields_from_activity
from calsync.domain.schedule import evolve
from calsync.ports import CreateEvent, DeleteEvent, EventWrite, Outcome, UpdateEvent, WriteResult
from calsync.sync.actions import (
    Action,
    ClearOutbox,
    DropLink,
    PutLink,
    QueuePush,
    RemoveActivity,
    SaveActivity,
    Scope,
    decision,
)
from calsync.sync.planner import plan_change
from calsync.sync.settle import activity_marks, event_marks, new_link


@dataclass(frozen=True)
class Settled:
    actions: list[Action] = field(default_factory=list)
    retry: bool = False  # a transient failure: stop pushing, the entry stays


def plan_outcome(
    scope: Scope,
    *,
    write: EventWrite,
    result: WriteResult,
    pushed: Activity | None,
    activity: Activity | None,
    link: Link | None,
    version: int,
) -> Settled:
    """Actions for `result` of `write`. `pushed` is the activity the write was made from,
    `activity` and `link` are as they are now (re-read in the transaction that applies this)."""
    activity_id = pushed.id if pushed else (link.activity_id if link else "")
    clear = ClearOutbox(activity_id, version)
    if result.outcome is Outcome.RETRY:
        return Settled(retry=True)
    if result.outcome is Outcome.REJECTED:
        return Settled([_refusal(scope, activity_id, write, result.detail), clear])
    if isinstance(write, CreateEvent):
        return _created(scope, write, result=result, pushed=pushed, activity=activity, clear=clear)
    if result.outcome is Outcome.STALE and _displaced(result.event, link):
        # The id holds another activity's event now: this link's event is gone.
        result = WriteResult(Outcome.GONE, detail="the event was replaced")
    if isinstance(write, DeleteEvent):
        return _deleted(scope, result, activity=activity, link=link, clear=clear)
    assert isinstance(write, UpdateEvent)
    return _updated(
        scope, write, result=result, pushed=pushed, activity=activity, link=link, clear=clear
    )


def _created(
    scope: Scope,
    write: CreateEvent,
    *,
    result: WriteResult,
    pushed: Activity | None,
    activity: Activity | None,
    clear: ClearOutbox,
) -> Settled:
    event = result.event
    if pushed is None or event is None:
        return Settled(retry=True)
    if result.outcome is Outcome.OK:
        base = fields_from_activity(pushed, scope.settings)
        link = new_link(scope, event, pushed.id, Origin.CRM, base)
        return Settled([PutLink(evolve(link, **activity_marks(scope, pushed, base))), clear])
    if result.outcome is Outcome.EXISTS and _is_ours(event.id, event.crm_activity_id, pushed.id):
        # An earlier attempt made it: tie it to the activity as a pull would.
        actions = plan_change(scope, event, None, activity)
        return Settled(actions if _queues_push(actions) else [*actions, clear])
    detail = result.detail or "another event holds this id"
    return Settled([_refusal(scope, pushed.id, write, detail), clear])


def _updated(
    scope: Scope,
    write: UpdateEvent,
    *,
    result: WriteResult,
    pushed: Activity | None,
    activity: Activity | None,
    link: Link | None,
    clear: ClearOutbox,
) -> Settled:
    if result.outcome is Outcome.OK and result.event is not None and pushed and link:
        given = link.visibility_given
        base = fields_from_activity(pushed, scope.settings, link.base, given)
        marks = {**event_marks(result.event), **activity_marks(scope, pushed, base, given)}
        moved = evolve(link, base=base, event_base=None, updated_at=scope.now, **marks)
        return Settled([PutLink(moved), clear])
    if link is None:
        return Settled([clear])
    if result.outcome is Outcome.STALE and result.event is not None:
        actions = plan_change(scope, result.event, link, activity)
        return Settled(actions if _queues_push(actions) else [*actions, clear])
    if result.outcome is Outcome.GONE:
        removal = RemovedEvent(id=write.event_id, calendar_id=link.calendar_id)
        return Settled([*plan_change(scope, removal, link, activity), clear])
    return Settled(retry=True)


def _deleted(
    scope: Scope,
    result: WriteResult,
    *,
    activity: Activity | None,
    link: Link | None,
    clear: ClearOutbox,
) -> Settled:
    if result.outcome in (Outcome.OK, Outcome.GONE):
        return Settled([DropLink(clear.activity_id), clear])
    event = result.event
    if result.outcome is not Outcome.STALE or event is None or link is None:
        return Settled(retry=True)
    # The event changed since we read it (412): planned as a calendar change (the edit is
    # recorded as lost to the deletion, or merged into an activity that stays), then the
    # delete goes again with If-Match as the event is now.
    actions = plan_change(scope, event, link, activity)
    if any(isinstance(a, DropLink | RemoveActivity) for a in actions):
        return Settled([*actions, clear])
    if not any(isinstance(a, PutLink) for a in actions):
        actions.append(PutLink(evolve(link, updated_at=scope.now, **event_marks(event))))
    if not _queues_push(actions):
        op: ActivityOp = "delete" if activity is None else "upsert"
        version = activity.version if activity is not None else link.activity_version
        actions.append(QueuePush(link.activity_id, op, version))
    return Settled(actions)


def _queues_push(actions: list[Action]) -> bool:
    return any(
        isinstance(a, QueuePush) or (isinstance(a, SaveActivity) and a.push_here) for a in actions
    )


def _displaced(event: CalendarEvent | None, link: Link | None) -> bool:
    """Whether `event`, which holds the link's event id, is another activity's own event (the
    link's event was deleted, and calsync's create for that activity took the id again)."""
    if event is None or link is None or event.crm_activity_id in (None, link.activity_id):
        return False
    return activity_id_from_event_id(event.id) == event.crm_activity_id


def _is_ours(event_id: str, stamp: str | None, activity_id: str) -> bool:
    return stamp == activity_id and event_id == event_id_for(activity_id)


def _refusal(scope: Scope, activity_id: str, write: EventWrite, detail: str) -> Action:
    return decision(
        scope,
        activity_id=activity_id,
        event_id=write.event_id,
        name="*",
        crm_value=type(write).__name__,
        calendar_value=detail,
        winner=Side.CALENDAR,
        reason=f"The calendar refused a change calsync sent for this activity: {detail}",
    )
