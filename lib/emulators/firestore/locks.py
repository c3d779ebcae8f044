"""Transactions and pessimistic locks, as the service runs server-client transactions.

A read-write transaction takes a *shared* lock on every document it reads and on every
collection it queries: other transactions may read the same documents, but nothing may
change them until the holders end. A commit (transactional or not) needs the documents it
writes *exclusively*. Conflicts are settled by age, as Spanner's wound-wait does: a commit
that needs a document a *younger* transaction holds aborts ("wounds") that transaction at
once (its locks are released, its later reads go unlocked and its commit fails with
ABORTED, so the client's ``@transactional`` retries it, keeping its age through
``retry_transaction``); a commit that needs a document an *older* transaction holds waits
for it. While a commit waits, younger transactions' new reads of its documents queue behind
it, so a writer is not starved by a stream of readers. Waits only ever go from younger to
older, so they cannot form a cycle. A non-transactional commit takes its age when it
arrives. A transaction idle for ``idle`` seconds, or older than ``lifetime``, expires and
releases its locks.

An ended transaction (committed, rolled back, expired) holds nothing
and can acquire nothing: a read or commit of it that was waiting fails with ABORTED.

Every method runs with the database condition held; waits release it.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

import grpc

from emulators.firestore import paths
from emulators.firestore.errors import aborted, invalid
from emulators.rpc import RpcError

# ("c", parent, collection_id): one collection; ("g", collection_id or "", under): a group
Scope = tuple[str, str, str]
Alive = Callable[[], bool]
_ENDED_MEMORY = 10_000
_POLL = 0.2


class Waiter:
    """Whatever may wait for locks: a transaction, or a non-transactional commit."""

    def __init__(self, priority: int, arrival: int) -> None:
        self.priority = priority  # kept by a retry
        self.age = (priority, arrival)  # lower is older; unique even if retries share one id
        self.doomed: str | None = None  # aborted while still running: why
        self.ended: str | None = None  # finished: why

    def check_running(self) -> None:
        """Refuse to go on for an ended or aborted transaction (ABORTED)."""
        reason = self.ended or self.doomed
        if reason is not None:
            raise aborted(f"Transaction aborted ({reason}). Please retry.")


class Transaction(Waiter):
    """One transaction: its mode, age and shared locks."""

    def __init__(self, read_only: bool, read_time: int | None, priority: int, arrival: int) -> None:
        super().__init__(priority, arrival)
        self.id = os.urandom(16)
        self.read_only = read_only
        self.read_time = read_time
        self.begun = self.last_active = time.monotonic()
        self.active_calls = 0
        self.documents: set[str] = set()
        self.scopes: set[Scope] = set()


class TransactionTable:
    """The live transactions of one database and the locks they hold or wait for."""

    def __init__(
        self, cond: threading.Condition, idle: float, lifetime: float, now: Callable[[], int]
    ) -> None:
        self.cond = cond
        self.idle, self.lifetime = idle, lifetime
        self._now = now
        self._ages = itertools.count()
        self._arrivals = itertools.count()
        self.live: dict[bytes, Transaction] = {}
        self.ended: OrderedDict[bytes, tuple[str, int]] = OrderedDict()
        self.readers: dict[str, set[Transaction]] = {}
        self.scope_holders: dict[Scope, set[Transaction]] = {}
        self.writers: dict[str, list[Waiter]] = {}  # commits waiting for these documents

    # -- life cycle -------------------------------------------------------------------
    def begin(self, read_only: bool, read_time: int | None, retry: bytes | None) -> Transaction:
        self.sweep()
        priority = next(self._ages)
        if retry:
            previous = self.live.get(retry)  # left live: callers may share one retry id
            if previous is not None:
                priority = previous.priority
            elif retry in self.ended:
                priority = self.ended[retry][1]
            else:
                raise invalid("retry_transaction names no transaction of this database.")
        snapshot = (read_time or self._now()) if read_only else None
        txn = Transaction(read_only, snapshot, priority, next(self._arrivals))
        self.live[txn.id] = txn
        return txn

    def get(self, txn_id: bytes) -> Transaction:
        txn = self.live.get(txn_id)
        if txn is not None:
            return txn
        if txn_id in self.ended:
            reason = self.ended[txn_id][0]
            raise aborted(f"The referenced transaction has ended ({reason}). Please retry.")
        raise invalid("The referenced transaction is not valid for this database.")

    def known_ended(self, txn_id: bytes) -> bool:
        return txn_id in self.ended

    def finish(self, txn: Transaction, reason: str) -> None:
        """End a transaction (commit, rollback, abort, expiry) and release its locks."""
        if txn.ended is not None:
            return
        txn.ended = reason
        self._release(txn)
        self.live.pop(txn.id, None)
        self.ended[txn.id] = (reason, txn.priority)
        while len(self.ended) > _ENDED_MEMORY:
            self.ended.popitem(last=False)
        self.cond.notify_all()

    def abort_all(self, reason: str) -> None:
        for txn in list(self.live.values()):
            self.doom(txn, reason)

    def doom(self, txn: Transaction, reason: str) -> None:
        """Abort a transaction that may still be running: release now, fail its commit."""
        if txn.ended is not None:
            return
        if txn.doomed is None:
            txn.doomed = reason
        self._release(txn)
        self.cond.notify_all()

    def sweep(self) -> None:
        """Expire transactions idle too long (client gone) or older than the lifetime."""
        now = time.monotonic()
        for txn in list(self.live.values()):
            too_old = now - txn.begun > self.lifetime
            idle = txn.active_calls == 0 and now - txn.last_active > self.idle
            if idle:
                self.finish(txn, "expired after being idle")
            elif too_old:
                self.doom(txn, "expired: older than the transaction lifetime")

    def enter(self, txn: Transaction) -> None:
        txn.active_calls += 1

    def leave(self, txn: Transaction) -> None:
        txn.active_calls -= 1
        txn.last_active = time.monotonic()

    def outsider(self) -> Waiter:
        """The waiter of a non-transactional commit: as old as the moment it arrives."""
        return Waiter(next(self._ages), next(self._arrivals))

    # -- shared locks -----------------------------------------------------------------
    def lock_document(self, txn: Transaction, rel: str, alive: Alive) -> None:
        """Hold a shared lock on ``rel`` for ``txn``, after older commits waiting for it.

        An aborted transaction reads without locking; an ended one gets ABORTED.
        """
        while True:
            if txn.ended is not None:
                txn.check_running()
            if txn.doomed is not None:
                return  # its locks are gone and its commit will fail
            holders = self.readers.get(rel)
            if holders is not None and txn in holders:
                return
            queued = self.writers.get(rel, ())
            if not any(w.age < txn.age for w in queued):
                self.readers.setdefault(rel, set()).add(txn)
                txn.documents.add(rel)
                return
            self._wait(alive)

    def lock_scope(self, txn: Transaction, scope: Scope) -> None:
        if txn.ended is not None:
            txn.check_running()
        if txn.doomed is None:
            self.scope_holders.setdefault(scope, set()).add(txn)
            txn.scopes.add(scope)

    # -- exclusive access at commit ---------------------------------------------------
    def wait_for_writes(self, waiter: Waiter, rels: Iterable[str], alive: Alive) -> None:
        """Get exclusive access to ``rels``: wound younger holders, wait for older ones.

        Raises ABORTED if ``waiter`` is (or becomes, while waiting) aborted or ended.
        """
        rels = list(rels)
        queued = False
        try:
            while True:
                waiter.check_running()
                if not self._older_blockers(waiter, rels):
                    return
                if not queued:
                    queued = True
                    for rel in rels:
                        self.writers.setdefault(rel, []).append(waiter)
                self._wait(alive)
        finally:
            if queued:
                self._dequeue(waiter, rels)

    def _older_blockers(self, waiter: Waiter, rels: list[str]) -> bool:
        """Abort the younger holders of locks on ``rels``; are older ones left?"""
        older = False
        for holder in self._write_blockers(waiter, rels):
            if holder.age > waiter.age:
                self.doom(holder, "an older transaction is committing a document it read")
            else:
                older = True
        return older

    def _dequeue(self, waiter: Waiter, rels: list[str]) -> None:
        for rel in rels:
            queue = self.writers[rel]
            queue.remove(waiter)
            if not queue:
                del self.writers[rel]
        self.cond.notify_all()

    def _write_blockers(self, waiter: Waiter, rels: list[str]) -> set[Transaction]:
        blockers: set[Transaction] = set()
        if not self.readers and not self.scope_holders:
            return blockers
        for rel in rels:
            blockers.update(self.readers.get(rel, ()))
            parent, collection_id, _ = paths.split_document(rel)
            blockers.update(self.scope_holders.get(("c", parent, collection_id), ()))
            for scope, holders in self.scope_holders.items():
                kind, group, under = scope
                if kind == "g" and group in ("", collection_id) and paths.under(parent, under):
                    blockers.update(holders)
        if isinstance(waiter, Transaction):
            blockers.discard(waiter)
        return blockers

    # -- waiting ----------------------------------------------------------------------
    def _wait(self, alive: Alive) -> None:
        """Wait for a change (or a poll to pass), then expire idle transactions."""
        self.cond.wait(_POLL)
        self.sweep()
        if not alive():
            raise RpcError(grpc.StatusCode.CANCELLED, "The caller went away while waiting.")

    def _release(self, txn: Transaction) -> None:
        for rel in txn.documents:
            holders = self.readers.get(rel)
            if holders is not None:
                holders.discard(txn)
                if not holders:
                    del self.readers[rel]
        for scope in txn.scopes:
            scope_holders = self.scope_holders.get(scope)
            if scope_holders is not None:
                scope_holders.discard(txn)
                if not scope_holders:
                    del self.scope_holders[scope]
        txn.documents, txn.scopes = set(), set()
