"""The Storage contract, transactions: atomicity, reads before writes, re-runs on contention.

Parametrised by the `storage` fixture (tests/contract/conftest.py).
"""

from __future__ import annotations

import contextlib
import threading

import pytest
from calsync.domain import Account, SyncState
from calsync.domain.schedule import evolve
from calsync.errors import Contention, StorageError
from calsync.ports import Storage, UnitOfWork

from tests.contract.samples import account, activity, link

# -- transactions -------------------------------------------------------------------------------


def test_transaction_commits_all_writes_and_returns_the_result(storage: Storage) -> None:
    def work(uow: UnitOfWork) -> str:
        assert uow.accounts.get("acc1") is None
        uow.accounts.put(account())
        uow.activities.put(activity("a1"))
        return "done"

    assert storage.transaction(work) == "done"
    assert storage.session().accounts.get("acc1") == account()
    assert storage.session().activities.get("c1", "a1") == activity("a1")


def test_transaction_is_atomic_when_work_raises(storage: Storage) -> None:
    storage.session().accounts.put(account())

    def work(uow: UnitOfWork) -> None:
        uow.accounts.get("acc1")
        uow.accounts.put(account(email="changed@example.com"))
        uow.activities.put(activity("a1"))
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        storage.transaction(work)
    assert storage.session().accounts.get("acc1") == account()
    assert storage.session().activities.get("c1", "a1") is None


def test_transaction_refuses_reads_after_writes(storage: Storage) -> None:
    def work(uow: UnitOfWork) -> None:
        uow.accounts.put(account())
        uow.accounts.get("acc1")

    with pytest.raises(StorageError):
        storage.transaction(work)
    assert storage.session().accounts.get("acc1") is None


def _bump(uow: UnitOfWork, current: Account, by: int = 1) -> None:
    uow.accounts.put(
        evolve(current, sync=evolve(current.sync, failures=current.sync.failures + by))
    )


def test_transaction_reruns_when_a_concurrent_commit_changed_its_reads(storage: Storage) -> None:
    """Two transactions read two documents in opposite orders, then both increment both: one
    of them must run again (an optimistic store sees its reads changed at commit, a locking
    one breaks the deadlock by aborting one), and both increments land (no lost update)."""
    s = storage.session()
    s.accounts.put(account("x"))
    s.accounts.put(account("y"))
    barrier = threading.Barrier(2, timeout=10)
    runs: list[str] = []

    def increment(first: str, second: str) -> None:
        def work(uow: UnitOfWork) -> None:
            runs.append(first)
            one = uow.accounts.get(first)
            if runs.count(first) == 1:  # first attempt: both hold their first read
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait()
            two = uow.accounts.get(second)
            assert one is not None
            assert two is not None
            _bump(uow, one)
            _bump(uow, two)

        storage.transaction(work, attempts=20)

    threads = [threading.Thread(target=increment, args=pair) for pair in (("x", "y"), ("y", "x"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for account_id in ("x", "y"):
        final = s.accounts.get(account_id)
        assert final is not None
        assert final.sync.failures == 2
    assert len(runs) >= 3  # one of them ran again


def test_transaction_gives_up_with_contention(storage: Storage) -> None:
    """Every attempt loses a race to an older transaction that writes what it read: after
    `attempts` runs, Contention, and nothing of the loser is written.

    Rival `n` (begun before the loser) holds a document `rn`, then reads and writes `acc1`;
    the loser's attempt `n` reads `acc1`, lets rival `n` go, reads `rn` and waits until rival
    `n` committed. A locking store breaks that deadlock by aborting the younger transaction (the
    loser); an optimistic one sees `acc1` changed when the loser commits."""
    s = storage.session()
    s.accounts.put(account(sync=SyncState(failures=0)))
    attempts = 3
    ready = [threading.Event() for _ in range(attempts)]
    go = [threading.Event() for _ in range(attempts)]
    done = [threading.Event() for _ in range(attempts)]

    def rival(n: int) -> None:
        def work(uow: UnitOfWork) -> None:
            uow.accounts.get(f"r{n}")
            ready[n].set()
            go[n].wait(timeout=30)
            current = uow.accounts.get("acc1")
            assert current is not None
            _bump(uow, current, by=10)

        try:
            storage.transaction(work)
        finally:
            done[n].set()

    rivals = [threading.Thread(target=rival, args=(n,)) for n in range(attempts)]
    for thread in rivals:
        thread.start()
    assert all(event.wait(timeout=30) for event in ready)
    runs: list[int] = []

    def work(uow: UnitOfWork) -> None:
        n = len(runs)
        runs.append(n)
        current = uow.accounts.get("acc1")
        assert current is not None
        go[n].set()
        uow.accounts.get(f"r{n}")
        assert done[n].wait(timeout=30)
        uow.accounts.put(evolve(current, email="mine@example.com"))

    with pytest.raises(Contention):
        storage.transaction(work, attempts=attempts)
    for thread in rivals:
        thread.join(timeout=30)
    assert len(runs) == attempts
    final = s.accounts.get("acc1")
    assert final is not None
    assert final.email != "mine@example.com"
    assert final.sync.failures == 10 * attempts  # every rival committed


def test_queries_inside_a_transaction_see_its_snapshot(storage: Storage) -> None:
    s = storage.session()
    s.links.put("acc1", link("a1"))

    def work(uow: UnitOfWork) -> int:
        found = list(uow.links.all("acc1"))
        uow.links.put("acc1", link("a2"))
        return len(found)

    assert storage.transaction(work) == 1
    assert sorted(x.activity_id for x in s.links.all("acc1")) == ["a1", "a2"]
