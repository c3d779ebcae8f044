"""The Storage contract, conditional account writes: `accounts.last_written` and
`accounts.put_if_unchanged`, and the lease's close built on them (sync/lease.py).

A sync job's closing write goes without a read when nothing else wrote the account since the
job did; a change another process made meanwhile must make that write fail, and the close then
reads and keeps the change. "Another process" is a second storage over the same database: a
second FirestoreStorage on the same client (it remembers nothing of the first one's writes),
and for memory the same store (one process holds it all).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from calsync.domain.account import Account, Problem
from calsync.domain.schedule import evolve
from calsync.errors import StorageError
from calsync.ports import Storage, UnitOfWork
from calsync.store.firestore import FirestoreStorage
from calsync.store.memory import MemoryStorage
from calsync.sync.lease import close, take_lease

from tests.contract.samples import T0, account

HOUR = timedelta(hours=1)


@pytest.fixture(params=["memory", "firestore"])
def two(request: pytest.FixtureRequest) -> Iterator[tuple[Storage, Storage]]:
    """This process's storage, and another process's over the same database."""
    if request.param == "memory":
        store = MemoryStorage()
        yield store, store
        return
    client = request.getfixturevalue("firestore_client")
    yield FirestoreStorage(client), FirestoreStorage(client)


def _put_in_transaction(storage: Storage, value: Account) -> None:
    def work(uow: UnitOfWork) -> None:
        uow.accounts.get(value.id)
        uow.accounts.put(value)

    storage.transaction(work)


def test_an_account_written_in_a_transaction_is_remembered_as_written(
    two: tuple[Storage, Storage],
) -> None:
    mine, _ = two
    written = account(email="written@example.com")
    _put_in_transaction(mine, written)
    assert mine.session().accounts.last_written("acc1") == written
    assert mine.session().accounts.last_written("nobody") is None


def test_a_conditional_write_applies_when_nothing_changed(two: tuple[Storage, Storage]) -> None:
    mine, _ = two
    first = account()
    mine.session().accounts.put(first)
    second = account(email="second@example.com")
    assert mine.session().accounts.put_if_unchanged(second, since=first)
    assert mine.session().accounts.get("acc1") == second
    assert mine.session().accounts.last_written("acc1") == second
    third = account(email="third@example.com")  # and again, from the write it just made
    assert mine.session().accounts.put_if_unchanged(third, since=second)
    assert mine.session().accounts.get("acc1") == third


def test_a_change_by_another_process_makes_the_conditional_write_fail(
    two: tuple[Storage, Storage],
) -> None:
    mine, other = two
    first = account()
    _put_in_transaction(mine, first)
    changed = account(email="changed-by-the-user@example.com")
    other.session().accounts.put(changed)
    stale = account(status="synced_previously")
    assert not mine.session().accounts.put_if_unchanged(stale, since=first)
    assert mine.session().accounts.get("acc1") == changed


def test_a_conditional_write_of_a_removed_account_fails(two: tuple[Storage, Storage]) -> None:
    mine, other = two
    first = account()
    mine.session().accounts.put(first)
    other.session().accounts.delete("acc1")
    assert not mine.session().accounts.put_if_unchanged(account(email="x@example.com"), since=first)
    assert mine.session().accounts.get("acc1") is None


def test_a_conditional_write_is_refused_inside_a_transaction(
    two: tuple[Storage, Storage],
) -> None:
    mine, _ = two
    first = account()
    mine.session().accounts.put(first)

    def work(uow: UnitOfWork) -> bool:
        return uow.accounts.put_if_unchanged(account(email="x@example.com"), since=first)

    with pytest.raises(StorageError):
        mine.transaction(work)
    assert mine.session().accounts.get("acc1") == first


# -- the lease's close ------------------------------------------------------------------------


def _finished(account_: Account) -> Account:
    return evolve(account_, sync=evolve(account_.sync, last_synced_at=T0 + HOUR, failures=0))


def test_closing_releases_the_lease_and_records_the_result(two: tuple[Storage, Storage]) -> None:
    mine, _ = two
    mine.session().accounts.put(account())
    leased = take_lease(mine, "acc1", "job-1", T0, HOUR)
    assert isinstance(leased, Account)
    closed = close(mine, "acc1", "job-1", _finished)
    stored = mine.session().accounts.get("acc1")
    assert closed == stored
    assert stored is not None
    assert (stored.sync.lease_holder, stored.sync.lease_until) == (None, None)
    assert stored.sync.last_synced_at == T0 + HOUR


def test_closing_keeps_what_another_process_changed_while_the_job_ran(
    two: tuple[Storage, Storage],
) -> None:
    mine, other = two
    mine.session().accounts.put(account())
    assert isinstance(take_lease(mine, "acc1", "job-1", T0, HOUR), Account)
    during = other.session().accounts.get("acc1")  # the user edits the account meanwhile
    assert during is not None
    problem = Problem(code="note", message="set by the other process", at=T0)
    other.session().accounts.put(evolve(during, email="new@example.com", error=problem))
    closed = close(mine, "acc1", "job-1", _finished)
    stored = mine.session().accounts.get("acc1")
    assert closed == stored
    assert stored is not None
    assert (stored.email, stored.error) == ("new@example.com", problem)  # kept
    assert stored.sync.last_synced_at == T0 + HOUR  # and the job's result recorded
    assert stored.sync.lease_holder is None


def test_closing_after_the_lease_was_taken_over_writes_nothing(
    two: tuple[Storage, Storage],
) -> None:
    mine, other = two
    mine.session().accounts.put(account())
    assert isinstance(take_lease(mine, "acc1", "job-1", T0, HOUR), Account)
    later = T0 + 2 * HOUR  # job-1's lease ended; another process's job takes the account
    assert isinstance(take_lease(other, "acc1", "job-2", later, HOUR), Account)
    assert close(mine, "acc1", "job-1", _finished) is None
    stored = mine.session().accounts.get("acc1")
    assert stored is not None
    assert stored.sync.lease_holder == "job-2"
    assert stored.sync.last_synced_at is None
