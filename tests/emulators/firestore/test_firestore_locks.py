"""Transaction locks: shared reads, exclusive commits, ended transactions and many waiters.

Driven through the official client (its transactions, and its generated API layer where a
step must be timed precisely: a read or commit left waiting while another call happens).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from google.api_core import exceptions
from google.cloud import firestore

from tests.fixtures.firestore import PROJECT, FirestoreEndpoint

ROOT = f"projects/{PROJECT}/databases/(default)"
DOCS = f"{ROOT}/documents"
JOIN = 60.0  # generous: the machine is shared; a hang fails the test instead of the suite
BLOCKED = 0.5  # how long a call must stay unanswered to count as waiting
PROMPT = 10.0  # a call that must not wait finishes well within this


class Call:
    """A call run in a thread: ``outcome`` is its result or the exception it raised."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.outcome: Any = None
        self.done = threading.Event()
        self._fn = fn
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        try:
            self.outcome = self._fn()
        except BaseException as error:  # inspected by the test
            self.outcome = error
        finally:
            self.done.set()

    def finished(self, timeout: float = JOIN) -> Any:
        assert self.done.wait(timeout), "the call did not finish"
        return self.outcome


def begin(api: Any) -> bytes:
    transaction: bytes = api.begin_transaction(request={"database": ROOT}).transaction
    return transaction


def read(api: Any, transaction: bytes, path: str) -> list[Any]:
    request = {"database": ROOT, "documents": [f"{DOCS}/{path}"], "transaction": transaction}
    return list(api.batch_get_documents(request=request, timeout=JOIN))


def commit(
    api: Any, transaction: bytes, writes: list[dict[str, Any]], timeout: float = JOIN
) -> Any:
    request = {"database": ROOT, "writes": writes, "transaction": transaction}
    return api.commit(request=request, timeout=timeout)


def update(path: str, n: int) -> dict[str, Any]:
    return {"update": {"name": f"{DOCS}/{path}", "fields": {"n": {"integer_value": n}}}}


def prompt_set(ref: firestore.DocumentReference, data: dict[str, Any]) -> float:
    started = time.monotonic()
    ref.set(data, timeout=PROMPT)
    return time.monotonic() - started


def test_two_transactions_reading_one_document_do_not_block_each_other(
    firestore_client: firestore.Client,
):
    ref = firestore_client.document("shared/a")
    ref.set({"n": 1})
    first, second = firestore_client.transaction(), firestore_client.transaction()
    first._begin()
    second._begin()
    assert ref.get(transaction=first).get("n") == 1
    other_read = Call(lambda: ref.get(transaction=second).get("n"))
    assert other_read.finished(PROMPT) == 1  # while the first still holds its lock
    first._commit()
    second._commit()


def test_of_two_readers_that_both_write_one_document_the_younger_is_aborted(
    firestore_client: firestore.Client,
):
    ref = firestore_client.document("shared/a")
    ref.set({"n": 0})
    older, younger = firestore_client.transaction(), firestore_client.transaction()
    for transaction in (older, younger):
        transaction._begin()
        ref.get(transaction=transaction)
    younger.update(ref, {"n": 2})
    younger_commit = Call(younger._commit)
    assert not younger_commit.done.wait(BLOCKED), "the commit did not wait for the older reader"
    older.update(ref, {"n": 1})
    older._commit()
    assert isinstance(younger_commit.finished(), exceptions.Aborted)
    assert ref.get().get("n") == 1


def test_an_older_transaction_commits_at_once_and_aborts_a_younger_idle_reader(
    firestore_client: firestore.Client,
):
    ref = firestore_client.document("shared/a")
    ref.set({"n": 0})
    older, younger = firestore_client.transaction(), firestore_client.transaction()
    for transaction in (older, younger):
        transaction._begin()
        ref.get(transaction=transaction)
    older.update(ref, {"n": 1})
    older_commit = Call(older._commit)  # the younger reader is idle: no commit of its own
    assert not isinstance(older_commit.finished(PROMPT), BaseException)
    younger.update(ref, {"n": 2})
    with pytest.raises(exceptions.Aborted):
        younger._commit()
    assert ref.get().get("n") == 1


