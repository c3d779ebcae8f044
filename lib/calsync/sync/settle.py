"""Turning a merge result into actions, and building the links that record it.

Shared by the pull (an event changed) and the push (a write found the event changed: STALE);
`tie` links an activity and an event that belong together but have no link (a push that
crashed before recording its create, an import seen again after a calendar switch).
After `settle`, the link's base is the merged content, its event marks (etag, content hash)
describe the event as calsync saw it, and its activity marks (version, hash, type) the activity
as calsync wrote it: the next time either comes back unchanged, it is recognised and ignored.
"""

from __future__ import annotations

from typing import Any

from calsync.domain.activity import Activity, Origin, Visibility, stamp_changes
from calsync.domain.event import CalendarEvent
from calsync.domain.link import Link, Side, SyncedFields
from calsync.domain.mapping import (
    apply_fields,
    bump,
    content_hash,
    fields_from_activity,
    fields_from_event,
    observed_content,
    visibility_after,
)
from calsync.domain.merge import MergeResult, calendar_wins, merge
from calsync.domain.schedule import evolve
from calsync.sync.actions import Action, PutLink, QueuePush, Record, SaveActivity, Scope, decision


def new_link(
    scope: Scope,
    event: CalendarEvent,
    activity_id: str,
    origin: Origin,
    base: SyncedFields | None,
) -> Link:
    """A link to `event` as it is now (activity marks still empty)."""
    return Link(
        activity_id=activity_id,
        event_id=event.id,
        calendar_id=event.calendar_id,
        origin=origin,
        base=base,
        read_only=event.read_only,
        recurring_event_id=event.recurring_event_id,
        updated_at=scope.now,
        **event_marks(event),
    )


def event_marks(event: CalendarEvent) -> dict[str, Any]:
    """What a link remembers of the event, to recognise it when it comes back unchanged."""
    return {"event_etag": event.etag, "event_hash": content_hash(observed_content(event))}


def activity_marks(
    scope: Scope, activity: Activity, base: SyncedFields | None, given: Visibility | None = None
) -> dict[str, Any]:
    """What a link remembers of the activity."""
    fields = fields_from_activity(activity, scope.settings, base, given)
    return {
        "activity_version": activity.version,
        "activity_hash": content_hash(fields),
        "activity_type": activity.type,
    }


def settle(
    scope: Scope,
    event: CalendarEvent,
    link: Link,
    activity: Activity,
    result: MergeResult,
    *,
    stored: bool = True,
) -> list[Action]:
    """Actions that make the activity hold `result`, queue the event's update if it lacks
    something, record every merge decision, and move the link's base to `result`.

    `stored` False: `link` is new (not in storage yet), so it is always written."""
    merged = result.fields
    given_before = link.visibility_given
    _, given = visibility_after(activity, merged.private, scope.settings, link.base, given_before)
    updated = apply_fields(activity, merged, scope.settings, base=link.base, given=given_before)
    if activity.origin is Origin.CALENDAR and activity.read_only != event.read_only:
        updated = evolve(updated, read_only=event.read_only)  # e.g. tied again after a release
    if not stored and activity.origin is Origin.CALENDAR:
        # Tied to this account now (e.g. its calendar connected again as a new account).
        updated = evolve(updated, source_account_id=scope.account_id)
    needs_push = merged != fields_from_event(event)
    actions: list[Action] = []
    if updated != activity:
        # What the calendar changed counts, for the owner's other calendars, as changed in
        # the CRM when the calendar changed it.
        updated = bump(stamp_changes(activity, updated, event.updated or scope.now), scope.now)
        fan_out = activity.origin is Origin.CRM
        actions.append(SaveActivity(updated, fan_out=fan_out, push_here=needs_push))
    elif needs_push:
        actions.append(QueuePush(activity.id, "upsert", activity.version))
    fresh = evolve(
        link,
        base=merged,
        event_base=fields_from_event(event) if needs_push else None,
        visibility_given=given,
        read_only=event.read_only,
        recurring_event_id=event.recurring_event_id,
        **event_marks(event),
        **activity_marks(scope, updated, merged, given),
    )
    if fresh != link or not stored:
        actions.append(PutLink(evolve(fresh, updated_at=scope.now)))
    actions.extend(records(scope, activity.id, event.id, result))
    return actions


