"""Counters for tests and benchmarks: billed document operations and RPCs per method.

Reads, writes and deletes are counted the way Firestore bills them: one read per document
returned (or looked up, found or not), at least one per query even when it returns nothing,
one per 1,000 documents counted by an aggregation; one write per set/create/update/transform
write and one delete per delete, counted only when the commit succeeds.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

_KINDS = ("reads", "writes", "deletes")


class Stats:
    """Thread-safe counters, overall and per database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rpcs: Counter[str] = Counter()
        self._databases: dict[str, Counter[str]] = {}

    def rpc(self, method: str) -> None:
        with self._lock:
            self._rpcs[method] += 1

    def bill(self, database: str, reads: int = 0, writes: int = 0, deletes: int = 0) -> None:
        with self._lock:
            counter = self._databases.setdefault(database, Counter())
            counter["reads"] += reads
            counter["writes"] += writes
            counter["deletes"] += deletes

    def snapshot(self) -> dict[str, Any]:
        """``{"reads", "writes", "deletes", "rpcs": {method: n}, "databases": {name: {...}}}``."""
        with self._lock:
            databases = {
                name: {kind: counter[kind] for kind in _KINDS}
                for name, counter in sorted(self._databases.items())
            }
            totals = {kind: sum(db[kind] for db in databases.values()) for kind in _KINDS}
            return {**totals, "rpcs": dict(sorted(self._rpcs.items())), "databases": databases}

    def reset(self) -> None:
        with self._lock:
            self._rpcs.clear()
            self._databases.clear()
