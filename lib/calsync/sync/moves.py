"""A changed calendar: the events the sync created move to the new calendar.

Every link of a future item whose event is in another calendar than the current one (so a
move interrupted by a crash, or a calendar switched twice, is finished too), in batches of at
most `batch` moves per provider call and source calendar. A CRM-born event moves (its id
stays, so its link just changes calendar; its etag is kept, so the listing that follows sees
the moved event as changed and merges any calendar edit it carried). An event the move finds
gone is looked for in the new calendar (an earlier attempt may have moved it); if it is not
there either, the user deleted it, and that is planned as a removal. Imported events stay in
the calendar the user put them in: their links are dropped and their activities stay in the
CRM as ordinary, editable activities. Past items stay where they were.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from calsync.domain.activity import Activity, Origin
from calsync.domain.event import CalendarEvent, RemovedEvent
from calsync.domain.link import Link, LinkState, Side
from calsync.domain.mapping import bump, is_future
from calsync.domain.schedule import evolve
from calsync.errors import ProviderUnavailable
from calsync.ports import MoveEvent, Outcome, UnitOfWork, WriteResult
from calsync.sync.actions import Action, DropLink, PutLink, SaveActivity, Scope, decision
from calsync.sync.context import Context
from calsync.sync.executor import apply_actions
from calsync.sync.planner import plan_change
from calsync.sync.pull import chunks


class Moves:
    """Moving one account's synced events from `source` to the current calendar."""

    def __init__(self, ctx: Context, *, batch: int) -> None:
        self.storage = ctx.storage
        self.provider = ctx.provider
        self.scope = ctx.scope
        self.lease = ctx.lease
        self.batch = batch
        self.moved = 0

    def _outside(self) -> Iterator[Link]:
        """Links of future items whose event is outside the current calendar."""
        for link in self.storage.session().links.all(self.scope.account_id):
            if (
                link.calendar_id != self.scope.calendar_id
                and link.state is LinkState.LINKED
                and (link.base is None or is_future(link.base, self.scope.now))
            ):
                yield link

    def sources(self, *, also: str | None) -> list[str]:
        """The calendars events will move out of (and `also`, the one synced last), to take in
        their last changes first."""
        found = {link.calendar_id for link in self._outside()}
        if also is not None:
            found.add(also)
        found.discard(self.scope.calendar_id)
        return sorted(found)

    def run(self) -> None:
        for batch in chunks(self._outside(), self.batch):
            for source in sorted({link.calendar_id for link in batch}):
                self._move(source, [link for link in batch if link.calendar_id == source])

    def _move(self, source: str, links: Sequence[Link]) -> None:
        movable = [link for link in links if link.origin is Origin.CRM and not link.read_only]
        writes = [MoveEvent(link.event_id, self.scope.calendar_id) for link in movable]
        results = self.provider.write(source, writes) if writes else []
        if any(result.outcome is Outcome.RETRY for result in results):
            raise ProviderUnavailable("the calendar could not move events just now")
        found = {
            link.event_id: self._where(link, result)
            for link, result in zip(movable, results, strict=True)
        }
        outcomes = dict(zip([link.event_id for link in movable], results, strict=True))
        ids = [link.activity_id for link in links]

        def work(uow: UnitOfWork) -> None:
            account = self.lease.check(uow)
            activities = uow.activities.get_many(self.scope.company_id, ids)
            current = uow.links.get_many(self.scope.account_id, ids)
            actions: list[Action] = []
            for link in links:
                now_link = current.get(link.activity_id)
                if now_link is None or now_link.calendar_id != source:
                    continue
                activity = activities.get(link.activity_id)
                if link.event_id not in outcomes:
                    actions += _release(self.scope, now_link, activity)
                else:
                    result = outcomes[link.event_id]
                    event = found[link.event_id]
                    actions += self._settle(source, now_link, activity, result, event)
            apply_actions(uow, self.scope, actions)
            self.lease.extend(uow, account)

        self.storage.transaction(work)

    def _where(self, link: Link, result: WriteResult) -> CalendarEvent | None:
        """The event in the new calendar after the move, if it is there."""
        if result.outcome is Outcome.OK:
            return result.event
        if result.outcome in (Outcome.GONE, Outcome.EXISTS):
            return self.provider.get(self.scope.calendar_id, link.event_id)
        return None

    def _settle(
        self,
        source: str,
        link: Link,
        activity: Activity | None,
        result: WriteResult,
        event: CalendarEvent | None,
    ) -> list[Action]:
        if event is not None:
            # Moved (now or by an earlier attempt): the link follows it.
            self.moved += 1
            return [PutLink(evolve(link, calendar_id=event.calendar_id, updated_at=self.scope.now))]
        if result.outcome is Outcome.GONE:
            # Deleted by the user before the move: the usual deletion rules apply.
            return plan_change(
                self.scope, RemovedEvent(id=link.event_id, calendar_id=source), link, activity
            )
        # Refused: the event stays where it is, unlinked; the push creates a new one.
        return [
            DropLink(link.activity_id),
            decision(
                self.scope,
                activity_id=link.activity_id,
                event_id=link.event_id,
                name="calendar",
                crm_value=self.scope.calendar_id,
                calendar_value=source,
                winner=Side.CALENDAR,
                reason=f"The calendar refused to move this event: {result.detail}",
            ),
        ]


def _release(scope: Scope, link: Link, activity: Activity | None) -> list[Action]:
    """An imported event stays in the old calendar; its activity stays in the CRM, editable."""
    actions: list[Action] = [DropLink(link.activity_id)]
    if activity is not None and activity.read_only:
        freed = bump(evolve(activity, read_only=False), scope.now)
        actions.insert(0, SaveActivity(freed, fan_out=False))
    return actions
