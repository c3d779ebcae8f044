"""Google's OAuth 2.0 endpoints: authorization (with consent), token, revocation, userinfo.

The authorization endpoint checks the client and its redirect URI first (errors are shown as a
page, never redirected), then redirects with ``error=...`` or with ``code``, ``state`` and
``scope``. With ``--auto-consent`` and a ``login_hint`` it approves at once, creating the user
with a primary calendar if new; otherwise it shows a small consent page. A refresh token is
issued for ``access_type=offline`` on first consent or with ``prompt=consent``, as at Google.
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any
from urllib.parse import unquote_plus, urlencode

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from emulators.google import consent_page, errors
from emulators.google.config import OAuthClient
from emulators.google.errors import OAuthError
from emulators.google.grants import PKCE_VALUE, AccessToken, AuthCode, Grant, normalise_scopes
from emulators.google.identity import userinfo_openid, userinfo_v1
from emulators.google.simulator import Simulator

_IDENTITY_SCOPES = frozenset(normalise_scopes("openid email profile"))


class OAuthEndpoints:
    """``/o/oauth2/v2/auth``, its consent form, ``/token``, ``/revoke``, userinfo and certs."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def authorize(self, request: Request) -> Response:
        return self._authorize(request.args, from_form=False)

    def decision(self, request: Request) -> Response:
        return self._authorize(request.form, from_form=True)

    def _authorize(self, args: MultiDict[str, str], *, from_form: bool) -> Response:
        client = self.sim.config.clients.get(args.get("client_id", ""))
        if client is None:
            return consent_page.error(401, "invalid_client", "The OAuth client was not found.")
        redirect_uri = args.get("redirect_uri", "")
        if not client.allows_redirect(redirect_uri):
            return consent_page.error(
                400,
                "redirect_uri_mismatch",
                "The redirect URI does not match the ones registered for the client.",
            )
        redirect = _Redirect(redirect_uri, args.get("state"))
        try:
            return self._decide(client, args, redirect, from_form=from_form)
        except OAuthError as error:
            return redirect.to(error=error.error, error_description=error.description)

    def _decide(
        self,
        client: OAuthClient,
        args: MultiDict[str, str],
        redirect: _Redirect,
        *,
        from_form: bool,
    ) -> Response:
        """Approve, refuse (by raising) or ask the person, once client and URI are trusted."""
        scopes = self._requested_scopes(args)
        hint = args.get("login_hint")
        if from_form:
            if args.get("decision") != "allow":
                raise OAuthError("access_denied", "The user denied access.")
            return self._approve(client, args, scopes, args.get("email", ""), redirect)
        if "none" in args.get("prompt", "").split():
            return self._silent(client, args, scopes, hint, redirect)
        if self.sim.config.auto_consent and hint:
            return self._approve(client, args, scopes, hint, redirect)
        return consent_page.form(args, sorted(scopes), hint or "")

    def _requested_scopes(self, args: MultiDict[str, str]) -> frozenset[str]:
        if args.get("response_type") != "code":
            raise OAuthError("unsupported_response_type", "Only response_type=code is supported.")
        scopes = normalise_scopes(args.get("scope", ""))
        if not scopes:
            raise OAuthError("invalid_request", "Missing required parameter: scope")
        known = self.sim.discovery.known_scopes | _IDENTITY_SCOPES
        unknown = [scope for scope in scopes if scope not in known]
        if unknown:
            raise OAuthError("invalid_scope", f"Some requested scopes were invalid: {unknown}")
        method = args.get("code_challenge_method")
        if method not in (None, "S256", "plain"):
            raise OAuthError("invalid_request", "Invalid code_challenge_method.")
        challenge = args.get("code_challenge")
        if method and not challenge:
            raise OAuthError("invalid_request", "Missing code_challenge.")
        if challenge is not None and not PKCE_VALUE.fullmatch(challenge):
            raise OAuthError("invalid_request", "Invalid code_challenge.")
        if args.get("access_type", "online") not in ("online", "offline"):
            raise OAuthError("invalid_request", "Invalid access_type.")
        return frozenset(scopes)

    def _silent(
        self,
        client: OAuthClient,
        args: MultiDict[str, str],
        scopes: frozenset[str],
        hint: str | None,
        redirect: _Redirect,
    ) -> Response:
        if not hint:
            raise OAuthError("login_required", "No user is signed in.")
        if not scopes <= self.sim.grants.consented_scopes(hint.lower(), client.client_id):
            raise OAuthError("consent_required", "The user has not consented to these scopes.")
        return self._approve(client, args, scopes, hint, redirect)

    def _approve(
        self,
        client: OAuthClient,
        args: MultiDict[str, str],
        scopes: frozenset[str],
        email: str,
        redirect: _Redirect,
    ) -> Response:
        with self.sim.store.lock:
            try:
                user, _ = self.sim.store.ensure_user(email.strip())
            except errors.ApiError as exc:
                raise OAuthError("invalid_request", "A valid email address is required.") from exc
        grants = self.sim.grants
        earlier = grants.consented_scopes(user.email, client.client_id)
        if args.get("include_granted_scopes") == "true":
            scopes = scopes | earlier
        first_consent = not earlier
        offline = args.get("access_type") == "offline"
        code = AuthCode(
            code="4/sim-" + secrets.token_urlsafe(32),
            client_id=client.client_id,
            redirect_uri=args.get("redirect_uri", ""),
            email=user.email,
            scopes=scopes,
            offline=offline and (first_consent or "consent" in args.get("prompt", "").split()),
            expires_at=grants.code_expiry(),
            challenge=args.get("code_challenge"),
            method=args.get("code_challenge_method") or "plain",
            nonce=args.get("nonce"),
        )
        grants.new_code(code)
        return redirect.to(
            code=code.code, scope=" ".join(sorted(scopes)), authuser="0", prompt="consent"
        )

    def token(self, request: Request) -> Response:
        try:
            client = self._client(request)
            grant_type = request.form.get("grant_type")
            if grant_type == "authorization_code":
                return _json(self._exchange(client, request.form))
            if grant_type == "refresh_token":
                return _json(self._refresh(client, request.form))
            raise OAuthError("unsupported_grant_type", f"Invalid grant_type: {grant_type}")
        except OAuthError as error:
            return _json(error.body(), error.status)

    def _client(self, request: Request) -> OAuthClient:
        client_id, secret = request.form.get("client_id"), request.form.get("client_secret")
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(header[6:]).decode()
            except (ValueError, UnicodeDecodeError) as exc:
                raise OAuthError("invalid_client", "Malformed client credentials.", 401) from exc
            raw_id, _, raw_secret = decoded.partition(":")
            client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        client = self.sim.config.clients.get(client_id or "")
        if client is None:
            raise OAuthError("invalid_client", "The OAuth client was not found.", 401)
        given, expected = (secret or "").encode(), client.client_secret.encode()
        if not secrets.compare_digest(given, expected):
            raise OAuthError("invalid_client", "Unauthorized", 401)
        return client

    def _exchange(self, client: OAuthClient, form: MultiDict[str, str]) -> dict[str, Any]:
        if not form.get("code"):
            raise OAuthError("invalid_request", "Missing required parameter: code")
        if not form.get("redirect_uri"):
            raise OAuthError("invalid_request", "Missing required parameter: redirect_uri")
        grants = self.sim.grants
        code = grants.redeem(
            form["code"], client.client_id, form["redirect_uri"], form.get("code_verifier")
        )
        grant = grants.grant(code.email, client.client_id, code.scopes, code.offline)
        code.grant = grant
        token = grants.issue(grant)
        answer = self._answer(grant, token, code.nonce)
        if grant.refresh_token:
            answer["refresh_token"] = grant.refresh_token
        return answer

    def _refresh(self, client: OAuthClient, form: MultiDict[str, str]) -> dict[str, Any]:
        if not form.get("refresh_token"):
            raise OAuthError("invalid_request", "Missing required parameter: refresh_token")
        grant = self.sim.grants.by_refresh_token(form["refresh_token"], client.client_id)
        wanted = frozenset(normalise_scopes(form.get("scope", ""))) or grant.scopes
        if not wanted <= grant.scopes:
            raise OAuthError("invalid_scope", "The requested scopes exceed the granted ones.")
        return self._answer(grant, self.sim.grants.issue(grant, wanted), None)

    def _answer(self, grant: Grant, token: AccessToken, nonce: str | None) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "access_token": token.token,
            "expires_in": self.sim.config.access_token_ttl,
            "scope": " ".join(sorted(token.scopes)),
            "token_type": "Bearer",
        }
        if "openid" in token.scopes:
            with self.sim.store.lock:
                user = self.sim.store.user(grant.email)
            answer["id_token"] = self.sim.identity.id_token(
                user, grant.client_id, token.scopes, token.token, nonce
            )
        return answer

    def revoke(self, request: Request) -> Response:
        value = request.values.get("token", "")
        if self.sim.grants.revoke(value):
            return _json({})
        return _json(
            {"error": "invalid_token", "error_description": "Token expired or revoked"}, 400
        )

    def userinfo(self, request: Request, *, openid: bool) -> Response:
        try:
            token = self.sim.grants.authenticate(_bearer(request))
            if not token.scopes & _IDENTITY_SCOPES:
                raise errors.insufficient_scopes()
            with self.sim.store.lock:
                user = self.sim.store.user(token.grant.email)
        except errors.ApiError as error:
            return _json(error.body(), error.status, error.headers)
        shape = userinfo_openid if openid else userinfo_v1
        return _json(shape(user, token.scopes))

    def certs(self) -> Response:
        return _json(self.sim.identity.certs())

    def jwks(self) -> Response:
        return _json(self.sim.identity.jwks())


class _Redirect:
    """Builds redirects back to the client (``state`` always echoed)."""

    def __init__(self, uri: str, state: str | None) -> None:
        self.uri, self.state = uri, state

    def to(self, **params: str) -> Response:
        if self.state is not None:
            params["state"] = self.state
        joiner = "&" if "?" in self.uri else "?"
        return Response(status=302, headers={"Location": self.uri + joiner + urlencode(params)})


def _bearer(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.args.get("access_token") or request.args.get("oauth_token")


def _json(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        json.dumps(body),
        status,
        {"Cache-Control": "no-store", **(headers or {})},
        content_type="application/json; charset=utf-8",
    )


bearer_of = _bearer
json_response = _json
