"""Authorization codes, access tokens and refresh tokens, and what each one grants.

Codes are single-use and short-lived (``--code-ttl``, 600 s by default); presenting a used code
again also revokes what it produced (RFC 6749 10.5). A refresh grant returns a new access token
and never a new refresh token, as Google does. Refresh tokens never expire unless
``--refresh-token-ttl`` is given (Google's 7-day expiry for apps in testing mode is otherwise not
simulated). Revoking any token of a grant revokes the whole grant.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import secrets
import threading
import time
from dataclasses import dataclass

from emulators.google import errors
from emulators.google.errors import OAuthError

EMAIL_SCOPE = "https://www.googleapis.com/auth/userinfo.email"
PROFILE_SCOPE = "https://www.googleapis.com/auth/userinfo.profile"
SHORT_SCOPES = {"email": EMAIL_SCOPE, "profile": PROFILE_SCOPE}
PKCE_VALUE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
"""RFC 7636's syntax of a ``code_verifier`` (and of a ``code_challenge``): 43-128 unreserved."""


def normalise_scopes(raw: str) -> list[str]:
    """Google's spelling of a space-separated scope list (``email`` -> ``.../userinfo.email``)."""
    seen: list[str] = []
    for scope in raw.split():
        full = SHORT_SCOPES.get(scope, scope)
        if full not in seen:
            seen.append(full)
    return seen


@dataclass
class Grant:
    """One user's consent to one client: the scopes and the refresh token, if any."""

    email: str
    client_id: str
    scopes: frozenset[str]
    refresh_token: str | None = None
    revoked: bool = False
    refresh_expires_at: float | None = None


@dataclass
class AccessToken:
    """A bearer token: its grant, the scopes it carries (a subset of the grant's), expiry."""

    token: str
    grant: Grant
    scopes: frozenset[str]
    expires_at: float

    @property
    def valid(self) -> bool:
        return not self.grant.revoked and time.time() < self.expires_at


@dataclass
class AuthCode:
    """An authorization code waiting to be exchanged."""

    code: str
    client_id: str
    redirect_uri: str
    email: str
    scopes: frozenset[str]
    offline: bool
    expires_at: float
    challenge: str | None = None
    method: str = "plain"
    nonce: str | None = None
    used: bool = False
    grant: Grant | None = None


class Grants:
    """All live codes, tokens and grants (thread-safe)."""

    def __init__(self, access_ttl: int, code_ttl: int, refresh_ttl: int | None = None) -> None:
        self.access_ttl = access_ttl
        self.code_ttl = code_ttl
        self.refresh_ttl = refresh_ttl
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.codes: dict[str, AuthCode] = {}
            self.access: dict[str, AccessToken] = {}
            self.refresh: dict[str, Grant] = {}
            self.grants: list[Grant] = []
            self.consented: dict[tuple[str, str], set[str]] = {}

    def consented_scopes(self, email: str, client_id: str) -> set[str]:
        with self._lock:
            return set(self.consented.get((email, client_id), set()))

    def new_code(self, code: AuthCode) -> str:
        with self._lock:
            self.consented.setdefault((code.email, code.client_id), set()).update(code.scopes)
            self.codes[code.code] = code
            return code.code

    def code_expiry(self) -> float:
        return time.time() + self.code_ttl

    def redeem(
        self, code: str, client_id: str, redirect_uri: str, verifier: str | None
    ) -> AuthCode:
        """Check and consume a code; raise ``invalid_grant`` & co. as Google words them."""
        with self._lock:
            found = self.codes.get(code)
            if found is None or time.time() > found.expires_at:
                raise OAuthError("invalid_grant", "Malformed auth code.")
            if found.used:
                if found.grant is not None:
                    found.grant.revoked = True
                raise OAuthError("invalid_grant", "Bad Request")
            if found.client_id != client_id:
                raise OAuthError("invalid_grant", "Unauthorized")
            if found.redirect_uri != redirect_uri:
                raise OAuthError("redirect_uri_mismatch", "Bad Request")
            _check_pkce(found, verifier)
            found.used = True
            return found

    def grant(self, email: str, client_id: str, scopes: frozenset[str], offline: bool) -> Grant:
        with self._lock:
            grant = Grant(email, client_id, scopes)
            self.grants.append(grant)
            if offline:
                grant.refresh_token = "1//sim-" + secrets.token_urlsafe(40)
                if self.refresh_ttl is not None:
                    grant.refresh_expires_at = time.time() + self.refresh_ttl
                self.refresh[grant.refresh_token] = grant
            return grant

    def issue(self, grant: Grant, scopes: frozenset[str] | None = None) -> AccessToken:
        with self._lock:
            if len(self.access) > 20_000:
                self._forget_expired()
            value = "ya29.sim-" + secrets.token_urlsafe(48)
            expires_at = time.time() + self.access_ttl
            token = AccessToken(value, grant, scopes or grant.scopes, expires_at)
            self.access[value] = token
            return token

    def _forget_expired(self) -> None:
        now = time.time()
        self.access = {k: t for k, t in self.access.items() if t.expires_at > now}
        self.codes = {k: c for k, c in self.codes.items() if c.expires_at > now}

    def by_refresh_token(self, refresh_token: str, client_id: str) -> Grant:
        with self._lock:
            grant = self.refresh.get(refresh_token)
            expired = grant is not None and time.time() > (grant.refresh_expires_at or math.inf)
            if grant is None or grant.revoked or expired:
                raise OAuthError("invalid_grant", "Token has been expired or revoked.")
            if grant.client_id != client_id:
                raise OAuthError("unauthorized_client", "Unauthorized")
            return grant

    def authenticate(self, bearer: str | None) -> AccessToken:
        """The valid access token ``bearer``, or 401 ``authError``."""
        with self._lock:
            token = self.access.get(bearer or "")
            if token is None or not token.valid:
                raise errors.unauthorized()
            return token

    def revoke(self, value: str) -> bool:
        """Revoke the grant behind an access or refresh token; False if there is none."""
        with self._lock:
            grant = self.refresh.get(value)
            if grant is None and value in self.access:
                grant = self.access[value].grant
            if grant is None or grant.revoked:
                return False
            grant.revoked = True
            return True

    def revoke_user(self, email: str) -> dict[str, int]:
        """Revoke every grant of ``email`` (what removing the app's access at Google does)."""
        with self._lock:
            refresh = [g for g in self.refresh.values() if g.email == email and not g.revoked]
            access = [t for t in self.access.values() if t.grant.email == email and t.valid]
            for grant in self.grants:
                if grant.email == email:
                    grant.revoked = True
            self.consented = {k: v for k, v in self.consented.items() if k[0] != email}
            return {"refreshTokens": len(refresh), "accessTokens": len(access)}

    def expire_user(self, email: str) -> int:
        """Make every live access token of ``email`` expire now (refresh tokens stay valid)."""
        with self._lock:
            live = [t for t in self.access.values() if t.grant.email == email and t.valid]
            for token in live:
                token.expires_at = 0.0
            return len(live)


def _check_pkce(code: AuthCode, verifier: str | None) -> None:
    if code.challenge is None:
        return
    if not verifier:
        raise OAuthError("invalid_grant", "Missing code verifier.")
    if not PKCE_VALUE.fullmatch(verifier):
        raise OAuthError("invalid_grant", "Invalid code verifier.")
    if code.method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=")
    else:
        computed = verifier.encode("ascii")
    if not secrets.compare_digest(computed, code.challenge.encode()):
        raise OAuthError("invalid_grant", "Invalid code verifier.")
