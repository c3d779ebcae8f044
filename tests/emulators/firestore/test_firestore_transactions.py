"""Transactions: read-write and read-only, contention, deadlocks, expiry and read_time."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from emulators import launch
from google.api_core import exceptions
from google.cloud import firestore

from tests.fixtures.firestore import PROJECT

JOIN = 60.0  # generous: the machine is shared; a hang fails the test instead of the suite


def test_read_write_transaction_commits_reads_and_writes(firestore_client: firestore.Client):
    db = firestore_client
    db.document("acc/a").set({"balance": 100})
    db.document("acc/b").set({"balance": 0})

    @firestore.transactional
    def transfer(transaction: firestore.Transaction, amount: int) -> int:
        a = db.document("acc/a").get(transaction=transaction).get("balance")
        b = db.document("acc/b").get(transaction=transaction).get("balance")
        transaction.update(db.document("acc/a"), {"balance": a - amount})
        transaction.update(db.document("acc/b"), {"balance": b + amount})
        return a - amount

    assert transfer(db.transaction(), 30) == 70
    assert db.document("acc/a").get().get("balance") == 70
    assert db.document("acc/b").get().get("balance") == 30


def test_two_threads_incrementing_one_counter_in_transactions_end_exact(
    firestore_emulator: object, firestore_client: firestore.Client
):
    firestore_client.document("counters/c").set({"n": 0})
    errors: list[BaseException] = []

    def worker() -> None:
        client = firestore.Client(project=PROJECT)
        ref = client.document("counters/c")

        @firestore.transactional
        def increment(transaction: firestore.Transaction) -> None:
            n = ref.get(transaction=transaction).get("n")
            transaction.update(ref, {"n": n + 1})

        try:
            for _ in range(50):
                increment(client.transaction())
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN)
    assert not errors
    assert firestore_client.document("counters/c").get().get("n") == 100


def test_a_write_to_a_document_a_transaction_read_waits_for_the_commit(
    firestore_client: firestore.Client,
):
    db = firestore_client
    ref = db.document("leases/acc1")
    ref.set({"owner": None})
    writer_done = threading.Event()
    seen: list[object] = []

    def competing_write() -> None:
        firestore.Client(project=PROJECT).document("leases/acc1").set({"owner": "intruder"})
        writer_done.set()

    @firestore.transactional
    def take_lease(transaction: firestore.Transaction) -> None:
        seen.append(ref.get(transaction=transaction).get("owner"))
        if len(seen) == 1:
            threading.Thread(target=competing_write, daemon=True).start()
            assert not writer_done.wait(1.0), "the write did not wait for the transaction"
        transaction.update(ref, {"owner": "worker"})

    take_lease(db.transaction())
    assert writer_done.wait(JOIN)
    assert seen == [None]
    assert ref.get().get("owner") == "intruder"  # applied after the transaction committed


def test_a_write_into_a_collection_a_transaction_queried_waits_for_the_commit(
    firestore_client: firestore.Client,
):
    outbox = firestore_client.collection("outbox")
    outbox.document("o1").set({"n": 1})
    writer_done = threading.Event()
    drained: list[list[str]] = []

    def enqueue() -> None:
        firestore.Client(project=PROJECT).document("outbox/o2").set({"n": 2})
        writer_done.set()

    @firestore.transactional
    def drain(transaction: firestore.Transaction) -> None:
        entries = list(outbox.stream(transaction=transaction))
        drained.append([entry.id for entry in entries])
        if len(drained) == 1:
            threading.Thread(target=enqueue, daemon=True).start()
            assert not writer_done.wait(1.0), "the insert did not wait for the transaction"
        for entry in entries:
            transaction.delete(entry.reference)

    drain(firestore_client.transaction())
    assert writer_done.wait(JOIN)
    assert drained == [["o1"]]
    assert [entry.id for entry in outbox.stream()] == ["o2"]  # nothing lost, nothing drained twice


def test_failed_transaction_rolls_back_and_releases_its_locks(firestore_client: firestore.Client):
    db = firestore_client
    ref = db.document("states/s1")
    ref.set({"used": False})

    @firestore.transactional
    def consume(transaction: firestore.Transaction) -> None:
        ref.get(transaction=transaction)
        transaction.update(ref, {"used": True})
        raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        consume(db.transaction())
    assert ref.get().get("used") is False
    done = threading.Event()
    threading.Thread(
        target=lambda: (ref.update({"used": "later"}), done.set()), daemon=True
    ).start()
    assert done.wait(JOIN)
    assert ref.get().get("used") == "later"


def test_read_only_transaction_reads_one_snapshot(firestore_client: firestore.Client):
    db = firestore_client
    db.document("snap/a").set({"v": 1})
    db.document("snap/b").set({"v": 1})
    seen: list[int] = []

    @firestore.transactional
    def read_twice(transaction: firestore.Transaction) -> None:
        seen.append(db.document("snap/a").get(transaction=transaction).get("v"))
        db.document("snap/a").set({"v": 2})  # outside the transaction: not blocked
        db.document("snap/b").set({"v": 2})
        seen.append(db.document("snap/a").get(transaction=transaction).get("v"))
        seen.append(db.document("snap/b").get(transaction=transaction).get("v"))
        query = db.collection("snap").where(filter=firestore.FieldFilter("v", "==", 1))
        seen.append(len(list(query.stream(transaction=transaction))))
        with pytest.raises(ValueError, match="read-only"):
            transaction.set(db.document("snap/c"), {"v": 3})

    read_twice(db.transaction(read_only=True))
    assert seen == [1, 1, 1, 2]
    assert db.document("snap/a").get().get("v") == 2


def test_deadlocked_transactions_are_resolved_and_both_complete(
    firestore_emulator: object, firestore_client: firestore.Client
):
    firestore_client.document("bank/x").set({"v": 50})
    firestore_client.document("bank/y").set({"v": 50})
    barrier = threading.Barrier(2, timeout=JOIN)
    attempts: list[str] = []
    errors: list[BaseException] = []

    def move(first: str, second: str) -> None:
        client = firestore.Client(project=PROJECT)

        @firestore.transactional
        def transfer(transaction: firestore.Transaction) -> None:
            attempts.append(first)
            a = client.document(f"bank/{first}").get(transaction=transaction).get("v")
            if attempts.count(first) == 1:
                barrier.wait()  # both hold their first lock before asking for the second
            b = client.document(f"bank/{second}").get(transaction=transaction).get("v")
            transaction.update(client.document(f"bank/{first}"), {"v": a - 10})
            transaction.update(client.document(f"bank/{second}"), {"v": b + 10})

        try:
            transfer(client.transaction())
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=move, args=pair, daemon=True) for pair in (("x", "y"), ("y", "x"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN)
    assert not errors
    assert len(attempts) >= 3  # one side was aborted and retried
    x = firestore_client.document("bank/x").get().get("v")
    y = firestore_client.document("bank/y").get().get("v")
    assert (x, y) == (50, 50)


@pytest.fixture
def short_lived_transactions(monkeypatch: pytest.MonkeyPatch) -> Iterator[firestore.Client]:
    """A client on a private emulator whose transactions expire after 1 s of idleness."""
    server = launch.start("emulators.firestore", "--transaction-idle-timeout", "1")
    try:
        monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", server.address)
        client = firestore.Client(project=PROJECT)
        monkeypatch.undo()
        yield client
    finally:
        server.stop()


def test_an_abandoned_transaction_expires_and_its_locks_are_released(
    short_lived_transactions: firestore.Client,
):
    db = short_lived_transactions
    ref = db.document("leases/acc1")
    ref.set({"owner": None})
    abandoned = db.transaction()
    abandoned._begin()  # a client that begins, reads, then dies without commit or rollback
    ref.get(transaction=abandoned)
    started = time.monotonic()
    db.document("leases/acc1").set({"owner": "next worker"})
    waited = time.monotonic() - started
    assert 0.5 <= waited < JOIN
    assert ref.get().get("owner") == "next worker"
    abandoned.update(ref, {"owner": "zombie"})
    with pytest.raises(exceptions.Aborted):
        abandoned._commit()
    assert ref.get().get("owner") == "next worker"


def test_reads_at_a_past_read_time_see_that_version(firestore_client: firestore.Client):
    db = firestore_client
    ref = db.document("history/h")
    first = ref.set({"v": 1}).update_time
    ref.set({"v": 2})
    db.document("history/later").set({"v": 3})
    assert ref.get(read_time=first).get("v") == 1
    assert ref.get().get("v") == 2
    past = db.collection("history").stream(read_time=first)
    assert [(s.id, s.get("v")) for s in past] == [("h", 1)]
    assert [s.get("v") for s in db.get_all([ref], read_time=first)] == [1]
