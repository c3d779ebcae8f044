"""A second simulator started without ``--auto-consent`` and with short code and refresh-token
lifetimes (``--code-ttl``, ``--refresh-token-ttl``)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from emulators import launch
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import Request as AuthRequest
from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import Flow
from oauthlib.oauth2.rfc6749.errors import InvalidGrantError

from tests.fixtures.google import CALENDAR_SCOPE

CLIENT_ID = "calsync-local.apps.googleusercontent.com"
CLIENT_SECRET = "calsync-local-secret"  # the simulator's public, test-only default client
REDIRECT_URI = "http://127.0.0.1:9/callback"
EMAIL = "erin@example.com"
LIFETIME = 2

pytestmark = pytest.mark.usefixtures("oauthlib_local")


@pytest.fixture(scope="module")
def manual_server() -> Iterator[launch.RunningServer]:
    server = launch.start(
        "emulators.google",
        "--code-ttl",
        str(LIFETIME),
        "--refresh-token-ttl",
        str(LIFETIME),
    )
    yield server
    assert "unexpected failure" not in server.output(), server.output()
    server.stop()


def _flow(url: str) -> Flow:
    config = {
        "web": {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "auth_uri": f"{url}/o/oauth2/v2/auth",
            "token_uri": f"{url}/token",
            "redirect_uris": [REDIRECT_URI],
        }
    }
    return Flow.from_client_config(config, scopes=[CALENDAR_SCOPE], redirect_uri=REDIRECT_URI)


def _allow(url: str, authorization_url: str) -> str:
    """What a person does on the consent page: sign in as EMAIL and press Allow."""
    params = {k: v[0] for k, v in parse_qs(urlsplit(authorization_url).query).items()}
    answer = requests.post(
        f"{url}/o/oauth2/v2/auth/decision",
        data={**params, "email": EMAIL, "decision": "allow"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    return parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]


def test_consent_page_is_shown_even_with_a_login_hint(manual_server: launch.RunningServer) -> None:
    url = manual_server.url
    authorization_url, _ = _flow(url).authorization_url(login_hint=EMAIL)
    page = requests.get(authorization_url, allow_redirects=False, timeout=10)
    assert page.status_code == 200
    assert "<form" in page.text
    assert f'value="{EMAIL}"' in page.text
    assert "Location" not in page.headers


def test_codes_and_refresh_tokens_expire_after_their_lifetimes(
    manual_server: launch.RunningServer,
) -> None:
    url = manual_server.url
    fresh = _flow(url)
    fresh_url, _ = fresh.authorization_url(access_type="offline", login_hint=EMAIL)
    token = fresh.fetch_token(code=_allow(url, fresh_url))
    credentials = Credentials(
        token=None,
        refresh_token=token["refresh_token"],
        token_uri=f"{url}/token",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    credentials.refresh(AuthRequest())
    assert credentials.token
    stale = _flow(url)
    stale_url, _ = stale.authorization_url(login_hint=EMAIL)
    code = _allow(url, stale_url)
    time.sleep(LIFETIME + 0.2)
    with pytest.raises(InvalidGrantError):
        stale.fetch_token(code=code)
    with pytest.raises(RefreshError, match="invalid_grant"):
        credentials.refresh(AuthRequest())
