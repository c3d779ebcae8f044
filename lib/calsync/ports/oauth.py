"""The provider's OAuth 2.0 flow: consent, code exchange, revocation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from calsync.domain.account import Credentials


@dataclass(frozen=True)
class TokenGrant:
    """What a finished consent gives: tokens, and whose account they are for."""

    credentials: Credentials
    email: str


class OAuthClient(Protocol):
    """The provider's OAuth 2.0 web-server flow (authorization code with PKCE)."""

    def authorization_url(
        self, *, state: str, code_challenge: str, login_hint: str | None
    ) -> str: ...

    def exchange(self, code: str, code_verifier: str) -> TokenGrant:
        """Redeem an authorization code. Raises ProviderAuthError if it is refused."""
        ...

    def revoke(self, credentials: Credentials) -> None: ...
