"""The sync decision table: what to do about one item, given both sides and the link.

Pure functions, in the manner of vdirsyncer's `sync/__init__.py`: every case is one branch with
one comment saying what happened. Two entry points:

- `plan_change` (here): the calendar reported an event (or its removal) during a pull;
- `push_plan.plan_push`: an activity has an outbox entry (or a settings change asks to push it).

A pull never writes to the calendar itself: when the CRM's side must reach the event, it queues
an outbox entry for its own account (`QueuePush`, or `SaveActivity(push_here=True)`), and the
push step that follows sends it. So every calendar write goes through one path, with If-Match.
"""

from __future__ import annotations

from calsync.domain.account import PrivateEvents, SyncType
from calsync.domain.activity import Activity, Origin, Visibility
from calsync.domain.event import CalendarEvent, EventChange, RemovedEvent
from calsync.domain.ids import activity_id_from_event_id
from calsync.domain.link import Link, LinkState, Side
from calsync.domain.mapping import (
    activity_from_event,
    any_future,
    fields_from_activity,
    fields_from_event,
    follows_policy,
    is_future,
)
from calsync.domain.merge import MergeResult, calendar_wins, merge
from calsync.domain.schedule import evolve
from calsync.sync.actions import (
    Action,
    DropLink,
    PutLink,
    QueuePush,
    RemoveActivity,
    SaveActivity,
    Scope,
)
from calsync.sync.settle import (
    calendar_changed,
    deletion_record,
    event_marks,
    linked_to,
    new_link,
    records,
    settle,
    tie,
)


def plan_change(
    scope: Scope,
    change: EventChange,
    link: Link | None,
    activity: Activity | None,
    *,
    reevaluate: bool = False,
) -> list[Action]:
    """Actions for one change the calendar reported. `link` and `activity` are what the CRM
    side holds for it (see `ids.activity_ids_for_event`); `reevaluate` re-applies the
    visibility and private-event policies even to events that did not change."""
    if isinstance(change, RemovedEvent):
        return _removed(scope, change, link, activity)
    if link is None:
        return _unlinked(scope, change, activity)
    return _linked(scope, change, link, activity, reevaluate)


def _linked(  # noqa: PLR0911 - a decision table: one return per case
    scope: Scope, event: CalendarEvent, link: Link, activity: Activity | None, reevaluate: bool
) -> list[Action]:
    if link.state is LinkState.DETACHED:
        # One-way sync: the user deleted this event once and the activity went its own way;
        # the event coming back (restored) does not tie them again.
        return []
    if link.state is LinkState.RELEASED:
        # Its calendar is synced again: tie the pair again, from where they were.
        revived = evolve(link, state=LinkState.LINKED, updated_at=scope.now)
        actions = _linked(scope, event, revived, activity, reevaluate=True)
        if not any(isinstance(a, PutLink | DropLink) for a in actions):
            actions.append(PutLink(revived))
        return actions
    if event.etag == link.event_etag and not reevaluate:
        # Nothing new: our own write coming back, or a change already taken.
        return []
    if activity is None:
        return _deleted_in_crm(scope, event, link)
    if activity.owner_id != scope.user_id:
        # The activity changed hands in the CRM: the push takes it out of this calendar (a
        # calendar edit made since the last sync goes with it, recorded).
        return _leaving(scope, event, link, QueuePush(activity.id, "upsert", activity.version))
    if not any_future(scope.now, event, activity, link.base):
        # Edits to past items are not propagated (the pair is over on both sides).
        return []
    if _private_import(scope, event, link, activity):
        # An imported event made private in the calendar, under "don't sync private events":
        # it leaves the CRM (two-way), or is just unlinked (one-way, where the CRM is the
        # source). (Privacy the CRM user asked for, "only me", is theirs: it stays.)
        if scope.settings.sync_type is SyncType.ONE_WAY:
            return [DropLink(activity.id)]
        # What a merge would decide is recorded, and so is the loss of CRM changes the event
        # lacks and of what only the CRM held (its note, linked items, done flag).
        result = _merged(scope, event, link, activity)
        leaving: list[Action] = [RemoveActivity(activity, fan_out=False), DropLink(activity.id)]
        leaving += records(scope, activity.id, event.id, result)
        lost = result.fields != fields_from_event(event) or crm_work(scope, activity, link)
        if lost or unsynced(activity, link):
            leaving.append(deletion_record(scope, activity.id, event.id, winner=Side.CALENDAR))
        return leaving
    crm = fields_from_activity(activity, scope.settings, link.base, link.visibility_given)
    if activity.read_only or event.read_only:
        # Read-only in the CRM (occurrences of recurring events, special event types): the
        # calendar's version is the truth (CRM changes it overrides are recorded).
        return settle(
            scope, event, link, activity, calendar_wins(link.base, crm, fields_from_event(event))
        )
    # Changed in the calendar (and maybe in the CRM too): merge field by field.
    return settle(scope, event, link, activity, _merged(scope, event, link, activity))


