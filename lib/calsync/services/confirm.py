"""Confirming a new connection from the browser that gave the consent.

An OAuth state is bound to the CRM user who started the consent, not to the browser that
completes it: a user could send their own consent link to someone else, and that person's
calendar would be linked to the sender's CRM user (consent phishing, account-linking CSRF).
So an account a consent creates is not usable until it is confirmed:

- the callback creates it as `ready_to_connect` with the problem `unconfirmed`, and its
  redirect to the frontend carries a one-time confirmation code next to the account id; only
  the code's SHA-256 is stored (as a pending authorization, `oauth_states/confirm-<hash>`,
  which lives as long as the state did);
- the frontend in that browser confirms with the bearer token of its CRM user
  (`POST /oauth/confirm {"account_id", "code"}`). Only the CRM user who started the consent
  can: another user's bearer finds no such account (404), and the sender never sees the code,
  which went to the browser that consented;
- until then the account refuses its calendars, settings changes and start (409
  `unconfirmed`); it may be removed. Once the state's lifetime has passed the fan-out removes
  it and revokes its tokens.

A consent that refreshes an account the user already confirmed (the same Google account, or
the account being re-authorized) needs no code: the user linked that Google account already.
"""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from calsync.auth.tokens import new_token, token_hash
from calsync.domain.account import Account, Problem
from calsync.domain.activity import User
from calsync.domain.link import OAuthState
from calsync.domain.schedule import evolve
from calsync.errors import CalsyncError, Conflict, InvalidInput, Unconfirmed
from calsync.ports import OAuthClient, UnitOfWork
from calsync.services.common import ServiceContext, owned, parse

log = logging.getLogger(__name__)

UNCONFIRMED = "unconfirmed"
CONFIRM_PREFIX = "confirm-"  # oauth_states/confirm-<sha256 of the code>
_PAGE = 200


class ConfirmRequest(BaseModel):
    """The body of `POST /oauth/confirm`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    account_id: str = Field(min_length=1, max_length=128)
    code: str = Field(min_length=1, max_length=200)


def is_unconfirmed(account: Account) -> bool:
    return account.error is not None and account.error.code == UNCONFIRMED


def require_confirmed(account: Account) -> Account:
    """The account, unless it awaits its confirmation (then 409 `unconfirmed`)."""
    if is_unconfirmed(account):
        raise Unconfirmed(
            "this connection is not confirmed yet: finish connecting on the page Google sent "
            "you back to, or connect the account again"
        )
    return account


def _key(code: str) -> str:
    return CONFIRM_PREFIX + token_hash(code)


class ConfirmService:
    """Issues, checks and expires the confirmations of new connections."""

    def __init__(self, ctx: ServiceContext, oauth: OAuthClient) -> None:
        self._ctx = ctx
        self._oauth = oauth

    def issue(self, uow: UnitOfWork, account: Account) -> tuple[Account, str]:
        """Inside the callback's transaction: `account` marked unconfirmed, and a new code
        (its hash stored) for the redirect."""
        now = self._ctx.clock.now()
        ttl = self._ctx.settings.oauth_state_ttl
        code = new_token()
        uow.oauth_states.put(
            OAuthState(
                state=_key(code),
                company_id=account.company_id,
                user_id=account.user_id,
                provider=account.provider.value,
                sealed_code_verifier="",  # nothing to seal: the key is the code's hash
                account_id=account.id,
                expires_at=now + ttl,
            )
        )
        minutes = max(1, round(ttl.total_seconds() / 60))
        message = (
            "Not confirmed yet: finish connecting on the page Google sent you back to. If you "
            f"did not connect this calendar, ignore it: it is removed within {minutes} minutes."
        )
        problem = Problem(code=UNCONFIRMED, message=message, at=now)
        return evolve(account, error=problem), code

    def confirm(self, user: User, body: dict[str, object]) -> Account:
        """The account, confirmed; 404 for another user's, 400 for a wrong or expired code,
        409 when it is confirmed already."""
        request = parse(ConfirmRequest, body, "confirmation")
        key, now = _key(request.code), self._ctx.clock.now()

        def work(uow: UnitOfWork) -> Account:
            account = owned(uow.accounts.get(request.account_id), user)
            pending = uow.oauth_states.get(key)
            if not is_unconfirmed(account):
                raise Conflict("this connection is confirmed already")
            owner = (user.company_id, user.id)
            if (
                pending is None
                or pending.account_id != account.id
                or (pending.company_id, pending.user_id) != owner
                or pending.expires_at < now
            ):
                problem = {"code": "wrong or expired: connect the account again"}
                raise InvalidInput("invalid confirmation", problem)
            uow.oauth_states.delete(key)
            confirmed = evolve(account, error=None, updated_at=now)
            uow.accounts.put(confirmed)
            return confirmed

        return self._ctx.storage.transaction(work)

    def drop_expired(self, now: datetime) -> int:
        """Remove the accounts still unconfirmed after the state lifetime (tokens revoked);
        how many. Reads: the unconfirmed accounts (normally none for long)."""
        cutoff = now - self._ctx.settings.oauth_state_ttl
        accounts = self._ctx.storage.session().accounts
        dropped, after = 0, None
        while page := accounts.with_error(UNCONFIRMED, limit=_PAGE, after=after):
            for account in page:
                if account.error is not None and account.error.at <= cutoff:
                    dropped += self._drop(account.id, cutoff)
            if len(page) < _PAGE:
                break
            after = page[-1].id
        return dropped

    def _drop(self, account_id: str, cutoff: datetime) -> int:
        """Checked again in the transaction that deletes it (a confirmation meanwhile wins);
        the tokens are revoked after, best effort (nobody holds them any more)."""
        credentials = self._ctx.vault.load(account_id)

        def work(uow: UnitOfWork) -> bool:
            account = uow.accounts.get(account_id)
            if account is None or not is_unconfirmed(account):
                return False
            if account.error is None or account.error.at > cutoff:
                return False
            uow.accounts.delete(account_id)
            uow.credentials.delete(account_id)
            return True

        if not self._ctx.storage.transaction(work):
            return 0
        self._ctx.vault.forget(account_id)
        try:
            if credentials is not None:
                self._oauth.revoke(credentials)
        except CalsyncError as exc:
            log.warning("tokens of unconfirmed account %s not revoked: %s", account_id, exc.code)
        return 1
