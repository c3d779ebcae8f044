"""The `oauth` entry point: the consent URL, the callback's redirects, the confirmation."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.unit.services.harness import Api, World, state_of


def _start(api: Api, email: str = "demo@gmail.test") -> str:
    answer = api("POST", "/oauth/start", json={"provider": "google", "email": email})
    assert answer.status_code == 200
    url: str = answer.json["authorization_url"]
    return url


def _redirect(answer: object) -> dict[str, list[str]]:
    location = answer.headers["Location"]  # type: ignore[attr-defined]
    assert location.startswith("https://crm.example.com/settings/calendar-sync?")
    return parse_qs(urlsplit(location).query)


def test_connect_end_to_end_redirects_with_the_account_id(api: Api, world: World) -> None:
    url = _start(api)
    code = world.oauth.approve(url)
    answer = api("GET", f"/oauth/callback?state={state_of(url)}&code={code}", user=None)
    assert answer.status_code == 302
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    landed = _redirect(answer)
    account_id, code = landed["account_id"][0], landed["confirmation"][0]
    assert api("GET", f"/accounts/{account_id}").json["status"] == "ready_to_connect"
    assert api("GET", f"/accounts/{account_id}").json["error"]["code"] == "unconfirmed"
    assert api("GET", f"/accounts/{account_id}/calendars").json["error"]["code"] == "unconfirmed"

    body = {"account_id": account_id, "code": code}
    assert api("POST", "/oauth/confirm", json=body, user="bob").status_code == 404
    assert api("POST", "/oauth/confirm", json=body, user=None).status_code == 401
    wrong = api("POST", "/oauth/confirm", json={**body, "code": "guess"})
    assert (wrong.status_code, set(wrong.json["error"]["fields"])) == (400, {"code"})
    confirmed = api("POST", "/oauth/confirm", json=body)
    assert (confirmed.status_code, confirmed.json["error"]) == (200, None)
    assert api("GET", f"/accounts/{account_id}/calendars").status_code == 200
    assert api("POST", "/oauth/confirm", json=body).status_code == 409


def test_reconnecting_a_confirmed_account_redirects_without_a_code(api: Api, world: World) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    url = _start(api)
    answer = api("GET", f"/oauth/callback?state={state_of(url)}&code={world.oauth.approve(url)}")
    assert _redirect(answer) == {"account_id": [account.id]}


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("state=forged&code=abc", "invalid_state"),
        ("code=abc", "invalid_request"),
        ("", "invalid_request"),
        ("state={state}&code=tampered", "invalid_grant"),
        ("state={state}&error=access_denied", "access_denied"),
        ("state={state}", "invalid_request"),
    ],
)
def test_refused_callbacks_redirect_with_a_reason_and_create_nothing(
    api: Api, world: World, query: str, reason: str
) -> None:
    url = _start(api)
    world.oauth.approve(url)
    answer = api("GET", "/oauth/callback?" + query.format(state=state_of(url)), user=None)
    assert answer.status_code == 302
    assert _redirect(answer) == {"error": [reason]}
    assert api("GET", "/accounts").json == {"accounts": []}


def test_a_replayed_callback_changes_nothing(api: Api, world: World) -> None:
    url = _start(api)
    callback = f"/oauth/callback?state={state_of(url)}&code={world.oauth.approve(url)}"
    first = api("GET", callback, user=None)
    account_id = _redirect(first)["account_id"][0]
    before = world.account(account_id)
    writes = world.writes()
    replay = api("GET", callback, user=None)
    assert _redirect(replay) == {"error": ["invalid_state"]}
    assert world.writes() == writes
    assert world.account(account_id) == before


def test_an_expired_state_is_refused(api: Api, world: World) -> None:
    url = _start(api)
    code = world.oauth.approve(url)
    world.later(minutes=11)
    answer = api("GET", f"/oauth/callback?state={state_of(url)}&code={code}", user=None)
    assert _redirect(answer) == {"error": ["expired_state"]}
    assert api("GET", "/accounts").json == {"accounts": []}


def test_the_frontend_urls_own_query_is_kept(world: World) -> None:
    from tests.unit.services.harness import settings

    other = World(settings=settings(frontend_url="https://crm.example.com/prefs?tab=calendar"))
    api = Api(other)
    answer = api("GET", "/oauth/callback?state=nope&code=x", user=None)
    location = answer.headers["Location"]
    assert parse_qs(urlsplit(location).query) == {"tab": ["calendar"], "error": ["invalid_state"]}
