"""OAuth 2.0 through google-auth-oauthlib's Flow and google-auth's Credentials."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import google.auth.transport.requests
import pytest
import requests
from emulators import launch
from google.auth.exceptions import RefreshError
from google.oauth2 import id_token
from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import Flow
from googleapiclient.errors import HttpError

from tests.fixtures.google import CALENDAR_SCOPE, GoogleSim

EMAIL = "bob@example.com"
OPENID = ["openid", "https://www.googleapis.com/auth/userinfo.email", CALENDAR_SCOPE]


pytestmark = pytest.mark.usefixtures("oauthlib_local")


def _flow(google: GoogleSim, scopes: list[str] = OPENID) -> Flow:
    config = {
        "web": {
            "client_id": google.client_id,
            "client_secret": google.client_secret,
            "auth_uri": google.auth_uri,
            "token_uri": google.token_uri,
            "redirect_uris": [google.redirect_uri],
        }
    }
    return Flow.from_client_config(config, scopes=scopes, redirect_uri=google.redirect_uri)


def _consent(url: str) -> dict[str, list[str]]:
    response = requests.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    return parse_qs(urlsplit(response.headers["Location"]).query)


def _token_call(google: GoogleSim, **form: str) -> requests.Response:
    base = {"client_id": google.client_id, "client_secret": google.client_secret}
    return requests.post(google.token_uri, data={**base, **form}, timeout=10)


def test_full_code_flow_with_pkce(google: GoogleSim) -> None:
    flow = _flow(google)
    url, state = flow.authorization_url(access_type="offline", prompt="consent", login_hint=EMAIL)
    assert "code_challenge_method=S256" in url
    redirect = _consent(url)
    assert redirect["state"] == [state]
    token = flow.fetch_token(code=redirect["code"][0])
    assert token["refresh_token"]
    assert token["expires_in"] == 3599
    assert set(token["scope"]) == set(OPENID)
    claims = id_token.verify_token(
        token["id_token"],
        google_auth_request(),
        audience=google.client_id,
        certs_url=google.certs_url,
    )
    assert claims["iss"] == "https://accounts.google.com"
    assert claims["email"] == EMAIL
    assert claims["email_verified"] is True
    calendars = google.service(credentials=flow.credentials).calendarList().list().execute()
    assert [entry["id"] for entry in calendars["items"]] == [EMAIL]
    info = requests.get(
        f"{google.url}/v1/userinfo",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    ).json()
    assert info["email"] == EMAIL
    assert info["sub"] == claims["sub"]


def google_auth_request() -> google.auth.transport.requests.Request:
    return google.auth.transport.requests.Request()


def test_pkce_verifier_is_checked(google: GoogleSim) -> None:
    flow = _flow(google)
    url, _ = flow.authorization_url(access_type="offline", login_hint=EMAIL)
    code = _consent(url)["code"][0]
    common = {"grant_type": "authorization_code", "code": code, "redirect_uri": google.redirect_uri}
    missing = _token_call(google, **common)
    assert missing.status_code == 400
    assert missing.json() == {
        "error": "invalid_grant",
        "error_description": "Missing code verifier.",
    }
    wrong = _token_call(google, **common, code_verifier="x" * 43)
    assert wrong.json()["error"] == "invalid_grant"
    right = _token_call(google, **common, code_verifier=flow.code_verifier)
    assert right.status_code == 200
    assert "access_token" in right.json()


def test_codes_are_single_use_and_replay_revokes_the_grant(google: GoogleSim) -> None:
    code = google.authorization_code(EMAIL, [CALENDAR_SCOPE])
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": google.redirect_uri}
    first = _token_call(google, **form).json()
    replay = _token_call(google, **form)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    refresh = _token_call(google, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert refresh.json()["error"] == "invalid_grant"


def test_redirect_uri_must_match(google: GoogleSim) -> None:
    page = requests.get(
        google.auth_uri,
        params={
            "client_id": google.client_id,
            "redirect_uri": "http://evil.example/cb",
            "response_type": "code",
            "scope": CALENDAR_SCOPE,
            "login_hint": EMAIL,
        },
        allow_redirects=False,
        timeout=10,
    )
    assert page.status_code == 400
    assert "redirect_uri_mismatch" in page.text
    code = google.authorization_code(EMAIL, [CALENDAR_SCOPE])
    other = _token_call(
        google,
        grant_type="authorization_code",
        code=code,
        redirect_uri="http://localhost:8080/other",
    )
    assert other.json()["error"] == "redirect_uri_mismatch"


def test_client_authentication(google: GoogleSim) -> None:
    unknown = requests.post(
        google.token_uri,
        timeout=10,
        data={
            "client_id": "nobody",
            "client_secret": "x",
            "grant_type": "refresh_token",
            "refresh_token": "r",
        },
    )
    assert unknown.status_code == 401
    assert unknown.json()["error"] == "invalid_client"
    wrong = _token_call(
        google, client_secret="wrong", grant_type="refresh_token", refresh_token="r"
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    odd = _token_call(google, grant_type="password")
    assert odd.status_code == 400
    assert odd.json()["error"] == "unsupported_grant_type"


def test_refresh_returns_a_new_access_token_and_no_refresh_token(google: GoogleSim) -> None:
    original = google.oauth_credentials(EMAIL)
    credentials = Credentials(
        token=None,
        refresh_token=original.refresh_token,
        token_uri=google.token_uri,
        client_id=google.client_id,
        client_secret=google.client_secret,
    )
    credentials.refresh(google_auth_request())
    assert credentials.token
    assert credentials.token != original.token
    assert credentials.refresh_token == original.refresh_token
    raw = _token_call(google, grant_type="refresh_token", refresh_token=original.refresh_token)
    assert "refresh_token" not in raw.json()
    assert raw.json()["token_type"] == "Bearer"
    google.service(credentials=credentials).calendarList().list().execute()


def test_revoked_refresh_token_gets_invalid_grant(google: GoogleSim) -> None:
    credentials = google.oauth_credentials(EMAIL)
    assert google.revoke_user(EMAIL)["revoked"]["refreshTokens"] == 1
    with pytest.raises(RefreshError, match="invalid_grant"):
        credentials.refresh(google_auth_request())
    denied = requests.get(
        f"{google.url}/calendar/v3/users/me/calendarList",
        timeout=10,
        headers={"Authorization": f"Bearer {credentials.token}"},
    )
    assert denied.status_code == 401


def test_revocation_endpoint(google: GoogleSim) -> None:
    credentials = google.oauth_credentials(EMAIL)
    assert requests.post(google.revoke_uri, data={"token": credentials.token}, timeout=10).ok
    with pytest.raises(RefreshError, match="invalid_grant"):
        credentials.refresh(google_auth_request())
    again = requests.post(google.revoke_uri, data={"token": credentials.token}, timeout=10)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_token"


def test_expired_access_token_is_refreshed_by_the_client(google: GoogleSim) -> None:
    credentials = google.oauth_credentials(EMAIL)
    service = google.service(credentials=credentials)
    first = credentials.token
    assert google.expire_tokens(EMAIL) == 1
    service.calendarList().list().execute()
    assert credentials.token != first
    assert google.stats()["statuses"]["calendarList.list"] == {"401": 1, "200": 1}


def test_access_token_lifetime_flag() -> None:
    server = launch.start("emulators.google", "--auto-consent", "--access-token-ttl", "1")
    try:
        sim = GoogleSim(server)
        sim.client_id, sim.client_secret = server.extra["client_id"], "calsync-local-secret"
        sim.redirect_uri = "http://127.0.0.1:9/callback"
        credentials = sim.oauth_credentials(EMAIL)
        assert credentials.token
        time.sleep(1.5)
        response = requests.get(
            f"{sim.url}/calendar/v3/users/me/calendarList",
            timeout=10,
            headers={"Authorization": f"Bearer {credentials.token}"},
        )
        assert response.status_code == 401
        assert response.json()["error"]["errors"][0]["reason"] == "authError"
    finally:
        server.stop()


def test_scopes_are_enforced_by_the_api(google: GoogleSim) -> None:
    google.create_user(EMAIL)
    identity_only = google.service(credentials=google.credentials(EMAIL, ["openid", "email"]))
    with pytest.raises(HttpError) as refused:
        identity_only.calendarList().list().execute()
    assert refused.value.resp.status == 403
    assert refused.value.error_details[0]["reason"] == "insufficientPermissions"
    readonly = google.credentials(EMAIL, ["https://www.googleapis.com/auth/calendar.readonly"])
    service = google.service(credentials=readonly)
    service.events().list(calendarId="primary").execute()
    with pytest.raises(HttpError) as write:
        service.events().insert(calendarId="primary", body={}).execute()
    assert write.value.resp.status == 403


def test_unknown_refresh_token_of_the_right_client_is_invalid_grant(google: GoogleSim) -> None:
    google.oauth_credentials(EMAIL)
    credentials = Credentials(
        token=None,
        refresh_token="1//sim-never-issued",
        token_uri=google.token_uri,
        client_id=google.client_id,
        client_secret=google.client_secret,
    )
    with pytest.raises(RefreshError, match="invalid_grant") as refused:
        credentials.refresh(google_auth_request())
    assert refused.value.args[1] == {
        "error": "invalid_grant",
        "error_description": "Token has been expired or revoked.",
    }


def test_no_id_token_without_the_openid_scope(google: GoogleSim) -> None:
    flow = _flow(google, scopes=[CALENDAR_SCOPE])
    url, _ = flow.authorization_url(access_type="offline", prompt="consent", login_hint=EMAIL)
    token = flow.fetch_token(code=_consent(url)["code"][0])
    assert token["access_token"]
    assert "id_token" not in token
    assert flow.credentials.id_token is None
    refreshed = _token_call(
        google, grant_type="refresh_token", refresh_token=token["refresh_token"]
    )
    assert "id_token" not in refreshed.json()
    with_openid = _flow(google)
    url, _ = with_openid.authorization_url(login_hint=EMAIL)
    assert "id_token" in with_openid.fetch_token(code=_consent(url)["code"][0])
