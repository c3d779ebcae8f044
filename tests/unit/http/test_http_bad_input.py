"""Every item of the issue's "Bad input" list, through the WSGI app: a clear refusal, and
nothing stored changes (the storage applies no write at all)."""

from __future__ import annotations

import pytest
from calsync.http.entry import ENTRY_POINTS

from tests.unit.services.harness import Api, World, state_of

LUNCH = {"type": "lunch", "start": "2031-03-04T12:00:00Z", "end": "2031-03-04T13:00:00Z"}


def _routes(*names: str) -> list[tuple[str, str]]:
    """(method, path) of every route of the entry points, with {id} for the ids."""
    found = []
    for name in names:
        for route in ENTRY_POINTS[name].routes:
            path = route.path.replace("<account_id>", "{id}").replace("<activity_id>", "{id}")
            found += [(method, path) for method in route.methods]
    return found


BEARER_ROUTES = [("POST", "/oauth/start"), ("POST", "/oauth/confirm"),
                 *_routes("accounts", "activities")]  # fmt: skip
ACCOUNT_ROUTES = [r for r in _routes("accounts") if "{id}" in r[1]]
ACTIVITY_ROUTES = [r for r in _routes("activities") if "{id}" in r[1]]
BODY_ROUTES = [r for r in BEARER_ROUTES if r[0] in ("POST", "PATCH")]


@pytest.fixture
def demo_account(world: World) -> str:
    return world.start(world.demo, "demo@gmail.test").id


@pytest.fixture
def demo_activity(world: World) -> str:
    return world.services.activities.create(world.demo, LUNCH).id


def test_invalid_settings_are_400_naming_each_field(
    api: Api, world: World, demo_account: str
) -> None:
    writes = world.writes()
    body = {"sync_type": "sideways", "export_types": ["karaoke"], "calendar_id": 7, "x": 1}
    for method, path in (("PATCH", "settings"), ("POST", "start")):
        answer = api(method, f"/accounts/{demo_account}/{path}", json=body)
        assert answer.status_code == 400
        assert answer.json["error"]["code"] == "invalid_input"
        assert set(answer.json["error"]["fields"]) == {"sync_type", "calendar_id", "x"}
    answer = api("PATCH", f"/accounts/{demo_account}/settings", json={"export_types": ["karaoke"]})
    assert set(answer.json["error"]["fields"]) == {"export_types"}
    assert world.writes() == writes


def test_invalid_activities_are_400_naming_each_field(
    api: Api, world: World, demo_activity: str
) -> None:
    writes = world.writes()
    body = {**LUNCH, "type": "karaoke", "end": "yesterday", "attendees": ["nope"], "busy": "?"}
    created = api("POST", "/activities", json=body)
    assert created.status_code == 400
    assert set(created.json["error"]["fields"]) == {"type", "end", "attendees", "busy"}
    patched = api("PATCH", f"/activities/{demo_activity}", json={"type": "karaoke"})
    assert (patched.status_code, set(patched.json["error"]["fields"])) == (400, {"type"})
    assert world.writes() == writes


@pytest.mark.parametrize(("method", "path"), ACCOUNT_ROUTES)
def test_another_users_account_is_404(
    api: Api, world: World, demo_account: str, method: str, path: str
) -> None:
    writes = world.writes()
    body = {} if method in ("POST", "PATCH") else None
    for intruder in ("bob", "eve"):
        answer = api(method, path.format(id=demo_account), user=intruder, json=body)
        assert answer.status_code == 404, (method, path)
        assert answer.json["error"]["code"] == "not_found"
    assert world.writes() == writes


@pytest.mark.parametrize(("method", "path"), ACTIVITY_ROUTES)
def test_another_users_activity_is_404(
    api: Api, world: World, demo_activity: str, method: str, path: str
) -> None:
    writes = world.writes()
    body = {"subject": "mine now"} if method == "PATCH" else None
    for intruder in ("bob", "eve"):
        answer = api(method, path.format(id=demo_activity), user=intruder, json=body)
        assert answer.status_code == 404, (method, path)
    assert world.writes() == writes


@pytest.mark.parametrize(("method", "path"), BEARER_ROUTES)
def test_missing_or_bad_bearer_tokens_are_401(
    api: Api, world: World, demo_account: str, method: str, path: str
) -> None:
    writes = world.writes()
    expired = world.signer.sign({"iss": "calsync-test", "aud": "calsync", "sub": "u-demo",
                                 "company_id": "c1", "email": "demo@example.com",
                                 "iat": 1_000_000_000, "exp": 1_000_000_600})  # fmt: skip
    for headers in (
        {},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": f"Bearer {expired}"},
    ):
        answer = api(method, path.format(id=demo_account), user=None, headers=headers, json={})
        assert answer.status_code == 401, (method, path, headers)
    assert world.writes() == writes


def test_a_forged_webhook_is_401_and_enqueues_nothing(
    api: Api, world: World, demo_account: str
) -> None:
    channel = world.account(demo_account).channel
    assert channel is not None
    world.queue.take()
    writes = world.writes()
    headers = {"X-Goog-Channel-ID": channel.id, "X-Goog-Channel-Token": "guessed",
               "X-Goog-Resource-State": "exists"}  # fmt: skip
    answer = api("POST", "/webhooks/google", user=None, headers=headers)
    assert answer.status_code == 401
    assert world.queue.pending == []
    assert world.writes() == writes


@pytest.mark.parametrize("trouble", ["tampered_state", "tampered_code", "expired", "replayed"])
def test_bad_oauth_callbacks_create_or_change_no_account(
    api: Api, world: World, trouble: str
) -> None:
    existing = world.connect(world.demo, "demo@gmail.test")
    url = world.services.connect.start(
        world.demo, {"provider": "google", "email": "demo@gmail.test"}
    )
    state, code = state_of(url), world.oauth.approve(url)
    if trouble == "replayed":
        api("GET", f"/oauth/callback?state={state}&code={code}", user=None)
    if trouble == "expired":
        world.later(minutes=11)
    state = state + "x" if trouble == "tampered_state" else state
    code = code + "x" if trouble == "tampered_code" else code
    before = world.account(existing.id)
    answer = api("GET", f"/oauth/callback?state={state}&code={code}", user=None)
    assert answer.status_code == 302
    assert "error=" in answer.headers["Location"]
    assert world.account(existing.id) == before
    assert [a.id for a in world.services.accounts.for_user(world.demo)] == [existing.id]


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_oversized_bodies_are_413(
    api: Api, world: World, demo_account: str, method: str, path: str
) -> None:
    writes = world.writes()
    big = {"subject": "x" * (world.settings.max_body_bytes + 1)}
    answer = api(method, path.format(id=demo_account), json=big)
    assert answer.status_code == 413
    assert world.writes() == writes