def _unlinked(  # noqa: PLR0911 - a decision table: one return per case
    scope: Scope, event: CalendarEvent, activity: Activity | None
) -> list[Action]:
    if not is_future(event, scope.now):
        # The past is left alone.
        return []
    owner_id = activity_id_from_event_id(event.id)
    if owner_id is not None and event.crm_activity_id == owner_id:
        if activity is not None and scope.owns(activity) and activity.origin is Origin.CRM:
            # One of ours without a link: a push created it and stopped before recording it.
            # Tie them again; where they differ, the later side wins (recorded).
            return tie(scope, event, activity, Origin.CRM)
        # Ours, but its activity is gone (or no longer this user's): the orphan is deleted.
        adopted = new_link(scope, event, owner_id, Origin.CRM, fields_from_event(event))
        return [PutLink(adopted), QueuePush(owner_id, "delete", 0)]
    if scope.settings.sync_type is SyncType.ONE_WAY:
        # One-way sync: events created in the calendar are not brought into the CRM.
        return []
    if event.private and _skips_private(scope):
        # A private event under "don't sync private events": not brought in.
        return []
    if activity is not None:
        if not scope.owns(activity):
            # Imported before, since given to another CRM user: left to them.
            return []
        # Imported before and unlinked since (e.g. the calendar was switched and back): tie
        # them again; where they differ, the later side wins (recorded).
        return tie(scope, event, activity, Origin.CALENDAR)
    created = activity_from_event(
        event, account=scope.account, settings=scope.settings, now=scope.now
    )
    assert created is not None  # private events under "skip" were handled above
    # A new event in the calendar (two-way): it becomes a CRM activity of the incoming type.
    link = new_link(scope, event, created.id, Origin.CALENDAR, fields_from_event(event))
    return [SaveActivity(created, fan_out=False), PutLink(linked_to(scope, link, created))]


def _removed(  # noqa: PLR0911 - a decision table: one return per case
    scope: Scope, removal: RemovedEvent, link: Link | None, activity: Activity | None
) -> list[Action]:
    if link is None or link.event_id != removal.id or link.calendar_id != removal.calendar_id:
        # Never synced (or already handled): nothing to do.
        return []
    if link.state is LinkState.RELEASED and link.calendar_id == scope.calendar_id:
        # Its calendar is synced again, and the user deleted the event meanwhile: tie the
        # pair again, from where they were, and take the deletion.
        revived = evolve(link, state=LinkState.LINKED, updated_at=scope.now)
        return _removed(scope, removal, revived, activity)
    if link.state is not LinkState.LINKED:
        # Already unlinked by an earlier deletion (one-way), or its calendar is not synced.
        return []
    if activity is None or not scope.owns(activity):
        # Gone on both sides (or the activity went to another user): forget the link.
        return [DropLink(link.activity_id)]
    if activity.origin is Origin.CRM and activity.type not in scope.settings.export_types:
        # Its type no longer syncs: the event went because calsync deleted it (a job that
        # stopped before recording that, say); the activity stays.
        return [DropLink(link.activity_id)]
    if link.base is not None and not any_future(scope.now, link.base, activity):
        # The past is left alone: the activity stays as it was.
        return [DropLink(link.activity_id)]
    if link.read_only or link.recurring_event_id is not None:
        # The calendar removed an occurrence (or its whole series): its activity goes too.
        return [RemoveActivity(activity, fan_out=False), DropLink(activity.id)]
    if scope.settings.sync_type is SyncType.ONE_WAY:
        # One-way sync: the CRM is the source. The activity stays, unlinked, and never pushes
        # again.
        return [PutLink(evolve(link, state=LinkState.DETACHED, updated_at=scope.now))]
    # Two-way: deleted in the calendar, so its twin goes too. CRM edits made since the last
    # sync lose to the deletion, and that decision is recorded.
    actions: list[Action] = [
        RemoveActivity(activity, fan_out=activity.origin is Origin.CRM),
        DropLink(activity.id),
    ]
    crm = fields_from_activity(activity, scope.settings, link.base, link.visibility_given)
    if link.base is not None and (crm != link.base or unsynced(activity, link)):
        actions.append(deletion_record(scope, activity.id, link.event_id, winner=Side.CALENDAR))
    return actions


