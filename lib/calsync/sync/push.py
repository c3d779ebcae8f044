"""The push: CRM changes to the calendar, in batches of at most `batch` writes per provider call.

A batch is planned from plain reads (activities, links, the linked items its deal/contact block
cites), written in one provider call (creates with client-chosen ids, updates with If-Match),
then settled in one transaction that reads the links and activities again, so the outcome is
planned against the CRM as it is now. An outbox entry is deleted only if its version is still
the one pushed (or older); an entry whose push must be repeated (STALE merged, EXISTS adopted)
is queued again, at most `max_attempts` times per job.

The same path pushes what a settings change asks for (`push_ids`): activities of an added
type, links of a removed type, every link when the deal/contact option changed.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from calsync.domain.activity import Activity, LinkedItem, LinkedItemKind
from calsync.errors import ProviderRateLimited
from calsync.ports import EventWrite, UnitOfWork, WriteResult
from calsync.sync.actions import Action, ClearOutbox, PushStep
from calsync.sync.context import Context
from calsync.sync.executor import apply_actions
from calsync.sync.outcomes import plan_outcome
from calsync.sync.pull import chunks
from calsync.sync.push_plan import plan_push

_CACHE_SIZE = 512


@dataclass(frozen=True)
class Item:
    """One activity to push: from an outbox entry (its version) or a settings change."""

    activity_id: str
    version: int


@dataclass
class PushReport:
    writes: int = 0  # calendar writes sent
    calls: int = 0  # provider calls made
    leftover: bool = False  # entries left for a follow-up job


class Push:
    """Pushes of one account's job."""

    def __init__(self, ctx: Context, *, batch: int, max_attempts: int = 3) -> None:
        self.storage = ctx.storage
        self.provider = ctx.provider
        self.scope = ctx.scope
        self.lease = ctx.lease
        self.batch = batch
        self.max_attempts = max_attempts
        self.budget = ctx.budget
        self.report = PushReport()
        self._batches = 0  # batches pushed by this job (the first always goes)
        self._items: OrderedDict[tuple[LinkedItemKind, str], LinkedItem | None] = OrderedDict()

    def outbox(self) -> PushReport:
        """Push the account's outbox until it is empty (or only has entries tried enough)."""
        attempts: Counter[str] = Counter()
        session = self.storage.session()
        while True:
            entries = session.outbox.pending(self.scope.account_id, limit=self.batch)
            fresh = [e for e in entries if attempts[e.activity_id] < self.max_attempts]
            if not fresh:
                self.report.leftover = bool(entries)
                return self.report
            attempts.update(e.activity_id for e in fresh)
            self._push([Item(e.activity_id, e.activity_version) for e in fresh], synthetic=False)

    def push_ids(self, items: Iterable[Item]) -> None:
        """Push what a settings change asks for, without outbox entries."""
        for batch in chunks(items, self.batch):
            self._push(batch, synthetic=True)

    def _push(self, items: Sequence[Item], *, synthetic: bool) -> None:
        if self._batches:
            self.budget.check()  # between two batches: everything so far is recorded
        self._batches += 1
        session = self.storage.session()
        ids = [item.activity_id for item in items]
        activities = session.activities.get_many(self.scope.company_id, ids)
        links = session.links.get_many(self.scope.account_id, ids)
        steps = [
            plan_push(
                self.scope,
                activity_id=item.activity_id,
                version=item.version,
                activity=activities.get(item.activity_id),
                link=links.get(item.activity_id),
                linked_items=self._linked(session, activities.get(item.activity_id)),
            )
            for item in items
        ]
        writes = [step.write for step in steps if step.write is not None]
        results = self._write(writes)
        retry = self._settle(items, steps, activities, results, synthetic=synthetic)
        if retry:
            raise ProviderRateLimited("the calendar asked calsync to slow down; retrying later")

    def _write(self, writes: list[EventWrite]) -> list[WriteResult]:
        if not writes:
            return []
        results = self.provider.write(self.scope.calendar_id, writes)
        self.report.writes += len(writes)
        self.report.calls += 1
        return results

    def _settle(
        self,
        items: Sequence[Item],
        steps: Sequence[PushStep],
        pushed: dict[str, Activity],
        results: list[WriteResult],
        *,
        synthetic: bool,
    ) -> bool:
        outcome = iter(results)
        answered = [
            (item, step, next(outcome) if step.write else None)
            for item, step in zip(items, steps, strict=True)
        ]
        if synthetic and not any(r or _real(s.actions) for _, s, r in answered):
            return False
        ids = [item.activity_id for item in items]

        def kept(actions: Sequence[Action]) -> list[Action]:
            # A settings push has no outbox entry to clear, and checking for one would read
            # each item's entry: an entry made meanwhile is pushed (as a no-op) and cleared
            # by the outbox pass.
            return [a for a in actions if not (synthetic and isinstance(a, ClearOutbox))]

        def work(uow: UnitOfWork) -> bool:
            account = self.lease.check(uow)
            activities = uow.activities.get_many(self.scope.company_id, ids)
            links = uow.links.get_many(self.scope.account_id, ids)
            actions: list[Action] = []
            retry = False
            for item, step, result in answered:
                actions += kept(step.actions)
                if step.write is None or result is None:
                    continue
                settled = plan_outcome(
                    self.scope,
                    write=step.write,
                    result=result,
                    pushed=pushed.get(item.activity_id),
                    activity=activities.get(item.activity_id),
                    link=links.get(item.activity_id),
                    version=item.version,
                )
                retry = retry or settled.retry
                actions += kept(settled.actions)
            apply_actions(uow, self.scope, actions)
            self.lease.extend(uow, account)
            return retry

        return self.storage.transaction(work)

    def _linked(
        self, uow: UnitOfWork, activity: Activity | None
    ) -> dict[LinkedItemKind, LinkedItem]:
        """The deal, person and organization an activity cites (cached for the job)."""
        if activity is None or not self.scope.settings.include_deal_and_contact:
            return {}
        found: dict[LinkedItemKind, LinkedItem] = {}
        for kind, item_id in activity.linked_item_ids.items():
            key = (kind, item_id)
            if key not in self._items:
                self._items[key] = uow.directory.linked_item(self.scope.company_id, kind, item_id)
                if len(self._items) > _CACHE_SIZE:
                    self._items.popitem(last=False)
            item = self._items[key]
            if item is not None:
                found[kind] = item
        return found


def _real(actions: Sequence[Action]) -> bool:
    return any(not isinstance(a, ClearOutbox) for a in actions)
