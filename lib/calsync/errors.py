"""Every error calsync raises on purpose, as one tree (in the spirit of httpx's exceptions).

```
CalsyncError
├── InvalidInput          400  the caller sent something wrong; `fields` names each problem
│   └── OAuthRefused           a consent callback refused (tampered, expired, replayed, denied)
├── Unauthenticated       401  no or bad credentials (bearer token, webhook token, task OIDC)
├── NotFound              404  missing, or not yours (another user's account is "not found")
├── Conflict              409  the request is valid but the current state refuses it
│   ├── ReadOnly               e.g. an occurrence of a recurring calendar event
│   ├── VersionMismatch        the item changed since the version the caller sent
│   ├── NeedsReauthorization   the provider refused the stored authorization: re-consent
│   └── Unconfirmed            a new connection not yet confirmed by the browser that consented
├── PayloadTooLarge       413  the body is bigger than any legitimate request
├── StorageError               the state store failed
│   └── Contention             a transaction lost a race; retrying it is the cure
├── QueueError                 the task queue refused or failed
├── ProviderError              the calendar provider (Google, later Graph/CalDAV) failed
│   ├── ProviderAuthError      the stored authorization is dead: the account needs re-consent
│   ├── ProviderRateLimited    quota or rate limit; retry after `retry_after` seconds
│   ├── ProviderUnavailable    5xx, timeouts, network: transient
│   ├── CursorExpired          the change cursor is gone (Google 410): do a full resync
│   └── ProviderRejected       a permanent 4xx for this request (bad data, no permission)
└── ConfigurationError         the deployment is misconfigured (missing or placeholder secrets)
```

`status` is the HTTP status the HTTP layer answers with; `code` a stable machine-readable word;
`retryable` tells the worker whether Cloud Tasks should try again.
"""

from __future__ import annotations

from collections.abc import Mapping


class CalsyncError(Exception):
    """Base of every deliberate calsync error."""

    status: int = 500
    code: str = "internal"
    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_json(self) -> dict[str, object]:
        """The JSON body an HTTP adapter answers with. Never contains secrets."""
        return {"error": {"code": self.code, "message": self.message}}


class InvalidInput(CalsyncError):
    """The request is malformed; `fields` maps each wrong field (dotted path) to what is wrong."""

    status = 400
    code = "invalid_input"

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = dict(fields or {})

    def to_json(self) -> dict[str, object]:
        body = super().to_json()
        error = body["error"]
        assert isinstance(error, dict)
        error["fields"] = self.fields
        return body


class OAuthRefused(InvalidInput):
    """An OAuth callback is refused; `reason` is the short word the frontend is redirected with."""

    code = "oauth_refused"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class Unauthenticated(CalsyncError):
    status = 401
    code = "unauthenticated"


class NotFound(CalsyncError):
    status = 404
    code = "not_found"


class Conflict(CalsyncError):
    status = 409
    code = "conflict"


class ReadOnly(Conflict):
    code = "read_only"


class VersionMismatch(Conflict):
    code = "version_mismatch"


class NeedsReauthorization(Conflict):
    """The account's stored authorization is dead (it is now `needs_reauth`): reconnect."""

    code = "needs_reauth"


class Unconfirmed(Conflict):
    """A connection made by a consent is unusable until the browser that gave the consent
    confirms it for the CRM user who started it (`POST /oauth/confirm`)."""

    code = "unconfirmed"


class PayloadTooLarge(CalsyncError):
    status = 413
    code = "payload_too_large"


class StorageError(CalsyncError):
    status = 503
    code = "storage_unavailable"
    retryable = True


class Contention(StorageError):
    code = "contention"


class QueueError(CalsyncError):
    status = 503
    code = "queue_unavailable"
    retryable = True


class ProviderError(CalsyncError):
    status = 502
    code = "provider_error"


class ProviderAuthError(ProviderError):
    """The provider no longer accepts the stored authorization (e.g. Google `invalid_grant`)."""

    code = "provider_auth"


class ProviderRateLimited(ProviderError):
    status = 429
    code = "provider_rate_limited"
    retryable = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderUnavailable(ProviderError):
    """5xx, timeouts, network; `retry_after` (seconds) when the provider suggested a wait."""

    status = 503
    code = "provider_unavailable"
    retryable = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CursorExpired(ProviderError):
    """The stored change cursor is no longer valid; the caller must run a full resync."""

    code = "cursor_expired"
    retryable = True


class ProviderRejected(ProviderError):
    code = "provider_rejected"


class ConfigurationError(CalsyncError):
    code = "configuration"