def _deleted_in_crm(scope: Scope, event: CalendarEvent, link: Link) -> list[Action]:
    if link.read_only or event.read_only:
        # An occurrence cannot be deleted from the CRM (it was, while its calendar was not
        # synced): it comes back, as a new import.
        again = _unlinked(scope, event, None)
        return again if any(isinstance(a, PutLink) for a in again) else [DropLink(link.activity_id)]
    if not any_future(scope.now, event, link.base):
        # The pair over on both sides: the past is left alone. The link stays, so that the
        # event moved back into the future later meets this rule again, not the orphans'.
        return []
    # The event lives on: the push deletes it. A calendar edit made since the last sync loses
    # to the deletion (recorded).
    return _leaving(
        scope, event, link, QueuePush(link.activity_id, "delete", link.activity_version)
    )


def _leaving(scope: Scope, event: CalendarEvent, link: Link, push: QueuePush) -> list[Action]:
    """The event is about to leave the calendar (its activity was deleted or given away): the
    link remembers the event as it is now, so the push's If-Match holds, and a calendar edit
    the removal overrides is recorded."""
    seen = evolve(link, updated_at=scope.now, **event_marks(event))
    actions: list[Action] = [PutLink(seen), push]
    if calendar_changed(event, link):
        # (kept as the event's side of the pair: e.g. moved into the future, it is still live)
        actions[0] = PutLink(evolve(seen, event_base=fields_from_event(event)))
        actions.append(deletion_record(scope, link.activity_id, event.id, winner=Side.CRM))
    return actions


def _merged(scope: Scope, event: CalendarEvent, link: Link, activity: Activity) -> MergeResult:
    """The three-way merge of a linked pair."""
    crm = fields_from_activity(activity, scope.settings, link.base, link.visibility_given)
    return merge(
        link.base or crm,
        crm,
        fields_from_event(event),
        crm_changed_at=activity.updated_at,
        calendar_changed_at=event.updated,
        calendar_base=link.event_base,
        crm_field_times=activity.changed_at,
    )


def _skips_private(scope: Scope) -> bool:
    return scope.settings.private_events is PrivateEvents.SKIP


def _private_import(scope: Scope, event: CalendarEvent, link: Link, activity: Activity) -> bool:
    """An imported event that is private by the calendar's doing, under "don't sync private
    events". A private flag calsync wrote itself, because the CRM user chose "only me" for the
    activity, does not make it a private import."""
    if link.origin is not Origin.CALENDAR or not event.private or not _skips_private(scope):
        return False
    chosen = not follows_policy(activity, scope.settings, link.base, link.visibility_given)
    return not (chosen and activity.visibility is Visibility.ONLY_ME)


def unsynced(activity: Activity, link: Link) -> bool:
    """Whether the activity changed in the CRM since it was last synced (any field, the note
    included: every change bumps its version)."""
    return activity.version > link.activity_version


def crm_work(scope: Scope, activity: Activity, link: Link) -> bool:
    """Whether an imported activity holds what only the CRM has: a note, linked items, done,
    another type than imports get, a visibility the CRM user chose."""
    chosen = not follows_policy(activity, scope.settings, link.base, link.visibility_given)
    other_type = activity.type != scope.settings.import_as_type
    return bool(activity.note or activity.linked_item_ids or activity.done or other_type or chosen)
