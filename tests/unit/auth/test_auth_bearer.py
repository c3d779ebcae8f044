"""CRM bearer tokens and task OIDC tokens, verified with google-auth against key sets."""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from calsync.auth.bearer import BearerVerifier, LocalSigner, TaskTokenVerifier
from calsync.auth.keys import RemoteKeys, StaticKeys, parse_key_set
from calsync.domain.activity import User
from calsync.errors import Unauthenticated
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from tests.unit.services.harness import signer, signing_key

DEMO = User(id="u-demo", company_id="c1", email="demo@example.com", name="Demo")
CRM = signer("crm", "calsync-test", "calsync")
OTHER = signer("other", "calsync-test", "calsync")
GOOGLE = signer("google", "https://accounts.google.com", "-")
WORKER = "https://functions.example.com/worker"
TASKS = "tasks@p.iam.gserviceaccount.com"


def _verifier() -> BearerVerifier:
    return BearerVerifier(StaticKeys(CRM.public_keys()), issuer="calsync-test", audience="calsync")


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": "calsync-test", "aud": "calsync", "sub": "u-demo", "company_id": "c1"}
    claims |= {"email": "demo@example.com", "iat": now, "exp": now + 600}
    return {**claims, **changes}


def test_a_valid_token_names_the_crm_user() -> None:
    assert _verifier().verify(CRM.issue(DEMO)) == DEMO


@pytest.mark.parametrize(
    "token",
    [
        CRM.sign(_claims(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200)),
        CRM.sign(_claims(aud="someone-else")),
        CRM.sign(_claims(iss="https://evil.example.com")),
        CRM.sign(_claims(iat=int(time.time()) + 3600)),
        CRM.sign({k: v for k, v in _claims().items() if k != "company_id"}),
        CRM.sign(_claims(email="not an email")),
        OTHER.sign(_claims()),  # signed by a key the verifier does not trust
        "not.a.jwt",
        "garbage",
        "",
    ],
)
def test_bad_tokens_are_unauthenticated(token: str) -> None:
    with pytest.raises(Unauthenticated):
        _verifier().verify(token)


def test_a_tampered_payload_fails_the_signature() -> None:
    header, payload, signature = CRM.issue(DEMO).split(".")
    forged = base64.urlsafe_b64encode(b'{"sub":"u-bob"}').rstrip(b"=").decode()
    with pytest.raises(Unauthenticated):
        _verifier().verify(f"{header}.{forged}.{signature}")
    with pytest.raises(Unauthenticated):
        _verifier().verify(f"{header}.{payload}.{signature[:-4]}AAAA")


def _jwks(signer: LocalSigner) -> dict[str, Any]:
    public = serialization.load_pem_public_key(signer.public_pem.encode())
    numbers = public.public_numbers()  # type: ignore[union-attr]

    def b64(value: int) -> str:
        raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    key = {"kty": "RSA", "kid": signer.key_id, "use": "sig", "alg": "RS256"}
    return {"keys": [{**key, "n": b64(numbers.n), "e": b64(numbers.e)}, {"kty": "EC", "kid": "x"}]}


def _certificate(name_of_key: str) -> str:
    """A self-signed X.509 certificate of a test key (Google's v1 certs format)."""
    private = serialization.load_pem_private_key(signing_key(name_of_key).encode(), password=None)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "calsync-test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())  # type: ignore[arg-type]
        .serial_number(1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(private, hashes.SHA256())  # type: ignore[arg-type]
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _task_claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": "https://accounts.google.com", "aud": WORKER, "email": TASKS}
    claims |= {"email_verified": True, "sub": "1", "iat": now, "exp": now + 600}
    return {**claims, **changes}


def test_remote_keys_read_jwks_and_pem_certificates() -> None:
    assert set(parse_key_set(_jwks(GOOGLE))) == {"google-1"}
    certs = {"google-1": _certificate("google")}
    for body in (_jwks(GOOGLE), certs):
        keys = RemoteKeys("https://certs.example.com", fetch=lambda url, b=body: (b, None))
        verifier = TaskTokenVerifier(
            keys, issuers={"https://accounts.google.com"}, service_account=TASKS
        )
        assert verifier.verify(GOOGLE.sign(_task_claims()), audience=WORKER) == TASKS


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0


def test_remote_keys_are_cached_and_refetched_for_unknown_key_ids() -> None:
    clock, fetched = Clock(), []

    def fetch(url: str) -> tuple[Mapping[str, Any], str | None]:
        fetched.append(url)
        return _jwks(GOOGLE), "public, max-age=300"

    keys = RemoteKeys("https://certs.example.com", fetch=fetch, now=lambda: clock.now)
    keys.keys("google-1")
    keys.keys("google-1")
    assert len(fetched) == 1
    keys.keys("rotated-1")  # unknown key id, but just fetched: not again at once
    assert len(fetched) == 1
    clock.now += 61
    keys.keys("rotated-1")  # unknown key id: fetched again ...
    keys.keys("rotated-2")  # ... but not more than once a minute
    assert len(fetched) == 2
    clock.now += 301
    keys.keys("google-1")
    assert len(fetched) == 3


def test_unreachable_keys_are_unauthenticated_not_a_crash() -> None:
    def fetch(url: str) -> tuple[Mapping[str, Any], str | None]:
        raise OSError("network down")

    keys = RemoteKeys("https://certs.example.com", fetch=fetch)
    verifier = TaskTokenVerifier(
        keys, issuers={"https://accounts.google.com"}, service_account=None
    )
    with pytest.raises(Unauthenticated):
        verifier.verify(GOOGLE.sign(_task_claims()), audience=WORKER)


@pytest.mark.parametrize(
    "claims",
    [
        _task_claims(aud="https://functions.example.com/fanout"),
        _task_claims(email="intruder@p.iam.gserviceaccount.com"),
        _task_claims(email_verified=False),
        _task_claims(iss="https://issuer.example.com"),
        {k: v for k, v in _task_claims().items() if k != "email"},
    ],
)
def test_task_tokens_must_be_for_this_function_from_the_service_account(
    claims: dict[str, Any],
) -> None:
    verifier = TaskTokenVerifier(
        StaticKeys(GOOGLE.public_keys()),
        issuers={"https://accounts.google.com"},
        service_account=TASKS,
    )
    with pytest.raises(Unauthenticated):
        verifier.verify(GOOGLE.sign(claims), audience=WORKER)
    with pytest.raises(Unauthenticated):
        verifier.verify(None, audience=WORKER)
