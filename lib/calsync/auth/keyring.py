"""Keyrings: the `Keyring` port, sealing secrets at rest with AES-256-GCM.

- `LocalKeyring`: one local key (the local stack, tests).
- `KmsKeyring`: envelope encryption. Every secret gets a fresh data key; the data key is
  wrapped by a Cloud KMS key and stored next to the ciphertext, so the KMS key never leaves
  KMS and can be rotated there.

In both, the `context` (e.g. "credentials/<account id>") is authenticated as associated data:
a ciphertext copied to another record does not decrypt. Anything that does not decrypt raises
Unauthenticated.
"""

from __future__ import annotations

import base64
import os
from typing import TYPE_CHECKING, Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.api_core import exceptions as google_errors

from calsync.errors import StorageError, Unauthenticated

if TYPE_CHECKING:
    from calsync.ports import Keyring

_NONCE = 12
_LOCAL = b"\x01"
_ENVELOPE = b"\x02"


def generate_local_key() -> str:
    """A new local key, as `CALSYNC_LOCAL_KEY` expects it (base64 of 32 random bytes)."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode("ascii")


def _seal(key: bytes, plaintext: bytes, context: str) -> bytes:
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context.encode())


def _open(key: bytes, sealed: bytes, context: str) -> bytes:
    if len(sealed) < _NONCE + 16:
        raise Unauthenticated("the sealed secret is damaged")
    try:
        return AESGCM(key).decrypt(sealed[:_NONCE], sealed[_NONCE:], context.encode())
    except InvalidTag:
        raise Unauthenticated(
            "the sealed secret does not decrypt (other key or record, or damaged)"
        ) from None


class LocalKeyring:
    """AES-256-GCM under one key held by the process. Format: 0x01 | nonce | ciphertext+tag."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("a local key is exactly 32 bytes")
        self._key = key

    @classmethod
    def from_base64(cls, encoded: str) -> LocalKeyring:
        return cls(base64.b64decode(encoded, validate=True))

    def encrypt(self, plaintext: bytes, *, context: str) -> bytes:
        return _LOCAL + _seal(self._key, plaintext, context)

    def decrypt(self, ciphertext: bytes, *, context: str) -> bytes:
        if ciphertext[:1] != _LOCAL:
            raise Unauthenticated("not a secret sealed by the local keyring")
        return _open(self._key, ciphertext[1:], context)


class _Wrapped(Protocol):
    @property
    def ciphertext(self) -> bytes: ...


class _Unwrapped(Protocol):
    @property
    def plaintext(self) -> bytes: ...


class KmsClient(Protocol):
    """The two calls of google-cloud-kms's KeyManagementServiceClient that envelopes need."""

    def encrypt(self, request: Any) -> _Wrapped: ...

    def decrypt(self, request: Any) -> _Unwrapped: ...


class KmsKeyring:
    """Envelope encryption with a Cloud KMS key.

    Format: 0x02 | length of the wrapped data key (2 bytes) | wrapped data key | nonce |
    ciphertext+tag. The data key is wrapped with the context as KMS associated data too.
    """

    def __init__(self, client: KmsClient, key_name: str) -> None:
        self._client = client
        self._key_name = key_name

    def encrypt(self, plaintext: bytes, *, context: str) -> bytes:
        data_key = AESGCM.generate_key(bit_length=256)
        request = {
            "name": self._key_name,
            "plaintext": data_key,
            "additional_authenticated_data": context.encode(),
        }
        wrapped = self._call(lambda: self._client.encrypt(request=request).ciphertext)
        sealed = _seal(data_key, plaintext, context)
        return _ENVELOPE + len(wrapped).to_bytes(2, "big") + wrapped + sealed

    def decrypt(self, ciphertext: bytes, *, context: str) -> bytes:
        if ciphertext[:1] != _ENVELOPE or len(ciphertext) < 3:
            raise Unauthenticated("not a secret sealed by the KMS keyring")
        size = int.from_bytes(ciphertext[1:3], "big")
        wrapped, sealed = ciphertext[3 : 3 + size], ciphertext[3 + size :]
        request = {
            "name": self._key_name,
            "ciphertext": wrapped,
            "additional_authenticated_data": context.encode(),
        }
        data_key = self._call(lambda: self._client.decrypt(request=request).plaintext)
        return _open(data_key, sealed, context)

    @staticmethod
    def _call(call: Any) -> bytes:
        try:
            result: bytes = call()
        except (google_errors.InvalidArgument, google_errors.FailedPrecondition) as exc:
            raise Unauthenticated(f"Cloud KMS refused the data key: {type(exc).__name__}") from None
        except google_errors.GoogleAPICallError as exc:
            raise StorageError(f"Cloud KMS is unavailable: {type(exc).__name__}") from None
        return bytes(result)


if TYPE_CHECKING:  # both must satisfy the port

    def _satisfy(local: LocalKeyring, kms: KmsKeyring) -> tuple[Keyring, Keyring]:
        return local, kms
