"""FirestoreStorage.transaction's outcomes when the service misbehaves, without a server: the
client's Transaction with scripted begin/commit/rollback answers."""

from __future__ import annotations

from typing import Any

import pytest
from calsync.errors import Contention, StorageError
from calsync.store.firestore import FirestoreStorage, FirestoreUnitOfWork
from google.api_core.exceptions import Aborted, InvalidArgument, ServiceUnavailable
from google.auth.credentials import AnonymousCredentials
from google.cloud.firestore import Client, Transaction


class ScriptedTransaction(Transaction):
    """Answers begin, commit and rollback from a script instead of the network."""

    def __init__(self, client: Client, script: dict[str, list[Exception]], **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        self.script = script

    def _answer(self, call: str) -> None:
        errors = self.script.get(call, [])
        if errors:
            raise errors.pop(0)

    def _begin(self, retry_id: bytes | None = None) -> None:
        self._answer("begin")
        self._id = b"txn"

    def _commit(self) -> list[Any]:
        self._answer("commit")
        self._clean_up()
        return []

    def _rollback(self) -> None:
        if not self.in_progress:  # as the client does
            raise ValueError("The transaction has no transaction ID, so it cannot be rolled back.")
        self._clean_up()
        self._answer("rollback")


class ScriptedClient(Client):
    def __init__(self, script: dict[str, list[Exception]]) -> None:
        super().__init__(project="p", credentials=AnonymousCredentials())
        self.script = script

    def transaction(self, max_attempts: int = 5, read_only: bool = False) -> Transaction:
        return ScriptedTransaction(self, self.script, max_attempts=max_attempts)


def _storage(**script: list[Exception]) -> FirestoreStorage:
    return FirestoreStorage(ScriptedClient(script))


def test_a_commit_that_goes_through_returns_the_result() -> None:
    storage = _storage()
    assert storage.transaction(lambda uow: 42) == 42
    assert (storage.commits, storage.retries) == (1, 0)


def test_aborted_commits_rerun_the_work_then_give_up_with_contention() -> None:
    storage = _storage(commit=[Aborted("lost")] * 3)
    runs: list[FirestoreUnitOfWork] = []
    with pytest.raises(Contention, match="3 races"):
        storage.transaction(runs.append, attempts=3)
    assert len(runs) == 3
    assert (storage.commits, storage.retries) == (0, 2)


def test_one_aborted_commit_is_retried_and_succeeds() -> None:
    storage = _storage(commit=[Aborted("lost")])
    assert storage.transaction(lambda uow: "ok") == "ok"
    assert (storage.commits, storage.retries) == (1, 1)


def test_work_exceptions_survive_a_failing_rollback() -> None:
    storage = _storage(rollback=[ServiceUnavailable("down")])
    error = KeyError("mine")

    def work(uow: FirestoreUnitOfWork) -> None:
        raise error

    with pytest.raises(KeyError) as raised:
        storage.transaction(work)
    assert raised.value is error


@pytest.mark.parametrize(
    "script",
    [
        {"begin": [ServiceUnavailable("down")]},  # the rollback then has nothing to roll back
        {"commit": [InvalidArgument("document too large")]},
    ],
)
def test_other_service_errors_are_storage_errors(script: dict[str, list[Exception]]) -> None:
    with pytest.raises(StorageError) as raised:
        _storage(**script).transaction(lambda uow: None)
    assert type(raised.value) is StorageError
    assert raised.value.retryable


def test_attempts_must_be_positive() -> None:
    with pytest.raises(ValueError, match="attempts"):
        _storage().transaction(lambda uow: None, attempts=0)
