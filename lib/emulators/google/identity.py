"""Who the user is: signed ``id_token`` JWTs, their certificates and the userinfo documents.

A fresh RSA key is made at start-up (:mod:`emulators.signing`). ``/oauth2/v1/certs`` serves
it as ``{kid: PEM x509}`` and ``/oauth2/v3/certs`` as a JWK set, so
``google.oauth2.id_token.verify_token(..., certs_url=<simulator>/oauth2/v1/certs)`` verifies
the tokens. The issuer is
``https://accounts.google.com``, as at Google.
"""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any

from emulators.google.grants import EMAIL_SCOPE, PROFILE_SCOPE
from emulators.google.model import User
from emulators.signing import SigningKey

ISSUER = "https://accounts.google.com"


class Identity:
    """The signing key and the documents derived from it."""

    def __init__(self) -> None:
        self._key = SigningKey("accounts.google.com simulator")
        self.key_id = self._key.key_id

    def certs(self) -> dict[str, str]:
        return self._key.pem_certificates()

    def jwks(self) -> dict[str, Any]:
        return self._key.jwks()

    def id_token(
        self,
        user: User,
        client_id: str,
        scopes: frozenset[str],
        access_token: str,
        nonce: str | None = None,
    ) -> str:
        """A signed ID token for ``user`` (email claims only with the email scope)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "azp": client_id,
            "aud": client_id,
            "sub": user.sub,
            "at_hash": _at_hash(access_token),
            "iat": now,
            "exp": now + 3600,
        }
        claims.update(_identity_claims(user, scopes))
        if nonce:
            claims["nonce"] = nonce
        return self._key.sign(claims)


def userinfo_v1(user: User, scopes: frozenset[str]) -> dict[str, Any]:
    """``/oauth2/v1/userinfo`` and ``/oauth2/v2/userinfo`` shape."""
    info: dict[str, Any] = {"id": user.sub}
    if EMAIL_SCOPE in scopes:
        info.update(email=user.email, verified_email=True)
    if PROFILE_SCOPE in scopes:
        info.update(name=user.name, given_name=user.name.split(" ")[0], picture=_picture(user))
    return info


def userinfo_openid(user: User, scopes: frozenset[str]) -> dict[str, Any]:
    """OpenID Connect shape (``/v1/userinfo``, ``/oauth2/v3/userinfo``)."""
    return {"sub": user.sub, **_identity_claims(user, scopes)}


def _identity_claims(user: User, scopes: frozenset[str]) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    if EMAIL_SCOPE in scopes:
        claims.update(email=user.email, email_verified=True)
    if PROFILE_SCOPE in scopes:
        claims.update(name=user.name, given_name=user.name.split(" ")[0], picture=_picture(user))
    return claims


def _picture(user: User) -> str:
    return f"https://lh3.googleusercontent.com/a/{user.sub}=s96-c"


def _at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")
