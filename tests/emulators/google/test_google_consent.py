"""The authorization endpoint: consent page, auto-consent, errors, prompt, identity documents."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import requests
from cryptography import x509

from tests.fixtures.google import CALENDAR_SCOPE, GoogleSim

EMAIL = "bob@example.com"


def _token_call(google: GoogleSim, **form: str) -> requests.Response:
    base = {"client_id": google.client_id, "client_secret": google.client_secret}
    return requests.post(google.token_uri, data={**base, **form}, timeout=10)


def test_consent_page_for_a_person(google: GoogleSim) -> None:
    params = {
        "client_id": google.client_id,
        "redirect_uri": google.redirect_uri,
        "response_type": "code",
        "scope": CALENDAR_SCOPE,
        "state": "s1",
    }
    page = requests.get(google.auth_uri, params=params, timeout=10)
    assert page.status_code == 200
    assert "<form" in page.text
    assert "Allow" in page.text
    decision = f"{google.url}/o/oauth2/v2/auth/decision"
    allowed = requests.post(
        decision,
        data={**params, "email": "carol@example.com", "decision": "allow"},
        allow_redirects=False,
        timeout=10,
    )
    query = parse_qs(urlsplit(allowed.headers["Location"]).query)
    assert query["state"] == ["s1"]
    assert query["code"]
    assert google.admin("GET", "users")["users"][0]["email"] == "carol@example.com"
    denied = requests.post(
        decision, data={**params, "decision": "deny"}, allow_redirects=False, timeout=10
    )
    assert parse_qs(urlsplit(denied.headers["Location"]).query)["error"] == ["access_denied"]


def test_refresh_token_on_first_consent_or_prompt_consent_only(google: GoogleSim) -> None:
    def exchange(**extra: str) -> dict[str, str]:
        code = google.authorization_code(EMAIL, [CALENDAR_SCOPE], **extra)
        return _token_call(
            google, grant_type="authorization_code", code=code, redirect_uri=google.redirect_uri
        ).json()

    assert "refresh_token" in exchange()
    assert "refresh_token" not in exchange()
    assert "refresh_token" in exchange(prompt="consent")


def test_authorization_errors_redirect_with_state(google: GoogleSim) -> None:
    base = {
        "client_id": google.client_id,
        "redirect_uri": google.redirect_uri,
        "login_hint": EMAIL,
        "state": "st",
    }
    bad_scope = _consent_error(google, {**base, "response_type": "code", "scope": "nope"})
    assert bad_scope == {"error": ["invalid_scope"], "state": ["st"]}
    implicit = _consent_error(google, {**base, "response_type": "token", "scope": CALENDAR_SCOPE})
    assert implicit["error"] == ["unsupported_response_type"]


def _consent_error(google: GoogleSim, params: dict[str, str]) -> dict[str, list[str]]:
    response = requests.get(google.auth_uri, params=params, allow_redirects=False, timeout=10)
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    query.pop("error_description", None)
    return query


def test_prompt_none_needs_earlier_consent(google: GoogleSim) -> None:
    base = {
        "client_id": google.client_id,
        "redirect_uri": google.redirect_uri,
        "response_type": "code",
        "scope": CALENDAR_SCOPE,
        "prompt": "none",
    }
    assert _consent_error(google, base)["error"] == ["login_required"]
    first = _consent_error(google, {**base, "login_hint": EMAIL})
    assert first["error"] == ["consent_required"]
    google.authorization_code(EMAIL, [CALENDAR_SCOPE])
    silent = requests.get(
        google.auth_uri, params={**base, "login_hint": EMAIL}, allow_redirects=False, timeout=10
    )
    assert "code=" in silent.headers["Location"]


def test_include_granted_scopes_adds_earlier_grants(google: GoogleSim) -> None:
    google.authorization_code(EMAIL, [CALENDAR_SCOPE])
    code = google.authorization_code(EMAIL, ["email"], include_granted_scopes="true")
    token = _token_call(
        google, grant_type="authorization_code", code=code, redirect_uri=google.redirect_uri
    ).json()
    assert set(token["scope"].split()) == {
        CALENDAR_SCOPE,
        "https://www.googleapis.com/auth/userinfo.email",
    }


def test_identity_documents(google: GoogleSim) -> None:
    certs = requests.get(google.certs_url, timeout=10).json()
    jwks = requests.get(f"{google.url}/oauth2/v3/certs", timeout=10).json()["keys"]
    assert [key["kid"] for key in jwks] == list(certs)
    public = x509.load_pem_x509_certificate(next(iter(certs.values())).encode()).public_key()
    modulus = base64.urlsafe_b64decode(jwks[0]["n"] + "==")
    assert int.from_bytes(modulus, "big") == public.public_numbers().n  # type: ignore[union-attr]
    token = (
        google.access_token("dora@example.com") if google.create_user("dora@example.com") else ""
    )
    legacy = requests.get(
        f"{google.url}/oauth2/v2/userinfo", timeout=10, headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert legacy["email"] == "dora@example.com"
    assert legacy["verified_email"] is True
    openid = requests.get(
        f"{google.url}/oauth2/v3/userinfo", timeout=10, headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert openid["email_verified"] is True
    assert openid["sub"] == legacy["id"]
    nothing = requests.get(f"{google.url}/v1/userinfo", timeout=10)
    assert nothing.status_code == 401
