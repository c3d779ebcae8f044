"""What the state machine remembers of the users' edits, and the checks after a quiet sync.

An *item* is one logical thing with a twin on each side: a CRM-born activity ("crm", its id)
or a calendar-born event ("cal", its event id). For each item and tracked field the model keeps
the latest edit either user made; after the final sync, every linked pair must hold it, unless
a recorded merge decision about that field explains otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from calsync.domain import (
    Account,
    Activity,
    CalendarEvent,
    Conflict,
    Link,
    LinkState,
    Origin,
    Side,
    SyncSettings,
    Visibility,
)
from calsync.domain.account import PrivateEvents, SyncType
from calsync.domain.ids import activity_id_from_event_id, event_id_for, imported_activity_id
from calsync.domain.link import SyncedFields
from calsync.domain.mapping import (
    any_future,
    content_hash,
    fields_from_activity,
    fields_from_event,
    is_future,
    observed_content,
)
from calsync.domain.merge import describe_when

TRACKED = ("subject", "location", "description", "busy", "when", "conference_url")
# Fields whose latest edit must win. Not "busy": a flag toggled back and forth on one side
# before a sync is no change at all for a three-way merge (A -> B -> A), rightly. (Likewise
# the private flag and the guests, which the users toggle: the checks that both sides agree
# cover them.)
LATEST_WINS = ("subject", "location", "description", "when", "conference_url")
Item = tuple[str, str]


def value_of(fields: SyncedFields, name: str) -> Any:
    if name == "when":
        return (fields.start, fields.end, fields.start_date, fields.end_date)
    return getattr(fields, name)


def item_of(link: Link) -> Item:
    return ("crm", link.activity_id) if link.origin is Origin.CRM else ("cal", link.event_id)


@dataclass
class Edits:
    """The users' edits: the latest (value, time) of each (item, field) per side, when each side
    of each item was edited at all, and when each side changed each field. The merge decides by
    the CRM's time of the field against the calendar's time of the whole event (Google gives
    only an event-level `updated`)."""

    latest: dict[tuple[Item, str, str], tuple[Any, datetime]] = field(default_factory=dict)
    touched: dict[tuple[Item, str], list[datetime]] = field(default_factory=dict)
    field_touched: dict[tuple[Item, str, str], list[datetime]] = field(default_factory=dict)
    fresh_since: dict[Item, datetime] = field(default_factory=dict)

    def record(
        self,
        item: Item,
        side: str,
        fields: SyncedFields,
        at: datetime,
        names: tuple[str, ...] = TRACKED,
        *,
        also: tuple[str, ...] = (),
    ) -> None:
        """An edit of `names` (whose values the model follows) and of `also` (fields it only
        notes the time of, e.g. the private flag a visibility edit changes)."""
        for name in names:
            self.latest[(item, name, side)] = (value_of(fields, name), at)
        for name in (*names, *also):
            self.field_touched.setdefault((item, side, name), []).append(at)
        self.touched.setdefault((item, side), []).append(at)

    def deleted(
        self, item: Item, side: str, at: datetime, survivor: SyncedFields | None = None
    ) -> None:
        """One side of the item was deleted: if the item lives on (its twin was not synced at
        the time, e.g. after a calendar switch), it starts afresh from the other side, as that
        side is now (`survivor`: it may hold values synced into it)."""
        for key in [k for k in self.latest if k[0] == item and k[2] == side]:
            del self.latest[key]
        for key in [k for k in self.field_touched if k[0] == item and k[1] == side]:
            del self.field_touched[key]
        self.touched.pop((item, side), None)
        self.fresh_since[item] = at
        other = "cal" if side == "crm" else "crm"
        for name in TRACKED if survivor is not None else ():
            _, when = self.latest.get((item, name, other), (None, at))
            self.latest[(item, name, other)] = (value_of(survivor, name), when)

    def last(
        self, item: Item, name: str, crm_lost: datetime | None = None
    ) -> tuple[Any, datetime] | None:
        """The latest edit of the field (CRM edits before `crm_lost` were lost by rule)."""
        crm = self.latest.get((item, name, "crm"))
        if crm is not None and crm_lost is not None and crm[1] <= crm_lost:
            crm = None
        known = [edit for edit in (crm, self.latest.get((item, name, "cal"))) if edit is not None]
        return max(known, key=lambda edit: edit[1]) if known else None

    def last_touch(
        self, item: Item, side: str, until: datetime, name: str | None = None
    ) -> datetime | None:
        """The side's last edit of the item (of field `name`, if given) up to `until`."""
        stamps = self.touched.get((item, side), [])
        if name is not None:
            stamps = self.field_touched.get((item, side, name), [])
        times = [t for t in stamps if t <= until]
        return max(times) if times else None

    def rightful(self, decision: Conflict) -> bool:
        """Whether a merge decision kept the side that changed the field later by the rule:
        the CRM's last change of that field against the calendar's last change of the event
        (a tie goes to the CRM). For an occurrence (read-only in the CRM) the calendar wins."""
        if "_" in decision.event_id:
            return decision.winner is Side.CALENDAR
        item = decided_item(decision)
        crm = self.last_touch(item, "crm", decision.decided_at, decision.field)
        cal = self.last_touch(item, "cal", decision.decided_at)
        later = Side.CRM if cal is None or (crm is not None and crm >= cal) else Side.CALENDAR
        return decision.winner is later


