"""functions/main.py as functions-framework serves it: six entry points, nothing built at import
time, everything built from CALSYNC_* settings on the first request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import functions_framework
import pytest
from calsync.auth.keyring import generate_local_key
from calsync.config import get_settings
from calsync.domain.activity import User
from calsync.http import entry

from tests.unit.services.harness import signer, signing_key

SOURCE = Path(__file__).resolve().parents[3] / "functions" / "main.py"
NAMES = ("oauth", "accounts", "activities", "webhooks", "worker", "fanout")


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    variables = {
        "CALSYNC_BEARER_SIGNING_KEY": signing_key("crm"),
        "CALSYNC_BEARER_KEY_ID": "crm-1",
        "CALSYNC_BEARER_ISSUER": "calsync-test",
        "CALSYNC_BEARER_AUDIENCE": "calsync",
        "CALSYNC_LOCAL_KEY": generate_local_key(),
        "CALSYNC_OAUTH_CLIENT_SECRET": "a-real-looking-secret",
        "CALSYNC_TASK_AUTH": "false",
    }
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    entry.forget()
    yield
    get_settings.cache_clear()
    entry.forget()


@pytest.mark.usefixtures("environment")
def test_importing_the_functions_builds_nothing_and_the_first_request_builds_all() -> None:
    apps = {name: functions_framework.create_app(name, str(SOURCE)).test_client() for name in NAMES}
    assert not entry.built()
    token = signer("crm", "calsync-test", "calsync").issue(
        User(id="u1", company_id="c1", email="u1@example.com")
    )
    auth = {"Authorization": f"Bearer {token}"}

    listed = apps["accounts"].get("/accounts", headers=auth)
    assert (listed.status_code, listed.get_json()) == (200, {"accounts": []})
    assert entry.built()

    started = apps["oauth"].post("/oauth/start", headers=auth, json={"provider": "google"})
    assert "authorization_url" in started.get_json()
    activities = apps["activities"].get("/activities", headers=auth)
    assert activities.status_code == 400  # no range given: a clear refusal, served
    ignored = apps["webhooks"].post("/webhooks/google", headers={"X-Goog-Channel-ID": "nobody"})
    assert ignored.get_json() == {"result": "ignored"}
    tick = apps["fanout"].post("/fanout")
    assert tick.status_code == 200
    assert apps["worker"].post("/worker", json={}).status_code == 400


@pytest.mark.usefixtures("environment")
def test_a_misconfigured_deployment_answers_500_without_details(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CALSYNC_STORAGE", "nowhere")
    app = functions_framework.create_app("accounts", str(SOURCE)).test_client()
    answer = app.get("/accounts")
    assert answer.status_code == 500
    assert answer.get_json() == {
        "error": {"code": "configuration", "message": "the service is misconfigured"}
    }
