"""Sends an attempt's HTTP request: within ``dispatch_deadline``, no redirects, no retries.

A 2xx completes the task; any other status (3xx included: redirects are not followed), no
complete response within the deadline (DEADLINE_EXCEEDED) or a failure to connect, to resolve
the host, to set up TLS or to read an HTTP response (UNAVAILABLE) is a failed attempt.
``Retry-After`` (in seconds) on a failed response is honoured as a lower bound of the back-off.
Every attempt runs on the dispatcher's event loop with a connection of its own, so nothing but
the queue's own limits bounds how many are in flight.
"""

from __future__ import annotations

import asyncio
import ssl

import grpc

from emulators.cloudtasks import urls, wire
from emulators.cloudtasks.attempts import Delivery, Outcome
from emulators.cloudtasks.oidc import TokenIssuer
from emulators.cloudtasks.resolver import Resolver

Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class Sender:
    """Sends deliveries (coroutines for the dispatcher's loop); TLS verifies certificates."""

    def __init__(self, issuer: TokenIssuer) -> None:
        self._issuer = issuer
        self._tls = ssl.create_default_context()
        self._resolver = Resolver()

    async def send(self, delivery: Delivery) -> Outcome:
        target = urls.parse(delivery.url)
        headers = dict(delivery.headers)
        if delivery.oidc is not None:
            email, audience = delivery.oidc
            headers["Authorization"] = f"Bearer {self._issuer.token(email, audience)}"
        head = wire.request_head(delivery.method, target, headers, len(delivery.body))
        try:
            async with asyncio.timeout(delivery.deadline):
                reader, writer = await self._connect(target)
                try:
                    response = await wire.exchange(
                        reader, writer, delivery.method, head, delivery.body
                    )
                except BaseException:
                    writer.transport.abort()
                    raise
                writer.close()
        except TimeoutError:  # before OSError: a subclass
            return Outcome(
                error=grpc.StatusCode.DEADLINE_EXCEEDED,
                message=f"no response within the dispatch deadline ({delivery.deadline:g}s)",
            )
        except _Unreachable as error:
            return Outcome(error=grpc.StatusCode.UNAVAILABLE, message=str(error))
        except (OSError, wire.ProtocolError) as error:
            return Outcome(error=grpc.StatusCode.UNAVAILABLE, message=f"request failed: {error}")
        return Outcome(
            status=response.status,
            message=f"HTTP {response.status} {response.reason}".strip(),
            retry_after=_retry_after(response.headers.get("retry-after")),
        )

    def close(self) -> None:
        self._resolver.close()

    async def _connect(self, target: urls.Target) -> Streams:
        try:
            addresses = await self._resolver.resolve(target.host, target.port)
        except OSError as error:
            raise _Unreachable(f"cannot resolve {target.host}: {error}") from None
        failure: OSError = OSError(f"no address for {target.host}")
        for family, address in addresses:
            try:
                return await asyncio.open_connection(
                    address,
                    target.port,
                    family=family,
                    ssl=self._tls if target.tls else None,
                    server_hostname=target.host if target.tls else None,
                    limit=wire.MAX_HEAD,
                )
            except ssl.SSLError as error:
                raise _Unreachable(f"TLS with {target.host} failed: {error}") from None
            except OSError as error:
                failure = error
        raise _Unreachable(f"cannot connect to {target.host}:{target.port}: {failure}")


class _Unreachable(Exception):
    """No connection could be made (resolution, refusal, TLS)."""


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds <= 3600 else None
