"""Push channels: opened at start, renewed before they expire, closed at stop and removal.

A channel watches the account's chosen calendar and posts to the webhook with a random token;
only the token's fingerprint is stored (on the account and in the `channels/{id}` route the
webhook looks up). Renewal opens the new channel first and stores it, then stops the old one,
so notifications never have a gap (the two overlap for a moment, as Google expects).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from calsync.auth.tokens import new_token, token_hash
from calsync.domain.account import Account, Channel
from calsync.domain.link import ChannelRoute
from calsync.domain.schedule import evolve
from calsync.errors import ProviderError
from calsync.ports import UnitOfWork
from calsync.services.common import ServiceContext

log = logging.getLogger(__name__)


class Channels:
    """Opens, renews and closes the push channel of an account."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def needs_renewal(self, account: Account, now: datetime) -> bool:
        channel, settings = account.channel, account.settings
        if settings is None:
            return False
        return (
            channel is None
            or channel.calendar_id != settings.calendar_id
            or channel.expires_at - self._ctx.settings.channel_renew_before <= now
        )

    def ensure(self, account: Account) -> Account:
        """A syncing account with a live channel on its calendar (opened or renewed if not)."""
        if not account.is_syncing or not self.needs_renewal(account, self._ctx.clock.now()):
            return account
        return self.renew(account)

    def renew(self, account: Account) -> Account:
        """Open a new channel on the account's calendar, store it, then stop the old one.

        Raises ProviderError (NeedsReauthorization for a dead authorization) if the provider
        refuses the new channel; the old one is then left as it is.
        """
        assert account.settings is not None
        calendar_id = account.settings.calendar_id
        channel_id, token = uuid.uuid4().hex, new_token()
        watched = self._ctx.call_calendar(
            account,
            lambda provider: provider.watch(
                calendar_id,
                channel_id=channel_id,
                address=self._ctx.settings.webhook_url,
                token=token,
                ttl=self._ctx.settings.channel_ttl,
            ),
        )
        channel = Channel(
            id=watched.id,
            resource_id=watched.resource_id,
            calendar_id=calendar_id,
            token_hash=token_hash(token),
            expires_at=watched.expires_at,
        )
        stored = self._ctx.storage.transaction(lambda uow: self._store(uow, account, channel))
        if stored is None:  # stopped, removed or renewed meanwhile: this channel is not needed
            self._stop(account, channel)
            return self._ctx.storage.session().accounts.get(account.id) or account
        if account.channel is not None:
            self._stop(account, account.channel)
        return stored

    def _store(self, uow: UnitOfWork, account: Account, channel: Channel) -> Account | None:
        fresh = uow.accounts.get(account.id)
        if fresh is None or not fresh.is_syncing or fresh.channel != account.channel:
            return None
        updated = evolve(fresh, channel=channel, updated_at=self._ctx.clock.now())
        uow.channels.put(
            ChannelRoute(
                channel_id=channel.id,
                account_id=account.id,
                token_hash=channel.token_hash,
                expires_at=channel.expires_at,
            )
        )
        uow.accounts.put(updated)
        return updated

    def close(self, account: Account) -> None:
        """Stop the account's channel, if any (best effort: a dead channel just expires)."""
        if account.channel is not None:
            self._stop(account, account.channel)

    def _stop(self, account: Account, channel: Channel) -> None:
        self._ctx.storage.session().channels.delete(channel.id)
        try:
            self._ctx.vault.open_provider(account).stop_watch(channel.id, channel.resource_id)
        except ProviderError as exc:
            log.warning(
                "could not stop channel %s of account %s (%s); it will expire by itself",
                channel.id,
                account.id,
                type(exc).__name__,
            )
