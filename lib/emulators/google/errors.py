"""Errors in Google's shapes: the Calendar API's JSON envelope and OAuth's ``{error, description}``.

Handlers raise :class:`ApiError` (Calendar API) or :class:`OAuthError` (token and authorization
endpoints); the application turns them into responses. Constructors below name the common
cases so every handler words them the way Google does.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Calendar API error: HTTP status plus one ``errors[]`` entry."""

    def __init__(
        self,
        status: int,
        reason: str,
        message: str,
        *,
        domain: str = "global",
        location: str | None = None,
        location_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.domain = domain
        self.location = location
        self.location_type = location_type
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON document Google sends for this error."""
        item: dict[str, Any] = {
            "domain": self.domain,
            "reason": self.reason,
            "message": self.message,
        }
        if self.location_type:
            item["locationType"] = self.location_type
        if self.location:
            item["location"] = self.location
        return {"error": {"errors": [item], "code": self.status, "message": self.message}}


class OAuthError(Exception):
    """An OAuth 2.0 endpoint error: ``{"error": code, "error_description": text}``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def invalid(message: str, location: str | None = None) -> ApiError:
    """400 ``invalid``: a field or parameter has a value Google would refuse."""
    kind = "parameter" if location else None
    return ApiError(400, "invalid", message, location=location, location_type=kind)


def required(message: str, location: str | None = None) -> ApiError:
    """400 ``required``: a mandatory field or parameter is missing."""
    kind = "parameter" if location else None
    return ApiError(400, "required", message, location=location, location_type=kind)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "badRequest", message)


def time_range_empty(location: str | None = None) -> ApiError:
    kind = "parameter" if location else None
    return ApiError(
        400,
        "timeRangeEmpty",
        "The specified time range is empty.",
        domain="calendar",
        location=location,
        location_type=kind,
    )


def unauthorized() -> ApiError:
    return ApiError(
        401,
        "authError",
        "Invalid Credentials",
        location="Authorization",
        location_type="header",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
    )


def insufficient_scopes() -> ApiError:
    return ApiError(
        403, "insufficientPermissions", "Request had insufficient authentication scopes."
    )


def forbidden(message: str, reason: str = "forbidden") -> ApiError:
    return ApiError(403, reason, message)


def not_found(message: str = "Not Found") -> ApiError:
    return ApiError(404, "notFound", message)


def duplicate() -> ApiError:
    return ApiError(409, "duplicate", "The requested identifier already exists.")


def deleted() -> ApiError:
    return ApiError(410, "deleted", "Resource has been deleted")


def full_sync_required() -> ApiError:
    return ApiError(
        410,
        "fullSyncRequired",
        "Sync token is no longer valid, a full sync is required.",
        domain="calendar",
        location="syncToken",
        location_type="parameter",
    )


def condition_not_met() -> ApiError:
    return ApiError(
        412, "conditionNotMet", "Precondition Failed", location="If-Match", location_type="header"
    )


def rate_limited(status: int, reason: str = "rateLimitExceeded") -> ApiError:
    """403 or 429 from the ``usageLimits`` domain (Google sends both; clients treat them alike)."""
    messages = {
        "rateLimitExceeded": "Rate Limit Exceeded",
        "userRateLimitExceeded": "User Rate Limit Exceeded",
        "quotaExceeded": "Calendar usage limits exceeded.",
    }
    return ApiError(
        status, reason, messages.get(reason, "Rate Limit Exceeded"), domain="usageLimits"
    )


def backend_error(status: int = 500) -> ApiError:
    return ApiError(status, "backendError", "Backend Error")
