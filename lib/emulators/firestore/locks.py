"""Transactions and pessimistic locks, as the real service runs server-client transactions.

A read-write transaction locks every document it reads (writers and other transactions'
reads of that document wait until it commits or rolls back) and every collection it queries
(writes into that collection wait). A cycle of waiting transactions is broken by aborting the
youngest; its locks are released at once, its later reads go unlocked and its commit fails
with ABORTED, so the client's ``@transactional`` retries it, keeping its age through
``retry_transaction``. A transaction idle for ``idle`` seconds, or older than ``lifetime``,
expires and releases its locks, so a client that died cannot block anyone for long.

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


class Transaction:
    """One transaction: its mode, age, locks and what it is waiting for."""

    def __init__(self, read_only: bool, read_time: int | None, priority: int) -> None:
        self.id = os.urandom(16)
        self.read_only = read_only
        self.read_time = read_time
        self.priority = priority
        self.begun = self.last_active = time.monotonic()
        self.active_calls = 0
        self.doomed: str | None = None
        self.documents: set[str] = set()
        self.scopes: set[Scope] = set()
        self.waiting_for: set[Transaction] = set()


class TransactionTable:
    """The live transactions of one database and the locks they hold."""

    def __init__(
        self, cond: threading.Condition, idle: float, lifetime: float, now: Callable[[], int]
    ) -> None:
        self.cond = cond
        self.idle, self.lifetime = idle, lifetime
        self._now = now
        self._ages = itertools.count()
        self.live: dict[bytes, Transaction] = {}
        self.ended: OrderedDict[bytes, tuple[str, int]] = OrderedDict()
        self.owners: dict[str, Transaction] = {}
        self.scope_holders: dict[Scope, set[Transaction]] = {}

    # -- life cycle -------------------------------------------------------------------
    def begin(self, read_only: bool, read_time: int | None, retry: bytes | None) -> Transaction:
        self.sweep()
        priority = next(self._ages)
        if retry:
            previous = self.live.get(retry)
            if previous is not None:
                priority = previous.priority
                self.finish(previous, "retried")
            elif retry in self.ended:
                priority = self.ended[retry][1]
        snapshot = (read_time or self._now()) if read_only else None
        txn = Transaction(read_only, snapshot, priority)
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

    # -- locks ------------------------------------------------------------------------
    def lock_document(self, txn: Transaction, rel: str, alive: Alive) -> None:
        """Wait until ``txn`` may hold ``rel`` (unless it is doomed), then hold it."""
        while txn.doomed is None:
            owner = self.owners.get(rel)
            if owner is None or owner is txn:
                self.owners[rel] = txn
                txn.documents.add(rel)
                return
            self._wait(txn, {owner}, alive)

    def lock_scope(self, txn: Transaction, scope: Scope) -> None:
        if txn.doomed is None:
            self.scope_holders.setdefault(scope, set()).add(txn)
            txn.scopes.add(scope)

    def wait_for_writes(self, txn: Transaction | None, rels: Iterable[str], alive: Alive) -> None:
        """Wait until no other transaction holds a lock covering any of ``rels``."""
        rels = list(rels)
        while True:
            if txn is not None and txn.doomed is not None:
                raise aborted(f"Transaction aborted ({txn.doomed}). Please retry.")
            blockers = self._write_blockers(txn, rels)
            if not blockers:
                return
            self._wait(txn, blockers, alive)

    def _write_blockers(self, txn: Transaction | None, rels: list[str]) -> set[Transaction]:
        blockers: set[Transaction] = set()
        if not self.owners and not self.scope_holders:
            return blockers
        for rel in rels:
            owner = self.owners.get(rel)
            if owner is not None and owner is not txn:
                blockers.add(owner)
            parent, collection_id, _ = paths.split_document(rel)
            blockers.update(self.scope_holders.get(("c", parent, collection_id), ()))
            for scope, holders in self.scope_holders.items():
                kind, group, under = scope
                if kind == "g" and group in ("", collection_id) and paths.under(parent, under):
                    blockers.update(holders)
        if txn is not None:
            blockers.discard(txn)
        return blockers

    def _wait(self, txn: Transaction | None, blockers: set[Transaction], alive: Alive) -> None:
        """Wait for a blocker to finish (or a poll to pass); break a cycle instead if any."""
        if txn is not None:
            txn.waiting_for = blockers  # kept while waiting, for others' cycle checks
            if self._break_cycle(txn):
                txn.waiting_for = set()
                return  # a victim released its locks: look again at once
        self.cond.wait(_POLL)
        if txn is not None:
            txn.waiting_for = set()
        self.sweep()
        if not alive():
            raise RpcError(grpc.StatusCode.CANCELLED, "The caller went away while waiting.")

    def _break_cycle(self, start: Transaction) -> bool:
        cycle = _find_cycle(start)
        if cycle:
            victim = max(cycle, key=lambda t: (t.priority, t.id))
            self.doom(victim, "deadlock with another transaction")
        return bool(cycle)

    def _release(self, txn: Transaction) -> None:
        for rel in txn.documents:
            if self.owners.get(rel) is txn:
                del self.owners[rel]
        for scope in txn.scopes:
            holders = self.scope_holders.get(scope)
            if holders is not None:
                holders.discard(txn)
                if not holders:
                    del self.scope_holders[scope]
        txn.documents, txn.scopes, txn.waiting_for = set(), set(), set()


def _find_cycle(start: Transaction) -> list[Transaction]:
    """The transactions on a wait-for path leading back to ``start``, if any."""
    stack: list[tuple[Transaction, list[Transaction]]] = [(start, [start])]
    seen: set[int] = set()
    while stack:
        node, trail = stack.pop()
        for nxt in node.waiting_for:
            if nxt is start:
                return trail
            if id(nxt) not in seen:
                seen.add(id(nxt))
                stack.append((nxt, [*trail, nxt]))
    return []
