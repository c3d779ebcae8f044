"""The Google adapter's authorization on the simulator: token refreshes reported to calsync,
dead grants failing at once, missing scopes; and GoogleOAuthClient's consent flow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from calsync.domain import Credentials
from calsync.errors import ProviderAuthError, ProviderUnavailable
from calsync.ports import CreateEvent, DeleteEvent, Outcome
from calsync.providers.google_oauth import APP_CREATED, CALENDAR_LIST, EVENTS_OWNED, SCOPES
from pydantic import SecretStr

from tests.contract.google_driver import consent, oauth_client, pkce_pair
from tests.fixtures.google import GoogleSim
from tests.integration.google_helpers import ID, fields
from tests.integration.google_world import GoogleRig

# -- refreshing ---------------------------------------------------------------------------------


def test_an_expired_access_token_is_refreshed_and_reported(rig: GoogleRig) -> None:
    assert rig.sim.expire_tokens(rig.calendar_id) >= 1
    assert rig.provider.calendars()
    [refreshed] = rig.refreshed
    old = rig.credentials
    assert refreshed.access_token is not None
    assert old.access_token is not None
    assert refreshed.access_token.get_secret_value() != old.access_token.get_secret_value()
    assert refreshed.refresh_token == old.refresh_token
    assert refreshed.expires_at is not None
    assert refreshed.expires_at > datetime.now(UTC)
    assert refreshed.scopes == old.scopes
    assert rig.sim.stats()["statuses"]["calendarList.list"] == {"401": 1, "200": 1}


def test_a_batch_refreshes_too(rig: GoogleRig) -> None:
    rig.sim.expire_tokens(rig.calendar_id)
    [result] = rig.provider.write(rig.calendar_id, [CreateEvent(ID, fields(), "a1")])
    assert result.outcome is Outcome.OK
    assert len(rig.refreshed) == 1
    assert rig.sim.stats()["statuses"]["events.insert"] == {"401": 1, "200": 1}


def test_a_token_known_to_be_expired_is_refreshed_before_the_call(rig: GoogleRig) -> None:
    past = datetime.now(UTC) - timedelta(minutes=1)
    stale = Credentials(
        access_token=SecretStr("long-gone"),
        refresh_token=rig.credentials.refresh_token,
        expires_at=past,
    )
    provider = rig.connector.open(rig.account, stale, rig.refreshed.append)
    provider.calendars()
    assert len(rig.refreshed) == 1
    assert rig.sim.stats()["statuses"]["calendarList.list"] == {"200": 1}


def test_a_revoked_grant_fails_at_once_without_a_retry_storm(rig: GoogleRig) -> None:
    rig.sim.revoke_user(rig.calendar_id)
    with pytest.raises(ProviderAuthError):
        rig.provider.calendars()
    with pytest.raises(ProviderAuthError):
        rig.provider.write(rig.calendar_id, [DeleteEvent("crm0abcdef12345")])
    requests_made = rig.sim.stats()["requests"]
    assert requests_made["oauth.token"] == 2  # one refresh attempt per call, no retries
    assert requests_made["calendarList.list"] == 1


def test_a_token_endpoint_outage_is_transient_not_a_dead_grant(rig: GoogleRig) -> None:
    rig.sim.expire_tokens(rig.calendar_id)
    rig.sim.set_faults({"methods": {"oauth.token": {"failNext": [503] * 3}}})
    with pytest.raises(ProviderUnavailable):
        rig.provider.calendars()  # google-auth tried three times (with its own back-off)
    assert rig.sim.stats()["requests"]["oauth.token"] == 3
    rig.sim.clear_faults()
    assert rig.provider.calendars()


def test_a_grant_without_a_needed_scope_needs_reconnecting(rig: GoogleRig) -> None:
    read_only = rig.sim.access_token(rig.calendar_id, [_scope("calendar.readonly")])
    weak = Credentials(access_token=SecretStr(read_only), refresh_token=SecretStr("unused"))
    provider = rig.connector.open(rig.account, weak, rig.refreshed.append)
    assert provider.calendars()  # reading the list is allowed
    with pytest.raises(ProviderAuthError):
        provider.write(rig.calendar_id, [DeleteEvent("crm0abcdef12345")])


def _scope(name: str) -> str:
    return f"https://www.googleapis.com/auth/{name}"


# -- GoogleOAuthClient --------------------------------------------------------------------------


def test_the_authorization_url_asks_for_what_calsync_needs(google: GoogleSim) -> None:
    url = oauth_client(google).authorization_url(
        state="s1", code_challenge="c" * 43, login_hint="ann@example.com"
    )
    assert url.startswith(google.auth_uri + "?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query == {
        "client_id": google.client_id,
        "redirect_uri": google.redirect_uri,
        "response_type": "code",
        "scope": " ".join(SCOPES),
        "access_type": "offline",
        "prompt": "consent",
        "include_granted_scopes": "true",
        "state": "s1",
        "code_challenge": "c" * 43,
        "code_challenge_method": "S256",
        "login_hint": "ann@example.com",
    }
    assert {EVENTS_OWNED, CALENDAR_LIST, APP_CREATED} <= set(SCOPES)
    assert _scope("calendar") not in SCOPES


def test_an_exchange_gives_tokens_and_the_verified_email(google: GoogleSim) -> None:
    grant = consent(oauth_client(google), "Dee@Example.com")
    assert grant.email == "dee@example.com"
    credentials = grant.credentials
    assert credentials.refresh_token.get_secret_value()
    assert credentials.expires_at is not None
    assert credentials.expires_at > datetime.now(UTC) + timedelta(minutes=50)
    assert {EVENTS_OWNED, CALENDAR_LIST, APP_CREATED} <= set(credentials.scopes)


def test_without_openid_the_email_comes_from_userinfo(google: GoogleSim) -> None:
    client = oauth_client(google, scopes=("email", EVENTS_OWNED, CALENDAR_LIST))
    assert consent(client, "eve@example.com").email == "eve@example.com"
    assert google.stats()["requests"]["oauth.userinfo_openid"] == 1


def test_a_grant_without_calendar_access_is_refused(google: GoogleSim) -> None:
    client = oauth_client(google, scopes=("openid", "email", CALENDAR_LIST))
    with pytest.raises(ProviderAuthError, match=r"calendar\.events\.owned"):
        consent(client, "fay@example.com")


def test_a_wrong_verifier_or_a_replayed_code_is_refused(google: GoogleSim) -> None:
    client = oauth_client(google)
    verifier, challenge = pkce_pair()
    url = client.authorization_url(state="s", code_challenge=challenge, login_hint="gil@ex.com")
    location = requests.get(url, allow_redirects=False, timeout=30).headers["Location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    with pytest.raises(ProviderAuthError, match="invalid_grant"):
        client.exchange(code, verifier + "x")
    assert client.exchange(code, verifier).email == "gil@ex.com"
    with pytest.raises(ProviderAuthError, match="invalid_grant"):
        client.exchange(code, verifier)  # Google's codes are single use


def test_revoking_ends_the_grant_and_can_be_repeated(rig: GoogleRig) -> None:
    client = oauth_client(rig.sim)
    client.revoke(rig.credentials)
    rig.sim.expire_tokens(rig.calendar_id)
    with pytest.raises(ProviderAuthError):
        rig.provider.calendars()
    client.revoke(rig.credentials)  # an unknown token counts as revoked