def test_a_read_left_waiting_by_a_rolled_back_transaction_takes_no_lock(
    firestore_client: firestore.Client,
):
    api = firestore_client._firestore_api
    ref = firestore_client.document("c/a")
    ref.set({"n": 0})
    holder = begin(api)
    read(api, holder, "c/a")
    plain = Call(lambda: ref.set({"n": "plain"}, timeout=JOIN))  # waits for the holder
    assert not plain.done.wait(BLOCKED)
    rolled_back = begin(api)
    waiting_read = Call(lambda: read(api, rolled_back, "c/a"))  # queued behind that write
    assert not waiting_read.done.wait(BLOCKED)
    api.rollback(request={"database": ROOT, "transaction": rolled_back})
    commit(api, holder, [])
    assert not isinstance(plain.finished(), BaseException)
    assert isinstance(waiting_read.finished(), exceptions.GoogleAPICallError)
    assert prompt_set(ref, {"n": "later"}) < PROMPT
    assert ref.get().get("n") == "later"


def test_a_commit_left_waiting_by_a_rolled_back_transaction_applies_nothing(
    firestore_client: firestore.Client,
):
    api = firestore_client._firestore_api
    ref = firestore_client.document("c/a")
    ref.set({"n": 0})
    holder = begin(api)
    read(api, holder, "c/a")
    rolled_back = begin(api)
    waiting_commit = Call(lambda: commit(api, rolled_back, [update("c/a", 2)]))
    assert not waiting_commit.done.wait(BLOCKED)  # the holder's shared lock keeps it out
    api.rollback(request={"database": ROOT, "transaction": rolled_back})
    commit(api, holder, [])
    assert isinstance(waiting_commit.finished(), exceptions.GoogleAPICallError)
    assert ref.get().get("n") == 0
    assert prompt_set(ref, {"n": 3}) < PROMPT
    assert ref.get().get("n") == 3


def test_the_holder_commits_while_more_writers_wait_than_the_server_has_threads(
    firestore_emulator: FirestoreEndpoint, firestore_client: firestore.Client
):
    writers_count = 80  # more than a fixed pool of 64 workers would serve
    api = firestore_client._firestore_api
    ref = firestore_client.document("c/hot")
    ref.set({"n": 0})
    holder = begin(api)
    read(api, holder, "c/hot")
    commits_before = _commits(firestore_emulator)
    writers = [
        Call(lambda i=i: ref.set({"n": i}, timeout=JOIN)) for i in range(1, writers_count + 1)
    ]
    _until_received(firestore_emulator, commits_before + writers_count)
    assert not any(writer.done.is_set() for writer in writers)
    started = time.monotonic()
    commit(api, holder, [update("c/hot", -1)], timeout=PROMPT)
    assert time.monotonic() - started < PROMPT
    outcomes = [writer.finished() for writer in writers]
    assert not [o for o in outcomes if isinstance(o, BaseException)]
    assert ref.get().get("n") in range(1, writers_count + 1)  # every writer came after


def _commits(endpoint: FirestoreEndpoint) -> int:
    return int(endpoint.stats()["rpcs"].get("Commit", 0)) if endpoint.ours else 0


def _until_received(endpoint: FirestoreEndpoint, commits: int) -> None:
    """Wait until the server has received that many commits (or a while, elsewhere)."""
    if not endpoint.ours:
        time.sleep(3.0)
        return
    deadline = time.monotonic() + JOIN
    while _commits(endpoint) < commits:
        if time.monotonic() > deadline:
            pytest.fail("the writers' commits never reached the server")
        time.sleep(0.05)
