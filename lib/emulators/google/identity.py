"""Who the user is: signed ``id_token`` JWTs, their certificates and the userinfo documents.

A fresh RSA key is made at start-up. ``/oauth2/v1/certs`` serves it as ``{kid: PEM x509}`` and
``/oauth2/v3/certs`` as a JWK set, so ``google.oauth2.id_token.verify_token(...,
certs_url=<simulator>/oauth2/v1/certs)`` verifies the tokens. The issuer is
``https://accounts.google.com``, as at Google.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import time
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt

from emulators.google.grants import EMAIL_SCOPE, PROFILE_SCOPE
from emulators.google.model import User

ISSUER = "https://accounts.google.com"


class Identity:
    """The signing key and the documents derived from it."""

    def __init__(self) -> None:
        self.key_id = secrets.token_hex(20)
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self._signer = crypt.RSASigner.from_string(pem, self.key_id)  # type: ignore[no-untyped-call]
        self._cert_pem = _self_signed(self._key).public_bytes(serialization.Encoding.PEM).decode()

    def certs(self) -> dict[str, str]:
        return {self.key_id: self._cert_pem}

    def jwks(self) -> dict[str, Any]:
        numbers = self._key.public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "alg": "RS256",
                    "use": "sig",
                    "kid": self.key_id,
                    "n": _b64_int(numbers.n),
                    "e": _b64_int(numbers.e),
                }
            ]
        }

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
        token: bytes = jwt.encode(self._signer, claims)  # type: ignore[no-untyped-call]
        return token.decode()


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


def _b64_int(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _self_signed(key: rsa.RSAPrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "accounts.google.com simulator")])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
