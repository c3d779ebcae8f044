"""The accounts a FirestoreStorage wrote last, with the update time of each write.

Every committed write of an account document (a transaction's, once it committed, or a
session's) is remembered here with the `update_time` Firestore gave it, so that the storage
can later write the account again on the condition that nobody wrote it since (an update-time
precondition) without reading it first: `accounts.put_if_unchanged`. What is remembered may
be stale (another process may have written the account); the precondition is what makes it
safe. The memory is small and bounded: it forgets the least recently written accounts first,
and then a caller simply reads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime

from calsync.domain.account import Account

CAPACITY = 256  # accounts remembered per storage (a worker runs a handful of jobs at once)


class WrittenAccounts:
    """Account id -> (the account as written, the write's update time). Thread-safe."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._entries: OrderedDict[str, tuple[Account, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, account: Account, update_time: datetime) -> None:
        with self._lock:
            self._entries[account.id] = (account, update_time)
            self._entries.move_to_end(account.id)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)

    def forget(self, account_id: str) -> None:
        with self._lock:
            self._entries.pop(account_id, None)

    def get(self, account_id: str) -> tuple[Account, datetime] | None:
        with self._lock:
            return self._entries.get(account_id)
