"""``events.list``, ``events.instances``, ``events.watch`` and ``channels.stop``."""

from __future__ import annotations

import ipaddress
import re
import time
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from emulators.google import errors, listing
from emulators.google.calls import Call, Reply
from emulators.google.push import Channel, resource_id_of

_CHANNEL_ID = re.compile(r"[A-Za-z0-9\-_+/=]{1,64}")


def list_events(call: Call, calendar_id: str) -> Reply:
    return Reply(_lister(call, calendar_id).events(call.params, call.sim.store.tick()))


def instances(call: Call, calendar_id: str, event_id: str) -> Reply:
    lister = _lister(call, calendar_id)
    series = lister.calendar.events.get(event_id)
    if series is None or series.series_id:
        raise errors.not_found()
    if series.deleted:
        raise errors.deleted()
    return Reply(lister.instances(series, call.params))


def _lister(call: Call, calendar_id: str) -> listing.Lister:
    calendar = call.calendar(calendar_id)
    return listing.Lister(calendar, call.email, call.sim.expander, call.sim.store.generation)


def watch(call: Call, calendar_id: str) -> Reply:
    """Open a channel on a calendar's events.

    The ``events.list`` query parameters the discovery document also lists for watch
    (``eventTypes``, ``q``, ...) are accepted and ignored: Google documents no filtering of
    notifications by them, so every change to the calendar's events sends ``exists``.
    """
    calendar = call.calendar(calendar_id)
    body = call.object_body()
    channel_id = body.get("id")
    if not isinstance(channel_id, str) or not _CHANNEL_ID.fullmatch(channel_id):
        raise errors.invalid("Channel id must be 1-64 characters of [A-Za-z0-9-_+/=].")
    if channel_id in call.sim.push.channels:
        raise errors.ApiError(400, "channelIdNotUnique", "Channel id not unique.")
    if body.get("type") not in ("web_hook", "webhook"):
        raise errors.invalid("Invalid channel type: only web_hook is supported.")
    address = body.get("address")
    if not _web_address(address):
        raise errors.invalid("Invalid channel address: an http(s) URL is required.")
    token = body.get("token")
    if token is not None and (not isinstance(token, str) or len(token) > 256):
        raise errors.invalid("Channel token must be a string of at most 256 characters.")
    channel = Channel(
        id=channel_id,
        resource_id=resource_id_of(calendar.id),
        resource_uri=f"{call.root_url}calendar/v3/calendars/{quote(calendar.id)}/events?alt=json",
        address=str(address),
        expiration_ms=_expiration(call, body),
        calendar_id=calendar.id,
        email=call.email,
        token=token,
    )
    call.sim.push.open(channel)
    return Reply(channel.resource())


def stop(call: Call) -> Reply:
    body = call.object_body()
    channel = call.sim.push.channels.get(str(body.get("id")))
    if channel is None or channel.resource_id != body.get("resourceId"):
        raise errors.not_found(f"Channel '{str(body.get('id'))[:64]}' not found for project.")
    if channel.email != call.email:
        raise errors.forbidden("Only the creator of a channel may stop it.")
    call.sim.push.stop(channel)
    return Reply(None, 204)


def _web_address(address: object) -> bool:
    """An http(s) URL the sender can POST to (what Google checks at watch time, TLS aside)."""
    if not isinstance(address, str):
        return False
    try:
        parts = urlsplit(address)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.port == 0:
            return False
        requests.Request("POST", address).prepare()
        return _valid_host(parts.hostname)
    except (ValueError, UnicodeError, requests.RequestException):
        return False


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        encoded = host.encode("idna")
    return len(encoded) <= 253 and all(0 < len(label) <= 63 for label in encoded.split(b"."))


def _expiration(call: Call, body: dict[str, Any]) -> int:
    config = call.sim.config
    params = body.get("params") or {}
    ttl_text = params.get("ttl") if isinstance(params, dict) else None
    try:
        ttl = int(ttl_text) if ttl_text is not None else config.default_channel_ttl
    except (TypeError, ValueError, OverflowError) as exc:
        raise errors.invalid("Invalid channel params.ttl: whole seconds expected.") from exc
    if ttl < 1:
        raise errors.invalid("Invalid channel params.ttl: it must be positive.")
    now_ms = int(time.time() * 1000)
    expiration = now_ms + min(ttl, config.max_channel_ttl) * 1000
    requested = body.get("expiration")
    if requested is not None:
        try:
            wanted = int(requested)
        except (TypeError, ValueError, OverflowError) as exc:
            raise errors.invalid("Invalid channel expiration.") from exc
        if wanted <= now_ms:
            raise errors.invalid("Channel expiration must be in the future.")
        expiration = min(expiration, wanted)
    return expiration
