"""Bad input gets a clear refusal and changes nothing: 400 naming the fields, 404 for another
user's things, 401 for bad tokens and forged notifications, refused OAuth callbacks, 413 for
oversized bodies; never a 500 (the `tenant` fixture checks the stack's log after each test)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from calsync.auth.bearer import LocalSigner, generate_signing_key
from calsync.devstack.client import CrmClient
from calsync.domain.link import OAuthState

from tests.e2e.synced import jobs_created, meeting, settle, start_sync
from tests.fixtures.stack import Tenant


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_invalid_settings_and_activities_name_each_field(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    before = synced.crm.settings(synced.account_id)
    refused = synced.crm.request(
        "PATCH",
        f"/accounts/{synced.account_id}/settings",
        json={"sync_type": "sideways", "private_events": "maybe", "import_as_type": "A B"},
    )
    assert refused.status_code == 400
    assert {"sync_type", "private_events", "import_as_type"} <= set(
        refused.json()["error"]["fields"]
    )
    unknown_type = synced.crm.request(
        "PATCH", f"/accounts/{synced.account_id}/settings", json={"export_types": ["nope"]}
    )
    assert unknown_type.status_code == 400
    assert "export_types" in unknown_type.json()["error"]["fields"]
    wrong_calendar = synced.crm.request(
        "PATCH", f"/accounts/{synced.account_id}/settings", json={"calendar_id": "not-mine"}
    )
    assert wrong_calendar.status_code == 400
    assert "calendar_id" in wrong_calendar.json()["error"]["fields"]
    assert synced.crm.settings(synced.account_id) == before

    bad = synced.crm.request(
        "POST",
        "/activities",
        json={"type": "no such type", "subject": "x", "start": "tomorrow", "colour": "red"},
    )
    assert bad.status_code == 400
    assert {"type", "start", "end", "colour"} <= set(bad.json()["error"]["fields"])
    backwards = synced.crm.request("POST", "/activities", json=meeting("Backwards", 11, 10))
    assert backwards.status_code == 400
    assert "end" in backwards.json()["error"]["fields"]
    assert synced.activities() == []
    not_json = synced.crm.request(
        "POST", "/activities", data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 400


ZONES = ["America", "Europe", "A" * 5000]  # directories of the zone database; too long a name
OVERFLOWING = [  # instants or dates whose UTC reading falls outside what storage can hold
    {"start": "9999-12-31T22:00:00-05:00", "end": "9999-12-31T23:00:00-05:00"},
    {"start": "0001-01-01T00:00:00+05:00", "end": "0001-01-01T01:00:00+05:00"},
    {"all_day": True, "start": "9999-12-31", "end": "9999-12-31"},
]
RANGES = [
    ("0001-01-01T00:00:00+05:00", "0001-01-02T00:00:00+05:00", {"start"}),
    ("9999-12-30T00:00:00-05:00", "9999-12-31T23:00:00-05:00", {"start", "end"}),
]


def _refused(answer: requests.Response, *fields: str) -> None:
    assert answer.status_code == 400, answer.text
    assert set(fields) <= set(answer.json()["error"]["fields"]), answer.text


def test_inputs_that_once_caused_500s_are_refused_naming_the_field(tenant: Tenant) -> None:
    crm = tenant.ann
    account_id = crm.connect(tenant.google_email())
    calendars = crm.calendars(account_id)
    for timezone in ZONES:
        _refused(crm.request("POST", "/activities", json=meeting("Zone", timezone=timezone)),
                 "timezone")  # fmt: skip
        body = {"name": "Zoned", "timezone": timezone}
        _refused(crm.request("POST", f"/accounts/{account_id}/calendars", json=body), "timezone")
    for timing in OVERFLOWING:
        answer = crm.request("POST", "/activities", json={**meeting("Far"), **timing})
        _refused(answer, "start")
    for start, end, named in RANGES:
        _refused(crm.request("GET", "/activities", params={"start": start, "end": end}), *named)
    deep = b"[" * 100_000 + b"]" * 100_000
    headers = {"Content-Type": "application/json"}
    _refused(crm.request("POST", "/activities", data=deep, headers=headers), "body")
    for limit in ("\u00b2", "\u0663"):  # superscript two; Arabic-Indic three
        _refused(crm.request("GET", f"/accounts/{account_id}/conflicts?limit={limit}"), "limit")
    user = tenant.company.main
    stored = tenant.stack.storage().session().activities.for_owner(user.company_id, user.id)
    assert list(stored) == []
    assert crm.calendars(account_id) == calendars


def test_another_users_account_and_activity_are_not_found(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    activity = synced.crm.create_activity(**meeting("Ann's"))
    bob = tenant.bob
    for method, path in [
        ("GET", f"/accounts/{synced.account_id}"),
        ("GET", f"/accounts/{synced.account_id}/calendars"),
        ("PATCH", f"/accounts/{synced.account_id}/settings"),
        ("POST", f"/accounts/{synced.account_id}/stop"),
        ("POST", f"/accounts/{synced.account_id}/start"),
        ("DELETE", f"/accounts/{synced.account_id}"),
        ("GET", f"/activities/{activity['id']}"),
        ("PATCH", f"/activities/{activity['id']}"),
        ("DELETE", f"/activities/{activity['id']}"),
    ]:
        answer = bob.request(method, path, json={} if method == "PATCH" else None)
        assert answer.status_code == 404, (method, path, answer.text)
    assert synced.crm.account(synced.account_id)["status"] == "syncing"
    assert synced.crm.activity(activity["id"])["version"] == 1
    # bob connecting "for" ann's account id is refused the same way
    assert (
        bob.request(
            "POST", "/oauth/start", json={"provider": "google", "account_id": synced.account_id}
        ).status_code
        == 404
    )


def test_missing_or_bad_bearer_tokens_are_refused(tenant: Tenant) -> None:
    stack = tenant.stack
    user = tenant.company.main
    signer = stack.signer()
    now = int(time.time())
    claims = {
        "iss": signer.issuer,
        "aud": signer.audience,
        "sub": user.id,
        "company_id": user.company_id,
        "email": user.email,
    }
    tokens = {
        "garbage": "not-a-token",
        "expired": signer.sign({**claims, "iat": now - 7200, "exp": now - 3600}),
        "wrong audience": signer.sign(
            {**claims, "aud": "someone-else", "iat": now, "exp": now + 600}
        ),
        "wrong issuer": signer.sign({**claims, "iss": "evil", "iat": now, "exp": now + 600}),
        # right issuer, audience, key id and times, signed by another key
        "wrong signature": LocalSigner(
            generate_signing_key(),
            key_id=signer.key_id,
            issuer=signer.issuer,
            audience=signer.audience,
        ).sign({**claims, "iat": now, "exp": now + 600}),
    }
    url = stack.functions_url
    assert requests.get(f"{url}/accounts", timeout=30).status_code == 401
    for name, token in tokens.items():
        answer = CrmClient(url, token).request("GET", "/accounts")
        assert answer.status_code == 401, name
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    crm = CrmClient(url, stack.signer().issue(user))
    for path in ("/worker", "/fanout"):
        assert crm.request("POST", path, json={"account_id": "x"}).status_code == 401
        assert requests.post(url + path, json={}, timeout=30).status_code == 401


def test_a_forged_notification_is_refused_and_enqueues_nothing(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    settle(synced.stack)
    [channel] = [
        c
        for c in synced.stack.google_admin("GET", "channels")["channels"]
        if c["email"] == synced.google.email
    ]
    jobs = jobs_created(synced.stack)
    hook = f"{synced.stack.functions_url}/webhooks/google"
    headers = {
        "X-Goog-Channel-ID": channel["id"],
        "X-Goog-Resource-State": "exists",
        "X-Goog-Channel-Token": "forged",
        "X-Goog-Resource-ID": channel["resourceId"],
    }
    assert requests.post(hook, headers=headers, timeout=30).status_code == 401
    no_token = {k: v for k, v in headers.items() if k != "X-Goog-Channel-Token"}
    assert requests.post(hook, headers=no_token, timeout=30).status_code == 401
    unknown = {**headers, "X-Goog-Channel-ID": "unknown-channel"}
    ignored = requests.post(hook, headers=unknown, timeout=30)
    assert (ignored.status_code, ignored.json()) == (200, {"result": "ignored"})
    malformed = {**headers, "X-Goog-Channel-ID": "../../etc"}
    assert requests.post(hook, headers=malformed, timeout=30).status_code == 400
    assert jobs_created(synced.stack) == jobs


def test_a_stopped_channels_notification_is_acknowledged_and_ignored(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    settle(synced.stack)
    [channel] = [
        c
        for c in synced.stack.google_admin("GET", "channels")["channels"]
        if c["email"] == synced.google.email
    ]
    synced.crm.stop(synced.account_id)
    settle(synced.stack)
    jobs = jobs_created(synced.stack)
    headers = {
        "X-Goog-Channel-ID": channel["id"],
        "X-Goog-Channel-Token": channel["token"],  # the right token, of a stopped channel
        "X-Goog-Resource-State": "exists",
        "X-Goog-Resource-ID": channel["resourceId"],
    }
    hook = f"{synced.stack.functions_url}/webhooks/google"
    answer = requests.post(hook, headers=headers, timeout=30)
    assert (answer.status_code, answer.json()) == (200, {"result": "ignored"})
    assert jobs_created(synced.stack) == jobs
    assert synced.crm.account(synced.account_id)["status"] == "synced_previously"


def _callback_url(tenant: Tenant, email: str) -> str:
    """Consent (auto-approved) up to the redirect back to calsync, not following it."""
    url = tenant.ann.authorization_url(email)
    answer = requests.get(url, allow_redirects=False, timeout=30)
    assert answer.status_code == 302
    return answer.headers["Location"]


def _land(url: str) -> dict[str, str]:
    return _query(requests.get(url, timeout=30).url)


def test_tampered_and_replayed_oauth_callbacks_are_refused(tenant: Tenant) -> None:
    email = tenant.google_email()
    callback = _callback_url(tenant, email)
    params = _query(callback)
    base = callback.split("?")[0]
    tampered_state = f"{base}?code={params['code']}&state=made-up"
    assert _land(tampered_state) == {"error": "invalid_state"}
    assert tenant.ann.accounts() == []

    first = _land(callback)
    assert "account_id" in first
    account = tenant.ann.account(first["account_id"])
    assert _land(callback) == {"error": "invalid_state"}, "a replay finds no state"
    assert tenant.ann.accounts() == [account]

    forged = _callback_url(tenant, tenant.google_email("other"))
    forged_code = f"{base}?{urlencode({**_query(forged), 'code': '4/forged-code'})}"
    assert _land(forged_code) == {"error": "invalid_grant"}
    assert _land(forged) == {"error": "invalid_state"}, "the state was used up by the refusal"
    assert tenant.ann.accounts() == [account]
    assert _land(f"{base}?error=access_denied") == {"error": "invalid_request"}


@pytest.mark.parametrize("minutes_ago", [1, 60])
def test_an_expired_oauth_state_is_refused(tenant: Tenant, minutes_ago: int) -> None:
    callback = _callback_url(tenant, tenant.google_email())
    state = _query(callback)["state"]
    storage = tenant.stack.storage()
    pending = storage.session().oauth_states.get(state)
    assert pending is not None
    expired = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    storage.session().oauth_states.put(
        OAuthState.model_validate({**pending.model_dump(), "expires_at": expired})
    )
    assert _land(callback) == {"error": "expired_state"}
    assert tenant.ann.accounts() == []


def test_oversized_bodies_are_refused(tenant: Tenant) -> None:
    huge = meeting("Huge", public_description="x" * 300_000)
    answer = tenant.ann.request("POST", "/activities", json=huge)
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "payload_too_large"
    assert tenant.ann.activities(huge["start"], huge["end"]) == []
