"""Who is calling: CRM bearer tokens, and the OIDC tokens of Cloud Tasks and Cloud Scheduler.

CRM user tokens are JWTs from the CRM's identity service (Identity Platform in the cloud, the
local stack's own `LocalSigner` in dev) carrying `sub` (the CRM user id), `company_id` and
`email`. Task and scheduler calls carry Google-signed OIDC tokens whose audience is the called
function's URL and whose `email` is the service account the task was created with. Both are
checked with google-auth (signature, issuer, audience, expiry) through `verify_jwt`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import crypt, jwt
from pydantic import ValidationError

from calsync.auth.keys import KeySource, verify_jwt
from calsync.domain.activity import User
from calsync.errors import Unauthenticated


class UserVerifier(Protocol):
    def verify(self, token: str) -> User:
        """The CRM user a bearer token speaks for; Unauthenticated if it is not valid."""
        ...


class CallerVerifier(Protocol):
    def verify(self, token: str | None, *, audience: str) -> str:
        """Check a task/scheduler token meant for `audience`; returns the caller's email."""
        ...


class BearerVerifier:
    """Verifies CRM user tokens against one issuer's keys and one audience."""

    def __init__(self, keys: KeySource, *, issuer: str, audience: str) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience

    def verify(self, token: str) -> User:
        claims = verify_jwt(token, self._keys, audience=self._audience, issuers={self._issuer})
        try:
            return User(
                id=str(claims["sub"]),
                company_id=str(claims["company_id"]),
                email=str(claims["email"]),
                name=str(claims.get("name", "")),
            )
        except (KeyError, ValidationError):
            raise Unauthenticated("invalid token: it does not name a CRM user") from None


class TaskTokenVerifier:
    """Verifies the OIDC token Cloud Tasks / Cloud Scheduler attach to their calls."""

    def __init__(self, keys: KeySource, *, issuers: set[str], service_account: str | None) -> None:
        self._keys = keys
        self._issuers = issuers
        self._service_account = service_account

    def verify(self, token: str | None, *, audience: str) -> str:
        if not token:
            raise Unauthenticated("missing OIDC token")
        claims = verify_jwt(token, self._keys, audience=audience, issuers=self._issuers)
        email = claims.get("email")
        if not isinstance(email, str) or claims.get("email_verified") is not True:
            raise Unauthenticated("invalid token: no verified caller email")
        if self._service_account is not None and email != self._service_account:
            raise Unauthenticated("invalid token: not the expected service account")
        return email


class UnverifiedCaller:
    """Accepts every task call. Only the local stack may use it (`CALSYNC_TASK_AUTH=false`)."""

    def verify(self, token: str | None, *, audience: str) -> str:
        return "unverified"


def generate_signing_key() -> str:
    """A new RSA private key in PEM, for the local stack's `CALSYNC_BEARER_SIGNING_KEY`."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem.decode("ascii")


class LocalSigner:
    """Issues CRM user tokens in dev and tests (the local stack's identity service)."""

    def __init__(self, private_key_pem: str, *, key_id: str, issuer: str, audience: str) -> None:
        self._signer = crypt.RSASigner.from_string(  # type: ignore[no-untyped-call]
            private_key_pem, key_id=key_id
        )
        private = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        public = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.key_id = key_id
        self.issuer = issuer
        self.audience = audience
        self.public_pem = public.decode("ascii")

    def public_keys(self) -> Mapping[str, str]:
        return {self.key_id: self.public_pem}

    def sign(self, claims: Mapping[str, Any]) -> str:
        """Sign arbitrary claims (tests use it for expired or foreign tokens)."""
        token: bytes = jwt.encode(self._signer, dict(claims))  # type: ignore[no-untyped-call]
        return token.decode("ascii")

    def issue(self, user: User, *, ttl_seconds: int = 3600) -> str:
        """A token for `user`, valid for `ttl_seconds` from now (wall-clock time)."""
        now = int(time.time())
        return self.sign(
            {
                "iss": self.issuer,
                "aud": self.audience,
                "sub": user.id,
                "company_id": user.company_id,
                "email": user.email,
                "name": user.name,
                "iat": now,
                "exp": now + ttl_seconds,
            }
        )
