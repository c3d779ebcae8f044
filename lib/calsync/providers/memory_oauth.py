"""MemoryOAuthClient: the OAuthClient port over a MemoryCalendarService, for tests.

It plays Google's authorization server: `authorization_url` records the pending request, the
test plays the user at the consent screen (`approve` returns the code Google would put in the
redirect, `deny` the error), and `exchange` redeems a code once, checking the PKCE verifier
against the S256 challenge. Revoking a token makes every later call of that user fail with
ProviderAuthError (the service's `revoke`); a new consent lifts that again, as at Google.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit

from pydantic import SecretStr

from calsync.auth.tokens import code_challenge, new_token
from calsync.domain.account import Credentials
from calsync.errors import ProviderAuthError
from calsync.ports import TokenGrant
from calsync.providers.memory_calendar import MemoryCalendarService

if TYPE_CHECKING:
    from calsync.ports import OAuthClient

AUTH_URL = "https://accounts.memory.test/o/oauth2/v2/auth"
CODE_LIFETIME = timedelta(minutes=10)
SCOPES = ("openid", "email", "calendar.events.owned", "calendar.app.created")


@dataclass(frozen=True)
class _Pending:
    challenge: str
    login_hint: str | None


@dataclass(frozen=True)
class _Code:
    challenge: str
    email: str
    expires_at: datetime


class MemoryOAuthClient:
    """A fake Google authorization server and the client of it in one object."""

    def __init__(self, service: MemoryCalendarService) -> None:
        self.service = service
        self._lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}  # by state
        self._codes: dict[str, _Code] = {}
        self._refresh_tokens: dict[str, str] = {}  # refresh token -> email
        self.revoked_tokens: list[str] = []
        self.exchanges = 0

    # -- the port ------------------------------------------------------------------------------

    def authorization_url(self, *, state: str, code_challenge: str, login_hint: str | None) -> str:
        with self._lock:
            self._pending[state] = _Pending(code_challenge, login_hint)
        query = {"response_type": "code", "state": state, "code_challenge": code_challenge}
        query["code_challenge_method"] = "S256"
        if login_hint:
            query["login_hint"] = login_hint
        return f"{AUTH_URL}?{urlencode(query)}"

    def exchange(self, code: str, code_verifier: str) -> TokenGrant:
        with self._lock:
            self.exchanges += 1
            found = self._codes.pop(code, None)  # single use, even when refused below
            if found is None:
                raise ProviderAuthError("invalid_grant: the code is unknown or was already used")
            if self.service.clock.now() > found.expires_at:
                raise ProviderAuthError("invalid_grant: the code expired")
            if code_challenge(code_verifier) != found.challenge:
                raise ProviderAuthError("invalid_grant: the PKCE verifier does not match")
            refresh = new_token()
            self._refresh_tokens[refresh] = found.email
        self.service.revoked.discard(found.email)  # a new consent grants access again
        credentials = Credentials(
            access_token=SecretStr(new_token()),
            refresh_token=SecretStr(refresh),
            expires_at=self.service.clock.now() + timedelta(hours=1),
            scopes=SCOPES,
        )
        return TokenGrant(credentials=credentials, email=found.email)

    def revoke(self, credentials: Credentials) -> None:
        token = credentials.refresh_token.get_secret_value()
        with self._lock:
            email = self._refresh_tokens.pop(token, None)
            self.revoked_tokens.append(token)
        if email is not None:
            self.service.revoke(email)

    # -- the user at the consent screen ----------------------------------------------------------

    def approve(self, url_or_state: str, email: str | None = None) -> str:
        """The user approves the request: the code the redirect would carry.

        `email` defaults to the request's login hint (the account Google pre-selects).
        """
        state = _state_of(url_or_state)
        with self._lock:
            pending = self._pending.pop(state)
            who = email or pending.login_hint
            if who is None:
                raise ValueError("no login hint: say which user approves")
            code = new_token(24)
            expires = self.service.clock.now() + CODE_LIFETIME
            self._codes[code] = _Code(pending.challenge, who, expires)
        if self.service.calendar(who) is None:
            self.service.add_user(who)
        return code

    def deny(self, url_or_state: str) -> str:
        """The user refuses consent: the error the redirect would carry."""
        with self._lock:
            self._pending.pop(_state_of(url_or_state), None)
        return "access_denied"


def _state_of(url_or_state: str) -> str:
    if "?" not in url_or_state:
        return url_or_state
    return parse_qs(urlsplit(url_or_state).query)["state"][0]


if TYPE_CHECKING:  # the fake must satisfy the port it stands in for

    def _satisfy(client: MemoryOAuthClient) -> OAuthClient:
        return client
