"""Connecting an account: OAuth state + PKCE, single use, bound to the user; refusals change
nothing."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from calsync.auth.tokens import code_challenge
from calsync.domain.account import AccountStatus
from calsync.errors import InvalidInput, NotFound, OAuthRefused
from calsync.services.connect import CallbackParams

from tests.unit.services.harness import World, state_of


def _start(world: World, email: str = "demo@gmail.test") -> str:
    return world.services.connect.start(world.demo, {"provider": "google", "email": email})


def test_start_gives_a_consent_url_with_state_s256_challenge_and_login_hint(world: World) -> None:
    url = _start(world)
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["login_hint"] == ["demo@gmail.test"]
    pending = world.storage.session().oauth_states.get(query["state"][0])
    assert pending is not None
    assert (pending.company_id, pending.user_id) == ("c1", "u-demo")
    assert pending.expires_at == world.clock.now() + timedelta(minutes=10)
    # The verifier is stored sealed, never in clear, and matches the challenge sent.
    verifier = world.keyring.decrypt(
        __import__("base64").b64decode(pending.sealed_code_verifier),
        context=f"oauth_states/{pending.state}",
    ).decode()
    assert verifier not in pending.model_dump_json()
    assert code_challenge(verifier) == query["code_challenge"][0]


def test_callback_creates_a_ready_to_connect_account_with_sealed_tokens(world: World) -> None:
    account = world.connect(world.demo, "Demo@Gmail.test")
    assert account.status is AccountStatus.READY_TO_CONNECT
    assert (account.company_id, account.user_id, account.email) == (
        "c1",
        "u-demo",
        "demo@gmail.test",
    )
    sealed = world.storage.session().credentials.get(account.id)
    assert sealed is not None
    credentials = world.services.context.vault.unseal(account.id, sealed)
    assert credentials.refresh_token.get_secret_value().encode() not in sealed


def test_a_state_is_single_use(world: World) -> None:
    url = _start(world)
    code = world.oauth.approve(url)
    params = CallbackParams(state=state_of(url), code=code, error=None)
    first = world.services.connect.callback(params)
    writes = world.writes()
    with pytest.raises(OAuthRefused) as refused:
        world.services.connect.callback(params)
    assert refused.value.reason == "invalid_state"
    assert world.writes() == writes
    assert [a.id for a in world.services.accounts.for_user(world.demo)] == [first.account_id]


def test_an_expired_state_is_refused_and_creates_nothing(world: World) -> None:
    url = _start(world)
    code = world.oauth.approve(url)
    world.later(minutes=11)
    with pytest.raises(OAuthRefused) as refused:
        world.services.connect.callback(CallbackParams(state_of(url), code, None))
    assert refused.value.reason == "expired_state"
    assert world.services.accounts.for_user(world.demo) == []
    assert world.oauth.exchanges == 0  # the code was never even redeemed


@pytest.mark.parametrize("state", ["forged", "", "x" * 500])
def test_a_forged_state_is_refused(world: World, state: str) -> None:
    url = _start(world)
    code = world.oauth.approve(url)
    with pytest.raises(OAuthRefused):
        world.services.connect.callback(CallbackParams(state, code, None))
    assert world.services.accounts.for_user(world.demo) == []


def test_a_tampered_code_is_refused_and_the_state_is_spent(world: World) -> None:
    url = _start(world)
    world.oauth.approve(url)
    with pytest.raises(OAuthRefused) as refused:
        world.services.connect.callback(CallbackParams(state_of(url), "tampered", None))
    assert refused.value.reason == "invalid_grant"
    assert world.services.accounts.for_user(world.demo) == []
    assert world.storage.session().oauth_states.get(state_of(url)) is None


def test_a_code_from_another_consent_fails_the_pkce_check(world: World) -> None:
    mine, theirs = _start(world), _start(world, "other@gmail.test")
    their_code = world.oauth.approve(theirs)
    world.oauth.approve(mine)
    with pytest.raises(OAuthRefused) as refused:
        world.services.connect.callback(CallbackParams(state_of(mine), their_code, None))
    assert refused.value.reason == "invalid_grant"
    assert world.services.accounts.for_user(world.demo) == []


def test_denied_consent_is_reported_and_creates_nothing(world: World) -> None:
    url = _start(world)
    error = world.oauth.deny(url)
    with pytest.raises(OAuthRefused) as refused:
        world.services.connect.callback(CallbackParams(state_of(url), None, error))
    assert refused.value.reason == "access_denied"
    assert world.services.accounts.for_user(world.demo) == []


def test_connecting_the_same_email_again_refreshes_the_account(world: World) -> None:
    first = world.connect(world.demo, "demo@gmail.test")
    before = world.storage.session().credentials.get(first.id)
    again = world.connect(world.demo, "demo@gmail.test")
    assert again.id == first.id
    assert world.storage.session().credentials.get(first.id) != before
    # new tokens, new version: no process keeps serving the old ones from its cache
    assert (first.credentials_version, again.credentials_version) == (1, 2)
    assert len(world.services.accounts.for_user(world.demo)) == 1


def test_reauthorizing_a_needs_reauth_account_makes_it_ready_with_its_settings(
    world: World,
) -> None:
    account = world.start(world.demo, "demo@gmail.test", sync_type="one_way")
    world.calendar.revoke("demo@gmail.test")
    world.services.context.record_needs_reauth(account.id)
    url = world.services.connect.start(world.demo, {"provider": "google", "account_id": account.id})
    assert parse_qs(urlsplit(url).query)["login_hint"] == ["demo@gmail.test"]
    code = world.oauth.approve(url)
    world.services.connect.callback(CallbackParams(state_of(url), code, None))
    refreshed = world.account(account.id)
    assert refreshed.status is AccountStatus.READY_TO_CONNECT
    assert refreshed.credentials_version == account.credentials_version + 1
    assert refreshed.error is None
    assert refreshed.settings is not None
    assert refreshed.settings.sync_type.value == "one_way"
    assert refreshed.sync.window_start == account.sync.window_start


def test_reauthorizing_with_another_google_account_is_refused(world: World) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    url = world.services.connect.start(world.demo, {"provider": "google", "account_id": account.id})
    code = world.oauth.approve(url, "someone-else@gmail.test")
    with pytest.raises(OAuthRefused) as refused:
        world.services.connect.callback(CallbackParams(state_of(url), code, None))
    assert refused.value.reason == "wrong_account"
    assert world.account(account.id) == account
    assert world.oauth.revoked_tokens, "the unused grant is revoked"


def test_reauthorizing_another_users_account_is_not_found(world: World) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    with pytest.raises(NotFound):
        world.services.connect.start(world.bob, {"provider": "google", "account_id": account.id})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"provider": "outlook"}, "provider"),
        ({}, "provider"),
        ({"provider": "google", "email": "not-an-email"}, "email"),
        ({"provider": "google", "extra": 1}, "extra"),
    ],
)
def test_start_refuses_bad_requests_naming_the_field(
    world: World, body: dict[str, object], field: str
) -> None:
    writes = world.writes()
    with pytest.raises(InvalidInput) as refused:
        world.services.connect.start(world.demo, body)
    assert field in refused.value.fields
    assert world.writes() == writes


@pytest.mark.parametrize(("minutes", "accepted"), [(9, True), (11, False)])
def test_a_state_lives_ten_minutes(world: World, minutes: int, accepted: bool) -> None:
    url = world.services.connect.start(world.demo, {"provider": "google", "email": "d@gmail.test"})
    code = world.oauth.approve(url)
    world.clock.advance(timedelta(minutes=minutes))
    params = CallbackParams(state_of(url), code, None)
    if accepted:
        assert world.account(world.services.connect.callback(params).account_id).email
        return
    with pytest.raises(OAuthRefused) as refused:
        world.services.connect.callback(params)
    assert refused.value.reason == "expired_state"
    assert world.services.accounts.for_user(world.demo) == []
