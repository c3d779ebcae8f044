"""The fan-out tick (Cloud Scheduler, every minute or so): the safety net under push.

1. Due accounts (syncing, `next_check_at` passed; accounts in back-off are not due until their
   back-off ends): page by page, each page claimed in one transaction by moving its
   `next_check_at` one poll interval ahead (which also moves the query to the next page), then
   a job is asked for each, and a missing or misplaced push channel is opened.
2. Channels expiring within a day: renewed (new id and token, overlap, old one stopped), the
   soonest to expire first, at most `fanout_max_renewals` a tick (those of step 1 included),
   so channels that expire together are renewed over a few ticks instead of spending the
   per-project quota in one minute.
3. Leases whose holder died (lease ended): released, and a job asked for.
4. Outbox entries older than the grace period (their job request may have been lost), each
   read once per tick, page after page with a cursor: a job is asked for each of their
   syncing accounts not in back-off (an account in back-off gets its job from step 1 when the
   back-off ends); entries of accounts that no longer sync (stopped, needs_reauth, error,
   removed) are deleted. Those are not needed: activities changed while an account does not
   sync write no entry at all, and every start of such an account (reconnect, re-authorized,
   after an error) has its first job reconcile in full, pushing every future activity of the
   exported types and every link. So old entries of stopped accounts never pile up ahead of
   live ones, nor are they read again tick after tick.

5. Accounts a consent made that nobody confirmed within the state lifetime: removed, their
   tokens revoked (`confirm.py`).

Storage reads are proportional to what is due, expiring, stale or forgotten (each forgotten
entry once, plus one read per account it belongs to), never to the number of accounts; at most
`fanout_max_accounts` forgotten entries are read per tick. Provider calls and job requests run
on a small thread pool.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import Enum

from calsync.domain.account import Account
from calsync.domain.schedule import evolve
from calsync.errors import CalsyncError
from calsync.ports import UnitOfWork
from calsync.services.channels import Channels
from calsync.services.common import ServiceContext
from calsync.services.confirm import ConfirmService

log = logging.getLogger(__name__)

OUTBOX_PAGE = 1000  # forgotten entries per query
DROP_BATCH = 400  # deletions per transaction (a Firestore commit takes at most 500 writes)


@dataclass
class TickReport:
    """What one tick did (the fanout endpoint's answer)."""

    due: int = 0
    jobs_requested: int = 0
    channels_opened: int = 0
    channels_renewed: int = 0
    channel_failures: int = 0
    leases_released: int = 0
    outbox_accounts: int = 0
    outbox_dropped: int = 0
    unconfirmed_removed: int = 0
    failures: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class FanoutService:
    """One tick of the fan-out."""

    def __init__(self, ctx: ServiceContext, channels: Channels, confirm: ConfirmService) -> None:
        self._ctx = ctx
        self._channels = channels
        self._confirm = confirm
        self._lock = threading.Lock()

    def tick(self) -> TickReport:
        now = self._ctx.clock.now()
        report = TickReport()
        renewed: set[str] = set()  # accounts whose channel this tick already tried
        with ThreadPoolExecutor(self._ctx.settings.fanout_concurrency) as pool:
            self._poll_due(now, report, pool, renewed)
            self._renew_channels(now, report, pool, renewed)
        self._release_leases(now, report)
        self._sweep_outbox(now, report)
        report.unconfirmed_removed = self._confirm.drop_expired(now)
        log.info("fan-out tick: %s", report.as_dict())
        return report

    def _count(self, report: TickReport, field: str) -> None:
        with self._lock:
            setattr(report, field, getattr(report, field) + 1)

    # -- 1. due accounts -------------------------------------------------------------------

    def _poll_due(
        self, now: datetime, report: TickReport, pool: ThreadPoolExecutor, renewed: set[str]
    ) -> None:
        settings = self._ctx.settings
        while report.due < settings.fanout_max_accounts:
            page = self._ctx.storage.transaction(lambda uow: self._claim(uow, now))
            report.due += len(page)
            room = max(settings.fanout_max_renewals - len(renewed), 0)
            stale = [a for a in page if self._channels.needs_renewal(a, now)][:room]
            renewed.update(a.id for a in stale)
            list(pool.map(lambda account: self._request(account.id, report), page))
            list(pool.map(lambda account: self._renew(account, report), stale))
            if len(page) < settings.fanout_page_size:
                return

    def _claim(self, uow: UnitOfWork, now: datetime) -> list[Account]:
        page = uow.accounts.due(now, limit=self._ctx.settings.fanout_page_size)
        later = now + self._ctx.settings.poll_interval
        for account in page:
            uow.accounts.put(evolve(account, sync=evolve(account.sync, next_check_at=later)))
        return page

    # -- 2. channels -----------------------------------------------------------------------

    def _renew_channels(
        self, now: datetime, report: TickReport, pool: ThreadPoolExecutor, tried: set[str]
    ) -> None:
        settings = self._ctx.settings
        before = now + settings.channel_renew_before
        cap = min(settings.fanout_max_accounts, settings.fanout_max_renewals)
        while len(tried) < cap:
            page = self._ctx.storage.session().accounts.channels_expiring(
                before, limit=settings.fanout_page_size
            )
            fresh = [account for account in page if account.id not in tried]
            fresh = fresh[: cap - len(tried)]
            tried.update(account.id for account in fresh)
            list(pool.map(lambda account: self._renew(account, report), fresh))
            if not fresh or len(page) < settings.fanout_page_size:
                return

    def _renew(self, account: Account, report: TickReport) -> None:
        field = "channels_renewed" if account.channel is not None else "channels_opened"
        try:
            self._channels.renew(account)
        except CalsyncError as exc:  # next tick tries again; polling covers meanwhile
            log.warning("channel of account %s not renewed: %s", account.id, exc.code)
            self._count(report, "channel_failures")
        else:
            self._count(report, field)

    # -- 3. stale leases -------------------------------------------------------------------

    def _release_leases(self, now: datetime, report: TickReport) -> None:
        settings = self._ctx.settings
        tried: set[str] = set()
        while len(tried) < settings.fanout_max_accounts:
            page = self._ctx.storage.session().accounts.leases_expired(
                now, limit=settings.fanout_page_size
            )
            fresh = [account.id for account in page if account.id not in tried]
            tried.update(fresh)
            for account_id in fresh:
                released = self._ctx.storage.transaction(self._release(account_id, now))
                if released is not None:
                    report.leases_released += 1
                    if released.is_syncing and not _backing_off(released, now):
                        self._request(released.id, report)
            if not fresh or len(page) < settings.fanout_page_size:
                return

    @staticmethod
    def _release(account_id: str, now: datetime) -> Callable[[UnitOfWork], Account | None]:
        def work(uow: UnitOfWork) -> Account | None:
            account = uow.accounts.get(account_id)
            lease_until = account.sync.lease_until if account is not None else None
            if account is None or lease_until is None or lease_until >= now:
                return None
            sync = evolve(account.sync, lease_holder=None, lease_until=None)
            released = evolve(account, sync=sync)
            uow.accounts.put(released)
            return released

        return work

    # -- 4. forgotten outbox entries -------------------------------------------------------

    def _sweep_outbox(self, now: datetime, report: TickReport) -> None:
        """Every forgotten entry once, page by page: its account gets one job if it syncs and
        is not in back-off; entries of accounts that no longer sync are dropped (their next
        start reconciles in full, which pushes everything they would have)."""
        session = self._ctx.storage.session()
        older_than = now - self._ctx.settings.outbox_grace
        verdicts: dict[str, _Verdict] = {}
        after, read = None, 0
        while read < self._ctx.settings.fanout_max_accounts:
            page = session.outbox.forgotten(older_than, limit=OUTBOX_PAGE, after=after)
            read += len(page)
            stale: dict[str, list[str]] = {}
            for entry in page:
                verdict = verdicts.get(entry.account_id)
                if verdict is None:
                    verdict = _verdict(session.accounts.get(entry.account_id), now)
                    verdicts[entry.account_id] = verdict
                    if verdict is _Verdict.JOB:
                        report.outbox_accounts += 1
                        self._request(entry.account_id, report)
                if verdict is _Verdict.DROP:
                    stale.setdefault(entry.account_id, []).append(entry.activity_id)
            for account_id, activity_ids in stale.items():
                report.outbox_dropped += self._drop(account_id, activity_ids)
            if len(page) < OUTBOX_PAGE:
                return
            after = page[-1]

    def _drop(self, account_id: str, activity_ids: list[str]) -> int:
        """Delete these entries of an account that does not sync, checked again in each
        transaction: a start meanwhile keeps them (and makes new ones)."""

        def work(chunk: list[str]) -> Callable[[UnitOfWork], int]:
            def drop(uow: UnitOfWork) -> int:
                account = uow.accounts.get(account_id)
                if account is not None and account.is_syncing:
                    return 0
                for activity_id in chunk:
                    uow.outbox.delete(account_id, activity_id)
                return len(chunk)

            return drop

        chunks = [activity_ids[i : i + DROP_BATCH] for i in range(0, len(activity_ids), DROP_BATCH)]
        return sum(self._ctx.storage.transaction(work(chunk)) for chunk in chunks)

    # -- job requests ----------------------------------------------------------------------

    def _request(self, account_id: str, report: TickReport) -> None:
        try:
            self._ctx.request_job(account_id)
        except CalsyncError as exc:
            log.warning("job request for account %s failed: %s", account_id, exc.code)
            self._count(report, "failures")
        else:
            self._count(report, "jobs_requested")


class _Verdict(Enum):
    JOB = "job"  # syncing, not in back-off: a job pushes its entries
    WAIT = "wait"  # in back-off: the job after it (a due poll) pushes them
    DROP = "drop"  # gone or not syncing: its entries are not needed


def _verdict(account: Account | None, now: datetime) -> _Verdict:
    if account is None or not account.is_syncing:
        return _Verdict.DROP
    return _Verdict.WAIT if _backing_off(account, now) else _Verdict.JOB


def _backing_off(account: Account, now: datetime) -> bool:
    """Failing, and its back-off (set by the engine as `next_check_at`) has not ended."""
    next_check = account.sync.next_check_at
    return account.sync.failures > 0 and next_check is not None and next_check > now