def decided_item(decision: Conflict) -> Item:
    owner = activity_id_from_event_id(decision.event_id)
    crm_born = owner == decision.activity_id
    return ("crm", decision.activity_id) if crm_born else ("cal", decision.event_id)


@dataclass
class World:
    """Both sides and the ledger, as they are after the quiet sync."""

    account: Account
    settings: SyncSettings
    activities: dict[str, Activity]
    events: dict[str, list[CalendarEvent]]  # calendar id -> live events
    links: list[Link]
    conflicts: list[Conflict]
    now: Any

    def event(self, calendar_id: str, event_id: str) -> CalendarEvent | None:
        return next((e for e in self.events.get(calendar_id, []) if e.id == event_id), None)


def refused(world: World, edits: Edits, activity_id: str, item: Item | None) -> bool:
    """Whether the calendar refused a write for the activity (recorded, field "*") after the
    users last touched the item: then its sides may rightly disagree until the next edit."""
    times = [
        c.decided_at for c in world.conflicts if (c.activity_id, c.field) == (activity_id, "*")
    ]
    if not times:
        return False
    if item is None:
        return True
    touches = [edits.last_touch(item, side, world.now) for side in ("crm", "cal")]
    last = max((t for t in touches if t is not None), default=None)
    return last is None or max(times) >= last


def check_links(world: World, edits: Edits) -> None:
    """Links are one-to-one, and both ends of a live link exist and agree (unless the calendar
    refused the write that would have made them agree, and said so)."""
    event_keys = [
        (link.calendar_id, link.event_id) for link in world.links if link.state is LinkState.LINKED
    ]
    assert len(event_keys) == len(set(event_keys)), "two links to one event"
    for link in world.links:
        if link.state is not LinkState.LINKED or (
            link.base and not is_future(link.base, world.now)
        ):
            continue
        assert link.calendar_id == world.settings.calendar_id, f"link left in {link.calendar_id}"
        activity = world.activities.get(link.activity_id)
        event = world.event(link.calendar_id, link.event_id)
        assert activity is not None, f"link to a missing activity {link.activity_id}"
        assert event is not None, f"link to a missing event {link.event_id}"
        if refused(world, edits, link.activity_id, item_of(link)):
            continue
        ours = fields_from_activity(activity, world.settings, link.base, link.visibility_given)
        theirs = fields_from_event(event)
        assert ours == theirs, f"sides disagree: {link.activity_id}\n{ours}\n{theirs}"
        assert link.base == ours
        assert link.event_etag == event.etag
        assert link.event_hash == content_hash(observed_content(event))


def check_coverage(world: World, owner: str, edits: Edits) -> None:
    """Everything that should be synced is (or its create was refused, and recorded); nothing
    is there twice; no orphans."""
    settings = world.settings
    by_activity = {link.activity_id: link for link in world.links}
    current = world.events.get(settings.calendar_id, [])
    for activity in world.activities.values():
        link = by_activity.get(activity.id)
        wanted = (
            activity.owner_id == owner
            and activity.origin is Origin.CRM
            and activity.type in settings.export_types
            and is_future(activity, world.now)
            and not (link is not None and link.state is LinkState.DETACHED)
        )
        if wanted and not (link is None and refused(world, edits, activity.id, None)):
            assert link is not None, f"activity {activity.id} was never pushed"
            assert link.state is LinkState.LINKED
        live = link is not None and any_future(world.now, activity, link.base)
        if activity.owner_id != owner and live:  # (the past is left alone)
            assert link is None or link.state is not LinkState.LINKED, f"{activity.id} not ours"
    stamps = [e.crm_activity_id for events in world.events.values() for e in events if _ours(e)]
    assert len(stamps) == len(set(stamps)), "two events for one activity"
    linked_events = {
        (link.calendar_id, link.event_id) for link in world.links if link.state is LinkState.LINKED
    }
    unmovable = {c.activity_id for c in world.conflicts if c.field == "calendar"}
    for calendar_id, events in world.events.items():
        for event in events:
            if _ours(event) and is_future(event, world.now):
                if calendar_id != settings.calendar_id and event.crm_activity_id in unmovable:
                    continue  # the calendar refused to move it (recorded): it stayed behind
                assert (calendar_id, event.id) in linked_events, f"orphan event {event.id}"
    if settings.sync_type is SyncType.TWO_WAY:
        by_event = {(link.calendar_id, link.event_id): link for link in world.links}
        for event in current:
            if not _ours(event) and is_future(event, world.now):
                _check_import(world, owner, event, by_event.get((settings.calendar_id, event.id)))


