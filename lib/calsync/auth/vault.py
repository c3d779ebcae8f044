"""The credential vault: OAuth tokens sealed at rest, and calendar providers opened from them.

Tokens are serialised to JSON and sealed by the Keyring in the context
"credentials/<account id>", so a sealed blob only opens for its own account. Nothing here ever
logs or returns a token. `open_provider(account)` is what the engine and the services use to
reach an account's calendar: it unseals the tokens, opens the connector, and stores refreshed
tokens (sealed) whenever the adapter refreshes them, as long as the account still exists and
still holds the tokens of the same consent.

Unsealed tokens stay in the process's `CredentialCache` under the account's
`credentials_version` (bumped by every consent that stores new tokens): a job, which has read
the account to take its lease anyway, opens the calendar without reading the credentials
again while the version it sees is the cached one. `forget` removes an account's tokens for
good, from storage and from the cache.
"""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import SecretStr

from calsync.auth.credential_cache import CredentialCache
from calsync.domain.account import Account, Credentials
from calsync.errors import ProviderAuthError, Unauthenticated
from calsync.ports import CalendarConnector, CalendarProvider, Keyring, Storage, UnitOfWork


def _context(account_id: str) -> str:
    return f"credentials/{account_id}"


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


class CredentialVault:
    """Seals, stores and opens account credentials."""

    def __init__(
        self,
        storage: Storage,
        keyring: Keyring,
        connector: CalendarConnector,
        cache: CredentialCache | None = None,
    ) -> None:
        self._storage = storage
        self._keyring = keyring
        self._connector = connector
        self._cache = cache if cache is not None else CredentialCache()

    def seal(self, account_id: str, credentials: Credentials) -> bytes:
        plain = {
            "access_token": _secret(credentials.access_token),
            "refresh_token": credentials.refresh_token.get_secret_value(),
            "expires_at": credentials.expires_at.isoformat() if credentials.expires_at else None,
            "scopes": list(credentials.scopes),
        }
        data = json.dumps(plain, separators=(",", ":")).encode()
        return self._keyring.encrypt(data, context=_context(account_id))

    def unseal(self, account_id: str, sealed: bytes) -> Credentials:
        """The credentials in `sealed`; Unauthenticated if they do not open for this account."""
        plain = json.loads(self._keyring.decrypt(sealed, context=_context(account_id)))
        expires = plain.get("expires_at")
        return Credentials(
            access_token=plain.get("access_token"),
            refresh_token=plain["refresh_token"],
            expires_at=datetime.fromisoformat(expires) if expires else None,
            scopes=tuple(plain.get("scopes") or ()),
        )

    def put(self, uow: UnitOfWork, account_id: str, credentials: Credentials) -> None:
        """Store sealed credentials through `uow` (inside the caller's transaction). The
        caller bumps the account's `credentials_version` in the same transaction."""
        uow.credentials.put(account_id, self.seal(account_id, credentials))

    def load(self, account_id: str) -> Credentials | None:
        """The stored credentials (never the cached ones)."""
        sealed = self._storage.session().credentials.get(account_id)
        return None if sealed is None else self.unseal(account_id, sealed)

    def forget(self, account_id: str) -> None:
        """The account is being removed: its tokens go, stored and cached, for good."""
        self._cache.remove(account_id)
        self._storage.session().credentials.delete(account_id)

    def open_provider(self, account: Account) -> CalendarProvider:
        """The account's calendar, authorized as its user (`account` as just read: its
        `credentials_version` says whether the cached tokens are still its own).

        Raises ProviderAuthError when there are no usable stored credentials: the user has
        to go through consent again.
        """
        version = account.credentials_version
        credentials = self._cache.get(account.id, version)
        if credentials is None:
            credentials = self._stored(account.id)
            self._cache.put(account.id, version, credentials)
        return self._connector.open(
            account, credentials, lambda fresh: self._refreshed(account.id, version, fresh)
        )

    def _stored(self, account_id: str) -> Credentials:
        try:
            credentials = self.load(account_id)
        except Unauthenticated:
            raise ProviderAuthError(
                "the stored authorization cannot be read any more: reconnect the account"
            ) from None
        if credentials is None:
            raise ProviderAuthError("no stored authorization: reconnect the account")
        return credentials

    def _refreshed(self, account_id: str, version: int, credentials: Credentials) -> None:
        """Keep tokens the adapter refreshed, if they are still the account's: a removed
        account must not get them back, nor a reconnected one its old consent's."""
        sealed = self.seal(account_id, credentials)

        def store(uow: UnitOfWork) -> bool:
            account = uow.accounts.get(account_id)
            if account is None or account.credentials_version != version:
                return False
            uow.credentials.put(account_id, sealed)
            return True

        if self._storage.transaction(store):
            self._cache.put(account_id, version, credentials)
        else:
            self._cache.drop(account_id)
