"""Connecting a calendar account: the OAuth 2.0 authorization-code flow with PKCE (S256).

`start` records a pending authorization bound to the CRM user (state, its sealed PKCE
verifier, and the account being re-authorized if any), single use and short-lived, and returns
the provider's consent URL. `callback` consumes the state (so a replayed or tampered callback
finds nothing), redeems the code with the verifier, and only then creates the account as
`ready_to_connect` or refreshes the existing one, storing the tokens sealed. Any refusal
leaves every account as it was. A new account (and one still unconfirmed) comes with a
confirmation code for the browser that consented (`confirm.py`).
"""

from __future__ import annotations

import base64
import logging
import uuid
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from calsync.auth.tokens import code_challenge, new_code_verifier, new_token
from calsync.domain.account import Account, AccountStatus, Provider
from calsync.domain.activity import EMAIL_PATTERN, User
from calsync.domain.link import OAuthState
from calsync.domain.schedule import evolve
from calsync.errors import (
    CalsyncError,
    OAuthRefused,
    ProviderAuthError,
    ProviderError,
    Unauthenticated,
)
from calsync.ports import OAuthClient, TokenGrant, UnitOfWork
from calsync.services.common import ServiceContext, owned, parse
from calsync.services.confirm import CONFIRM_PREFIX, ConfirmService, is_unconfirmed

log = logging.getLogger(__name__)


def _context(state: str) -> str:
    return f"oauth_states/{state}"


class ConnectRequest(BaseModel):
    """The body of `POST /oauth/start`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: Provider
    email: str | None = Field(default=None, pattern=EMAIL_PATTERN, max_length=320)
    account_id: str | None = Field(default=None, max_length=128)  # re-authorize this account


@dataclass(frozen=True)
class CallbackParams:
    state: str | None
    code: str | None
    error: str | None


@dataclass(frozen=True)
class Connected:
    """What a successful callback made: the account, and its confirmation code when the
    account awaits one (a new connection; None for a refresh of a confirmed one)."""

    account_id: str
    confirmation: str | None = None


class ConnectService:
    """oauth start and callback."""

    def __init__(self, ctx: ServiceContext, oauth: OAuthClient, confirm: ConfirmService) -> None:
        self._ctx = ctx
        self._oauth = oauth
        self._confirm = confirm

    def start(self, user: User, body: dict[str, object]) -> str:
        request = parse(ConnectRequest, body, "connect request")
        session = self._ctx.storage.session()
        login_hint = request.email
        if request.account_id is not None:
            account = owned(session.accounts.get(request.account_id), user)
            login_hint = account.email
        state, verifier = new_token(), new_code_verifier()
        sealed = self._ctx.keyring.encrypt(verifier.encode(), context=_context(state))
        session.oauth_states.put(
            OAuthState(
                state=state,
                company_id=user.company_id,
                user_id=user.id,
                provider=request.provider.value,
                login_hint=login_hint,
                sealed_code_verifier=base64.b64encode(sealed).decode("ascii"),
                account_id=request.account_id,
                expires_at=self._ctx.clock.now() + self._ctx.settings.oauth_state_ttl,
            )
        )
        return self._oauth.authorization_url(
            state=state, code_challenge=code_challenge(verifier), login_hint=login_hint
        )

    def callback(self, params: CallbackParams) -> Connected:
        """The account created or refreshed; OAuthRefused otherwise."""
        if not params.state:
            raise OAuthRefused("invalid_request", "the callback carries no state")
        pending = self._consume(params.state)
        if params.error:
            reason = params.error if params.error == "access_denied" else "provider_error"
            raise OAuthRefused(reason, "the provider did not grant access")
        if not params.code:
            raise OAuthRefused("invalid_request", "the callback carries no code")
        try:
            grant = self._oauth.exchange(params.code, self._verifier(pending))
        except ProviderAuthError:
            raise OAuthRefused("invalid_grant", "the provider refused the code") from None
        except ProviderError:
            raise OAuthRefused("provider_unavailable", "the provider is unreachable") from None
        try:
            return self._ctx.storage.transaction(lambda uow: self._record(uow, pending, grant))
        except OAuthRefused:
            self._discard(grant)
            raise

    def _verifier(self, pending: OAuthState) -> str:
        try:
            sealed = base64.b64decode(pending.sealed_code_verifier)
            plain = self._ctx.keyring.decrypt(sealed, context=_context(pending.state))
        except (Unauthenticated, ValueError):
            raise OAuthRefused("invalid_state", "the pending authorization is unreadable") from None
        return plain.decode()

    def _consume(self, state: str) -> OAuthState:
        """The pending authorization, deleted so it can never be used again."""
        now = self._ctx.clock.now()

        def work(uow: UnitOfWork) -> OAuthState | None:
            pending = uow.oauth_states.get(state)
            if pending is not None:
                uow.oauth_states.delete(state)
            return pending

        ours = len(state) <= 200 and not state.startswith(CONFIRM_PREFIX)  # not a confirmation
        pending = self._ctx.storage.transaction(work) if ours else None
        if pending is None:
            raise OAuthRefused("invalid_state", "unknown or already used state")
        if pending.expires_at < now:
            raise OAuthRefused("expired_state", "the authorization took too long; start again")
        return pending

    def _record(self, uow: UnitOfWork, pending: OAuthState, grant: TokenGrant) -> Connected:
        email = grant.email.strip().lower()
        existing = self._existing(uow, pending, email)
        now = self._ctx.clock.now()
        scopes = grant.credentials.scopes
        if existing is None:
            account = Account(
                id=uuid.uuid4().hex,
                company_id=pending.company_id,
                user_id=pending.user_id,
                provider=Provider(pending.provider),
                email=email,
                scopes=scopes,
                credentials_version=1,
                created_at=now,
                updated_at=now,
            )
        else:  # a syncing account keeps syncing with its new tokens; others await "start"
            status = existing.status
            if status is not AccountStatus.SYNCING:
                status = AccountStatus.READY_TO_CONNECT
            account = evolve(
                existing,
                status=status,
                error=None,
                scopes=scopes,
                credentials_version=existing.credentials_version + 1,  # old tokens are dead
                updated_at=now,
            )
        code = None
        if existing is None or is_unconfirmed(existing):
            account, code = self._confirm.issue(uow, account)
        self._ctx.vault.put(uow, account.id, grant.credentials)
        uow.accounts.put(account)
        return Connected(account.id, code)

    def _existing(self, uow: UnitOfWork, pending: OAuthState, email: str) -> Account | None:
        if pending.account_id is not None:
            account = uow.accounts.get(pending.account_id)
            owner = (pending.company_id, pending.user_id)
            if account is None or (account.company_id, account.user_id) != owner:
                raise OAuthRefused("account_removed", "the account was removed meanwhile")
            if account.email.lower() != email:
                raise OAuthRefused(
                    "wrong_account", f"consent was given for another account than {account.email}"
                )
            return account
        same = [
            a
            for a in uow.accounts.for_user(pending.company_id, pending.user_id)
            if a.provider.value == pending.provider and a.email.lower() == email
        ]
        return same[0] if same else None

    def _discard(self, grant: TokenGrant) -> None:
        try:
            self._oauth.revoke(grant.credentials)
        except CalsyncError as exc:
            log.warning("could not revoke an unused grant: %s", exc.code)
