"""Calendar push notifications: check the channel and its token, then ask for a job.

The hot path reads one record (the channel's route) and writes nothing: an unknown or stopped
channel is acknowledged and ignored (so the provider stops retrying), a wrong token is refused
without enqueueing anything, the `sync` message that opens a channel is only acknowledged, and
any other message asks for a coalesced job of the account, so a burst of notifications makes
one job.
"""

from __future__ import annotations

import re
from enum import StrEnum

from calsync.auth.tokens import token_matches
from calsync.errors import InvalidInput, Unauthenticated
from calsync.services.common import ServiceContext

CHANNEL_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


class Notice(StrEnum):
    """What became of a notification."""

    ENQUEUED = "enqueued"  # a job was asked for (or one is already due in this window)
    ACKNOWLEDGED = "acknowledged"  # the channel's opening `sync` message
    IGNORED = "ignored"  # unknown or stopped channel


class WebhookService:
    """Google Calendar notifications (headers X-Goog-Channel-ID, -Token, -Resource-State)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def notify(self, channel_id: str | None, token: str | None, state: str | None) -> Notice:
        if not channel_id or not CHANNEL_ID.match(channel_id):
            raise InvalidInput("not a channel notification", {"X-Goog-Channel-ID": "invalid"})
        route = self._ctx.storage.session().channels.get(channel_id)
        if route is None:
            return Notice.IGNORED
        if not token or not token_matches(token, route.token_hash):
            raise Unauthenticated("wrong channel token")
        if state == "sync":
            return Notice.ACKNOWLEDGED
        self._ctx.request_job(route.account_id)
        return Notice.ENQUEUED
