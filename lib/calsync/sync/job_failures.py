"""How a job that did not finish is recorded on the account (the failing half of `_Run`).

| what happened                      | outcome | on the account                                    |
|------------------------------------|---------|---------------------------------------------------|
| the account was stopped or removed | SKIPPED | nothing but the released lease                    |
| another job took the lease over    | BUSY    | nothing (that job records its own result)         |
| the authorization is dead          | FAILED  | `needs_reauth`, no more polling until reconnected |
| the calendar refused for good      | FAILED  | `error`, a message pointing to the calendar option|
| anything transient                 | RETRY   | `failures` + 1, back-off; a problem after a few   |
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from calsync.domain.account import NEEDS_REAUTH_CODE, Account, AccountStatus, Problem
from calsync.domain.schedule import evolve
from calsync.errors import (
    CalsyncError,
    ProviderAuthError,
    ProviderRateLimited,
    ProviderRejected,
)
from calsync.sync.engine_config import EngineConfig
from calsync.sync.jobs import JobOutcome, JobResult
from calsync.sync.lease import LeaseLost, SyncStopped

if TYPE_CHECKING:
    from calsync.sync.job import SyncJob

log = logging.getLogger("calsync.sync.job")


class Failures:
    """Recording a job's failure; mixed into the job's run, which provides the attributes."""

    job: SyncJob
    account: Account
    config: EngineConfig

    def _close(self, update: Callable[[Account], Account]) -> Account | None:
        raise NotImplementedError  # the run's: apply `update` and release the lease

    def _failure(self, exc: Exception) -> JobResult:
        """Record why the job stopped and what its task should do now."""
        if isinstance(exc, SyncStopped):
            self._close(lambda account: account)
            return JobResult(JobOutcome.SKIPPED, detail="sync was stopped")
        if isinstance(exc, LeaseLost):
            wait = self.config.busy_retry.total_seconds()
            return JobResult(JobOutcome.BUSY, retry_after=wait, detail="lease taken over")
        if isinstance(exc, ProviderAuthError):
            return self._reauth(exc)
        if isinstance(exc, ProviderRejected):
            return self._failed(exc)
        if isinstance(exc, ProviderRateLimited):
            return self._retry(exc, exc.retry_after)
        if not isinstance(exc, CalsyncError):
            log.exception("sync job of account %s failed unexpectedly", self.account.id)
        return self._retry(exc, None)

    def _retry(self, exc: Exception, retry_after: float | None) -> JobResult:
        end = self.job.clock.now()
        failures = self.account.sync.failures + 1
        wait = self.job.backoff(failures)
        if retry_after is not None:
            wait = max(wait, timedelta(seconds=retry_after))
        provider = self.account.provider.value.title()

        def update(account: Account) -> Account:
            sync = evolve(account.sync, failures=failures, next_check_at=end + wait)
            error = account.error
            if failures >= self.config.problem_after:
                message = (
                    f"calsync could not sync with {provider} for a while ({_reason(exc)}); "
                    "it keeps trying on its own."
                )
                error = Problem(code="sync_delayed", message=message, at=end)
            return evolve(account, sync=sync, error=error, updated_at=end)

        self._close(update)
        return JobResult(JobOutcome.RETRY, retry_after=wait.total_seconds(), detail=_reason(exc))

    def _reauth(self, exc: ProviderAuthError) -> JobResult:
        provider = self.account.provider.value.title()
        message = f"{provider} no longer accepts calsync's access: reconnect the account."
        return self._stop(AccountStatus.NEEDS_REAUTH, NEEDS_REAUTH_CODE, message, exc)

    def _failed(self, exc: ProviderRejected) -> JobResult:
        message = (
            f"The calendar could not be synced ({exc.message}). Check that it still exists and "
            "that you can edit it, or choose another calendar in the sync options."
        )
        return self._stop(AccountStatus.ERROR, "calendar_refused", message, exc)

    def _stop(self, status: AccountStatus, code: str, message: str, exc: Exception) -> JobResult:
        end = self.job.clock.now()

        def update(account: Account) -> Account:
            problem = Problem(code=code, message=message, at=end)
            sync = evolve(account.sync, next_check_at=None, failures=0)
            new_status = status if account.is_syncing else account.status
            return evolve(account, status=new_status, sync=sync, error=problem, updated_at=end)

        self._close(update)
        return JobResult(JobOutcome.FAILED, detail=_reason(exc))


def _reason(exc: Exception) -> str:
    if isinstance(exc, CalsyncError):
        return exc.message
    return type(exc).__name__