def _check_import(world: World, owner: str, event: CalendarEvent, link: Link | None) -> None:
    """A calendar event of the synced calendar, in two-way sync, is imported (with exceptions)."""
    settings = world.settings
    linked = link is not None and link.state is LinkState.LINKED
    if event.private and settings.private_events is PrivateEvents.SKIP:
        # Not synced, unless calsync made it private itself: the CRM user chose "only me" for
        # its activity (then it is no private import).
        if link is not None and linked:
            activity = world.activities.get(link.activity_id)
            assert activity is not None
            assert activity.visibility is Visibility.ONLY_ME
            assert link.visibility_given is not Visibility.ONLY_ME, "a private import"
        return
    imported = world.activities.get(
        imported_activity_id(world.account, settings.calendar_id, event.id)
    )
    if imported is not None and imported.owner_id != owner:
        return  # imported once, then given to another user: left to them
    assert linked, f"event {event.id} not imported"


def _checked(link: Link, now: datetime) -> bool:
    return link.state is LinkState.LINKED and link.base is not None and is_future(link.base, now)


def check_edits(world: World, edits: Edits) -> None:
    """No lost edit: each linked pair holds each field's latest edit, unless a merge decision
    made after that edit chose the other side's value (then it holds that value)."""
    for link in world.links:
        if not _checked(link, world.now) or link.base is None:
            continue
        item = item_of(link)
        if refused(world, edits, link.activity_id, item):
            continue  # the calendar refused the write carrying the latest edits (recorded)
        since = edits.fresh_since.get(item)
        lost = [  # the activity left the CRM with unsynced changes (recorded), and came back
            c.decided_at
            for c in world.conflicts
            if (c.activity_id, c.field, c.winner) == (link.activity_id, "deleted", Side.CALENDAR)
        ]
        restart = max([t for t in (since, *lost) if t is not None], default=None)
        for name in LATEST_WINS:
            edit = edits.last(item, name, max(lost, default=None))
            decisions = [  # the ones after the item last started afresh
                c
                for c in world.conflicts
                if (c.activity_id, c.field) == (link.activity_id, name)
                and (restart is None or c.decided_at > restart)
            ]
            last = max(decisions, key=lambda c: c.decided_at, default=None)
            excused = last is not None and (edit is None or last.decided_at >= edit[1])
            if last is not None and excused and edits.rightful(last):  # else: no excuse
                kept = last.crm_value if last.winner is Side.CRM else last.calendar_value
                held = _described(link.base, name)
                assert held == kept, f"{name} on {item} is {held!r}, not what {last} kept"
            elif edit is not None:
                actual = value_of(link.base, name)
                assert actual == edit[0], (
                    f"lost edit of {name} on {item}: {actual!r} != {edit[0]!r}"
                )


def check_decisions(world: World, edits: Edits) -> None:
    """Every merge decision kept the side that changed the field later (see Edits.rightful)."""
    for decision in world.conflicts:
        if decision.field in ("deleted", "*", "calendar") or "_" in decision.event_id:
            continue  # not merges; or an occurrence, where the calendar wins by rule
        since = edits.fresh_since.get(decided_item(decision))
        if since is not None and decision.decided_at <= since:
            continue
        assert edits.rightful(decision), f"{decision} kept the earlier side"


def check_kept(world: World, crm_work: set[str], gone_on_purpose: set[str]) -> None:
    """No activity holding the CRM user's work vanished without a recorded decision, unless a
    user deleted it (the CRM user, or the calendar user by deleting its event)."""
    for activity_id in sorted(crm_work - gone_on_purpose):
        if activity_id in world.activities:
            continue
        recorded = [
            c for c in world.conflicts if (c.activity_id, c.field) == (activity_id, "deleted")
        ]
        assert recorded, f"activity {activity_id} vanished from the CRM without a record"


def check_events_kept(
    world: World, edits: Edits, crm_deleted: dict[Item, tuple[str, datetime]]
) -> None:
    """A calendar edit made after the CRM user deleted the item's activity (e.g. its past
    event, left alone, moved back into the future) never vanishes with the event unrecorded:
    if calsync deleted that event, the deletion's win over the edit was recorded."""
    live = {event.id for events in world.events.values() for event in events}
    for item, (activity_id, deleted_at) in crm_deleted.items():
        # (Edits of fields whose every change is new: a guest added and removed again is no
        # change at all. None are left once the calendar user deleted the event.)
        touches = [edits.last_touch(item, "cal", world.now, name) for name in LATEST_WINS]
        edited = max((t for t in touches if t is not None), default=None)
        event_id = item[1] if item[0] == "cal" else event_id_for(item[1])
        if edited is None or edited < deleted_at or event_id in live:
            continue
        recorded = [
            c
            for c in world.conflicts
            if (c.activity_id, c.field, c.winner) == (activity_id, "deleted", Side.CRM)
            and c.decided_at >= edited
        ]
        assert recorded, f"event {event_id}, edited after its activity went, deleted unrecorded"


def _described(fields: SyncedFields, name: str) -> str:
    if name == "when":
        return describe_when(fields.schedule())
    value = getattr(fields, name)
    return "" if value is None else str(value)


def _ours(event: CalendarEvent) -> bool:
    owner = activity_id_from_event_id(event.id)
    return owner is not None and owner == event.crm_activity_id
