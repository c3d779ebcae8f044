"""Push channels of the Google adapter: `events.watch` and `channels.stop` requests and answers.

A channel watches one calendar's events with the listing's own `singleEvents`/`eventTypes`
parameters; its TTL goes in `params.ttl` (seconds) and Google answers the expiry in
milliseconds. Stopping a channel Google no longer knows (404) is not an error.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from googleapiclient.errors import HttpError

from calsync.ports import WatchChannel

JSON = dict[str, Any]


def watch_body(*, channel_id: str, address: str, token: str, ttl: timedelta) -> JSON:
    return {
        "id": channel_id,
        "type": "web_hook",
        "address": address,
        "token": token,
        "params": {"ttl": str(int(ttl.total_seconds()))},
    }


def channel_of(made: JSON) -> WatchChannel:
    expires = datetime.fromtimestamp(int(made["expiration"]) / 1000, tz=UTC)
    return WatchChannel(str(made["id"]), str(made["resourceId"]), expires)


def stop(request: Any) -> None:
    """Send a channels.stop request; an unknown or expired channel is already stopped."""
    try:
        request.execute(num_retries=0)
    except HttpError as exc:
        if exc.resp.status != 404:
            raise
