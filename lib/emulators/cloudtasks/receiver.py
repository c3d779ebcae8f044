"""A small threaded HTTP server on loopback that records what it receives: a stand-in task handler.

Tests and the benchmark point tasks at it, then read what arrived (method, path, headers, body,
arrival time) and tell it how to answer: a status, a delay, extra headers, per path prefix, or
a script of statuses consumed one per request before falling back to the standing answer.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    """One request as it arrived."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    time: float

    def header(self, name: str) -> str | None:
        """A header by case-insensitive name."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


@dataclass
class Answer:
    """How the receiver answers requests whose path starts with a prefix."""

    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    script: deque[int] = field(default_factory=deque)


class Receiver:
    """The recording server; use as a context manager or call ``start``/``stop``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._lock = threading.Condition()
        self._received: list[Received] = []
        self._answers: dict[str, Answer] = {"": Answer()}
        self._active: dict[str, int] = {}
        self.peak: dict[str, int] = {}
        """The most requests in progress at once, per path."""
        self._server = _Server((host, 0), _handler_class(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def respond(
        self,
        status: int = 200,
        delay: float = 0.0,
        path: str = "",
        headers: dict[str, str] | None = None,
        script: tuple[int, ...] = (),
    ) -> None:
        """Answer requests under ``path`` (a prefix; ``""``: all others) like this from now on."""
        with self._lock:
            self._answers[path] = Answer(status, delay, dict(headers or {}), deque(script))

    def requests(self, path: str | None = None) -> list[Received]:
        """What arrived so far (under ``path`` if given), in arrival order."""
        with self._lock:
            return [r for r in self._received if path is None or r.path.startswith(path)]

    def wait_for(
        self, count: int, timeout: float = 10.0, path: str | None = None
    ) -> list[Received]:
        """Wait until ``count`` requests arrived (under ``path``); TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(got := self.requests(path)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(got)} of {count} requests arrived in {timeout}s")
                self._lock.wait(left)
            return got

    def clear(self) -> None:
        with self._lock:
            self._received.clear()
            self.peak.clear()

    def _arrive(self, received: Received) -> tuple[int, float, dict[str, str]]:
        with self._lock:
            self._received.append(received)
            active = self._active.get(received.path, 0) + 1
            self._active[received.path] = active
            self.peak[received.path] = max(self.peak.get(received.path, 0), active)
            self._lock.notify_all()
            prefix = max((p for p in self._answers if received.path.startswith(p)), key=len)
            answer = self._answers[prefix]
            status = answer.script.popleft() if answer.script else answer.status
            return status, answer.delay, answer.headers

    def _leave(self, path: str) -> None:
        with self._lock:
            self._active[path] -= 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # many dispatches may connect at once


def _handler_class(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            received = Received(
                self.command, self.path, dict(self.headers.items()), body, time.time()
            )
            status, delay, headers = receiver._arrive(received)
            try:
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()
            finally:
                receiver._leave(received.path)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _any  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
