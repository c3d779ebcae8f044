"""The push half of the decision table: what to write to the calendar for one activity.

`plan_push` is pure, like `planner.plan_change`: every case is one branch with one comment. It
returns the calendar write to make (if any) and the CRM-side actions that need no write; what
the write's result means is `outcomes.plan_outcome`.
"""

from __future__ import annotations

from collections.abc import Mapping

from calsync.domain.activity import Activity, LinkedItem, LinkedItemKind, Origin
from calsync.domain.ids import event_id_for
from calsync.domain.link import Link, LinkState
from calsync.domain.mapping import (
    any_future,
    content_hash,
    event_content,
    fields_from_activity,
)
from calsync.ports import CreateEvent, DeleteEvent, UpdateEvent
from calsync.sync.actions import ClearOutbox, DropLink, PushStep, Scope
from calsync.sync.settle import refreshed, refusal


def plan_push(  # noqa: PLR0911, PLR0912 - a decision table: one return per case
    scope: Scope,
    *,
    activity_id: str,
    version: int,
    activity: Activity | None,
    link: Link | None,
    linked_items: Mapping[LinkedItemKind, LinkedItem],
) -> PushStep:
    """What to write to the calendar for an activity the CRM changed (or a settings change
    asks to push). `version` is the outbox entry's (the activity's, for a settings push)."""
    # The entry is consumed by a push planned from the activity as it is now (an entry written
    # later has a higher version and stays).
    clear = ClearOutbox(activity_id, max(activity.version, version) if activity else version)
    if link is not None and link.state is not LinkState.LINKED:
        # One-way: the user deleted its event in the calendar, so it never pushes again; or its
        # event stayed in a calendar no longer synced.
        return PushStep(None, [clear] if activity else [DropLink(activity_id), clear])
    if link is not None and link.calendar_id != scope.calendar_id:
        # Left behind in a calendar no longer synced (past items stay where they were).
        return PushStep(None, [clear])
    if activity is None:
        if link is None:
            # Deleted in the CRM before it was ever pushed: nothing to undo.
            return PushStep(None, [clear])
        if link.read_only:
            # Occurrences are never written.
            return PushStep(None, [DropLink(activity_id), clear])
        if link.base is not None and not any_future(scope.now, link.base, link.event_base):
            # The past is left alone. The link stays: should the calendar user move the event
            # back into the future, the pull meets it as a deleted activity's event (the
            # deletion wins, recorded), not as an unknown orphan deleted without a word.
            return PushStep(None, [clear])
        # Deleted in the CRM: its event goes too, if it is still as we last saw it (a calendar
        # edit meanwhile is STALE: recorded as lost to the deletion, then the event goes).
        return PushStep(DeleteEvent(link.event_id, if_match=link.event_etag))
    exported = activity.type in scope.settings.export_types
    if not scope.owns(activity) or (not exported and activity.origin is Origin.CRM):
        if link is None:
            # Not for this calendar (another owner, or a type that does not sync).
            return PushStep(None, [clear])
        if link.origin is Origin.CALENDAR:
            # An imported activity given to another user: the user's own event stays.
            return PushStep(None, [DropLink(activity_id), clear])
        # No longer for this calendar (given to another user, or its type stopped syncing):
        # the event the sync created goes (If-Match, as above); the activity stays.
        return PushStep(DeleteEvent(link.event_id, if_match=link.event_etag))
    pending = link is not None and link.event_base is not None  # a merge not yet delivered
    if not any_future(scope.now, activity, link.base if link else None) and not pending:
        # Edits to past items are not propagated (a linked pair syncs while either the
        # activity or what both sides last agreed on is still to come; what a merge decided
        # is delivered even if it moved the pair into the past).
        return PushStep(None, [clear])
    if activity.read_only or (link is not None and link.read_only):
        # Occurrences of recurring calendar events are read-only: never written back.
        return PushStep(None, [clear])
    base, given = (link.base, link.visibility_given) if link else (None, None)
    content = event_content(
        fields_from_activity(activity, scope.settings, base, given),
        linked_items,
        scope.settings,
        scope.crm_base_url,
    )
    if link is None:
        if activity.origin is Origin.CALENDAR:
            # Imported through another account (or unlinked by a calendar switch): it lives in
            # a calendar already, and is not copied into this one.
            return PushStep(None, [clear])
        # A new CRM activity: create its event under an id derived from the activity.
        try:
            event_id = event_id_for(activity.id)
        except ValueError as exc:
            return PushStep(None, [refusal(scope, activity, "", str(exc)), clear])
        return PushStep(CreateEvent(event_id, content, activity.id))
    if content_hash(content) == link.event_hash:
        # The event already says this (our own write, or no synced field changed).
        return PushStep(None, [*refreshed(scope, link, activity), clear])
    # Changed in the CRM: update the event, only if it is still as we last saw it.
    return PushStep(UpdateEvent(link.event_id, content, if_match=link.event_etag))
