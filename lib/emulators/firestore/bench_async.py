"""Single-document writes through the official async client, for the emulator's benchmark.

A Cloud Function instance serves many requests at once, and google-cloud-firestore's
`AsyncClient` lets one process keep many `set()` calls in flight on one channel without a
thread each. So the emulator's single-write rate is measured as `callers` coroutines each
awaiting one `DocumentReference.set()` after another: every call is still one Commit RPC with
one write, as with the sync client; what changes is that the client library no longer spends a
thread switch per call, which on a small machine is most of what the sync client costs.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from google.cloud import firestore

PROJECT = "calsync-bench"


def async_set_rate(
    address: str,
    collection: str,
    sets: int,
    callers: int,
    doc: Callable[[int], dict[str, Any]],
    *,
    rounds: int = 1,
) -> float:
    """`sets` single-document set() calls into `collection`, `callers` at a time, per second.

    With `rounds` above one, the median of that many such runs (each writing new documents),
    so one run disturbed by the machine does not decide the figure.
    """
    return asyncio.run(_median_rate(address, collection, sets, callers, doc, rounds=rounds))


async def _median_rate(
    address: str,
    name: str,
    sets: int,
    callers: int,
    doc: Callable[[int], dict[str, Any]],
    *,
    rounds: int,
) -> float:
    client = _client(address)
    try:
        collection = client.collection(name)
        await collection.document("warm-up").set(doc(0))  # the channel, before the clock starts
        rates = [await _rate(collection, f"r{r}", sets, callers, doc) for r in range(rounds)]
        return statistics.median(rates)
    finally:
        client.close()  # type: ignore[no-untyped-call]


async def _rate(
    collection: firestore.AsyncCollectionReference,
    prefix: str,
    sets: int,
    callers: int,
    doc: Callable[[int], dict[str, Any]],
) -> float:
    share = max(sets // callers, 1)

    async def write(caller: int) -> None:
        for i in range(share):
            await collection.document(f"{prefix}-a{caller}-{i:07}").set(doc(i))

    started = time.perf_counter()
    await asyncio.gather(*(write(caller) for caller in range(callers)))
    return share * callers / (time.perf_counter() - started)


def _client(address: str) -> firestore.AsyncClient:
    previous = os.environ.get("FIRESTORE_EMULATOR_HOST")
    os.environ["FIRESTORE_EMULATOR_HOST"] = address
    try:
        return firestore.AsyncClient(project=PROJECT)
    finally:
        if previous is None:
            os.environ.pop("FIRESTORE_EMULATOR_HOST", None)
        else:
            os.environ["FIRESTORE_EMULATOR_HOST"] = previous
