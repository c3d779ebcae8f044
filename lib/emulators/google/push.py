"""Push notifications: ``events.watch`` channels and the background sender.

A channel watches one calendar's events. On creation it gets a ``sync`` message (number 1);
every later change to the calendar sends ``exists`` with a higher, not necessarily consecutive,
message number. Notifications are empty POSTs with Google's ``X-Goog-*`` headers, sent from
background threads so API calls stay fast, in order per channel; 500/502/503/504 and connection
failures are retried with exponential backoff. Nothing is sent for a stopped or expired
channel. Push faults (``/_admin/faults``) drop, duplicate or delay notifications.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import logging
import random
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

import requests

from emulators.google.faults import Control

log = logging.getLogger("emulators.google.push")
USER_AGENT = "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)"
_OK = (102, 200, 201, 202, 204)
_RETRY = (500, 502, 503, 504)
_MAX_ATTEMPTS = 5


@dataclass
class Channel:
    """An open notification channel."""

    id: str
    resource_id: str
    resource_uri: str
    address: str
    expiration_ms: int
    calendar_id: str
    email: str
    token: str | None = None
    last_number: int = 0
    stopped: bool = False
    outbox: deque[tuple[str, int, int]] = field(default_factory=deque)
    sending: bool = False

    @property
    def live(self) -> bool:
        return not self.stopped and time.time() * 1000 < self.expiration_ms

    def resource(self) -> dict[str, Any]:
        channel: dict[str, Any] = {
            "kind": "api#channel",
            "id": self.id,
            "resourceId": self.resource_id,
            "resourceUri": self.resource_uri,
            "expiration": str(self.expiration_ms),
        }
        if self.token is not None:
            channel["token"] = self.token
        return channel


def resource_id_of(calendar_id: str) -> str:
    """A stable, opaque id for a calendar's events collection."""
    digest = hashlib.sha256(f"events:{calendar_id}".encode()).digest()
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[byte % 36] for byte in digest[:27])


class PushHub:
    """Open channels and the threads that deliver their notifications."""

    def __init__(self, control: Control, workers: int = 4) -> None:
        self.control = control
        self.channels: dict[str, Channel] = {}
        self._lock = threading.Condition()
        self._due: list[tuple[float, int, Channel, str, int, int]] = []
        self._order = itertools.count()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="push")
        self._closed = False
        threading.Thread(target=self._schedule, name="push-scheduler", daemon=True).start()

    def open(self, channel: Channel) -> None:
        """Register a channel and queue its ``sync`` message."""
        with self._lock:
            self.channels[channel.id] = channel
            channel.last_number = 1
            self._enqueue(channel, "sync", 1)

    def stop(self, channel: Channel) -> None:
        with self._lock:
            channel.stopped = True
            self.channels.pop(channel.id, None)

    def calendar_changed(self, calendar_id: str) -> None:
        """Queue an ``exists`` message on every live channel of the calendar."""
        with self._lock:
            for channel in list(self.channels.values()):
                if channel.calendar_id == calendar_id and channel.live:
                    channel.last_number += random.randint(1, 3)
                    self._enqueue(channel, "exists", channel.last_number)

    def calendar_deleted(self, calendar_id: str) -> None:
        with self._lock:
            for channel in list(self.channels.values()):
                if channel.calendar_id == calendar_id:
                    self.stop(channel)

    def reset(self) -> None:
        with self._lock:
            for channel in list(self.channels.values()):
                self.stop(channel)
            self._due.clear()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _enqueue(self, channel: Channel, state: str, number: int) -> None:
        drop, duplicate, delay = self.control.push_roll()
        if drop:
            self.control.count_push("dropped")
            return
        if delay:
            self.control.count_push("delayed")
        copies = 2 if duplicate else 1
        if duplicate:
            self.control.count_push("duplicated")
        for _ in range(copies):
            self._at(time.monotonic() + delay, channel, state, number, 1)

    def _at(self, due: float, channel: Channel, state: str, number: int, attempt: int) -> None:
        heapq.heappush(self._due, (due, next(self._order), channel, state, number, attempt))
        self._lock.notify()

    def _schedule(self) -> None:
        with self._lock:
            while not self._closed:
                now = time.monotonic()
                while self._due and self._due[0][0] <= now:
                    _, _, channel, state, number, attempt = heapq.heappop(self._due)
                    channel.outbox.append((state, number, attempt))
                    if not channel.sending:
                        channel.sending = True
                        self._pool.submit(self._drain, channel)
                wait = self._due[0][0] - now if self._due else None
                self._lock.wait(wait)

    def _drain(self, channel: Channel) -> None:
        while True:
            with self._lock:
                if not channel.outbox:
                    channel.sending = False
                    return
                state, number, attempt = channel.outbox.popleft()
            if channel.live:
                try:
                    self._deliver(channel, state, number, attempt)
                except Exception:
                    log.exception("push delivery to channel %s failed", channel.id)
                    self.control.count_push("failed")

    def _deliver(self, channel: Channel, state: str, number: int, attempt: int) -> None:
        try:
            status = requests.post(
                channel.address, data=b"", headers=_headers(channel, state, number), timeout=5
            ).status_code
        except requests.RequestException:
            status = 503
        except (ValueError, UnicodeError):
            status = 0  # an address the HTTP stack cannot reach at all: a failed delivery
        if status in _OK:
            self.control.count_push("sent")
        elif status in _RETRY and attempt < _MAX_ATTEMPTS:
            self.control.count_push("retried")
            with self._lock:
                backoff = 0.25 * 2 ** (attempt - 1) * (1 + random.random())
                self._at(time.monotonic() + backoff, channel, state, number, attempt + 1)
        else:
            self.control.count_push("failed")


def _headers(channel: Channel, state: str, number: int) -> dict[str, str | bytes]:
    headers: dict[str, str | bytes] = {
        "User-Agent": USER_AGENT,
        "X-Goog-Channel-ID": channel.id,
        "X-Goog-Message-Number": str(number),
        "X-Goog-Resource-ID": channel.resource_id,
        "X-Goog-Resource-State": state,
        "X-Goog-Resource-URI": channel.resource_uri,
        "X-Goog-Channel-Expiration": formatdate(channel.expiration_ms / 1000, usegmt=True),
        "Content-Length": "0",
    }
    if channel.token is not None:
        headers["X-Goog-Channel-Token"] = channel.token.encode()  # any text, sent as UTF-8
    return headers
