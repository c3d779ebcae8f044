"""The Google adapter's transport in tests: real HTTP to the simulator, except that

- the answer to a chosen API method can be lost on the way back, after the simulator acted on
  the request (a timeout of a call that took effect): `lose`;
- the next event updates sent in batches can be refused as Google refuses to bring back some
  deleted events (409 again): `refuse_updates` turns such an update into an insert of the
  same resource, which the simulator answers 409 `duplicate` without changing anything.

The adapter is given `LossyNetwork.http` as its `http_factory`, the one seam it offers for its
transport.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import httplib2

_REQUEST_LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (\S+) HTTP/1\.1", re.MULTILINE)
_API = "/calendar/v3/"
# an event update inside a batch: "PUT /calendar/v3/calendars/{cal}/events/{id}?query HTTP/1.1"
_BATCHED_UPDATE = re.compile(
    r"^PUT (/\S*?/calendars/[^/\s]+/events)/[^/?\s]+(\?\S*)? HTTP/1\.1", re.M
)
# (HTTP method, path after /calendar/v3/) -> the API method, as the simulator names it
_METHODS = [
    ("POST", re.compile(r"^calendars/[^/]+/events/watch$"), "events.watch"),
    ("POST", re.compile(r"^calendars/[^/]+/events/[^/]+/move$"), "events.move"),
    ("GET", re.compile(r"^calendars/[^/]+/events/[^/]+/instances$"), "events.instances"),
    ("POST", re.compile(r"^calendars/[^/]+/events$"), "events.insert"),
    ("GET", re.compile(r"^calendars/[^/]+/events$"), "events.list"),
    ("GET", re.compile(r"^calendars/[^/]+/events/[^/]+$"), "events.get"),
    ("PUT", re.compile(r"^calendars/[^/]+/events/[^/]+$"), "events.update"),
    ("PATCH", re.compile(r"^calendars/[^/]+/events/[^/]+$"), "events.patch"),
    ("DELETE", re.compile(r"^calendars/[^/]+/events/[^/]+$"), "events.delete"),
    ("GET", re.compile(r"^users/me/calendarList$"), "calendarList.list"),
    ("POST", re.compile(r"^calendars$"), "calendars.insert"),
    ("POST", re.compile(r"^channels/stop$"), "channels.stop"),
]


def api_methods(uri: str, method: str, body: Any) -> list[str]:
    """The Calendar API methods one HTTP request carries (several for a batch)."""
    path = urlsplit(uri).path
    if "/batch/" in path or path.endswith("/batch"):
        text = body.decode() if isinstance(body, bytes) else str(body or "")
        return [_name(verb, urlsplit(target).path) for verb, target in _REQUEST_LINE.findall(text)]
    return [_name(method, path)]


def _name(verb: str, path: str) -> str:
    relative = path.split(_API, 1)[-1]
    for method, pattern, name in _METHODS:
        if verb == method and pattern.match(relative):
            return name
    return f"{verb} {relative}"


class LossyNetwork:
    """Hands out transports; `lose(method, times)` drops the next answers carrying `method`."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.lost = 0
        self.refused = 0
        self._refusals = 0
        self._pending: Counter[str] = Counter()
        self._lock = threading.Lock()

    def http(self) -> httplib2.Http:
        return _LossyHttp(self, timeout=self.timeout)

    def lose(self, method: str, times: int = 1) -> None:
        with self._lock:
            self._pending[method] += times

    def refuse_updates(self, times: int = 1) -> None:
        with self._lock:
            self._refusals += times

    def rewrite(self, body: Any) -> Any:
        """`body` with the next refused updates turned into inserts (batch bodies only)."""
        with self._lock:
            if not self._refusals or not isinstance(body, bytes | str):
                return body
            text = body.decode() if isinstance(body, bytes) else body
            count = min(self._refusals, len(_BATCHED_UPDATE.findall(text)))
            text = _BATCHED_UPDATE.sub(r"POST \1\2 HTTP/1.1", text, count=count)
            self._refusals -= count
            self.refused += count
            return text.encode() if isinstance(body, bytes) else text

    def should_lose(self, uri: str, method: str, body: Any) -> bool:
        with self._lock:
            for name in api_methods(uri, method, body):
                if self._pending[name] > 0:
                    self._pending[name] -= 1
                    self.lost += 1
                    return True
            return False


class _LossyHttp(httplib2.Http):
    def __init__(self, network: LossyNetwork, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.network = network

    def request(  # type: ignore[override]
        self, uri: str, method: str = "GET", body: Any = None, headers: Any = None, **kwargs: Any
    ) -> tuple[httplib2.Response, bytes]:
        if "/batch/" in urlsplit(uri).path:
            body = self.network.rewrite(body)
        answer = super().request(uri, method, body=body, headers=headers, **kwargs)
        if self.network.should_lose(uri, method, body):
            raise TimeoutError("the answer was lost on the way back")
        return answer
