"""The fake OAuth client: consent by the test, single-use codes, PKCE, revocation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from calsync.auth.tokens import code_challenge, new_code_verifier
from calsync.clock import FakeClock
from calsync.errors import ProviderAuthError
from calsync.providers.memory import MemoryCalendarProvider
from calsync.providers.memory_calendar import MemoryCalendarService
from calsync.providers.memory_oauth import MemoryOAuthClient


def _consent(client: MemoryOAuthClient, email: str = "demo@gmail.test") -> tuple[str, str]:
    verifier = new_code_verifier()
    url = client.authorization_url(
        state="s1", code_challenge=code_challenge(verifier), login_hint=email
    )
    return client.approve(url), verifier


def test_a_code_is_redeemed_once_with_its_verifier() -> None:
    service = MemoryCalendarService()
    client = MemoryOAuthClient(service)
    code, verifier = _consent(client)
    grant = client.exchange(code, verifier)
    assert grant.email == "demo@gmail.test"
    assert grant.credentials.refresh_token.get_secret_value()
    assert service.calendar("demo@gmail.test") is not None  # the user exists at the provider
    with pytest.raises(ProviderAuthError):
        client.exchange(code, verifier)


def test_a_wrong_verifier_burns_the_code() -> None:
    client = MemoryOAuthClient(MemoryCalendarService())
    code, verifier = _consent(client)
    with pytest.raises(ProviderAuthError):
        client.exchange(code, new_code_verifier())
    with pytest.raises(ProviderAuthError):
        client.exchange(code, verifier)


def test_codes_expire() -> None:
    clock = FakeClock()
    client = MemoryOAuthClient(MemoryCalendarService(clock))
    code, verifier = _consent(client)
    clock.advance(timedelta(minutes=11))
    with pytest.raises(ProviderAuthError):
        client.exchange(code, verifier)


def test_revoking_ends_access_and_a_new_consent_restores_it() -> None:
    service = MemoryCalendarService()
    client = MemoryOAuthClient(service)
    grant = client.exchange(*_consent(client))
    provider = MemoryCalendarProvider(service, "demo@gmail.test")
    assert provider.calendars()
    client.revoke(grant.credentials)
    with pytest.raises(ProviderAuthError):
        provider.calendars()
    client.exchange(*_consent(client))
    assert provider.calendars()


def test_approval_needs_to_know_who_approves() -> None:
    client = MemoryOAuthClient(MemoryCalendarService())
    url = client.authorization_url(state="s", code_challenge="c", login_hint=None)
    with pytest.raises(ValueError, match="login hint"):
        client.approve(url)
    assert client.deny(url) == "access_denied"
