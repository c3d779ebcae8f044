"""The credential vault: OAuth tokens sealed at rest, and calendar providers opened from them.

Tokens are serialised to JSON and sealed by the Keyring in the context
"credentials/<account id>", so a sealed blob only opens for its own account. Nothing here ever
logs or returns a token. `open_provider(account)` is what the engine and the services use to
reach an account's calendar: it unseals the tokens, opens the connector, and stores refreshed
tokens (sealed) whenever the adapter refreshes them, as long as the account still exists.
"""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import SecretStr

from calsync.domain.account import Account, Credentials
from calsync.errors import ProviderAuthError, Unauthenticated
from calsync.ports import CalendarConnector, CalendarProvider, Keyring, Storage, UnitOfWork


def _context(account_id: str) -> str:
    return f"credentials/{account_id}"


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


class CredentialVault:
    """Seals, stores and opens account credentials."""

    def __init__(self, storage: Storage, keyring: Keyring, connector: CalendarConnector) -> None:
        self._storage = storage
        self._keyring = keyring
        self._connector = connector

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
        """Store sealed credentials through `uow` (inside the caller's transaction)."""
        uow.credentials.put(account_id, self.seal(account_id, credentials))

    def load(self, account_id: str) -> Credentials | None:
        sealed = self._storage.session().credentials.get(account_id)
        return None if sealed is None else self.unseal(account_id, sealed)

    def open_provider(self, account: Account) -> CalendarProvider:
        """The account's calendar, authorized as its user.

        Raises ProviderAuthError when there are no usable stored credentials: the user has
        to go through consent again.
        """
        try:
            credentials = self.load(account.id)
        except Unauthenticated:
            raise ProviderAuthError(
                "the stored authorization cannot be read any more: reconnect the account"
            ) from None
        if credentials is None:
            raise ProviderAuthError("no stored authorization: reconnect the account")
        return self._connector.open(
            account, credentials, lambda fresh: self._refreshed(account.id, fresh)
        )

    def _refreshed(self, account_id: str, credentials: Credentials) -> None:
        sealed = self.seal(account_id, credentials)

        def store(uow: UnitOfWork) -> None:
            # A removed account must not get its tokens back from a job still running.
            if uow.accounts.get(account_id) is not None:
                uow.credentials.put(account_id, sealed)

        self._storage.transaction(store)
