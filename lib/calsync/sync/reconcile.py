"""What a settings change asks of the next job, found by comparing with the applied settings.

The HTTP layer only saves settings; the job compares them with `SyncState.applied_settings`
(what the engine last reconciled, None before the first sync and after a resume) and does:

| change                                  | what the job does                                  |
|-----------------------------------------|----------------------------------------------------|
| first sync, resumed after a stop, or a  | everything below at once: full listing, moves,     |
| reconcile that did not finish           | push every future activity of the exported types   |
|                                         | and every link (catches what changed meanwhile)    |
| calendar changed                        | move the events the sync created to the new        |
|                                         | calendar; unlink imported ones (they stay where    |
|                                         | the user put them, and in the CRM); list the new   |
|                                         | calendar in full; push what is still missing        |
| sync type one-way -> two-way            | full listing, so existing events are brought in    |
| default visibility / private events     | full listing re-applying the visibility policy to  |
|                                         | imported activities (a visibility the user chose   |
|                                         | in the CRM stays); "don't sync" removes imported   |
|                                         | private events from the CRM                        |
| activity types added                    | push future activities of the added types          |
| activity types removed                  | push the links of those types: the push deletes    |
|                                         | the events the sync created; activities stay       |
| deal/contact option changed             | push every link again (descriptions change)        |
| incoming type changed                   | nothing now: applies to events imported from then  |
"""

from __future__ import annotations

from dataclasses import dataclass

from calsync.domain.account import SyncSettings, SyncType


@dataclass(frozen=True)
class Reconcile:
    full_pull: bool = False  # list the calendar in full (no cursor)
    reevaluate: bool = False  # re-apply the visibility policies to imported activities
    move: bool = False  # move events of links outside the current calendar into it
    push_types: tuple[str, ...] = ()  # push future activities of these types
    drop_types: tuple[str, ...] = ()  # push links of these types (their events go)
    refresh_links: bool = False  # push every link

    @property
    def needed(self) -> bool:
        return self != Reconcile()


def what_changed(
    applied: SyncSettings | None, current: SyncSettings, *, interrupted: bool = False
) -> Reconcile:
    """The work `current` asks for, given the settings the engine `applied` last (and whether
    a reconcile was `interrupted`: then everything is redone, which is safe to repeat)."""
    if applied is None or interrupted:
        return Reconcile(
            full_pull=True,
            reevaluate=True,
            move=True,
            push_types=current.export_types,
            refresh_links=True,
        )
    policy = (applied.default_visibility, applied.private_events) != (
        current.default_visibility,
        current.private_events,
    )
    moved = applied.calendar_id != current.calendar_id
    opened = applied.sync_type is SyncType.ONE_WAY and current.sync_type is SyncType.TWO_WAY
    added = tuple(t for t in current.export_types if t not in applied.export_types)
    removed = tuple(t for t in applied.export_types if t not in current.export_types)
    return Reconcile(
        full_pull=moved or policy or opened,
        reevaluate=policy,
        move=moved,
        push_types=current.export_types if moved else added,
        drop_types=removed,
        refresh_links=applied.include_deal_and_contact != current.include_deal_and_contact,
    )
