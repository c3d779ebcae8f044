"""How the HTTP layer answers when things go wrong: always JSON, never a leak."""

from __future__ import annotations

import io
import logging

import pytest
from calsync.services.accounts import AccountService

from tests.unit.services.harness import Api, World


def test_unknown_routes_are_json_404(api: Api) -> None:
    for path in ("/accounts/a/b/c", "/nowhere", "/webhooks/outlook"):
        answer = api("GET", path)
        assert answer.status_code == 404
        assert answer.json == {"error": {"code": "not_found", "message": "no such route"}}


def test_wrong_methods_are_json_405_with_allow(api: Api) -> None:
    answer = api("PUT", "/accounts/abc/settings")
    assert answer.status_code == 405
    assert answer.json["error"]["code"] == "method_not_allowed"
    assert set(answer.headers["Allow"].split(", ")) == {"GET", "HEAD", "PATCH"}
    assert api("GET", "/worker", user=None).status_code == 405


@pytest.mark.parametrize(
    ("data", "field"),
    [(b"{not json", "body"), (b"[1, 2]", "body"), (b"\xff\xfe", "body"), (b"", "body")],
)
def test_bodies_that_are_not_a_json_object_are_400(api: Api, data: bytes, field: str) -> None:
    answer = api("POST", "/activities", data=data, content_type="application/json")
    assert answer.status_code == 400
    assert field in answer.json["error"]["fields"]


def test_oversized_bodies_are_413_declared_or_not(api: Api, world: World) -> None:
    limit = world.settings.max_body_bytes
    big = b'{"subject": "' + b"x" * limit + b'"}'
    assert api("POST", "/activities", data=big).status_code == 413
    streamed = api(
        "POST",
        "/activities",
        input_stream=io.BytesIO(big),
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert streamed.status_code == 413
    assert streamed.json["error"]["code"] == "payload_too_large"


def test_unexpected_errors_are_a_generic_500_logged_without_secrets(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "very-" + "secret"

    def explode(self: AccountService, user: object) -> None:
        raise RuntimeError(f"refresh_token=1//{secret}")

    monkeypatch.setattr(AccountService, "for_user", explode)
    with caplog.at_level(logging.ERROR):
        answer = api("GET", "/accounts")
    assert answer.status_code == 500
    assert answer.json == {"error": {"code": "internal", "message": "internal error"}}
    assert "RuntimeError" in caplog.text
    assert "very-secret" not in caplog.text


def test_missing_and_bad_bearer_tokens_are_401(api: Api, world: World) -> None:
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer forged.x.y"}):
        answer = api("GET", "/accounts", user=None, headers=headers)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"] == "Bearer"
        assert answer.json["error"]["code"] == "unauthenticated"


def test_cors_for_the_frontend_origin_only(api: Api) -> None:
    origin = {"Origin": "https://crm.example.com"}
    preflight = api(
        "OPTIONS", "/accounts/abc/settings", user=None,
        headers={**origin, "Access-Control-Request-Method": "PATCH"},
    )  # fmt: skip
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://crm.example.com"
    assert "PATCH" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    answer = api("GET", "/accounts", headers=origin)
    assert answer.headers["Access-Control-Allow-Origin"] == "https://crm.example.com"
    stranger = api("GET", "/accounts", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in stranger.headers
    assert api("OPTIONS", "/webhooks/google", user=None, headers=origin).status_code == 405


def test_routes_match_whether_or_not_the_function_name_is_in_the_path(world: World) -> None:
    from calsync.http.entry import ENTRY_POINTS
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    token = world.token(world.demo)
    for path in ("/accounts", "/", ""):
        environ = EnvironBuilder(path=path or "/", headers={"Authorization": f"Bearer {token}"})
        answer = ENTRY_POINTS["accounts"].handle(world.services, Request(environ.get_environ()))
        assert answer.status_code == 200, path
