"""Connecting an account: consent with the e-mail pre-filled (or typed on the consent page), the
recommended separate calendar, `ready_to_connect`, and resuming an unfinished setup."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from calsync.devstack.client import wait_for
from calsync.domain.schedule import evolve

from tests.e2e.synced import start_sync
from tests.fixtures.stack import Tenant


def test_consent_creates_a_ready_to_connect_account_with_the_email_prefilled(
    tenant: Tenant,
) -> None:
    email = tenant.google_email()
    url = tenant.ann.authorization_url(email)
    query = parse_qs(urlsplit(url).query)
    assert query["login_hint"] == [email]
    assert query["code_challenge_method"] == ["S256"]

    landed = tenant.ann.follow(url)
    assert tenant.ann.account(landed["account_id"])["error"]["code"] == "unconfirmed"
    # the frontend, on landing, confirms the new connection with the code it was given
    account = tenant.ann.confirm(landed["account_id"], landed["confirmation"])
    assert account == tenant.ann.account(landed["account_id"])
    assert account["status"] == "ready_to_connect"
    assert account["email"] == email
    assert account["settings"] is None
    assert account["last_synced_at"] is None
    assert account["error"] is None
    assert [a["id"] for a in tenant.ann.accounts()] == [account["id"]]
    assert tenant.bob.accounts() == []


def _consent_page(url: str) -> tuple[str, dict[str, str]]:
    """The consent page's form: its target and hidden fields."""
    page = requests.get(url, timeout=30)
    assert page.status_code == 200
    assert "<form" in page.text
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert action is not None
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    return urljoin(url, action.group(1)), hidden


def _decide(url: str, fields: dict[str, str]) -> dict[str, str]:
    landed = requests.post(url, data=fields, timeout=30)
    return {k: v[0] for k, v in parse_qs(urlsplit(landed.url).query).items()}


def test_a_person_types_the_email_on_the_consent_page_or_cancels(tenant: Tenant) -> None:
    email = tenant.google_email()
    target, hidden = _consent_page(tenant.ann.authorization_url())  # no e-mail known
    assert _decide(target, {**hidden, "email": email, "decision": "deny"}) == {
        "error": "access_denied"
    }
    assert tenant.ann.accounts() == []

    target, hidden = _consent_page(tenant.ann.authorization_url())
    landed = _decide(target, {**hidden, "email": email, "decision": "allow"})
    assert tenant.ann.account(landed["account_id"])["email"] == email


def test_connecting_the_same_google_account_again_refreshes_it(tenant: Tenant) -> None:
    email = tenant.google_email()
    first = tenant.ann.connect(email)
    tenant.ann.save_settings(first, calendar_id=email, sync_type="one_way")
    again = tenant.ann.connect(email)
    assert again == first
    [account] = tenant.ann.accounts()
    assert account["settings"]["sync_type"] == "one_way"


def test_the_recommended_separate_calendar_is_created_once(tenant: Tenant) -> None:
    google = tenant.google()
    account_id = tenant.ann.connect(google.email)
    [primary] = tenant.ann.calendars(account_id)
    assert primary["primary"]
    assert primary["writable"]

    made = tenant.ann.call("POST", f"/accounts/{account_id}/calendars", json={}, expect=(201,))
    assert made["name"] == "CRM activities"
    assert made["writable"]
    assert not made["primary"]
    again = tenant.ann.call("POST", f"/accounts/{account_id}/calendars", json={})
    assert again["id"] == made["id"]
    names = sorted(c["name"] for c in tenant.ann.calendars(account_id))
    assert names == sorted(["CRM activities", primary["name"]])
    assert tenant.ann.account(account_id)["status"] == "ready_to_connect"


def test_an_unfinished_setup_is_resumed_with_what_was_chosen(tenant: Tenant) -> None:
    google = tenant.google()
    account_id = tenant.ann.connect(google.email)
    defaults = tenant.ann.settings(account_id)
    assert defaults["calendar_id"] is None
    assert defaults["sync_type"] == "two_way"
    tenant.ann.save_settings(account_id, calendar_id=google.email, private_events="skip")
    # ... the user leaves the options window, and comes back later:
    [listed] = tenant.ann.accounts()
    assert listed["status"] == "ready_to_connect"
    assert listed["settings"]["private_events"] == "skip"
    started = tenant.ann.start(account_id)
    assert started["status"] == "syncing"
    assert started["settings"]["calendar_id"] == google.email
    assert started["settings"]["private_events"] == "skip"


def test_status_and_last_sync_are_shown(tenant: Tenant) -> None:
    synced = start_sync(tenant)
    account = synced.crm.account(synced.account_id)
    assert account["status"] == "syncing"
    assert account["last_synced_at"] is not None
    assert account["error"] is None
    assert account["provider"] == "google"


def test_a_consent_link_sent_to_someone_else_links_nothing(tenant: Tenant) -> None:
    """Ann starts a consent and sends the link to a victim (here: Bob, signed in to the CRM
    as himself). The victim's browser completes it and alone sees the confirmation code;
    Ann cannot use the account, the victim's frontend cannot confirm it, and the fan-out
    removes it (tokens revoked) once the state lifetime has passed."""
    stack, victim = tenant.stack, tenant.google("victim")
    link = tenant.ann.authorization_url(victim.email)
    landed = tenant.bob.follow(link)  # the victim's browser
    account_id, code = landed["account_id"], landed["confirmation"]

    [listed] = tenant.ann.accounts()
    assert (listed["id"], listed["error"]["code"]) == (account_id, "unconfirmed")
    for method, path, body in [
        ("POST", f"/accounts/{account_id}/start", {"calendar_id": victim.email}),
        ("GET", f"/accounts/{account_id}/calendars", None),
        ("POST", f"/accounts/{account_id}/calendars", {}),
        ("PATCH", f"/accounts/{account_id}/settings", {"calendar_id": victim.email}),
    ]:
        answer = tenant.ann.request(method, path, json=body)
        assert (answer.status_code, answer.json()["error"]["code"]) == (409, "unconfirmed"), path
    confirmation = {"account_id": account_id, "code": code}
    guessed = {**confirmation, "code": "guessed"}
    assert tenant.ann.request("POST", "/oauth/confirm", json=guessed).status_code == 400
    assert tenant.bob.request("POST", "/oauth/confirm", json=confirmation).status_code == 404
    assert tenant.bob.accounts() == []
    assert [c["id"] for c in victim.calendars()] == [victim.email]  # nothing made there

    # ... the state lifetime passes (the account's problem is dated back):
    storage = stack.storage()
    account = storage.session().accounts.get(account_id)
    assert account is not None
    assert account.error is not None
    past = evolve(account.error, at=account.error.at - timedelta(minutes=11))
    storage.session().accounts.put(evolve(account, error=past))
    revoked = stack.google_admin("GET", "stats")["requests"].get("oauth.revoke", 0)
    wait_for("the fan-out to remove it", lambda: tenant.ann.accounts() == [], 30)
    assert stack.google_admin("GET", "stats")["requests"].get("oauth.revoke", 0) > revoked
    assert tenant.ann.request("POST", "/oauth/confirm", json=confirmation).status_code == 404
