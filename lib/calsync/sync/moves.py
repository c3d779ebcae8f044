"""A changed calendar: the events the sync created move to the new calendar.

Every link of a future item whose event is outside the current calendar (so a move that a
crash interrupted, or a calendar switched twice, is finished too), in batches of at most
`batch` moves per provider call and source calendar:

1. *Prepare* (one transaction): imported events stay in the calendar the user put them in,
   so their links are released (kept, not synced) and their activities stay in the CRM as
   ordinary, editable activities; each CRM-born link to move first records its destination
   (`moving_to`).
2. *Move* (one provider call per source calendar); the event keeps its id.
3. *Settle* (one transaction): a moved link changes calendar; its etag is kept, so the listing
   that follows sees the moved event as changed and merges whatever the event carried.

A link whose `moving_to` is set may have moved or not (a crash came between 2 and 3): it is
looked for where it was and where it was going (two reads); found, it is first merged with the
event as it is (before a move changes its `updated` time), then moved on if need be; found
nowhere, the user deleted it, and that is planned as a removal. Past items stay where they
were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from calsync.domain.activity import Activity, Origin
from calsync.domain.event import CalendarEvent, RemovedEvent
from calsync.domain.link import Link, LinkState, Side
from calsync.domain.mapping import bump, is_future
from calsync.domain.schedule import evolve
from calsync.errors import ProviderUnavailable
from calsync.ports import MoveEvent, Outcome, UnitOfWork, WriteResult
from calsync.sync.actions import (
    Action,
    DropLink,
    PutLink,
    RemoveActivity,
    SaveActivity,
    decision,
)
from calsync.sync.context import Context
from calsync.sync.executor import apply_actions
from calsync.sync.planner import plan_change
from calsync.sync.pull import chunks

_PASSES = 3  # a pass finishes what the previous one found moved elsewhere


@dataclass
class _Plan:
    """What the prepare step decided for a batch."""

    actions: list[Action] = field(default_factory=list)
    moves: dict[str, list[Link]] = field(default_factory=dict)  # source calendar -> links


class Moves:
    """Moving one account's synced events into the current calendar."""

    def __init__(self, ctx: Context, *, batch: int) -> None:
        self.ctx = ctx
        self.scope = ctx.scope
        self.batch = batch
        self.moved = 0

    def _pending(self) -> Iterator[Link]:
        """Links of future items outside the current calendar, or in the middle of a move."""
        for link in self.ctx.storage.session().links.all(self.scope.account_id):
            if (
                link.state is LinkState.LINKED
                and (link.calendar_id != self.scope.calendar_id or link.moving_to is not None)
                and (link.base is None or is_future(link.base, self.scope.now))
            ):
                yield link

    def sources(self, *, also: str | None) -> list[str]:
        """The calendars events will move out of (and `also`, the one synced last), to take in
        their last changes before anything moves."""
        found = {link.calendar_id for link in self._pending()}
        if also is not None:
            found.add(also)
        found.discard(self.scope.calendar_id)
        return sorted(found)

    def run(self) -> None:
        moved_any = False
        for _ in range(_PASSES):
            batches = 0
            for batch in chunks(self._pending(), self.batch):
                if moved_any:
                    self.ctx.budget.check()  # between two batches (the first always goes)
                moved_any = True
                batches += 1
                self._batch(batch)
            if not batches:
                return

    def _batch(self, links: Sequence[Link]) -> None:
        located = {link.activity_id: self._locate(link) for link in links if link.moving_to}
        ids = [link.activity_id for link in links]
        plan = self._commit(ids, lambda activities: self._prepare(links, located, activities))
        for source, moving in sorted(plan.moves.items()):
            writes = [MoveEvent(link.event_id, self.scope.calendar_id) for link in moving]
            results = self.ctx.provider.write(source, writes)
            if any(result.outcome is Outcome.RETRY for result in results):
                raise ProviderUnavailable("the calendar could not move events just now")
            self._commit([], partial(self._settled, moving, results))

    def _locate(self, link: Link) -> CalendarEvent | None:
        """Where the event of a link caught in the middle of a move is now."""
        found = self.ctx.provider.get(link.calendar_id, link.event_id)
        if found is None and link.moving_to is not None:
            found = self.ctx.provider.get(link.moving_to, link.event_id)
            if found is not None and found.crm_activity_id != link.activity_id:
                return None  # another event holding the id there (a refused move): not ours
        return found

    def _commit(self, ids: list[str], decide: Callable[[dict[str, Activity]], _Plan]) -> _Plan:
        """In one transaction: read the activities `ids`, then apply what `decide` returns."""

        def work(uow: UnitOfWork) -> _Plan:
            account = self.ctx.lease.check(uow)
            plan = decide(uow.activities.get_many(self.scope.company_id, ids) if ids else {})
            apply_actions(uow, self.scope, plan.actions)
            self.ctx.lease.extend(uow, account)
            return plan

        return self.ctx.storage.transaction(work)

    def _prepare(
        self,
        links: Sequence[Link],
        located: dict[str, CalendarEvent | None],
        activities: dict[str, Activity],
    ) -> _Plan:
        plan = _Plan()
        for link in links:
            activity = activities.get(link.activity_id)
            if link.origin is Origin.CALENDAR or link.read_only:
                # An imported event stays where the user put it; its activity stays in the CRM.
                plan.actions += _release(self.scope.now, link, activity)
            elif link.activity_id in located:
                self._recover(plan, link, located[link.activity_id], activity)
            else:
                self._plan_move(plan, link)
        return plan

    def _recover(
        self, plan: _Plan, link: Link, event: CalendarEvent | None, activity: Activity | None
    ) -> None:
        """A link caught in the middle of a move, its event found at `event` (or nowhere)."""
        if event is None:
            # Neither where it was nor where it was going: the user deleted it.
            gone = RemovedEvent(id=link.event_id, calendar_id=link.calendar_id)
            plan.actions += plan_change(self.scope, gone, link, activity)
            return
        # Found: take in what it carries (with its own time) before it moves on.
        found = evolve(link, calendar_id=event.calendar_id, moving_to=None)
        merged = plan_change(self.scope, event, found, activity)
        if any(isinstance(a, DropLink | RemoveActivity) for a in merged):
            plan.actions += merged
            return
        puts = [a.link for a in merged if isinstance(a, PutLink)]
        plan.actions += [a for a in merged if not isinstance(a, PutLink)]
        self._plan_move(plan, puts[-1] if puts else found)

    def _plan_move(self, plan: _Plan, link: Link) -> None:
        if link.state is not LinkState.LINKED or link.calendar_id == self.scope.calendar_id:
            plan.actions.append(PutLink(evolve(link, moving_to=None)))
            return
        moving = evolve(link, moving_to=self.scope.calendar_id)
        plan.actions.append(PutLink(moving))
        plan.moves.setdefault(link.calendar_id, []).append(moving)

    def _settled(
        self, links: Sequence[Link], results: Sequence[WriteResult], _: dict[str, Activity]
    ) -> _Plan:
        plan = _Plan()
        for link, result in zip(links, results, strict=True):
            if result.outcome is Outcome.OK and result.event is not None:
                self.moved += 1
                arrived = evolve(link, calendar_id=result.event.calendar_id, moving_to=None)
                plan.actions.append(PutLink(evolve(arrived, updated_at=self.scope.now)))
            elif result.outcome in (Outcome.REJECTED, Outcome.EXISTS):
                # Refused (EXISTS: the new calendar holds another event with this id): the
                # event stays where it is, unlinked; the push tries to make a new one.
                detail = result.detail
                if result.outcome is Outcome.EXISTS:
                    detail = "the new calendar already holds another event with this id"
                plan.actions += [
                    DropLink(link.activity_id),
                    decision(
                        self.scope,
                        activity_id=link.activity_id,
                        event_id=link.event_id,
                        name="calendar",
                        crm_value=self.scope.calendar_id,
                        calendar_value=link.calendar_id,
                        winner=Side.CALENDAR,
                        reason=f"The calendar refused to move this event: {detail}",
                    ),
                ]
            # GONE: `moving_to` stays set; the next pass looks where it went.
        return plan


def _release(now: datetime, link: Link, activity: Activity | None) -> list[Action]:
    """An imported event stays in the old calendar; its activity stays in the CRM, editable.
    The link is kept, released, to tie them again if the account switches back."""
    released = evolve(link, state=LinkState.RELEASED, moving_to=None, updated_at=now)
    actions: list[Action] = [PutLink(released)]
    if activity is not None and activity.read_only:
        freed = bump(evolve(activity, read_only=False), now)
        actions.insert(0, SaveActivity(freed, fan_out=False))
    return actions
