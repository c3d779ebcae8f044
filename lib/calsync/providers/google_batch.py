"""Runs many write conversations (google_writes.py) together through Google's batch endpoint.

Round by round, the next request of every unfinished write goes out in batch requests of at
most `size` calls (Google allows 1000, but advises small batches: each part still counts
against the per-user rate). Each part's answer is handed back to its write:

- a transient answer (5xx, 403/429 rate limit, 409 `conflict`: "retry it separately") keeps
  the same request for the next round, after a back-off with jitter; once the attempts or the
  time budget are spent, that write is reported RETRY instead;
- 401 (after the batch client's own token refresh) or a missing scope fails the whole call
  with ProviderAuthError: no write can succeed;
- anything else goes to the write, which answers or asks for its next request.

A batch request that fails as a whole (network, timeout, 5xx on the batch itself) is sent
again with back-off, then raises ProviderUnavailable / ProviderRateLimited. Sending a batch
again is safe: a create that already happened answers 409 (EXISTS, with calsync's stamp), an
update or delete that already happened answers 412 (STALE, showing the event as written).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any

from googleapiclient.errors import HttpError

from calsync.ports import Outcome, WriteResult
from calsync.providers.google_errors import Backoff, Reply, RetryPolicy, call, reply_error
from calsync.providers.google_writes import Op

NewBatch = Callable[[], Any]  # a googleapiclient BatchHttpRequest aimed at the service's URL


class BatchWriter:
    """Carries out write conversations with as few batch requests as their steps allow.

    One writer serves one `write()` call: its back-off budget covers the whole call.
    """

    def __init__(
        self,
        new_batch: NewBatch,
        policy: RetryPolicy,
        *,
        size: int = 50,
        pace: Callable[[int], None] | None = None,
    ) -> None:
        self.pace = pace
        if not 1 <= size <= 1000:
            raise ValueError("a Google batch holds 1 to 1000 calls")
        self.new_batch = new_batch
        self.policy = policy
        self.size = size
        self.requests = 0  # batch HTTP requests sent (for tests and logs)
        self._backoff = Backoff(policy)
        self._tries = Counter[int]()
        self._results: dict[int, WriteResult] = {}

    def run(self, ops: list[Op]) -> list[WriteResult]:
        """Each op's result, in order."""
        pending: dict[int, Any] = {}
        for index, op in enumerate(ops):
            self._step(index, op, None, pending)
        while pending:
            replies = self._send(pending)
            following: dict[int, Any] = {}
            again: dict[int, Reply] = {}
            for index, reply in replies.items():
                if reply.unauthorized:
                    raise reply_error(reply, "events (batch)")
                if reply.transient:
                    again[index] = reply
                else:
                    self._step(index, ops[index], reply, following)
            if again and self._wait(again):
                following.update({index: pending[index] for index in again})
            pending = following
        return [self._results[index] for index in range(len(ops))]

    def _step(self, index: int, op: Op, reply: Reply | None, pending: dict[int, Any]) -> None:
        try:
            pending[index] = next(op) if reply is None else op.send(reply)
        except StopIteration as done:
            self._results[index] = done.value

    def _wait(self, again: dict[int, Reply]) -> bool:
        """Wait before resending transiently failed requests; or report them RETRY (False)."""
        hints = [reply.retry_after for reply in again.values() if reply.retry_after is not None]
        retry = max(self._tries[index] for index in again)
        delay = self._backoff.next_delay(retry, max(hints, default=None))
        if delay is None:
            for index, reply in again.items():
                detail = f"Google asked to try later ({reply.status} {reply.reason})"
                self._results[index] = WriteResult(Outcome.RETRY, detail=detail)
            return False
        self._backoff.wait(delay)
        self._tries.update(again.keys())
        return True

    def _send(self, pending: dict[int, Any]) -> dict[int, Reply]:
        replies: dict[int, Reply] = {}
        items = list(pending.items())
        for start in range(0, len(items), self.size):
            chunk = items[start : start + self.size]
            send = partial(self._batch, chunk)
            replies.update(
                call(self.policy, "events (batch)", send, pace=self.pace, units=len(chunk))
            )
        return replies

    def _batch(self, chunk: list[tuple[int, Any]]) -> dict[int, Reply]:
        replies: dict[int, Reply] = {}

        def answered(request_id: str, response: Any, exception: Exception | None) -> None:
            if exception is None:
                body = response if isinstance(response, dict) else None
                replies[int(request_id)] = Reply(200, body)
            elif isinstance(exception, HttpError):
                replies[int(request_id)] = Reply.of(exception)
            else:
                raise exception

        batch = self.new_batch()
        for index, request in chunk:
            batch.add(request, callback=answered, request_id=str(index))
        self.requests += 1
        batch.execute()
        missing = [index for index, _ in chunk if index not in replies]
        if missing:
            return {**replies, **{index: Reply(503, reason="noAnswer") for index in missing}}
        return replies
