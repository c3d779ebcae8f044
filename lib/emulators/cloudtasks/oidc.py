"""OIDC tokens for HTTP tasks, signed with a key the emulator generates at start.

Each token is an RS256 JWT with a ``kid`` header and the claims Google puts in a service
account's ID token: ``iss`` (``https://accounts.google.com``), ``aud``, ``azp``, ``sub``,
``email``, ``email_verified``, ``iat`` and ``exp`` (one hour). The public key is published two
ways, as Google publishes its own: a map of key id -> PEM X.509 certificate (the format of
``https://www.googleapis.com/oauth2/v1/certs``, which ``google.oauth2.id_token.verify_token``
reads with the installed libraries) and a JWK set (as at ``.../oauth2/v3/certs``; google-auth
reads that one only when PyJWT is installed).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import threading
import time
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt

ISSUER = "https://accounts.google.com"
LIFETIME = 3600
_REUSE = 300  # a cached token is reused while it has more than this many seconds left


class TokenIssuer:
    """Signs ID tokens and publishes the public key (thread-safe)."""

    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public_der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.key_id = hashlib.sha256(public_der).hexdigest()[:40]
        pem = self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self._signer = crypt.RSASigner.from_string(pem, key_id=self.key_id)  # type: ignore[no-untyped-call]
        self._certificate = _self_signed(self._key)
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
        encoded: bytes = jwt.encode(self._signer, claims)  # type: ignore[no-untyped-call]
        token = encoded.decode("ascii")
        with self._lock:
            self._cache[(email, audience)] = (issued + LIFETIME, token)
        return token

    def pem_certificates(self) -> dict[str, str]:
        """``{key id: PEM certificate}``, the v1 certs format."""
        pem = self._certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
        return {self.key_id: pem}

    def jwks(self) -> dict[str, Any]:
        """The JWK set, the v3 certs format."""
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


def _self_signed(key: rsa.RSAPrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cloudtasks-emulator")])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )


def _subject(email: str) -> str:
    """A stable numeric id for a service account, like Google's 21-digit unique ids."""
    digest = int.from_bytes(hashlib.sha256(email.encode()).digest()[:8], "big")
    return str(10**20 + digest % 10**20)


def _b64_int(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
