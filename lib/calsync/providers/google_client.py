"""Authorized Calendar v3 clients: credentials that report their refreshes, the discovery
document cached once per process, and the service built from it.

google-auth refreshes the access token by itself: before a request when it has expired, and
once more when Google answers 401 (google_auth_httplib2, and the batch client for its parts).
`ReportingCredentials` tells calsync each time, so the new token can be stored.

The discovery document decides where requests go, batches included (`rootUrl` + `batchPath`):
Google's own by default (the copy bundled with google-api-python-client, no fetch), or the one
at a URL, e.g. the local simulator's, whose `rootUrl` is the simulator (fetched once per
process).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import google_auth_httplib2
import httplib2
from google.oauth2.credentials import Credentials as GoogleCredentials
from googleapiclient.discovery import build_from_document
from googleapiclient.discovery_cache import get_static_doc
from googleapiclient.errors import HttpError
from pydantic import SecretStr

from calsync.domain.account import Credentials
from calsync.errors import ProviderUnavailable
from calsync.providers.google_errors import RetryPolicy, call

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL, not a secret
GOOGLE_DISCOVERY_URL = "https://www.googleapis.com/discovery/v1/apis/calendar/v3/rest"
_BUNDLED = "bundled"

HttpFactory = Callable[[], httplib2.Http]

_documents: dict[str, str] = {}
_documents_lock = threading.Lock()


class ReportingCredentials(GoogleCredentials):
    """google-auth user credentials that call `on_refresh(self)` after every refresh."""

    def __init__(
        self, *args: Any, on_refresh: Callable[[ReportingCredentials], None], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self._on_refresh = on_refresh

    def refresh(self, request: Any) -> None:
        super().refresh(request)  # type: ignore[no-untyped-call]
        self._on_refresh(self)


def google_credentials(
    credentials: Credentials,
    *,
    client_id: str,
    client_secret: str,
    token_uri: str,
    on_refresh: Callable[[Credentials], None],
) -> ReportingCredentials:
    """google-auth credentials for an account's tokens; refreshes come back as calsync's.

    Built with the constructor (`from_authorized_user_info` would reset `token_uri` to
    Google's). No scopes are sent with a refresh: the token keeps the whole grant.
    """

    def report(refreshed: ReportingCredentials) -> None:
        expiry: datetime | None = refreshed.expiry
        on_refresh(
            Credentials(
                access_token=SecretStr(str(refreshed.token)),
                refresh_token=SecretStr(
                    refreshed.refresh_token or credentials.refresh_token.get_secret_value()
                ),
                expires_at=expiry.replace(tzinfo=UTC) if expiry else None,
                scopes=credentials.scopes,
            )
        )

    expires_at = credentials.expires_at
    access = credentials.access_token
    return ReportingCredentials(
        token=access.get_secret_value() if access else None,
        refresh_token=credentials.refresh_token.get_secret_value(),
        token_uri=token_uri,
        client_id=client_id,
        client_secret=client_secret,
        # google-auth compares a naive UTC expiry with its own clock
        expiry=expires_at.astimezone(UTC).replace(tzinfo=None) if expires_at else None,
        on_refresh=report,
    )


def discovery_document(url: str | None, http_factory: HttpFactory, policy: RetryPolicy) -> str:
    """The Calendar v3 discovery document at `url` (None: Google's, as bundled with the
    client), fetched at most once per process."""
    key = url or _BUNDLED
    with _documents_lock:
        cached = _documents.get(key)
    if cached is not None:
        return cached
    document = get_static_doc("calendar", "v3") if url in (None, GOOGLE_DISCOVERY_URL) else None
    if document is None:
        source = url or GOOGLE_DISCOVERY_URL
        document = call(policy, "discovery", lambda: _fetch(source, http_factory))
    try:
        json.loads(document)
    except ValueError as exc:
        raise ProviderUnavailable(f"the discovery document at {url} is not JSON") from exc
    with _documents_lock:
        _documents.setdefault(key, document)
        return _documents[key]


def _fetch(url: str, http_factory: HttpFactory) -> str:
    response, content = http_factory().request(url, "GET")
    if response.status >= 300:
        raise HttpError(response, content, uri=url)
    return bytes(content).decode("utf-8")


def calendar_service(
    document: str, credentials: GoogleCredentials, http_factory: HttpFactory
) -> Any:
    """A Calendar v3 client sending through `http_factory()`'s transport, authorized."""
    authorized = google_auth_httplib2.AuthorizedHttp(credentials, http=http_factory())
    return build_from_document(document, http=authorized)
