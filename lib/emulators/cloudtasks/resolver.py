"""Host name lookups for dispatches, off the event loop and at most one at a time per host.

``getaddrinfo`` blocks, so lookups run on a small pool of threads. Attempts to the same host
and port share the lookup in progress, so a host whose name resolves slowly holds one of those
threads, never all of them: other hosts (other queues' handlers) keep resolving. IP addresses
are not looked up at all.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor

Address = tuple[int, str]
"""An address family and the IP address to connect to."""
THREADS = 16


class Resolver:
    """Resolves ``(host, port)`` for the event loop of the dispatcher (call from that loop)."""

    def __init__(self, threads: int = THREADS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="resolve")
        self._pending: dict[tuple[str, int], asyncio.Future[list[Address]]] = {}

    async def resolve(self, host: str, port: int) -> list[Address]:
        """The addresses of ``host``, in the order ``getaddrinfo`` gives them (OSError if none)."""
        literal = _literal(host)
        if literal is not None:
            return [literal]
        key = (host, port)
        pending = self._pending.get(key)
        if pending is None:
            pending = asyncio.get_running_loop().run_in_executor(self._pool, _lookup, host, port)
            self._pending[key] = pending
            pending.add_done_callback(lambda _: self._pending.pop(key, None))
        return await asyncio.shield(pending)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _literal(host: str) -> Address | None:
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    return family, host


def _lookup(host: str, port: int) -> list[Address]:
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[Address] = []
    for family, _, _, _, sockaddr in found:
        address = (int(family), str(sockaddr[0]))
        if address not in addresses:
            addresses.append(address)
    return addresses
