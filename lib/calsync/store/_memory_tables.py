"""Versioned in-memory tables with optimistic transactions, the engine under MemoryStorage.

Every row and every partition (the key without its last part: e.g. all links of one account)
carries a version that grows with each write. A transaction remembers the versions it read;
its commit fails if any of them moved meanwhile, so the caller runs the work again, which is
what Firestore's client does on ABORTED. As in Firestore, a transaction refuses reads after
its first write.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Protocol

from calsync.errors import StorageError

Key = tuple[str, ...]
_WHOLE_TABLE: Key = ("*",)


@dataclass
class _Table:
    rows: dict[Key, tuple[int, Any]] = field(default_factory=dict)
    partitions: dict[Key, int] = field(default_factory=lambda: defaultdict(int))


def _partition(key: Key) -> Key:
    return key[:-1]


class Tables:
    """All tables of one MemoryStorage, guarded by one lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._tables: dict[str, _Table] = defaultdict(_Table)
        self._clock = 0

    def row(self, table: str, key: Key) -> tuple[int, Any | None]:
        with self.lock:
            version, value = self._tables[table].rows.get(key, (0, None))
            return version, value

    def scan(self, table: str, partition: Key | None) -> tuple[int, list[tuple[Key, Any]]]:
        """Rows of one partition (or of the whole table when partition is None), by key."""
        with self.lock:
            data = self._tables[table]
            if partition is None:
                rows = sorted((key, value) for key, (_, value) in data.rows.items())
                return data.partitions[_WHOLE_TABLE], rows
            rows = sorted(
                (key, value)
                for key, (_, value) in data.rows.items()
                if _partition(key) == partition
            )
            return data.partitions[partition], rows

    def version(self, table: str, key: Key, *, partition: bool) -> int:
        data = self._tables[table]
        if partition:
            return data.partitions[key]
        return data.rows.get(key, (0, None))[0]

    def apply(self, writes: list[tuple[str, Key, Any | None]]) -> None:
        """Apply puts (value) and deletes (None); the caller holds the lock."""
        for table, key, value in writes:
            self._clock += 1
            data = self._tables[table]
            if value is None:
                data.rows.pop(key, None)
            else:
                data.rows[key] = (self._clock, value)
            data.partitions[_partition(key)] = self._clock
            data.partitions[_WHOLE_TABLE] = self._clock


class Access(Protocol):
    """How repositories reach the tables: directly, or through a transaction."""

    def get(self, table: str, key: Key) -> Any | None: ...

    def scan(self, table: str, partition: Key | None) -> list[tuple[Key, Any]]: ...

    def put(self, table: str, key: Key, value: Any) -> None: ...

    def delete(self, table: str, key: Key) -> None: ...

    def latest(self, table: str, key: Key) -> Any | None:
        """The row as last written, not recorded as a read of a transaction."""
        ...

    def put_if(self, table: str, key: Key, value: Any, expected: Any) -> bool:
        """Write `value` if the row is still `expected` (direct access only)."""
        ...


class Direct:
    """Access without a transaction: every write applies at once."""

    def __init__(self, tables: Tables) -> None:
        self._tables = tables

    def get(self, table: str, key: Key) -> Any | None:
        return self._tables.row(table, key)[1]

    def scan(self, table: str, partition: Key | None) -> list[tuple[Key, Any]]:
        return self._tables.scan(table, partition)[1]

    def put(self, table: str, key: Key, value: Any) -> None:
        with self._tables.lock:
            self._tables.apply([(table, key, value)])

    def delete(self, table: str, key: Key) -> None:
        with self._tables.lock:
            self._tables.apply([(table, key, None)])

    def latest(self, table: str, key: Key) -> Any | None:
        return self._tables.row(table, key)[1]

    def put_if(self, table: str, key: Key, value: Any, expected: Any) -> bool:
        with self._tables.lock:
            if self._tables.row(table, key)[1] != expected:
                return False
            self._tables.apply([(table, key, value)])
            return True


class Transaction:
    """Access inside a transaction: reads recorded, writes buffered until commit."""

    def __init__(self, tables: Tables) -> None:
        self._tables = tables
        self._reads: dict[tuple[str, Key, bool], int] = {}
        self._writes: dict[tuple[str, Key], Any | None] = {}

    def _before_writes(self) -> None:
        if self._writes:
            raise StorageError("a transaction must do all its reads before its first write")

    def get(self, table: str, key: Key) -> Any | None:
        self._before_writes()
        version, value = self._tables.row(table, key)
        self._reads.setdefault((table, key, False), version)
        return value

    def scan(self, table: str, partition: Key | None) -> list[tuple[Key, Any]]:
        self._before_writes()
        version, rows = self._tables.scan(table, partition)
        self._reads.setdefault((table, partition or _WHOLE_TABLE, True), version)
        return rows

    def put(self, table: str, key: Key, value: Any) -> None:
        self._writes[(table, key)] = value

    def delete(self, table: str, key: Key) -> None:
        self._writes[(table, key)] = None

    def latest(self, table: str, key: Key) -> Any | None:
        return self._tables.row(table, key)[1]

    def put_if(self, table: str, key: Key, value: Any, expected: Any) -> bool:
        raise StorageError("a conditional write goes outside transactions")

    def commit(self) -> bool:
        """Apply the writes if nothing read has changed since; False means "run again"."""
        with self._tables.lock:
            for (table, key, partition), seen in self._reads.items():
                if self._tables.version(table, key, partition=partition) != seen:
                    return False
            self._tables.apply(
                [(table, key, value) for (table, key), value in self._writes.items()]
            )
            return True
