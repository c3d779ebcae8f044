"""GoogleOAuthClient: Google's OAuth 2.0 web-server flow (authorization code with PKCE).

- The authorization URL asks for offline access with `prompt=consent` (so every connect or
  reconnect yields a fresh refresh token), incremental auth (`include_granted_scopes=true`),
  the user's email as `login_hint`, PKCE S256 with the caller's challenge, and `state`.
- The code is exchanged at the token endpoint with the PKCE `code_verifier` (plain requests).
- Whose account it is comes from the `id_token`, verified with google-auth against the
  configured certificates (signature, audience, issuer, expiry; the email must be verified),
  else from the userinfo endpoint.
- Google lets users untick scopes on the consent screen: a grant without calendar access is
  refused with an error saying so. Creating calendars (`calendar.app.created`) is optional.
- Revocation revokes the whole grant (refresh and access tokens).

`SCOPES`: identity (`openid email`), events of calendars the user owns
(`calendar.events.owned`: list, watch, insert, update, delete, move, channels.stop), the
calendar list to choose from (`calendar.calendarlist.readonly`, non-sensitive) and creating
the "CRM activities" calendar (`calendar.app.created`, non-sensitive). Not `calendar` (full
access, ACLs, deleting calendars) nor `calendar.events` (every calendar shared with the user).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import requests
from google.auth import exceptions as auth_errors
from google.auth.transport.requests import Request as AuthRequest
from google.oauth2 import id_token
from pydantic import SecretStr

from calsync.clock import SystemClock
from calsync.domain.account import Credentials
from calsync.errors import ProviderAuthError, ProviderRejected, ProviderUnavailable
from calsync.ports import Clock, OAuthClient, TokenGrant
from calsync.providers.google_client import GOOGLE_TOKEN_URI

GOOGLE_AUTH_URI = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_REVOKE_URI = "https://oauth2.googleapis.com/revoke"
GOOGLE_USERINFO_URI = "https://openidconnect.googleapis.com/v1/userinfo"
GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
GOOGLE_ISSUERS = frozenset({"accounts.google.com", "https://accounts.google.com"})

_AUTH = "https://www.googleapis.com/auth/"
EVENTS_OWNED = _AUTH + "calendar.events.owned"
CALENDAR_LIST = _AUTH + "calendar.calendarlist.readonly"
APP_CREATED = _AUTH + "calendar.app.created"
SCOPES = ("openid", "email", EVENTS_OWNED, CALENDAR_LIST, APP_CREATED)

# The scopes calsync cannot work without, each with the broader ones that include it.
REQUIRED: Mapping[str, frozenset[str]] = {
    EVENTS_OWNED: frozenset({EVENTS_OWNED, _AUTH + "calendar.events", _AUTH + "calendar"}),
    CALENDAR_LIST: frozenset(
        {
            CALENDAR_LIST,
            _AUTH + "calendar.calendarlist",
            _AUTH + "calendar.readonly",
            _AUTH + "calendar",
        }
    ),
}


class GoogleOAuthClient:
    """The OAuthClient port for Google; every endpoint is configurable (the local stack points
    them at the simulator), the defaults are Google's."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        auth_uri: str = GOOGLE_AUTH_URI,
        token_uri: str = GOOGLE_TOKEN_URI,
        revoke_uri: str = GOOGLE_REVOKE_URI,
        userinfo_uri: str = GOOGLE_USERINFO_URI,
        certs_url: str = GOOGLE_CERTS_URL,
        scopes: Sequence[str] = SCOPES,
        timeout: float = 30.0,
        session: requests.Session | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.redirect_uri = redirect_uri
        self.auth_uri, self.token_uri, self.revoke_uri = auth_uri, token_uri, revoke_uri
        self.userinfo_uri, self.certs_url = userinfo_uri, certs_url
        self.scopes = tuple(scopes)
        self.timeout = timeout
        self.session = session or requests.Session()
        self.clock: Clock = clock or SystemClock()

    def authorization_url(self, *, state: str, code_challenge: str, login_hint: str | None) -> str:
        params = {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "scope": " ".join(self.scopes),
            "access_type": "offline",
            "prompt": "consent",
            "include_granted_scopes": "true",
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        if login_hint:
            params["login_hint"] = login_hint
        return f"{self.auth_uri}?{urlencode(params)}"

    def exchange(self, code: str, code_verifier: str) -> TokenGrant:
        status, token = self._post(
            self.token_uri,
            {
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": code_verifier,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "redirect_uri": self.redirect_uri,
            },
        )
        if status >= 400:
            error = str(token.get("error") or status)
            detail = str(token.get("error_description") or "")[:200]
            raise ProviderAuthError(f"Google refused the authorization ({error}): {detail}".strip())
        granted = frozenset(str(token.get("scope", "")).split())
        missing = [scope for scope, covered in REQUIRED.items() if not granted & covered]
        if missing:
            names = ", ".join(scope.removeprefix(_AUTH) for scope in missing)
            raise ProviderAuthError(
                f"Google did not grant calsync access to your calendars ({names}): connect "
                "again and allow calendar access on Google's consent screen."
            )
        if not token.get("access_token") or not token.get("refresh_token"):
            raise ProviderAuthError("Google did not return the tokens calsync needs: try again")
        credentials = Credentials(
            access_token=SecretStr(str(token["access_token"])),
            refresh_token=SecretStr(str(token["refresh_token"])),
            expires_at=self.clock.now() + timedelta(seconds=_seconds(token.get("expires_in"))),
            scopes=tuple(sorted(granted)),
        )
        return TokenGrant(credentials=credentials, email=self._email(token))

    def revoke(self, credentials: Credentials) -> None:
        """Revoke the grant; a token Google no longer knows counts as revoked."""
        status, body = self._post(
            self.revoke_uri, {"token": credentials.refresh_token.get_secret_value()}
        )
        if status >= 400 and body.get("error") != "invalid_token":
            raise ProviderRejected(f"Google refused to revoke the grant ({body.get('error')})")

    # -- helpers ----------------------------------------------------------------------------

    def _post(self, url: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The status and JSON body of a form POST; ProviderUnavailable if Google is down."""
        try:
            response = self.session.post(url, data=form, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ProviderUnavailable("Google's OAuth endpoint is unreachable") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise ProviderUnavailable(f"Google's OAuth endpoint answered {response.status_code}")
        return response.status_code, _json(response)

    def _email(self, token: Mapping[str, Any]) -> str:
        claims = self._id_claims(str(token["id_token"])) if token.get("id_token") else {}
        if "email" not in claims:
            claims = self._userinfo(str(token["access_token"]))
        email = claims.get("email")
        verified = claims.get("email_verified", claims.get("verified_email"))
        if not isinstance(email, str) or not email or verified not in (True, "true"):
            raise ProviderAuthError("Google did not tell calsync a verified email for this account")
        return email.lower()

    def _id_claims(self, token: str) -> Mapping[str, Any]:
        try:
            claims = id_token.verify_token(
                token,
                AuthRequest(self.session),
                audience=self.client_id,
                certs_url=self.certs_url,
                clock_skew_in_seconds=30,
            )
        except auth_errors.TransportError as exc:
            raise ProviderUnavailable("Google's certificates could not be fetched") from exc
        except (ValueError, auth_errors.GoogleAuthError) as exc:
            raise ProviderAuthError(f"Google's id_token did not verify ({exc})") from exc
        if claims.get("iss") not in GOOGLE_ISSUERS:
            raise ProviderAuthError("Google's id_token has an unexpected issuer")
        return claims

    def _userinfo(self, access_token: str) -> dict[str, Any]:
        try:
            response = self.session.get(
                self.userinfo_uri,
                headers={"Authorization": f"Bearer {access_token}"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise ProviderUnavailable("Google's userinfo endpoint is unreachable") from exc
        if response.status_code >= 500:
            raise ProviderUnavailable(f"Google's userinfo endpoint answered {response.status_code}")
        if response.status_code >= 400:
            raise ProviderRejected(f"Google's userinfo endpoint answered {response.status_code}")
        return _json(response)


def _seconds(value: object) -> int:
    """`expires_in` (a number, or a numeric string); an hour if Google left it out."""
    try:
        return int(str(value)) if value is not None else 3599
    except ValueError:
        return 3599


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


if TYPE_CHECKING:  # the adapter must satisfy the port it implements

    def _check(client: GoogleOAuthClient) -> None:
        _client: OAuthClient = client
