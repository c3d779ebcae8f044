"""Keyrings: AES-GCM with the context as associated data; KMS envelopes with a fake client.

What every keyring must do is in tests/contract/test_keyring_contract.py; here, what is
particular to each (fresh data keys per secret, versions, outages).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from calsync.auth.keyring import KmsKeyring, LocalKeyring, generate_local_key
from calsync.errors import StorageError, Unauthenticated
from google.api_core import exceptions as google_errors

from tests.fixtures.kms import KEY_NAME, FakeKms


def test_local_round_trip_and_fresh_nonces() -> None:
    keyring = LocalKeyring.from_base64(generate_local_key())
    one = keyring.encrypt(b"refresh-token", context="credentials/a1")
    two = keyring.encrypt(b"refresh-token", context="credentials/a1")
    assert one != two
    assert b"refresh-token" not in one
    assert keyring.decrypt(one, context="credentials/a1") == b"refresh-token"


@pytest.mark.parametrize(
    "damage",
    [
        lambda sealed: sealed,  # right data, wrong context (checked below)
        lambda sealed: sealed[:-1] + bytes([sealed[-1] ^ 1]),
        lambda sealed: sealed[:10],
        lambda sealed: b"\x02" + sealed[1:],
        lambda sealed: b"",
    ],
)
def test_local_refuses_other_contexts_and_damaged_data(damage: Any) -> None:
    keyring = LocalKeyring(bytes(range(32)))
    sealed = keyring.encrypt(b"secret", context="credentials/a1")
    with pytest.raises(Unauthenticated):
        keyring.decrypt(damage(sealed), context="credentials/a2")


def test_local_refuses_another_key() -> None:
    sealed = LocalKeyring(bytes(32)).encrypt(b"secret", context="c")
    with pytest.raises(Unauthenticated):
        LocalKeyring(bytes(range(32))).decrypt(sealed, context="c")
    with pytest.raises(ValueError, match="32 bytes"):
        LocalKeyring(b"short")


KEY = KEY_NAME


def test_kms_envelope_round_trip_wraps_a_fresh_data_key_per_secret() -> None:
    kms = FakeKms()
    keyring = KmsKeyring(kms, KEY)
    one = keyring.encrypt(b"refresh-token", context="credentials/a1")
    two = keyring.encrypt(b"refresh-token", context="credentials/a1")
    wrapped = [r["plaintext"] for r in kms.requests]
    assert len(set(wrapped)) == 2
    assert all(len(k) == 32 for k in wrapped)
    assert all(r["name"] == KEY for r in kms.requests)
    assert all(r["additional_authenticated_data"] == b"credentials/a1" for r in kms.requests)
    assert all(key not in one + two for key in wrapped)
    assert keyring.decrypt(one, context="credentials/a1") == b"refresh-token"
    assert keyring.decrypt(two, context="credentials/a1") == b"refresh-token"


def test_kms_envelope_refuses_other_contexts_and_damage() -> None:
    keyring = KmsKeyring(FakeKms(), KEY)
    sealed = keyring.encrypt(b"secret", context="credentials/a1")
    with pytest.raises(Unauthenticated):
        keyring.decrypt(sealed, context="credentials/a2")
    with pytest.raises(Unauthenticated):
        keyring.decrypt(sealed[:-1] + bytes([sealed[-1] ^ 1]), context="credentials/a1")
    with pytest.raises(Unauthenticated):
        keyring.decrypt(b"\x01junk", context="credentials/a1")


def test_kms_outage_is_a_retryable_storage_error() -> None:
    kms = FakeKms()
    keyring = KmsKeyring(kms, KEY)
    sealed = keyring.encrypt(b"secret", context="c")
    kms.fail = google_errors.ServiceUnavailable("try later")
    with pytest.raises(StorageError) as failed:
        keyring.decrypt(sealed, context="c")
    assert failed.value.retryable


def test_generated_local_keys_are_32_random_bytes() -> None:
    keys = {generate_local_key() for _ in range(3)}
    assert len(keys) == 3
    assert all(len(base64.b64decode(k)) == 32 for k in keys)