def records(scope: Scope, activity_id: str, event_id: str, result: MergeResult) -> list[Record]:
    """A merge record for each decision of `result`."""
    return [
        decision(
            scope,
            activity_id=activity_id,
            event_id=event_id,
            name=choice.field,
            crm_value=choice.crm_value,
            calendar_value=choice.calendar_value,
            winner=choice.winner,
            reason=(
                f"Both sides changed {choice.field} since the last sync; the later change "
                f"(in the {'CRM' if choice.winner is Side.CRM else 'calendar'}) was kept."
            ),
        )
        for choice in result.decisions
    ]


def deletion_record(scope: Scope, activity_id: str, event_id: str, *, winner: Side) -> Record:
    """A deletion on one side beat edits on the other: say so."""
    deleted_in = "calendar" if winner is Side.CALENDAR else "CRM"
    return decision(
        scope,
        activity_id=activity_id,
        event_id=event_id,
        name="deleted",
        crm_value="deleted" if winner is Side.CRM else "edited",
        calendar_value="deleted" if winner is Side.CALENDAR else "edited",
        winner=winner,
        reason=(
            f"The item was deleted in the {deleted_in} after being edited on the other side "
            "since the last sync; the deletion was kept."
        ),
    )


def calendar_changed(event: CalendarEvent, link: Link) -> bool:
    """Whether the calendar changed a synced field of the event since calsync last saw it."""
    seen = link.event_base or link.base
    return seen is not None and fields_from_event(event) != seen


def tie(scope: Scope, event: CalendarEvent, activity: Activity, origin: Origin) -> list[Action]:
    """Link an activity and an event that belong together but share no synced past."""
    seen = fields_from_event(event)
    stub = new_link(scope, event, activity.id, origin, seen)
    if origin is Origin.CALENDAR:
        # Its visibility is taken as the policy's (what the policy gave it is not known any
        # more): it never makes the event private, and follows the policy from now on.
        stub = evolve(stub, visibility_given=activity.visibility)
    # Where they differ, the later side wins; for an occurrence (read-only in the CRM) always
    # the calendar. Either way each such decision is recorded.
    crm = fields_from_activity(activity, scope.settings, seen, stub.visibility_given)
    if event.read_only:
        result = calendar_wins(None, crm, seen)
    else:
        result = merge(
            None,
            crm,
            seen,
            crm_changed_at=activity.updated_at,
            calendar_changed_at=event.updated or scope.now,
            crm_field_times=activity.changed_at,
        )
    return settle(scope, event, stub, activity, result, stored=False)


def linked_to(scope: Scope, link: Link, activity: Activity) -> Link:
    """A new link to an activity just imported (its visibility is what the policy gave)."""
    given = activity.visibility
    return evolve(link, visibility_given=given, **activity_marks(scope, activity, link.base, given))


def refreshed(scope: Scope, link: Link, activity: Activity) -> list[Action]:
    """The link's activity marks and base, brought up to date without a calendar write."""
    given = link.visibility_given
    base = fields_from_activity(activity, scope.settings, link.base, given)
    marks = activity_marks(scope, activity, base, given)
    fresh = evolve(link, base=base, event_base=None, **marks)
    return [] if fresh == link else [PutLink(evolve(fresh, updated_at=scope.now))]


def refusal(scope: Scope, activity: Activity, event_id: str, detail: str) -> Action:
    """The calendar refused an activity for good: recorded for the user."""
    return decision(
        scope,
        activity_id=activity.id,
        event_id=event_id,
        name="*",
        crm_value=activity.subject,
        calendar_value=detail,
        winner=Side.CALENDAR,
        reason=f"The calendar refused this activity: {detail}",
    )
