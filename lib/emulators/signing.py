"""The RSA key an emulator signs tokens with, published as Google publishes its own.

Google's identity services sign RS256 JWTs with a `kid` header and publish the public keys two
ways: a map of key id -> PEM X.509 certificate (`https://www.googleapis.com/oauth2/v1/certs`,
which `google.oauth2.id_token.verify_token` reads with the installed libraries) and a JWK set
(`.../oauth2/v3/certs`; google-auth reads that one only with PyJWT installed). The Cloud Tasks
emulator (OIDC tokens of tasks) and the Google simulator (id_tokens) both sign this way.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt


class SigningKey:
    """A fresh 2048-bit RSA key (made at start), its key id and its self-signed certificate."""

    def __init__(self, common_name: str) -> None:
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
        certificate = _self_signed(self._key, common_name)
        self._certificate_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()

    def sign(self, claims: dict[str, Any]) -> str:
        """An RS256 JWT of `claims`, with this key's id in its header."""
        token: bytes = jwt.encode(self._signer, claims)  # type: ignore[no-untyped-call]
        return token.decode("ascii")

    def pem_certificates(self) -> dict[str, str]:
        """`{key id: PEM certificate}`, the v1 certs format."""
        return {self.key_id: self._certificate_pem}

    def jwks(self) -> dict[str, Any]:
        """The JWK set, the v3 certs format."""
        numbers = self._key.public_key().public_numbers()
        jwk = {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.key_id}
        return {"keys": [{**jwk, "n": _b64_int(numbers.n), "e": _b64_int(numbers.e)}]}


def _self_signed(key: rsa.RSAPrivateKey, common_name: str) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
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


def _b64_int(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
