"""OIDC tokens for HTTP tasks, signed with a key the emulator generates at start.

Each token is an RS256 JWT with a ``kid`` header and the claims Google puts in a service
account's ID token: ``iss`` (``https://accounts.google.com``), ``aud``, ``azp``, ``sub``,
``email``, ``email_verified``, ``iat`` and ``exp`` (one hour). The public key is published as
Google publishes its own (see :mod:`emulators.signing`).
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

from emulators.signing import SigningKey

ISSUER = "https://accounts.google.com"
LIFETIME = 3600
_REUSE = 300  # a cached token is reused while it has more than this many seconds left


class TokenIssuer:
    """Signs ID tokens and publishes the public key (thread-safe)."""

    def __init__(self) -> None:
        self._key = SigningKey("cloudtasks-emulator")
        self.key_id = self._key.key_id
        self._cache: dict[tuple[str, str], tuple[float, str]] = {}
        self._lock = threading.Lock()

    def token(self, email: str, audience: str) -> str:
        """An ID token for the service account ``email`` and ``audience``."""
        now = time.time()
        with self._lock:
            cached = self._cache.get((email, audience))
            if cached and cached[0] - now > _REUSE:
                return cached[1]
        issued = int(now)
        subject = _subject(email)
        claims = {
            "iss": ISSUER,
            "aud": audience,
            "azp": subject,
            "sub": subject,
            "email": email,
            "email_verified": True,
            "iat": issued,
            "exp": issued + LIFETIME,
        }
        token = self._key.sign(claims)
        with self._lock:
            self._cache[(email, audience)] = (issued + LIFETIME, token)
        return token

    def pem_certificates(self) -> dict[str, str]:
        """``{key id: PEM certificate}``, the v1 certs format."""
        return self._key.pem_certificates()

    def jwks(self) -> dict[str, Any]:
        """The JWK set, the v3 certs format."""
        return self._key.jwks()


def _subject(email: str) -> str:
    """A stable numeric id for a service account, like Google's 21-digit unique ids."""
    digest = int.from_bytes(hashlib.sha256(email.encode()).digest()[:8], "big")
    return str(10**20 + digest % 10**20)
