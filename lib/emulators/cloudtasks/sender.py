"""Sends an attempt's HTTP request: a timeout of ``dispatch_deadline``, no redirects, no retries.

A 2xx completes the task; any other status (3xx included: redirects are not followed), a
timeout (DEADLINE_EXCEEDED) or a connection failure (UNAVAILABLE) is a failed attempt.
``Retry-After`` (in seconds) on a failed response is honoured as a lower bound of the back-off.
"""

from __future__ import annotations

import grpc
import urllib3

from emulators.cloudtasks.attempts import Delivery, Outcome
from emulators.cloudtasks.oidc import TokenIssuer


class Sender:
    """A pooled HTTP client shared by the worker threads."""

    def __init__(self, issuer: TokenIssuer, connections: int) -> None:
        self._issuer = issuer
        self._pool = urllib3.PoolManager(num_pools=64, maxsize=connections, block=False)

    def send(self, delivery: Delivery) -> Outcome:
        headers = dict(delivery.headers)
        if delivery.oidc is not None:
            email, audience = delivery.oidc
            headers["Authorization"] = f"Bearer {self._issuer.token(email, audience)}"
        try:
            response = self._pool.request(
                delivery.method,
                delivery.url,
                body=delivery.body or None,
                headers=headers,
                timeout=urllib3.Timeout(total=delivery.deadline),
                redirect=False,
                retries=False,
            )
        except urllib3.exceptions.NewConnectionError as error:  # before TimeoutError: a subclass
            return Outcome(error=grpc.StatusCode.UNAVAILABLE, message=f"cannot connect: {error}")
        except urllib3.exceptions.TimeoutError:
            return Outcome(
                error=grpc.StatusCode.DEADLINE_EXCEEDED,
                message=f"no response within the dispatch deadline ({delivery.deadline:g}s)",
            )
        except urllib3.exceptions.HTTPError as error:
            return Outcome(error=grpc.StatusCode.UNAVAILABLE, message=f"request failed: {error}")
        return Outcome(
            status=response.status,
            message=f"HTTP {response.status} {response.reason or ''}".strip(),
            retry_after=_retry_after(response.headers.get("Retry-After")),
        )

    def close(self) -> None:
        self._pool.clear()


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds <= 3600 else None
