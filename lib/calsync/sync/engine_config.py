"""The engine's knobs: `EngineConfig` (defaults suit production; tests shrink them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

LEASE_TTL = timedelta(minutes=10)  # the worker's timeout and the task dispatch deadline match it
JOB_BUDGET = timedelta(minutes=8)  # a job stops between batches after this, well inside its lease


@dataclass(frozen=True)
class EngineConfig:
    """Knobs of the engine (defaults suit production; tests shrink them)."""

    crm_base_url: str = "https://crm.example.com"
    push_batch: int = 50  # calendar writes per provider call
    txn_items: int = 200  # changes per storage transaction
    lease_ttl: timedelta = LEASE_TTL
    busy_retry: timedelta = timedelta(seconds=1)  # a job finding the lease held comes back then
    poll_interval: timedelta = timedelta(minutes=30)
    backoff_base: timedelta = timedelta(seconds=30)
    backoff_max: timedelta = timedelta(hours=6)
    coalesce_window: timedelta = timedelta(seconds=10)
    max_push_attempts: int = 3  # pushes of one entry per job before it waits for a follow-up
    problem_after: int = 3  # consecutive transient failures before the account shows an error
    # How long one job may work before it stops between two batches, keeps what it did and
    # asks for a follow-up job (see sync/budget.py); shorter than the lease, so a job never
    # outlives it. None: no limit.
    job_budget: timedelta | None = JOB_BUDGET

    def __post_init__(self) -> None:
        if self.job_budget is not None and not timedelta(0) < self.job_budget < self.lease_ttl:
            raise ValueError(
                f"job_budget ({self.job_budget}) must be positive and shorter than the lease "
                f"({self.lease_ttl})"
            )
