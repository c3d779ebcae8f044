"""Connecting an account: consent with the e-mail pre-filled, the recommended separate
calendar, `ready_to_connect`, and resuming an unfinished setup."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

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
    account = tenant.ann.account(landed["account_id"])
    assert account["status"] == "ready_to_connect"
    assert account["email"] == email
    assert account["settings"] is None
    assert [a["id"] for a in tenant.ann.accounts()] == [account["id"]]
    assert tenant.bob.accounts() == []
