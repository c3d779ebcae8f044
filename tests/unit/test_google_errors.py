"""The Google adapter's error mapping and back-off (google_errors.py, and the batch runner's
retries in google_batch.py), without a server."""

from __future__ import annotations

import json
from collections.abc import Generator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httplib2
import pytest
from calsync.errors import (
    ConfigurationError,
    CursorExpired,
    ProviderAuthError,
    ProviderRateLimited,
    ProviderRejected,
    ProviderUnavailable,
)
from calsync.ports import Outcome, WriteResult
from calsync.providers.google_batch import BatchWriter
from calsync.providers.google_errors import Reply, RetryPolicy, call, failure_of
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError


def http_error(status: int, reason: str = "", retry_after: str | None = None) -> HttpError:
    headers = {"status": str(status)} | ({"retry-after": retry_after} if retry_after else {})
    body = {"error": {"code": status, "message": f"m{status}", "errors": [{"reason": reason}]}}
    return HttpError(httplib2.Response(headers), json.dumps(body).encode())


@pytest.mark.parametrize(
    ("status", "reason", "error", "transient"),
    [
        (401, "authError", ProviderAuthError, False),
        (403, "insufficientPermissions", ProviderAuthError, False),
        (403, "rateLimitExceeded", ProviderRateLimited, True),
        (403, "userRateLimitExceeded", ProviderRateLimited, True),
        (429, "rateLimitExceeded", ProviderRateLimited, True),
        (403, "requiredAccessLevel", ProviderRejected, False),
        (404, "notFound", ProviderRejected, False),
        (409, "conflict", ProviderUnavailable, True),
        (410, "fullSyncRequired", CursorExpired, False),
        (400, "invalid", ProviderRejected, False),
        (500, "backendError", ProviderUnavailable, True),
        (503, "backendError", ProviderUnavailable, True),
    ],
)
def test_http_errors_map_to_calsync_errors(
    status: int, reason: str, error: type[Exception], transient: bool
) -> None:
    mapped, is_transient = failure_of(http_error(status, reason), "events.list")
    assert type(mapped) is error
    assert is_transient is transient
    assert "events.list" in str(mapped)


def test_a_reply_reads_reason_message_and_retry_after() -> None:
    reply = Reply.of(http_error(429, "rateLimitExceeded", retry_after="7"))
    assert (reply.status, reply.reason, reply.message, reply.retry_after) == (
        429,
        "rateLimitExceeded",
        "m429",
        7.0,
    )
    garbled = HttpError(httplib2.Response({"status": "502"}), b"<html>bad gateway</html>")
    assert Reply.of(garbled).transient


@pytest.mark.parametrize(
    ("refusal", "error"),
    [
        (RefreshError("invalid_grant: revoked", {"error": "invalid_grant"}), ProviderAuthError),
        (RefreshError("no refresh token"), ProviderAuthError),
        (RefreshError("bad client", {"error": "invalid_client"}), ConfigurationError),
        (RefreshError("down", {"error": "internal_failure"}, retryable=True), ProviderUnavailable),
    ],
)
def test_refresh_failures(refusal: RefreshError, error: type[Exception]) -> None:
    mapped, transient = failure_of(refusal, "calendarList.list")
    assert type(mapped) is error
    assert not transient


def test_network_errors_are_transient_and_others_pass_through() -> None:
    assert failure_of(TimeoutError("slow"), "x")[1]
    with pytest.raises(KeyError):
        failure_of(KeyError("a bug"), "x")


def test_delays_grow_are_capped_and_honour_retry_after() -> None:
    policy = RetryPolicy(base=1.0, cap=8.0)
    for retry, ceiling in [(0, 1.0), (1, 2.0), (2, 4.0), (5, 8.0)]:
        delay = policy.delay(retry)
        assert ceiling / 2 <= delay <= ceiling
    assert policy.delay(0, hint=30.0) == 30.0
    assert len({policy.delay(3) for _ in range(20)}) > 1  # jitter


def test_call_retries_transient_failures_then_succeeds() -> None:
    waits: list[float] = []
    answers = iter([http_error(503), http_error(429), "done"])

    def send() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert call(RetryPolicy(attempts=3, sleep=waits.append), "x", send) == "done"
    assert len(waits) == 2


def test_call_gives_up_after_its_attempts_with_a_retry_after() -> None:
    waits: list[float] = []

    def send() -> str:
        raise http_error(403, "rateLimitExceeded")

    with pytest.raises(ProviderRateLimited) as raised:
        call(RetryPolicy(attempts=4, sleep=waits.append), "x", send)
    assert len(waits) == 3
    assert raised.value.retry_after is not None


def test_call_stops_when_the_time_budget_is_spent() -> None:
    waits: list[float] = []

    def send() -> str:
        raise http_error(503, retry_after="20")

    with pytest.raises(ProviderUnavailable):
        call(RetryPolicy(attempts=10, budget=45.0, sleep=waits.append), "x", send)
    assert waits == [20.0, 20.0]


def test_call_raises_permanent_failures_at_once() -> None:
    waits: list[float] = []

    def send() -> str:
        raise http_error(400, "invalid")

    with pytest.raises(ProviderRejected):
        call(RetryPolicy(sleep=waits.append), "x", send)
    assert waits == []


def test_retry_after_may_be_an_http_date() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    hint = Reply.of(http_error(503, retry_after=later)).retry_after
    assert hint is not None
    assert 25.0 < hint <= 30.0
    past = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    assert Reply.of(http_error(503, retry_after=past)).retry_after == 0.0
    assert Reply.of(http_error(503, retry_after="soon")).retry_after is None


class ScriptedBatch:
    """A BatchHttpRequest that answers each part from a script (request -> HttpError | body)."""

    def __init__(self, answers: list[object]) -> None:
        self.answers = answers
        self.parts: list[tuple[str, Any]] = []

    def add(self, request: object, callback: Any, request_id: str) -> None:
        self.parts.append((request_id, callback))

    def execute(self) -> None:
        for request_id, callback in self.parts:
            answer = self.answers.pop(0)
            if isinstance(answer, HttpError):
                callback(request_id, None, answer)
            else:
                callback(request_id, answer, None)


def test_a_batch_part_waits_out_its_own_retry_after() -> None:
    waits: list[float] = []
    answers: list[object] = [http_error(429, "rateLimitExceeded", retry_after="12"), {"id": "e1"}]
    writer = BatchWriter(
        lambda: ScriptedBatch(answers), RetryPolicy(base=0.01, budget=60.0, sleep=waits.append)
    )

    def op() -> Generator[Any, Reply, WriteResult]:
        reply = yield "insert e1"
        return WriteResult(Outcome.OK if reply.ok else Outcome.REJECTED, detail=str(reply.body))

    [result] = writer.run([op()])
    assert result.outcome is Outcome.OK
    assert waits == [12.0]  # the back-off alone would have waited about 0.01 s
    assert writer.requests == 2
