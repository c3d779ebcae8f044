"""In-memory storage of one database: collections, document versions and structure counters.

Every collection is indexed by ``(parent, collection_id)`` and by collection id (for
collection-group queries), so a write touches only its own collection and a query only the
collections it names. Each document keeps its recent versions (an hour by default) for
``read_time`` reads and read-only transactions; deleted documents stay as tombstones for the
same time. Callers hold ``Database.cond`` around every call.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from typing import Any

from emulators.firestore import paths
from emulators.firestore.documents import Document
from emulators.firestore.indexes import EqualityIndex, SortedIndex
from emulators.firestore.locks import TransactionTable


class Clock:
    """Microsecond timestamps: commit times strictly increase, read times never go back."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def tick(self) -> int:
        with self._lock:
            self._last = max(time.time_ns() // 1000, self._last + 1)
            return self._last

    def now(self) -> int:
        with self._lock:
            return max(time.time_ns() // 1000, self._last)


class Entry:
    """A document slot: the current state (None = deleted) and the states before it."""

    __slots__ = ("doc", "history", "name_key", "since")

    def __init__(self, name_key: paths.PathKey) -> None:
        self.doc: Document | None = None
        self.since = 0
        self.history: list[tuple[int, Document | None]] = []
        self.name_key = name_key

    def at(self, when: int | None) -> Document | None:
        if when is None or when >= self.since:
            return self.doc
        for since, doc in reversed(self.history):
            if since <= when:
                return doc
        return None

    def replace(self, doc: Document | None, now: int, horizon: int) -> None:
        if self.since:
            self.history.append((self.since, self.doc))
        self.doc, self.since = doc, now
        history = self.history
        while history and (history[1][0] if len(history) > 1 else now) <= horizon:
            history.pop(0)


class Collection:
    """The documents directly under one (parent, collection_id)."""

    __slots__ = (
        "collection_id",
        "entries",
        "indexes",
        "parent",
        "sorted_indexes",
        "tombstones",
        "with_children",
    )

    def __init__(self, parent: str, collection_id: str) -> None:
        self.parent = parent
        self.collection_id = collection_id
        self.entries: dict[str, Entry] = {}
        self.tombstones: deque[tuple[int, str]] = deque()
        # documents (existing or not) that have live descendants -> how many
        self.with_children: dict[str, int] = {}
        # indexes on top-level fields (and __name__), built when a query first needs one
        self.indexes: dict[str, EqualityIndex] = {}
        self.sorted_indexes: dict[str, SortedIndex] = {}

    def path(self, doc_id: str) -> str:
        return paths.join(self.parent, self.collection_id, doc_id)

    def index(self, field: str) -> EqualityIndex:
        built = self.indexes.get(field)
        if built is None:
            built = self.indexes[field] = EqualityIndex(field, self._current())
        return built

    def sorted_index(self, field: str) -> SortedIndex:
        built = self.sorted_indexes.get(field)
        if built is None:
            built = self.sorted_indexes[field] = SortedIndex(field, self._current())
        return built

    def _current(self) -> Iterator[tuple[str, paths.PathKey, Document]]:
        for doc_id, entry in self.entries.items():
            if entry.doc is not None:
                yield doc_id, entry.name_key, entry.doc

    def reindex(self, doc_id: str, entry: Entry, new: Document | None) -> None:
        for index in self.indexes.values():
            index.update(doc_id, entry.name_key, entry.doc, new)
        for ordered in self.sorted_indexes.values():
            ordered.update(doc_id, entry.name_key, entry.doc, new)

    def live(self, when: int | None = None) -> Iterator[tuple[Entry, Document]]:
        for entry in self.entries.values():
            doc = entry.doc if when is None else entry.at(when)
            if doc is not None:
                yield entry, doc


class Database:
    """All the data of ``projects/P/databases/D``, its lock table and its condition."""

    def __init__(
        self, name: str, clock: Clock, retention: float, idle: float, lifetime: float
    ) -> None:
        self.name = name
        self.root = f"{name}/documents"
        self.clock = clock
        self.retention_us = int(retention * 1_000_000)
        self.cond = threading.Condition(threading.RLock())
        self.transactions = TransactionTable(self.cond, idle, lifetime, clock.now)
        self.clear()

    def clear(self) -> None:
        self.collections: dict[tuple[str, str], Collection] = {}
        self.groups: dict[str, dict[tuple[str, str], Collection]] = {}
        self.children: dict[str, dict[str, int]] = {}
        self.transactions.abort_all("the database was reset")

    def name_of(self, rel: str) -> str:
        return f"{self.root}/{rel}"

    def oldest_readable(self) -> int:
        return self.clock.now() - self.retention_us

    def get(self, rel: str, when: int | None = None) -> Document | None:
        parent, collection_id, doc_id = paths.split_document(rel)
        collection = self.collections.get((parent, collection_id))
        if collection is None:
            return None
        entry = collection.entries.get(doc_id)
        return None if entry is None else entry.at(when)

    def install(self, changes: Mapping[str, Document | None], now: int) -> None:
        """Make the staged states of one commit current, all at time ``now``."""
        horizon = now - self.retention_us
        for rel, doc in changes.items():
            parent, collection_id, doc_id = paths.split_document(rel)
            collection = self._collection(parent, collection_id)
            entry = collection.entries.get(doc_id)
            if entry is None:
                if doc is None:
                    continue
                entry = collection.entries[doc_id] = Entry(paths.path_key(rel))
            was_live = entry.doc is not None
            if collection.indexes or collection.sorted_indexes:
                collection.reindex(doc_id, entry, doc)
            entry.replace(doc, now, horizon)
            if doc is None:
                collection.tombstones.append((now, doc_id))
            if was_live != (doc is not None):
                self._count_live(rel, 1 if doc is not None else -1)
            self._sweep_tombstones(collection, horizon)

    def _collection(self, parent: str, collection_id: str) -> Collection:
        key = (parent, collection_id)
        collection = self.collections.get(key)
        if collection is None:
            collection = self.collections[key] = Collection(parent, collection_id)
            self.groups.setdefault(collection_id, {})[key] = collection
        return collection

    def _sweep_tombstones(self, collection: Collection, horizon: int) -> None:
        tombstones = collection.tombstones
        while tombstones and tombstones[0][0] <= horizon:
            since, doc_id = tombstones.popleft()
            entry = collection.entries.get(doc_id)
            if entry is not None and entry.doc is None and entry.since == since:
                del collection.entries[doc_id]

    def _count_live(self, rel: str, delta: int) -> None:
        """Keep ListCollectionIds and missing-document listings in step with ``rel``."""
        parent, collection_id, _ = paths.split_document(rel)
        _bump(self.children.setdefault(parent, {}), collection_id, delta)
        for above_parent, above_collection, above_id in paths.ancestors(rel):
            _bump(self.children.setdefault(above_parent, {}), above_collection, delta)
            holder = self._collection(above_parent, above_collection)
            _bump(holder.with_children, above_id, delta)

    def collection_ids(self, parent: str) -> list[str]:
        return sorted(self.children.get(parent, {}), key=paths.segment_key)

    def sources(self, parent: str, collection_id: str, descendants: bool) -> list[Collection]:
        """The collections a query over ``parent`` selects."""
        if not descendants:
            found = self.collections.get((parent, collection_id))
            return [] if found is None else [found]
        pool: Any = (
            self.groups.get(collection_id, {}).values()
            if collection_id
            else self.collections.values()
        )
        return [c for c in pool if paths.under(c.parent, parent)]


def _bump(counter: dict[str, int], name: str, delta: int) -> None:
    value = counter.get(name, 0) + delta
    if value > 0:
        counter[name] = value
    else:
        counter.pop(name, None)
