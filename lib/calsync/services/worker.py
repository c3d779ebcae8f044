"""The worker: runs one account's sync job, as Cloud Tasks asks for it.

The job itself is a `RunJob` (the engine's `SyncJob.run`, wired by bootstrap); this service
only checks the request (`account_id`, and `pull`: whether the job pulls first) and hands over.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Protocol

from calsync.errors import InvalidInput
from calsync.sync.jobs import JobResult

log = logging.getLogger(__name__)

ACCOUNT_ID = re.compile(r"^[A-Za-z0-9_\-]{1,128}$")


class RunJob(Protocol):
    """One sync job of an account (`pull=False`: push-only, asked for by CRM changes)."""

    def __call__(self, account_id: str, *, pull: bool = True) -> JobResult: ...


class WorkerService:
    """Runs the sync job of one account."""

    def __init__(self, run_job: Callable[[], RunJob]) -> None:
        self._run_job = run_job  # resolved on first use: the engine is built lazily

    def run(self, account_id: object, pull: object = True) -> JobResult:
        valid_id = isinstance(account_id, str) and ACCOUNT_ID.match(account_id) is not None
        if not isinstance(account_id, str) or not valid_id or not isinstance(pull, bool):
            problems = {}
            if not valid_id:
                problems["account_id"] = "required: an account id"
            if not isinstance(pull, bool):
                problems["pull"] = "must be true or false"
            raise InvalidInput("invalid job", problems)
        result = self._run_job()(account_id, pull=pull)
        kind = "pulling" if pull else "push-only"
        log.info(
            "%s job of account %s: %s %s", kind, account_id, result.outcome.value, result.detail
        )
        return result
