"""Start, stop and remove a calendar sync.

- Start (first start, resuming an unfinished setup, reconnecting a stopped account): the
  stored settings, with any sent changes over them, are validated; the account becomes
  `syncing`; the sync window starts now unless it started before (a reconnect keeps its window
  and cursor: it resumes where it stopped); a job is asked for; the push channel is opened.
  An account that `needs_reauth` must go through consent first (oauth start with its id); a
  new connection must be confirmed first (`confirm.py`).
- Stop: the channel is stopped, the account becomes `synced_previously`; settings, cursor and
  tokens are kept for a reconnect. Nothing already synced is deleted on either side.
- Remove: the account stops syncing, its tokens are revoked at the provider, and everything
  calsync kept about it is forgotten (tokens, channel, links, outbox, conflicts, the account).
  The activities stay in the CRM.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from calsync.domain.account import Account, AccountStatus, SyncSettings
from calsync.domain.activity import User
from calsync.domain.schedule import evolve
from calsync.errors import CalsyncError, Conflict, NeedsReauthorization, ProviderError
from calsync.ports import OAuthClient, UnitOfWork
from calsync.services.channels import Channels
from calsync.services.common import REAUTH_MESSAGE, ServiceContext, owned
from calsync.services.confirm import require_confirmed
from calsync.services.settings import SettingsRules, merged

log = logging.getLogger(__name__)

_PAGE = 400


class LifecycleService:
    """Start, stop and remove."""

    def __init__(
        self, ctx: ServiceContext, rules: SettingsRules, channels: Channels, oauth: OAuthClient
    ) -> None:
        self._ctx = ctx
        self._rules = rules
        self._channels = channels
        self._oauth = oauth

    # -- start -----------------------------------------------------------------------------

    def start(self, user: User, account_id: str, changes: Mapping[str, Any]) -> Account:
        account = require_confirmed(
            owned(self._ctx.storage.session().accounts.get(account_id), user)
        )
        if account.status is AccountStatus.NEEDS_REAUTH:
            raise NeedsReauthorization(REAUTH_MESSAGE)
        settings = merged(account.settings, changes)
        self._rules.check(account, settings, calendar=True)
        started = self._ctx.storage.transaction(
            lambda uow: self._mark_syncing(uow, user, account_id, settings)
        )
        self._ctx.request_job(started.id)
        try:
            if account.is_syncing:
                return self._channels.ensure(started)
            # Not syncing until now: a channel left from before (e.g. when the authorization
            # died) may be dead at the provider; a fresh one replaces it.
            return self._channels.renew(started)
        except NeedsReauthorization:
            raise
        except ProviderError as exc:  # no push for now: polling covers, the fan-out retries
            log.warning("no push channel for account %s yet: %s", started.id, exc.code)
            return started

    def _mark_syncing(
        self, uow: UnitOfWork, user: User, account_id: str, settings: SyncSettings
    ) -> Account:
        account = require_confirmed(owned(uow.accounts.get(account_id), user))
        if account.status is AccountStatus.NEEDS_REAUTH:
            raise NeedsReauthorization(REAUTH_MESSAGE)
        now = self._ctx.clock.now()
        # Not syncing until now: what changed meanwhile (activities made or edited while
        # stopped wrote no outbox entry) is caught up by the engine's full reconcile, which a
        # job does when no settings count as applied.
        applied = account.sync.applied_settings if account.is_syncing else None
        sync = evolve(
            account.sync,
            window_start=account.sync.window_start or now,
            failures=0,
            next_check_at=now + self._ctx.settings.poll_interval,  # the safety net's first look
            applied_settings=applied,
        )
        updated = evolve(
            account,
            status=AccountStatus.SYNCING,
            settings=settings,
            sync=sync,
            error=None,
            updated_at=now,
        )
        uow.accounts.put(updated)
        return updated

    # -- stop ------------------------------------------------------------------------------

    def stop(self, user: User, account_id: str) -> Account:
        account = owned(self._ctx.storage.session().accounts.get(account_id), user)
        if account.status is AccountStatus.READY_TO_CONNECT:
            raise Conflict("this account's sync has not been started yet")
        self._channels.close(account)
        return self._ctx.storage.transaction(lambda uow: self._mark_stopped(uow, user, account_id))

    def _mark_stopped(self, uow: UnitOfWork, user: User, account_id: str) -> Account:
        account = owned(uow.accounts.get(account_id), user)
        if account.channel is not None:  # renewed meanwhile: forget that route too
            uow.channels.delete(account.channel.id)
        status = account.status
        if status in (AccountStatus.SYNCING, AccountStatus.ERROR, AccountStatus.NEEDS_REAUTH):
            status = AccountStatus.SYNCED_PREVIOUSLY
        updated = evolve(account, status=status, channel=None, updated_at=self._ctx.clock.now())
        uow.accounts.put(updated)
        return updated

    # -- remove ----------------------------------------------------------------------------

    def remove(self, user: User, account_id: str) -> None:
        account = owned(self._ctx.storage.session().accounts.get(account_id), user)
        # First no more outbox entries or jobs for it, then the provider, then the records.
        self._ctx.storage.transaction(lambda uow: self._mark_stopped(uow, user, account_id))
        self._channels.close(account)
        self._revoke(account)
        self._forget(account.id)

    def _revoke(self, account: Account) -> None:
        try:
            credentials = self._ctx.vault.load(account.id)
            if credentials is not None:
                self._oauth.revoke(credentials)
        except CalsyncError as exc:  # the tokens are forgotten below in any case
            log.warning("could not revoke the tokens of account %s: %s", account.id, exc.code)

    def _forget(self, account_id: str) -> None:
        self._ctx.vault.forget(account_id)
        session = self._ctx.storage.session()
        for link in session.links.all(account_id):
            session.links.delete(account_id, link.activity_id)
        while entries := session.outbox.pending(account_id, limit=_PAGE):
            for entry in entries:
                session.outbox.delete(account_id, entry.activity_id)
        while conflicts := session.conflicts.recent(account_id, limit=_PAGE):
            for conflict in conflicts:
                session.conflicts.delete(account_id, conflict.id)
        session.accounts.delete(account_id)
