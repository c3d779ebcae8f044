"""OIDC tokens on dispatches, verified with google-auth as the product verifies Google's."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from emulators.cloudtasks.oidc import ISSUER
from emulators.cloudtasks.receiver import Receiver
from google.auth import exceptions as auth_exceptions
from google.auth.transport.requests import Request
from google.oauth2 import id_token

from tests.fixtures.cloudtasks import CloudTasksEmulator

ACCOUNT = "tasks-invoker@calsync-test.iam.gserviceaccount.com"


def _bearer(cloudtasks: CloudTasksEmulator, receiver: Receiver, audience: str = "") -> str:
    queue = cloudtasks.make_queue()
    oidc = {"service_account_email": ACCOUNT, "audience": audience}
    cloudtasks.http_task(
        queue.name,
        receiver.url + "/worker",
        oidc_token=oidc,
        headers={"Authorization": "Bearer caller-supplied"},
    )
    authorization = receiver.wait_for(1)[0].header("Authorization") or ""
    scheme, _, token = authorization.partition(" ")
    assert scheme == "Bearer"
    return token


def test_verify_token_accepts_the_dispatched_token_for_its_audience(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    token = _bearer(cloudtasks, task_receiver, audience="https://calsync.example.com/worker")

    claims = id_token.verify_token(
        token,
        Request(),
        audience="https://calsync.example.com/worker",
        certs_url=cloudtasks.admin.certs_url,
    )

    assert claims["iss"] == ISSUER == "https://accounts.google.com"
    assert claims["email"] == ACCOUNT
    assert claims["email_verified"] is True
    assert claims["sub"].isdigit()
    assert claims["exp"] - claims["iat"] == 3600


def test_verify_token_accepts_the_dispatched_token_against_the_jwks(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    # certs_url may serve a JWK set too; google-auth then verifies with PyJWT.
    token = _bearer(cloudtasks, task_receiver, audience="https://calsync.example.com/worker")

    claims = id_token.verify_token(
        token,
        Request(),
        audience="https://calsync.example.com/worker",
        certs_url=cloudtasks.admin.jwks_url,
    )

    assert cloudtasks.admin.jwks_url.endswith("/oauth2/v3/certs")
    assert claims["iss"] == ISSUER
    assert claims["email"] == ACCOUNT
    assert claims["aud"] == "https://calsync.example.com/worker"
    with pytest.raises(jwt.InvalidAudienceError):
        id_token.verify_token(
            token,
            Request(),
            audience="https://other.example.com",
            certs_url=cloudtasks.admin.jwks_url,
        )
    header, _, signature = token.split(".")
    altered = {**claims, "email": "intruder@elsewhere.iam.gserviceaccount.com"}
    forged_payload = base64.urlsafe_b64encode(json.dumps(altered).encode()).rstrip(b"=").decode()
    forged = f"{header}.{forged_payload}.{signature}"
    with pytest.raises(jwt.InvalidSignatureError):
        id_token.verify_token(forged, Request(), certs_url=cloudtasks.admin.jwks_url)


def test_verify_token_rejects_another_audience(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    token = _bearer(cloudtasks, task_receiver, audience="https://calsync.example.com/worker")

    with pytest.raises(auth_exceptions.InvalidValue, match="audience"):
        id_token.verify_token(
            token,
            Request(),
            audience="https://someone-else.example.com",
            certs_url=cloudtasks.admin.certs_url,
        )


def test_the_audience_defaults_to_the_target_url(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    token = _bearer(cloudtasks, task_receiver)

    claims = id_token.verify_token(
        token,
        Request(),
        audience=task_receiver.url + "/worker",
        certs_url=cloudtasks.admin.certs_url,
    )

    assert claims["aud"] == task_receiver.url + "/worker"


def test_the_jwks_and_the_certificate_publish_the_same_signing_key(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    token = _bearer(cloudtasks, task_receiver)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    pems = requests.get(cloudtasks.admin.certs_url, timeout=5).json()
    (jwk,) = requests.get(cloudtasks.admin.jwks_url, timeout=5).json()["keys"]
    discovery = requests.get(
        cloudtasks.admin.base_url + "/.well-known/openid-configuration", timeout=5
    ).json()

    key = x509.load_pem_x509_certificate(pems[header["kid"]].encode()).public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    public = key.public_numbers()
    assert header["alg"] == jwk["alg"] == "RS256"
    assert jwk["kid"] == header["kid"]
    assert _b64_int(jwk["n"]) == public.n
    assert _b64_int(jwk["e"]) == public.e
    assert discovery["issuer"] == ISSUER
    assert discovery["jwks_uri"] == cloudtasks.admin.jwks_url


def _b64_int(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")
