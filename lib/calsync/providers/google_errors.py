"""Google's failures as calsync errors, and the back-off that rides out the transient ones.

| Google says                                          | calsync                    | retried |
|------------------------------------------------------|----------------------------|---------|
| 401 after google-auth's own refresh, `invalid_grant` | ProviderAuthError          | never   |
| 403 `insufficientPermissions` (a scope is missing)   | ProviderAuthError          | never   |
| 403 `rateLimitExceeded`/`userRateLimitExceeded`/     | ProviderRateLimited        | yes     |
| `quotaExceeded`, 429                                 |                            |         |
| 5xx, 409 `conflict` (batch), timeouts, network       | ProviderUnavailable        | yes     |
| token endpoint down (after google-auth's 3 tries)    | ProviderUnavailable        | no      |
| 410 `fullSyncRequired` / `updatedMinTooLongAgo`      | CursorExpired              | never   |
| `invalid_client` from the token endpoint             | ConfigurationError         | never   |
| any other 4xx                                        | ProviderRejected           | never   |

Retries use truncated exponential back-off with jitter (Google's advice): the n-th wait is
`min(cap, base * 2**n)`, of which a random half is jitter, never shorter than a Retry-After
the answer carried (seconds or an HTTP date; each part of a batch answer has its own); a call
gives up after `attempts` tries or once the waits would exceed `budget` seconds, raising the
mapped error with the `retry_after` it would have waited next.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httplib2
from google.auth import exceptions as auth_errors
from googleapiclient.errors import BatchError, HttpError

from calsync.errors import (
    CalsyncError,
    ConfigurationError,
    CursorExpired,
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderRejected,
    ProviderUnavailable,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

RATE_LIMITS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"})
SCOPE_MISSING = frozenset({"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"})
CURSOR_GONE = frozenset({"fullSyncRequired", "updatedMinTooLongAgo"})
_TRANSPORT_ERRORS = (OSError, httplib2.HttpLib2Error, BatchError, auth_errors.TransportError)


@dataclass(frozen=True)
class Reply:
    """One API call's answer: a 2xx with its JSON body, or an error status with its reason."""

    status: int
    body: dict[str, Any] | None = None
    reason: str = ""
    message: str = ""
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status < 300

    @property
    def transient(self) -> bool:
        """Worth trying again after a wait."""
        rate_limited = self.status == 429 or (self.status == 403 and self.reason in RATE_LIMITS)
        conflict = self.status == 409 and self.reason == "conflict"
        return self.status >= 500 or rate_limited or conflict

    @property
    def unauthorized(self) -> bool:
        return self.status == 401 or (self.status == 403 and self.reason in SCOPE_MISSING)

    @classmethod
    def of(cls, error: HttpError) -> Reply:
        """The Reply an HttpError carries (Google's JSON error body, Retry-After header)."""
        reason, message = "", ""
        try:
            data = json.loads(error.content or b"{}")
            body = data.get("error") or {}
            message = str(body.get("message") or "")
            details = body.get("errors") or [{}]
            reason = str(details[0].get("reason") or "")
        except (ValueError, AttributeError, TypeError, IndexError):
            message = str(getattr(error, "reason", "") or "")
        return cls(int(error.resp.status), None, reason, message[:300], _seconds(error.resp))


def _seconds(headers: Any) -> float | None:
    """A Retry-After header in seconds: delay-seconds or an HTTP date (RFC 9110)."""
    value = headers.get("retry-after") if hasattr(headers, "get") else None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    when = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def reply_error(reply: Reply, what: str) -> ProviderError:
    """The calsync error for a failed `reply` to `what` (e.g. "events.list")."""
    said = f"{what}: Google answered {reply.status} {reply.reason or ''} {reply.message}".strip()
    if reply.unauthorized:
        return ProviderAuthError(
            f"{what}: Google refused calsync's access ({reply.reason or reply.status})"
        )
    if reply.status == 429 or (reply.status == 403 and reply.reason in RATE_LIMITS):
        return ProviderRateLimited(said, retry_after=reply.retry_after)
    if reply.transient:
        return ProviderUnavailable(said, retry_after=reply.retry_after)
    if reply.status == 410 and reply.reason in CURSOR_GONE:
        return CursorExpired(f"{what}: the sync token is no longer valid: a full sync is needed")
    return ProviderRejected(said)


