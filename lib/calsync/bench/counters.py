"""The emulators' own counters, read before and after a measured piece of work.

- Firestore (`/_admin/stats`): billed reads, writes, deletes per database, and RPCs by method
  (the whole emulator: figures run alone, with the stack's scheduler paused).
- Google simulator (`/_admin/stats`): calls by method (batch parts one by one), quota units
  (total and per user), batch requests and parts, push notifications sent.
- Cloud Tasks emulator (`/admin/stats`): tasks created, attempts dispatched, succeeded, per queue.

`Counters.snapshot()` reads all three; `later - earlier` is a `Delta` with the numbers a
figure reports.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import requests

TIMEOUT = 30
EVENT_WRITES = ("events.insert", "events.update", "events.patch", "events.delete", "events.move")


@dataclass(frozen=True)
class Snapshot:
    firestore: dict[str, Any]
    google: dict[str, Any]
    tasks: dict[str, Any]

    def __sub__(self, earlier: Snapshot) -> Delta:
        return Delta(self, earlier)


def _flat(data: dict[str, Any], path: tuple[str, ...]) -> Counter[str]:
    node: Any = data
    for key in path:
        node = node.get(key, {}) if isinstance(node, dict) else {}
    return Counter({k: int(v) for k, v in node.items() if isinstance(v, int | float)})


@dataclass(frozen=True)
class Delta:
    """What happened between two snapshots."""

    later: Snapshot
    earlier: Snapshot

    def _diff(self, source: str, *path: str) -> Counter[str]:
        after = _flat(getattr(self.later, source), path)
        before = _flat(getattr(self.earlier, source), path)
        after.subtract(before)
        return Counter({k: v for k, v in after.items() if v})

    # -- Firestore --------------------------------------------------------------------------

    def billed(self, database: str) -> Counter[str]:
        """reads / writes / deletes billed to `database` (a full name or its short id)."""
        name = database if database.startswith("projects/") else None
        if name is None:
            known = set(self.later.firestore.get("databases", {}))
            name = next((d for d in known if d.endswith(f"/databases/{database}")), database)
        return self._diff("firestore", "databases", name)

    def rpcs(self) -> Counter[str]:
        return self._diff("firestore", "rpcs")

    # -- Google -----------------------------------------------------------------------------

    def google_calls(self) -> Counter[str]:
        """Calendar API and OAuth calls by method, each batch part counted as one call."""
        return self._diff("google", "requests")

    def quota_units(self, user: str | None = None) -> int:
        if user is None:
            return self._diff("google", "quotaUnits").get("total", 0)
        return self._diff("google", "quotaUnits", "byUser").get(user, 0)

    def batch(self) -> Counter[str]:
        return self._diff("google", "batch")

    def google_http_requests(self) -> int:
        """HTTP requests sent to Google: calls outside batches, plus one per batch request."""
        batch = self.batch()
        calls = sum(self.google_calls().values())
        return calls - batch.get("parts", 0) + batch.get("requests", 0)

    def event_writes(self) -> int:
        calls = self.google_calls()
        return sum(calls.get(method, 0) for method in EVENT_WRITES)

    def push_sent(self) -> int:
        return self._diff("google", "push").get("sent", 0)

    # -- Cloud Tasks ------------------------------------------------------------------------

    def tasks(self, queue: str | None = None) -> Counter[str]:
        if queue is None:
            return self._diff("tasks", "totals")
        return self._diff("tasks", "queues", queue)


class Counters:
    """Reads the counters of the stack's emulators."""

    def __init__(self, *, firestore_admin: str, google_url: str, tasks_admin: str) -> None:
        self.firestore_admin = firestore_admin.rstrip("/")
        self.google_url = google_url.rstrip("/")
        self.tasks_admin = tasks_admin.rstrip("/")
        self.session = requests.Session()

    def _get(self, url: str) -> dict[str, Any]:
        response = self.session.get(url, timeout=TIMEOUT)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def snapshot(self) -> Snapshot:
        return Snapshot(
            firestore=self._get(f"{self.firestore_admin}/_admin/stats"),
            google=self._get(f"{self.google_url}/_admin/stats"),
            tasks=self._get(f"{self.tasks_admin}/admin/stats"),
        )
