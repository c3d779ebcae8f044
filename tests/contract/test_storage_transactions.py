"""The Storage contract, transactions: atomicity, reads before writes, re-runs on contention.

Parametrised by the `storage` fixture (tests/contract/conftest.py).
"""

from __future__ import annotations

import contextlib
import threading

import pytest
from calsync.domain import SyncState
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


def test_transaction_reruns_when_a_concurrent_commit_changed_its_reads(storage: Storage) -> None:
    """Two increments racing on one document: both land (no lost update)."""
    storage.session().accounts.put(account(sync=SyncState(failures=0)))
    barrier = threading.Barrier(2, timeout=5)
    runs: list[str] = []

    def increment(name: str) -> None:
        def work(uow: UnitOfWork) -> None:
            runs.append(name)
            current = uow.accounts.get("acc1")
            assert current is not None
            if runs.count(name) == 1:  # first attempt: make sure both have read
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait()
            uow.accounts.put(
                evolve(current, sync=evolve(current.sync, failures=current.sync.failures + 1))
            )

        storage.transaction(work, attempts=20)

    threads = [threading.Thread(target=increment, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    final = storage.session().accounts.get("acc1")
    assert final is not None
    assert final.sync.failures == 2
    assert len(runs) >= 3  # one of them ran again


def test_transaction_gives_up_with_contention(storage: Storage) -> None:
    storage.session().accounts.put(account(sync=SyncState(failures=0)))
    runs = []

    def work(uow: UnitOfWork) -> None:
        runs.append(1)
        current = uow.accounts.get("acc1")
        assert current is not None
        # Someone else commits a change to what this transaction read, every time.
        other = threading.Thread(
            target=lambda: storage.session().accounts.put(
                evolve(current, sync=evolve(current.sync, failures=len(runs) * 10))
            )
        )
        other.start()
        other.join(timeout=10)
        uow.accounts.put(evolve(current, email="mine@example.com"))

    with pytest.raises(Contention):
        storage.transaction(work, attempts=3)
    assert len(runs) == 3
    final = storage.session().accounts.get("acc1")
    assert final is not None
    assert final.email != "mine@example.com"


def test_queries_inside_a_transaction_see_its_snapshot(storage: Storage) -> None:
    s = storage.session()
    s.links.put("acc1", link("a1"))

    def work(uow: UnitOfWork) -> int:
        found = list(uow.links.all("acc1"))
        uow.links.put("acc1", link("a2"))
        return len(found)

    assert storage.transaction(work) == 1
    assert sorted(x.activity_id for x in s.links.all("acc1")) == ["a1", "a2"]