def failure_of(exc: Exception, what: str) -> tuple[CalsyncError, bool]:
    """The calsync error for an exception of the client libraries, and whether it is transient.

    Exceptions that are not failures of Google or of the network are re-raised as they are.
    """
    if isinstance(exc, HttpError):
        reply = Reply.of(exc)
        return reply_error(reply, what), reply.transient
    if isinstance(exc, auth_errors.RefreshError):
        return _refresh_failure(exc, what)
    if isinstance(exc, _TRANSPORT_ERRORS):
        return ProviderUnavailable(f"{what}: {type(exc).__name__} talking to Google"), True
    raise exc


def _refresh_failure(exc: auth_errors.RefreshError, what: str) -> tuple[CalsyncError, bool]:
    if exc.retryable:  # google-auth has already tried three times, with its own back-off
        return ProviderUnavailable(f"{what}: Google's token endpoint is unavailable"), False
    data = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], dict) else {}
    code = str(data.get("error") or "")
    if code == "invalid_client":
        return ConfigurationError("Google refused calsync's OAuth client id or secret"), False
    return ProviderAuthError(
        f"{what}: Google no longer accepts calsync's authorization ({code or 'refresh failed'})"
    ), False


def retry_hint(error: CalsyncError) -> float | None:
    return getattr(error, "retry_after", None)


@dataclass(frozen=True)
class RetryPolicy:
    """How long one call may keep trying (defaults suit a worker with a 10-minute lease)."""

    attempts: int = 5  # tries, the first included
    base: float = 1.0  # seconds before the first retry
    cap: float = 32.0  # longest single wait
    budget: float = 90.0  # most seconds of waiting per call
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def delay(self, retry: int, hint: float | None = None) -> float:
        """The wait before retry number `retry` (0-based): half fixed, half random."""
        ceiling = min(self.cap, self.base * 2.0**retry)
        return max(ceiling / 2 + random.uniform(0, ceiling / 2), hint or 0.0)  # noqa: S311


class Backoff:
    """The retry budget of one call (or of one batch writer run)."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.waited = 0.0

    def next_delay(self, retry: int, hint: float | None = None) -> float | None:
        """The wait before retry `retry`, or None if the attempts or the budget are spent."""
        delay = self.policy.delay(retry, hint)
        if retry + 1 >= self.policy.attempts or self.waited + delay > self.policy.budget:
            return None
        return delay

    def wait(self, delay: float) -> None:
        self.waited += delay
        self.policy.sleep(delay)


def call(
    policy: RetryPolicy,
    what: str,
    send: Callable[[], T],
    *,
    pace: Callable[[int], None] | None = None,
    units: int = 1,
) -> T:
    """`send()`, retried with back-off while it fails transiently; else a calsync error.

    `pace(units)` runs before every attempt: it holds the request back while the account's
    request budget is spent (`units` is how many quota units the request costs).
    """
    backoff = Backoff(policy)
    retry = 0
    while True:
        try:
            if pace is not None:
                pace(units)
            return send()
        except Exception as exc:  # classified below; anything else is re-raised untouched
            error, transient = failure_of(exc, what)
            hint = retry_hint(error)
            delay = backoff.next_delay(retry, hint) if transient else None
            if delay is None:
                if transient:
                    _set_retry_after(error, policy.delay(retry + 1, hint))
                raise error from exc
            log.info("%s failed (%s); retrying in %.2fs", what, type(error).__name__, delay)
            backoff.wait(delay)
            retry += 1


def _set_retry_after(error: CalsyncError, seconds: float) -> None:
    if isinstance(error, ProviderRateLimited | ProviderUnavailable) and error.retry_after is None:
        error.retry_after = round(seconds, 3)
