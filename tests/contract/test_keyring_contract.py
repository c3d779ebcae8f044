"""The Keyring contract, run against the local AES-GCM keyring and the Cloud KMS envelope one.

Every keyring must: give back what it sealed, in the context it was sealed for; never show
the plaintext in the sealed bytes; seal the same secret differently each time; and refuse
(Unauthenticated) another context, damaged or truncated data and a foreign keyring's data.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from calsync.auth.keyring import KmsKeyring, LocalKeyring, generate_local_key
from calsync.errors import Unauthenticated
from calsync.ports import Keyring

from tests.fixtures.kms import KEY_NAME, FakeKms

MAKERS: dict[str, Callable[[], Keyring]] = {
    "local": lambda: LocalKeyring.from_base64(generate_local_key()),
    "kms": lambda: KmsKeyring(FakeKms(), KEY_NAME),
}


@pytest.fixture(params=sorted(MAKERS))
def make(request: pytest.FixtureRequest) -> Callable[[], Keyring]:
    return MAKERS[request.param]


SECRET = b"1//refresh-token-of-ann"


def test_what_is_sealed_opens_in_its_context(make: Callable[[], Keyring]) -> None:
    keyring = make()
    sealed = keyring.encrypt(SECRET, context="credentials/acc1")
    assert SECRET not in sealed
    assert keyring.decrypt(sealed, context="credentials/acc1") == SECRET


def test_the_same_secret_seals_differently_each_time(make: Callable[[], Keyring]) -> None:
    keyring = make()
    one = keyring.encrypt(SECRET, context="c")
    two = keyring.encrypt(SECRET, context="c")
    assert one != two
    assert keyring.decrypt(one, context="c") == keyring.decrypt(two, context="c") == SECRET


def test_empty_secrets_round_trip(make: Callable[[], Keyring]) -> None:
    keyring = make()
    assert keyring.decrypt(keyring.encrypt(b"", context="c"), context="c") == b""


@pytest.mark.parametrize(
    ("what", "damage"),
    [
        ("flipped last byte", lambda sealed: sealed[:-1] + bytes([sealed[-1] ^ 1])),
        ("truncated", lambda sealed: sealed[: len(sealed) // 2]),
        ("empty", lambda sealed: b""),
        ("unknown version", lambda sealed: bytes([sealed[0] ^ 0x7F]) + sealed[1:]),
    ],
)
def test_damaged_data_is_refused(
    make: Callable[[], Keyring], what: str, damage: Callable[[bytes], bytes]
) -> None:
    keyring = make()
    sealed = keyring.encrypt(SECRET, context="c")
    with pytest.raises(Unauthenticated):
        keyring.decrypt(damage(sealed), context="c")


def test_another_context_is_refused(make: Callable[[], Keyring]) -> None:
    keyring = make()
    sealed = keyring.encrypt(SECRET, context="credentials/acc1")
    with pytest.raises(Unauthenticated):
        keyring.decrypt(sealed, context="credentials/acc2")


def test_another_keyrings_data_is_refused(make: Callable[[], Keyring]) -> None:
    sealed = make().encrypt(SECRET, context="c")
    with pytest.raises(Unauthenticated):
        make().decrypt(sealed, context="c")
