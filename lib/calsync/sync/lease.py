"""The account lease: one job per account at a time.

Taking the lease is a transaction on the account (read it, write `lease_holder`/`lease_until`),
so of two jobs starting together exactly one wins; the other is told BUSY. The holder checks
that it still holds the lease in every transaction it commits, renews it there once half of it
has passed (a write of the account, which a long job needs now and then, not every few hundred
events), and releases it when it closes: with one conditional write and no read when nobody
else wrote the account since the job did (`close`). A job that dies keeps the lease until
`lease_until`; after that any job (or the fan-out tick) may take it over.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from calsync.domain.account import Account
from calsync.domain.schedule import evolve
from calsync.ports import Clock, Storage, UnitOfWork
from calsync.sync.jobs import JobOutcome, JobResult


class LeaseLost(Exception):
    """Another job took the account over (this one outlived its lease)."""


class SyncStopped(Exception):
    """The account was removed or stopped while the job ran."""


def take_lease(
    storage: Storage,
    account_id: str,
    holder: str,
    now: datetime,
    ttl: timedelta,
    *,
    busy_retry: timedelta = timedelta(seconds=1),
) -> Account | JobResult:
    """The account, leased to `holder`; or why the job cannot run now.

    A job that finds the lease held is BUSY and should come back after `busy_retry` (or when
    the lease ends, if sooner): the holder usually finishes within moments, and the change
    that asked for this job may have come too late for the holder to see it. (The lease's
    end is only the worst case, a holder that died; waiting for it would hold such a change
    back for the whole lease.)
    """

    def work(uow: UnitOfWork) -> Account | JobResult:
        account = uow.accounts.get(account_id)
        if account is None:
            return JobResult(JobOutcome.SKIPPED, detail="no such account")
        if not account.is_syncing or account.settings is None:
            return JobResult(JobOutcome.SKIPPED, detail=f"account is {account.status.value}")
        until = account.sync.lease_until
        if account.sync.lease_holder and until is not None and until > now:
            wait = min((until - now).total_seconds(), busy_retry.total_seconds())
            return JobResult(JobOutcome.BUSY, retry_after=wait, detail="another job runs")
        leased = evolve(account.sync, lease_holder=holder, lease_until=now + ttl)
        uow.accounts.put(evolve(account, sync=leased))
        return evolve(account, sync=leased)

    return storage.transaction(work)


class Lease:
    """The job's hold on the account, checked and extended in each of its transactions:
    `check` first (it reads the account), `extend` last (it writes it, with a new cursor if
    one is given), as transactions want reads before writes."""

    def __init__(
        self, account_id: str, holder: str, calendar_id: str, clock: Clock, ttl: timedelta
    ) -> None:
        self.account_id, self.holder, self.calendar_id = account_id, holder, calendar_id
        self.clock, self.ttl = clock, ttl

    def check(self, uow: UnitOfWork) -> Account:
        account = uow.accounts.get(self.account_id)
        if account is None or not account.is_syncing:
            raise SyncStopped(self.account_id)
        if account.sync.lease_holder != self.holder:
            raise LeaseLost(self.account_id)
        return account

    def extend(
        self, uow: UnitOfWork, account: Account, cursor: str | None = None, **sync: Any
    ) -> None:
        """Store `cursor` (if given) and any other `sync` state changes, extending the lease;
        with nothing to store, extend it only if less than half of it is left."""
        now = self.clock.now()
        until = account.sync.lease_until
        if cursor is None and not sync and until is not None and until - now > self.ttl / 2:
            return
        state = evolve(account.sync, lease_until=now + self.ttl, **sync)
        if cursor is not None:
            state = evolve(state, cursor=cursor, cursor_calendar_id=self.calendar_id)
        uow.accounts.put(evolve(account, sync=state))


def close(
    storage: Storage, account_id: str, holder: str, update: Callable[[Account], Account]
) -> Account | None:
    """Apply `update` to the account and release the lease, if this job still holds it.
    Returns the account as written (None: gone, or the lease is someone else's now).

    The job wrote the account last (taking or extending the lease) unless something else did
    meanwhile: so the account as this storage last wrote it is updated and written on the
    condition that it is still so (Firestore: an update-time precondition), with no read.
    If it changed (the user edited the settings, stopped the sync, the lease was taken over),
    or the storage does not remember it, the update is made in a transaction that reads it
    first, so the other change is kept."""
    accounts = storage.session().accounts
    known = accounts.last_written(account_id)
    if known is not None and known.sync.lease_holder == holder:
        written = _released(update(known))
        if accounts.put_if_unchanged(written, since=known):
            return written

    def work(uow: UnitOfWork) -> Account | None:
        account = uow.accounts.get(account_id)
        if account is None or account.sync.lease_holder != holder:
            return None
        written = _released(update(account))
        uow.accounts.put(written)
        return written

    return storage.transaction(work)


def _released(account: Account) -> Account:
    return evolve(account, sync=evolve(account.sync, lease_holder=None, lease_until=None))
