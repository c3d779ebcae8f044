"""Public keys that signed tokens are checked against, and the check itself (google-auth).

A key source maps key ids to PEM public keys or certificates:
- `StaticKeys`: an in-process key set (the local stack's own signer, tests);
- `RemoteKeys`: fetched from a certs URL, either Google's `{kid: x509 PEM}` format or a JWK
  set (RFC 7517, RSA keys), cached for the response's `max-age` (default one hour), fetched
  again early when a token names an unknown key id (key rotation), at most once a minute.

`verify_jwt` checks the signature (RS256), `iat`/`exp` (with a little clock skew), the audience
and the issuer, and raises Unauthenticated for anything wrong, never saying more than "invalid".
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any, Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import exceptions as auth_errors
from google.auth import jwt
from google.auth.transport.requests import Request

from calsync.errors import Unauthenticated

CLOCK_SKEW_SECONDS = 30
_DEFAULT_MAX_AGE = 3600.0
_MIN_REFETCH = 60.0
_MAX_AGE = re.compile(r"max-age=(\d+)")

Fetch = Callable[[str], tuple[Mapping[str, Any], str | None]]
"""Fetch a URL: its JSON body and its Cache-Control header (or None)."""


class KeySource(Protocol):
    def keys(self, key_id: str | None) -> Mapping[str, str]:
        """PEM public keys (or certificates) by key id; should include `key_id` if known."""
        ...


class StaticKeys:
    """A fixed key set."""

    def __init__(self, keys: Mapping[str, str]) -> None:
        self._keys = dict(keys)

    def keys(self, key_id: str | None) -> Mapping[str, str]:
        return self._keys


def _b64url_int(value: str) -> int:
    padded = value + "=" * (-len(value) % 4)
    return int.from_bytes(base64.urlsafe_b64decode(padded), "big")


def _jwk_to_pem(jwk: Mapping[str, Any]) -> str:
    numbers = rsa.RSAPublicNumbers(_b64url_int(str(jwk["e"])), _b64url_int(str(jwk["n"])))
    pem = numbers.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


def parse_key_set(body: Mapping[str, Any]) -> dict[str, str]:
    """Key id -> PEM from either certs format; keys that are not RSA signing keys are skipped."""
    if "keys" not in body:
        return {str(kid): str(pem) for kid, pem in body.items() if isinstance(pem, str)}
    parsed = {}
    for jwk in body.get("keys") or ():
        if not isinstance(jwk, Mapping) or jwk.get("kty") != "RSA" or "kid" not in jwk:
            continue
        if jwk.get("use", "sig") != "sig":
            continue
        parsed[str(jwk["kid"])] = _jwk_to_pem(jwk)
    return parsed


def http_fetch(url: str) -> tuple[Mapping[str, Any], str | None]:
    """GET a certs URL with google-auth's requests transport."""
    response = Request()(url, method="GET", timeout=10)
    if response.status != 200:
        raise Unauthenticated("the token issuer's keys are unavailable")
    body = json.loads(response.data.decode("utf-8"))
    if not isinstance(body, Mapping):
        raise Unauthenticated("the token issuer's keys are unreadable")
    return body, response.headers.get("cache-control")


class RemoteKeys:
    """Keys fetched from a certs URL and cached (thread-safe)."""

    def __init__(
        self, url: str, *, fetch: Fetch = http_fetch, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.url = url
        self._fetch = fetch
        self._now = now
        self._lock = threading.Lock()
        self._keys: dict[str, str] = {}
        self._fresh_until = 0.0
        self._fetched_at = -_MIN_REFETCH

    def keys(self, key_id: str | None) -> Mapping[str, str]:
        with self._lock:
            now = self._now()
            stale = now >= self._fresh_until
            unknown = key_id is not None and key_id not in self._keys
            if stale or (unknown and now - self._fetched_at >= _MIN_REFETCH):
                self._refresh(now)
            return dict(self._keys)

    def _refresh(self, now: float) -> None:
        try:
            body, cache_control = self._fetch(self.url)
            keys = parse_key_set(body)
        except Unauthenticated:
            raise
        except Exception as exc:  # network, JSON, bad key material: never a 500 to the caller
            raise Unauthenticated(
                f"the token issuer's keys are unavailable ({type(exc).__name__})"
            ) from None
        match = _MAX_AGE.search(cache_control or "")
        max_age = float(match.group(1)) if match else _DEFAULT_MAX_AGE
        self._keys, self._fetched_at, self._fresh_until = keys, now, now + max_age


def verify_jwt(
    token: str, keys: KeySource, *, audience: str, issuers: Collection[str]
) -> Mapping[str, Any]:
    """The verified claims of `token`; Unauthenticated if anything about it is wrong."""
    if not token or token.count(".") != 2:
        raise Unauthenticated("invalid token")
    try:
        header = jwt.decode_header(token)  # type: ignore[no-untyped-call]
        key_id = header.get("kid") if isinstance(header, Mapping) else None
        claims: Mapping[str, Any] = jwt.decode(  # type: ignore[no-untyped-call]
            token,
            certs=keys.keys(str(key_id) if key_id else None),
            audience=audience,
            clock_skew_in_seconds=CLOCK_SKEW_SECONDS,
        )
    except Unauthenticated:
        raise
    except (auth_errors.GoogleAuthError, ValueError, TypeError, KeyError):
        raise Unauthenticated("invalid token") from None
    if claims.get("iss") not in issuers:
        raise Unauthenticated("invalid token")
    return claims
