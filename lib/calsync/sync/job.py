"""SyncJob: one sync of one account, from lease to recorded result.

1. Take the account's lease (a second job meanwhile gets BUSY).
2. Reconcile what changed in the settings since they were last applied (`reconcile.py`):
   move events to a new calendar, then, after the pull, push what added types, removed types
   or the deal/contact option ask for.
3. Pull the calendar's changes since the cursor, page by page (`pull.py`). A push-only job
   (`pull=False`: asked for by CRM changes alone, see `jobs.py`) skips this step unless it
   must pull: no cursor for the calendar yet, or settings to reconcile (which includes a first
   sync, a resumed one and an interrupted reconcile).
4. Push the outbox in batches (`push.py`).
   Moves and pushes stop between two batches once the job's time budget is spent
   (`budget.py`): what is left goes to a follow-up job, as leftover outbox entries do.
5. Record the result on the account and release the lease: `last_synced_at`, `next_check_at`
   (the polling interval), `failures` with exponential back-off, `error` as a Problem the user
   can act on, status `needs_reauth` when the provider refuses the authorization.

A crash anywhere leaves everything committed so far consistent (each transaction is complete
on its own) and the rest to be redone by the next job, which finds its own earlier writes by
their derived ids and marks. Costs, by design: an idle run is one provider request and two
storage reads (the account when leasing, the empty outbox query), three in a process that has
not unsealed the account's credentials yet; the close writes without reading (`lease.close`:
an update conditioned on the account being as the job last wrote it); a push-only run makes
no provider request beyond its writes.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

from calsync.domain.account import Account, SyncSettings
from calsync.domain.link import LinkState
from calsync.domain.mapping import is_future
from calsync.domain.schedule import evolve
from calsync.errors import CalsyncError
from calsync.ports import CalendarProvider, Clock, Storage, TaskQueue, UnitOfWork
from calsync.sync.actions import Scope
from calsync.sync.budget import Budget, BudgetSpent
from calsync.sync.context import Context
from calsync.sync.engine_config import EngineConfig
from calsync.sync.job_failures import Failures
from calsync.sync.jobs import JobOutcome, JobResult, request_job
from calsync.sync.lease import Lease, close, take_lease
from calsync.sync.moves import Moves
from calsync.sync.pull import Pull, PullResult, SeenIds
from calsync.sync.push import Item, Push, PushReport
from calsync.sync.reconcile import Reconcile, what_changed

__all__ = ["EngineConfig", "SyncJob"]

log = logging.getLogger(__name__)
DEFAULT_CONFIG = EngineConfig()


class SyncJob:
    """Runs sync jobs; `run(account_id)` is what the worker entry point calls."""

    def __init__(
        self,
        *,
        storage: Storage,
        clock: Clock,
        open_provider: Callable[[Account], CalendarProvider],
        queue: TaskQueue,
        config: EngineConfig = DEFAULT_CONFIG,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.open_provider = open_provider
        self.queue = queue
        self.config = config

    def run(self, account_id: str, *, pull: bool = True) -> JobResult:
        """One job of the account; `pull=False` for a push-only one (it pulls if it must)."""
        holder = uuid.uuid4().hex
        config = self.config
        taken = take_lease(
            self.storage,
            account_id,
            holder,
            self.clock.now(),
            config.lease_ttl,
            busy_retry=config.busy_retry,
        )
        if isinstance(taken, JobResult):
            return taken
        return _Run(self, taken, holder, pull=pull).execute()

    def backoff(self, failures: int) -> timedelta:
        """The wait after `failures` consecutive failed jobs: doubling, capped."""
        base = self.config.backoff_base.total_seconds()
        seconds = min(base * 2 ** max(failures - 1, 0), self.config.backoff_max.total_seconds())
        return timedelta(seconds=seconds)


class _Run(Failures):
    """One execution of the job for a leased account."""

    def __init__(self, job: SyncJob, account: Account, holder: str, *, pull: bool) -> None:
        assert account.settings is not None
        self.job, self.account, self.holder = job, account, holder
        self.asked_to_pull = pull
        self.settings: SyncSettings = account.settings
        self.config = job.config
        self.now = job.clock.now()
        self.scope = Scope(
            account=account,
            settings=self.settings,
            now=self.now,
            crm_base_url=self.config.crm_base_url,
        )
        self.lease = Lease(
            account.id, holder, self.settings.calendar_id, job.clock, self.config.lease_ttl
        )
        self.budget = Budget(job.clock, self.now, self.config.job_budget)
        self.pulled: PullResult | None = None
        self.reconciled = False
        self.report = PushReport()
        self.provider: CalendarProvider | None = None

    def execute(self) -> JobResult:
        try:
            self._sync()
        except BudgetSpent:  # stopped between two batches: what is left goes to a follow-up
            self.report.leftover = True
        except Exception as exc:  # every failure is recorded; a crash (BaseException) is not
            return self._failure(exc)
        return self._done()

    # -- the work -----------------------------------------------------------------------------

    def _sync(self) -> None:
        job, scope = self.job, self.scope
        provider = self.provider = job.open_provider(self.account)
        sync = self.account.sync
        todo = what_changed(sync.applied_settings, self.settings, interrupted=sync.reconciling)
        ctx = Context(job.storage, provider, scope, self.lease, self.budget)
        if sync.applied_settings != self.settings and not sync.reconciling:
            self._begin_reconcile(redo=todo.needed)
        pull = Pull(ctx, txn_items=self.config.txn_items, reevaluate=todo.reevaluate)
        if todo.move:
            moves = Moves(ctx, batch=self.config.push_batch)
            for left in moves.sources(also=sync.cursor_calendar_id):
                pull.drain(left, sync.cursor if left == sync.cursor_calendar_id else None)
            moves.run()
        cursor = self._cursor(todo)
        if self.asked_to_pull or todo.needed or cursor is None:
            self.pulled = pull.run(cursor)
        push = Push(ctx, batch=self.config.push_batch, max_attempts=self.config.max_push_attempts)
        push.report = self.report
        for items in self._settings_pushes(todo, pull.linked_now):
            push.push_ids(items)
        self.reconciled = True
        push.outbox()

    def _begin_reconcile(self, *, redo: bool) -> None:
        """Note durably, before anything is pulled under the new settings, that a reconcile
        began: if it does not finish, the next job redoes it in full (what was done in part,
        e.g. half the moves, is then completed). A change that asks for no work (say two-way
        to one-way) is applied at once: events a pull skips under it are then known to have
        been skipped, and switching back lists them again, even if this job stops early."""

        def work(uow: UnitOfWork) -> None:
            account = self.lease.check(uow)
            if redo:
                self.lease.extend(uow, account, reconciling=True)
            else:
                self.lease.extend(uow, account, applied_settings=self.settings)

        self.job.storage.transaction(work)

    def _cursor(self, todo: Reconcile) -> str | None:
        sync = self.account.sync
        if todo.full_pull or sync.cursor_calendar_id != self.settings.calendar_id:
            return None
        return sync.cursor

    def _settings_pushes(self, todo: Reconcile, linked_now: SeenIds) -> Iterator[Iterator[Item]]:
        """What the settings change asks to push; not what this job's pull just linked (it
        planned those against the current settings and queued what they need)."""
        session = self.job.storage.session()
        account_id, scope = self.account.id, self.scope
        if todo.drop_types or todo.refresh_links:
            dropped = set(todo.drop_types)
            yield (
                Item(link.activity_id, link.activity_version)
                for link in session.links.all(account_id)
                if link.state is LinkState.LINKED
                and link.calendar_id == scope.calendar_id
                and (link.base is None or is_future(link.base, scope.now))
                and (todo.refresh_links or link.activity_type in dropped)
                and link.activity_id not in linked_now
            )
        if todo.push_types:
            activities = session.activities.for_owner(
                scope.company_id, scope.user_id, ends_after=scope.now, types=todo.push_types
            )
            yield (
                Item(activity.id, activity.version)
                for activity in activities
                if activity.id not in linked_now
            )

    # -- recording the result -----------------------------------------------------------------

    def _progress(self, account: Account) -> Account:
        """What this run completed, whatever its outcome: cursor, applied settings, and what
        is left of the account's request budget."""
        sync = account.sync
        if self.provider is not None:
            sync = evolve(sync, pace=self.provider.request_budget())
        if self.pulled is not None and not self.pulled.committed and self.pulled.cursor:
            cursor_calendar = self.settings.calendar_id
            sync = evolve(sync, cursor=self.pulled.cursor, cursor_calendar_id=cursor_calendar)
        if self.reconciled:
            sync = evolve(sync, applied_settings=self.settings, reconciling=False)
        if sync.window_start is None:
            sync = evolve(sync, window_start=self.now)
        return evolve(account, sync=sync)

    def _close(self, update: Callable[[Account], Account]) -> Account | None:
        try:
            return close(
                self.job.storage,
                self.account.id,
                self.holder,
                lambda account: update(self._progress(account)),
            )
        except CalsyncError:
            log.warning("could not record the sync result of account %s", self.account.id)
            return None

    def _done(self) -> JobResult:
        end = self.job.clock.now()

        def update(account: Account) -> Account:
            sync = evolve(
                account.sync,
                last_synced_at=end,
                next_check_at=end + self.config.poll_interval,
                failures=0,
            )
            return evolve(account, sync=sync, error=None, updated_at=end)

        self._close(update)
        if self.report.leftover:  # CRM changes only: the follow-up need not pull
            window = self.config.coalesce_window
            request_job(self.job.queue, self.account.id, end, window, pull=False)
        detail = f"{self.report.writes} calendar writes in {self.report.calls} calls"
        return JobResult(JobOutcome.DONE, detail=detail)
