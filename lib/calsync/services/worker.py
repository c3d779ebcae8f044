"""The worker: runs one account's sync job, as Cloud Tasks asks for it.

The job itself is a `Callable[[str], JobResult]` (the engine's `SyncJob.run`, wired by
bootstrap); this service only checks the request and hands over.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from calsync.errors import InvalidInput
from calsync.sync.jobs import JobResult

log = logging.getLogger(__name__)

ACCOUNT_ID = re.compile(r"^[A-Za-z0-9_\-]{1,128}$")

RunJob = Callable[[str], JobResult]


class WorkerService:
    """Runs the sync job of one account."""

    def __init__(self, run_job: Callable[[], RunJob]) -> None:
        self._run_job = run_job  # resolved on first use: the engine is built lazily

    def run(self, account_id: object) -> JobResult:
        if not isinstance(account_id, str) or not ACCOUNT_ID.match(account_id):
            raise InvalidInput("invalid job", {"account_id": "required: an account id"})
        result = self._run_job()(account_id)
        log.info("job of account %s: %s %s", account_id, result.outcome.value, result.detail)
        return result
