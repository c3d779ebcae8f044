"""The emulator's state: databases by name, counters, and how each read chooses its data.

A read names at most one consistency selector: ``transaction`` (a read-write transaction
locks what it reads; a read-only one reads its snapshot), ``new_transaction`` (begins one
and reports its id in the first response) or ``read_time`` (a past version, within the
retention window). Without one it reads the latest committed data.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from emulators.firestore import paths
from emulators.firestore.documents import micros
from emulators.firestore.errors import invalid
from emulators.firestore.locks import Alive, Scope, Transaction
from emulators.firestore.stats import Stats
from emulators.firestore.store import Clock, Database

DEFAULT_RETENTION = 3600.0  # seconds of past versions kept (the service's read_time window)
DEFAULT_IDLE = 60.0  # seconds a transaction may stay idle before it expires
DEFAULT_LIFETIME = 270.0  # seconds a transaction may live at most


@dataclass
class View:
    """How one read RPC sees the database."""

    db: Database
    txn: Transaction | None
    when: int | None  # None: the latest committed data
    new_id: bytes | None
    alive: Alive

    def read_time(self) -> int:
        return self.when if self.when is not None else self.db.clock.now()

    def lock_documents(self, rels: Iterable[str]) -> None:
        """Lock documents read by a read-write transaction (waits for other holders)."""
        if self.txn is not None and not self.txn.read_only:
            for rel in rels:
                self.db.transactions.lock_document(self.txn, rel, self.alive)

    def lock_scope(self, scope: Scope) -> None:
        if self.txn is not None and not self.txn.read_only:
            self.db.transactions.lock_scope(self.txn, scope)


class Emulator:
    """Every database the emulator has seen, created on first use, plus the counters."""

    def __init__(
        self,
        retention: float = DEFAULT_RETENTION,
        idle: float = DEFAULT_IDLE,
        lifetime: float = DEFAULT_LIFETIME,
    ) -> None:
        self.retention, self.idle, self.lifetime = retention, idle, lifetime
        self.clock = Clock()
        self.stats = Stats()
        self._databases: dict[str, Database] = {}
        self._lock = threading.Lock()

    def database(self, name: str) -> Database:
        db = self._databases.get(name)
        if db is None:
            paths.parse_database(name)
            with self._lock:
                db = self._databases.get(name)
                if db is None:
                    db = Database(name, self.clock, self.retention, self.idle, self.lifetime)
                    self._databases[name] = db
        return db

    def database_of(self, resource: str) -> Database:
        """The database a document or parent name belongs to."""
        return self.database(paths.split_name(resource)[0])

    def reset(self, name: str | None = None) -> None:
        """Drop all documents (of one database, or of all) and abort their transactions."""
        with self._lock:
            targets = list(self._databases.values())
        for db in targets:
            if name is None or db.name == name:
                with db.cond:
                    db.clear()

    def begin(self, db: Database, options: Any) -> Transaction:
        """Start a transaction from ``TransactionOptions`` (the caller holds ``db.cond``)."""
        mode = options.WhichOneof("mode") if options is not None else None
        if mode == "read_only":
            read_time = None
            if options.read_only.HasField("read_time"):
                read_time = self.checked_read_time(db, options.read_only.read_time)
            return db.transactions.begin(True, read_time, None)
        retry = options.read_write.retry_transaction if mode == "read_write" else b""
        return db.transactions.begin(False, None, retry or None)

    def checked_read_time(self, db: Database, timestamp: Any) -> int:
        when = micros(timestamp)
        now = db.clock.now()
        if when > now + 1_000_000:
            raise invalid("read_time cannot be in the future.")
        if when < now - db.retention_us:
            raise invalid("read_time is older than the version retention (one hour).")
        return min(when, now)

    @contextmanager
    def view(self, db: Database, request: Any, context: Any) -> Iterator[View]:
        """The consistency a read request asked for, for the duration of the read."""
        selector = request.WhichOneof("consistency_selector")
        txn, when, new_id = None, None, None
        with db.cond:
            if selector == "transaction":
                txn = db.transactions.get(request.transaction)
            elif selector == "new_transaction":
                txn = self.begin(db, request.new_transaction)
                new_id = txn.id
            elif selector == "read_time":
                when = self.checked_read_time(db, request.read_time)
            if txn is not None:
                db.transactions.enter(txn)
                when = txn.read_time
        try:
            yield View(db, txn, when, new_id, context.is_active)
        finally:
            if txn is not None:
                with db.cond:
                    db.transactions.leave(txn)
