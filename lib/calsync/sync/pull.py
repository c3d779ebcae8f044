"""The pull: calendar changes since the cursor, streamed page by page into the CRM.

Each page (cut into chunks of `txn_items`) is planned and committed in one transaction with the
links and activities it read, so a concurrent CRM edit makes the transaction run again rather
than be overwritten; the job's lease is renewed in the same transaction. Only one page is held
at a time. The new cursor commits with the last page that carried changes (or, if it carried
none, in the job's closing transaction).

Without a usable cursor (first sync, another calendar, a cursor the provider expired) the pull
lists the calendar in full. A listing has no removals, so afterwards the links of future items
whose event was not listed are checked one by one (`get`): gone means deleted. Seen event ids
are kept as 8-byte hashes, the only state that grows with the calendar. The listing's cursor is
stored before anything is pushed, so a later job always sees what a crashed push left.

`linked_now` holds (as hashes too) the activities this pull linked to their event for the first
time: it planned them against the CRM as it is and queued any push they need, so a settings
reconcile in the same job (e.g. the first sync's "push everything") leaves them alone.

`drain` takes in the last changes of a calendar the account is leaving (see sync/moves.py); its
links do not count as new.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

from calsync.domain.event import CalendarEvent, EventChange, RemovedEvent
from calsync.domain.ids import activity_id_from_event_id, activity_ids_for_event
from calsync.domain.link import Link, LinkState
from calsync.domain.mapping import is_future
from calsync.errors import CursorExpired
from calsync.ports import UnitOfWork
from calsync.sync.actions import Action, PutLink, Scope
from calsync.sync.context import Context
from calsync.sync.executor import apply_actions
from calsync.sync.planner import plan_change

T = TypeVar("T")


@dataclass(frozen=True)
class PullResult:
    cursor: str | None  # the cursor to keep
    committed: bool  # already stored (else the job's closing transaction stores it)
    full: bool  # a full listing was needed
    changes: int


class SeenIds:
    """A compact set of event ids: sorted 64-bit hashes."""

    def __init__(self) -> None:
        self._hashes = array("Q")
        self._sorted = True

    @staticmethod
    def _key(event_id: str) -> int:
        return int.from_bytes(hashlib.blake2b(event_id.encode(), digest_size=8).digest(), "big")

    def add(self, event_id: str) -> None:
        self._hashes.append(self._key(event_id))
        self._sorted = False

    def __contains__(self, event_id: str) -> bool:
        if not self._sorted:
            self._hashes = array("Q", sorted(self._hashes))
            self._sorted = True
        key = self._key(event_id)
        index = bisect_left(self._hashes, key)
        return index < len(self._hashes) and self._hashes[index] == key


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of at most `size`."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class Pull:
    """One pull of one account's calendar."""

    def __init__(self, ctx: Context, *, txn_items: int, reevaluate: bool = False) -> None:
        self.storage = ctx.storage
        self.provider = ctx.provider
        self.scope = ctx.scope
        self.lease = ctx.lease
        self.txn_items = txn_items
        self.reevaluate = reevaluate
        self.linked_now = SeenIds()  # activity ids this pull linked for the first time

    def run(self, cursor: str | None) -> PullResult:
        """Pull since `cursor` (None: list in full); a full listing if the cursor expired."""
        if cursor is not None:
            try:
                return self._incremental(cursor)
            except CursorExpired:
                pass
        return self._full()

    def _incremental(self, cursor: str) -> PullResult:
        new_cursor, committed, count = cursor, False, 0
        for page in self.provider.changes(
            self.scope.calendar_id, cursor, window_start=self.scope.now
        ):
            batches = list(chunks(page.changes, self.txn_items))
            for index, batch in enumerate(batches):
                last = page.cursor is not None and index == len(batches) - 1
                self._commit(batch, page.cursor if last else None)
                committed = committed or last
                count += len(batch)
            if page.cursor is not None:
                new_cursor = page.cursor
        return PullResult(new_cursor, committed, full=False, changes=count)

    def drain(self, calendar_id: str, cursor: str | None) -> int:
        """Take in the last changes of a calendar the account is leaving, before its events
        move (so each edit is merged with its own time): changes of linked events, and events
        of ours a crashed push left unlinked. Lists the calendar in full without a usable
        cursor; keeps no cursor."""
        try:
            return self._drain(calendar_id, cursor)
        except CursorExpired:
            return self._drain(calendar_id, None)

    def _drain(self, calendar_id: str, cursor: str | None) -> int:
        count = 0
        for page in self.provider.changes(calendar_id, cursor, window_start=self.scope.now):
            for batch in chunks(page.changes, self.txn_items):
                self._commit(batch, None, known_only=True)
                count += len(batch)
        return count

    def _full(self) -> PullResult:
        seen, new_cursor, count = SeenIds(), None, 0
        for page in self.provider.changes(
            self.scope.calendar_id, None, window_start=self.scope.now
        ):
            for change in page.changes:
                seen.add(change.id)
            for batch in chunks(page.changes, self.txn_items):
                self._commit(batch, None)
                count += len(batch)
            new_cursor = page.cursor or new_cursor
        count += self._sweep(seen)
        # Stored before anything is pushed, so a later job can always find what pushes left.
        self._commit([], new_cursor)
        return PullResult(new_cursor, committed=True, full=True, changes=count)

    def _sweep(self, seen: SeenIds) -> int:
        """Links of future items whose event the full listing did not show: ask for each
        (released ones too: their calendar is synced again, and what became of their events
        while it was not, moved into the past or deleted, is news to tie them again with)."""
        missing = (
            link
            for link in self.storage.session().links.all(self.scope.account_id)
            if link.state in (LinkState.LINKED, LinkState.RELEASED)
            and link.calendar_id == self.scope.calendar_id
            and (link.base is None or is_future(link.base, self.scope.now))
            and link.event_id not in seen
        )
        count = 0
        for batch in chunks(missing, self.txn_items):
            changes: list[EventChange] = []
            for link in batch:
                event = self.provider.get(link.calendar_id, link.event_id)
                changes.append(
                    event or RemovedEvent(id=link.event_id, calendar_id=link.calendar_id)
                )
            self._commit(changes, None)
            count += len(changes)
        return count

    def _commit(
        self, changes: Sequence[EventChange], cursor: str | None, *, known_only: bool = False
    ) -> None:
        if not changes and cursor is None:
            return

        def work(uow: UnitOfWork) -> set[str]:
            account = self.lease.check(uow)
            actions, unlinked = self._plan(uow, changes, known_only=known_only)
            apply_actions(uow, self.scope, actions)
            self.lease.extend(uow, account, cursor)
            if known_only:  # draining the calendar being left: nothing here is newly linked
                return set()
            return {a.link.activity_id for a in actions if isinstance(a, PutLink)} & unlinked

        for activity_id in self.storage.transaction(work):  # what the last attempt committed
            self.linked_now.add(activity_id)

    def plan(
        self, uow: UnitOfWork, changes: Sequence[EventChange], *, known_only: bool = False
    ) -> list[Action]:
        """Read the links and activities of `changes` and plan each one (`known_only`: only
        those of linked events and of events stamped as ours)."""
        return self._plan(uow, changes, known_only=known_only)[0]

    def _plan(
        self, uow: UnitOfWork, changes: Sequence[EventChange], *, known_only: bool = False
    ) -> tuple[list[Action], set[str]]:
        """The plan, and the activities of `changes` that had no link to their event."""
        if not changes:
            return [], set()
        scope = self.scope
        candidates = {
            c.id: activity_ids_for_event(scope.account, c.calendar_id, c.id) for c in changes
        }
        wanted = [i for ids in candidates.values() for i in ids]
        links = uow.links.get_many(scope.account_id, wanted)
        linked: dict[str, Link | None] = {}
        activity_ids: dict[str, str] = {}
        moving: set[str] = set()
        displaced: list[tuple[EventChange, Link]] = []
        for change in changes:
            found = [links[i] for i in candidates[change.id] if i in links]
            mine = [x for x in found if x.event_id == change.id]
            if _stamped(change):
                # One of ours: an import linked to this id lost its event (a foreign event
                # held our id, was deleted, and our create took the id again).
                owner = activity_id_from_event_id(change.id)
                displaced += [(change, x) for x in mine if x.activity_id != owner]
                mine = [x for x in mine if x.activity_id == owner]
            link = mine[0] if mine else None
            if link is not None and link.moving_to is not None:
                moving.add(change.id)  # in the middle of a move: sync/moves.py finishes it
            link = link if link and link.calendar_id == change.calendar_id else None
            linked[change.id] = link
            activity_ids[change.id] = link.activity_id if link else _owner_of(scope, change)
        wanted_activities = [*activity_ids.values(), *(x.activity_id for _, x in displaced)]
        activities = uow.activities.get_many(scope.company_id, wanted_activities)
        actions: list[Action] = []
        for change, gone in displaced:
            removal = RemovedEvent(id=change.id, calendar_id=change.calendar_id)
            actions += plan_change(scope, removal, gone, activities.get(gone.activity_id))
        for change in changes:
            if change.id in moving:
                continue
            activity = activities.get(activity_ids[change.id])
            link = linked[change.id]
            if known_only and link is None and not _stamped(change):
                continue
            actions += plan_change(scope, change, link, activity, reevaluate=self.reevaluate)
        unlinked = {activity_ids[c.id] for c in changes if linked[c.id] is None}
        return actions, unlinked


def _stamped(change: EventChange) -> bool:
    """An event calsync created (its id derived from the activity it is stamped with)."""
    if not isinstance(change, CalendarEvent):
        return False
    owner = activity_id_from_event_id(change.id)
    return owner is not None and owner == change.crm_activity_id


def _owner_of(scope: Scope, change: EventChange) -> str:
    """The activity an unlinked event can belong to: ours if stamped so, else its import."""
    if isinstance(change, CalendarEvent):
        ours = activity_id_from_event_id(change.id)
        if ours is not None and change.crm_activity_id == ours:
            return ours
    return activity_ids_for_event(scope.account, change.calendar_id, change.id)[-1]
