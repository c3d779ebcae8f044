"""The credential vault: sealed per account, opened into providers, refreshed tokens kept."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from calsync.auth.keyring import LocalKeyring, generate_local_key
from calsync.auth.vault import CredentialVault
from calsync.domain.account import Account, Credentials
from calsync.errors import ProviderAuthError, Unauthenticated
from calsync.providers.memory import MemoryCalendarProvider, MemoryConnector
from calsync.providers.memory_calendar import MemoryCalendarService
from calsync.store.memory import MemoryStorage
from pydantic import SecretStr

TOKENS = Credentials(
    access_token=SecretStr("ya29.access"),
    refresh_token=SecretStr("1//refresh"),
    expires_at=datetime(2030, 1, 1, tzinfo=UTC),
    scopes=("openid", "email"),
)
ACCOUNT = Account(id="a1", company_id="c1", user_id="u1", email="demo@gmail.test")


class RefreshingConnector(MemoryConnector):
    """A connector whose provider "refreshes" its token as soon as it is opened."""

    def __init__(self, service: MemoryCalendarService, fresh: Credentials) -> None:
        super().__init__(service)
        self.fresh = fresh
        self.opened_with: list[Credentials] = []

    def open(
        self, account: Account, credentials: Credentials, on_refresh: Callable[[Credentials], None]
    ) -> MemoryCalendarProvider:
        self.opened_with.append(credentials)
        on_refresh(self.fresh)
        return super().open(account, credentials, on_refresh)


def _vault(connector: MemoryConnector | None = None) -> tuple[CredentialVault, MemoryStorage]:
    storage = MemoryStorage()
    keyring = LocalKeyring.from_base64(generate_local_key())
    return CredentialVault(
        storage, keyring, connector or MemoryConnector(MemoryCalendarService())
    ), storage


def test_sealed_credentials_open_only_for_their_own_account() -> None:
    vault, _ = _vault()
    sealed = vault.seal("a1", TOKENS)
    assert b"1//refresh" not in sealed
    assert b"ya29" not in sealed
    assert vault.unseal("a1", sealed) == TOKENS
    with pytest.raises(Unauthenticated):
        vault.unseal("a2", sealed)


def test_open_provider_without_credentials_needs_reauth() -> None:
    vault, _ = _vault()
    with pytest.raises(ProviderAuthError):
        vault.open_provider(ACCOUNT)


def test_open_provider_with_unreadable_credentials_needs_reauth() -> None:
    vault, storage = _vault()
    storage.session().credentials.put("a1", b"\x01 not sealed by this key")
    with pytest.raises(ProviderAuthError):
        vault.open_provider(ACCOUNT)


def test_refreshed_tokens_are_stored_sealed_while_the_account_exists() -> None:
    fresh = TOKENS.model_copy(update={"access_token": SecretStr("ya29.fresh")})
    connector = RefreshingConnector(MemoryCalendarService(), fresh)
    vault, storage = _vault(connector)
    storage.session().accounts.put(ACCOUNT)
    storage.transaction(lambda uow: vault.put(uow, "a1", TOKENS))
    vault.open_provider(ACCOUNT)
    assert connector.opened_with == [TOKENS]
    assert vault.load("a1") == fresh
    storage.session().accounts.delete("a1")
    storage.session().credentials.delete("a1")
    storage.session().credentials.put("a1", vault.seal("a1", TOKENS))
    vault.open_provider(ACCOUNT)  # account gone: the refresh is not stored
    assert vault.load("a1") == TOKENS


# -- the cache of unsealed tokens -------------------------------------------------------------

NEW = Credentials(access_token=SecretStr("ya29.new"), refresh_token=SecretStr("1//new"))


def _stored(storage: MemoryStorage, vault: CredentialVault, account: Account) -> None:
    """As a consent does: the account (with its version) and its sealed tokens together."""
    storage.session().accounts.put(account)
    storage.transaction(lambda uow: vault.put(uow, account.id, TOKENS))


def test_a_warm_vault_opens_the_calendar_without_reading_the_stored_tokens() -> None:
    connector = RefreshingConnector(MemoryCalendarService(), TOKENS)
    vault, storage = _vault(connector)
    _stored(storage, vault, ACCOUNT)
    vault.open_provider(ACCOUNT)
    storage.session().credentials.delete("a1")  # a read now would find nothing
    vault.open_provider(ACCOUNT)
    assert connector.opened_with == [TOKENS, TOKENS]


def test_a_reconnect_bumps_the_version_and_no_process_keeps_the_old_tokens() -> None:
    connector = RecordingConnector(MemoryCalendarService())
    vault, storage = _vault(connector)
    _stored(storage, vault, ACCOUNT)
    vault.open_provider(ACCOUNT)
    reconnected = ACCOUNT.model_copy(update={"credentials_version": 1})
    storage.session().accounts.put(reconnected)
    storage.session().credentials.put("a1", vault.seal("a1", NEW))
    vault.open_provider(reconnected)
    vault.open_provider(reconnected)
    assert connector.opened_with == [TOKENS, NEW, NEW]


def test_a_refresh_is_kept_in_the_cache_and_in_storage() -> None:
    fresh = TOKENS.model_copy(update={"access_token": SecretStr("ya29.fresh")})
    connector = RefreshingConnector(MemoryCalendarService(), fresh)
    vault, storage = _vault(connector)
    _stored(storage, vault, ACCOUNT)
    vault.open_provider(ACCOUNT)  # refreshes at once
    vault.open_provider(ACCOUNT)
    assert connector.opened_with == [TOKENS, fresh]
    assert vault.load("a1") == fresh


def test_a_refresh_of_the_old_consent_never_overwrites_a_reconnect() -> None:
    connector = RecordingConnector(MemoryCalendarService())
    vault, storage = _vault(connector)
    _stored(storage, vault, ACCOUNT)
    vault.open_provider(ACCOUNT)
    refresh = connector.refreshes[-1]  # the job running with the old tokens refreshes later
    storage.session().accounts.put(ACCOUNT.model_copy(update={"credentials_version": 1}))
    storage.session().credentials.put("a1", vault.seal("a1", NEW))
    refresh(TOKENS.model_copy(update={"access_token": SecretStr("ya29.old-refreshed")}))
    assert vault.load("a1") == NEW
    vault.open_provider(ACCOUNT)  # a job still holding the old account reads storage again
    assert connector.opened_with[-1] == NEW


def test_a_removed_account_gets_no_tokens_from_the_vault_ever_again() -> None:
    connector = RecordingConnector(MemoryCalendarService())
    vault, storage = _vault(connector)
    _stored(storage, vault, ACCOUNT)
    vault.open_provider(ACCOUNT)
    refresh = connector.refreshes[-1]
    vault.forget("a1")
    storage.session().accounts.delete("a1")
    assert storage.session().credentials.get("a1") is None
    refresh(TOKENS)  # a job still running refreshes: neither stored nor cached
    assert storage.session().credentials.get("a1") is None
    with pytest.raises(ProviderAuthError):
        vault.open_provider(ACCOUNT)  # even with the account as that job read it


class RecordingConnector(MemoryConnector):
    """Records what each open was given, and keeps each open's refresh callback."""

    def __init__(self, service: MemoryCalendarService) -> None:
        super().__init__(service)
        self.opened_with: list[Credentials] = []
        self.refreshes: list[Callable[[Credentials], None]] = []

    def open(
        self, account: Account, credentials: Credentials, on_refresh: Callable[[Credentials], None]
    ) -> MemoryCalendarProvider:
        self.opened_with.append(credentials)
        self.refreshes.append(on_refresh)
        return super().open(account, credentials, on_refresh)
