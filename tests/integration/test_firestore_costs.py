"""What typical FirestoreStorage operations cost, by the emulator's billing counters: reads
billed per document returned (at least one per query), writes per document written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from calsync.domain import Account, AccountStatus, SyncState, User
from calsync.store.firestore import FirestoreStorage, FirestoreUnitOfWork
from calsync.store.firestore_codec import ACCOUNT
from calsync.sync.lease import close, take_lease
from google.cloud import firestore

from tests.contract.samples import T0, account, activity, entry, link
from tests.fixtures.firestore import FirestoreCounters


@pytest.fixture
def storage(firestore_client: firestore.Client) -> FirestoreStorage:
    return FirestoreStorage(firestore_client, page_size=5)


def _bulk(client: firestore.Client, docs: dict[str, dict[str, object]]) -> None:
    """Seed raw documents fast (500 per batch)."""
    items = list(docs.items())
    for start in range(0, len(items), 500):
        batch = client.batch()
        for path, data in items[start : start + 500]:
            batch.set(client.document(path), data)
        batch.commit()


def test_an_idle_sync_job_reads_the_account_and_one_empty_outbox_query(
    storage: FirestoreStorage, firestore_counters: FirestoreCounters
) -> None:
    storage.session().accounts.put(account())
    storage.session().outbox.put(entry("a", account_id="other"))
    firestore_counters.reset()
    assert storage.transaction(lambda uow: uow.accounts.get("acc1")) == account()
    assert storage.session().outbox.pending("acc1", limit=50) == []
    assert firestore_counters.billed() == {"reads": 2, "writes": 0, "deletes": 0}


def test_closing_a_jobs_lease_is_one_write_without_a_read(
    storage: FirestoreStorage, firestore_counters: FirestoreCounters
) -> None:
    storage.session().accounts.put(account())
    assert take_lease(storage, "acc1", "job", T0, timedelta(minutes=10)) is not None
    firestore_counters.reset()
    assert close(storage, "acc1", "job", lambda a: a) is not None
    assert firestore_counters.billed() == {"reads": 0, "writes": 1, "deletes": 0}
    assert firestore_counters.rpcs() == {"Commit": 1}


def test_closing_reads_the_account_when_another_process_wrote_it_meanwhile(
    storage: FirestoreStorage,
    firestore_client: firestore.Client,
    firestore_counters: FirestoreCounters,
) -> None:
    storage.session().accounts.put(account())
    leased = take_lease(storage, "acc1", "job", T0, timedelta(minutes=10))
    assert isinstance(leased, Account)
    renamed = leased.model_copy(update={"email": "renamed@example.com"})
    FirestoreStorage(firestore_client).session().accounts.put(renamed)
    firestore_counters.reset()
    assert close(storage, "acc1", "job", lambda a: a) is not None
    billed = firestore_counters.billed()
    assert (billed["reads"], billed["writes"]) == (1, 1)  # the refused write is not billed
    assert firestore_counters.rpcs()["Commit"] == 2  # refused, then the transaction's


def test_pending_reads_only_the_page_it_returns(
    storage: FirestoreStorage, firestore_counters: FirestoreCounters
) -> None:
    for minute in range(20):
        storage.session().outbox.put(entry(f"a{minute:02}", minute))
    firestore_counters.reset()
    found = storage.session().outbox.pending("acc1", limit=7)
    assert [e.activity_id for e in found] == [f"a{m:02}" for m in range(7)]
    assert firestore_counters.billed()["reads"] == 7
    assert firestore_counters.rpcs() == {"RunQuery": 1}


def test_get_many_is_one_round_trip(
    storage: FirestoreStorage, firestore_counters: FirestoreCounters
) -> None:
    for index in range(10):
        storage.session().links.put("acc1", link(f"a{index}"))
    firestore_counters.reset()
    found = storage.session().links.get_many("acc1", [f"a{i}" for i in range(12)] + ["a1"])
    assert len(found) == 10
    assert firestore_counters.rpcs() == {"BatchGetDocuments": 1}
    assert firestore_counters.billed()["reads"] == 12  # found or not, each once


def test_due_reads_what_it_returns_however_many_accounts_exist(
    firestore_client: firestore.Client, firestore_counters: FirestoreCounters
) -> None:
    """The fan-out tick's query, scaled down from 10,000 accounts with 1,000 due."""
    storage = FirestoreStorage(firestore_client)
    seeded = {}
    for index in range(2_000):
        minutes = -index if index < 200 else 60  # 200 due (half of them syncing), 1,800 later
        status = AccountStatus.SYNCING if index % 2 == 0 else AccountStatus.SYNCED_PREVIOUSLY
        check = SyncState(next_check_at=T0 + timedelta(minutes=minutes))
        item = account(f"a{index:05}", status=status, sync=check)
        seeded[f"accounts/{item.id}"] = ACCOUNT.encode(item)
    _bulk(firestore_client, seeded)
    firestore_counters.reset()
    due = storage.session().accounts.due(T0, limit=1_000)
    assert [a.id for a in due] == [f"a{index:05}" for index in range(198, -1, -2)]  # earliest first
    assert firestore_counters.billed()["reads"] == 100
    firestore_counters.reset()
    assert len(storage.session().accounts.due(T0, limit=10)) == 10
    assert firestore_counters.billed()["reads"] == 10


def test_streams_page_lazily_with_cursors(
    storage: FirestoreStorage, firestore_counters: FirestoreCounters
) -> None:
    for index in range(12):
        storage.session().activities.put(activity(f"a{index:02}", hours=index))
    firestore_counters.reset()
    stream = storage.session().activities.for_owner("c1", "u1", ends_after=T0)
    assert firestore_counters.rpcs() == {}  # nothing is read before it is asked for
    first = next(stream)
    assert first.id == "a00"
    assert firestore_counters.rpcs() == {"RunQuery": 1}
    rest = list(stream)
    assert [a.id for a in rest] == [f"a{i:02}" for i in range(1, 12)]  # ordered by end
    assert firestore_counters.rpcs() == {"RunQuery": 3}  # pages of 5, 5 and 2
    assert firestore_counters.billed()["reads"] == 12


def test_an_import_commits_hundreds_of_writes_in_one_transaction(
    storage: FirestoreStorage, firestore_counters: FirestoreCounters
) -> None:
    """Importing events: an activity and a link per event, 250 events per transaction."""
    storage.session().accounts.put(account())
    firestore_counters.reset()

    def work(uow: FirestoreUnitOfWork) -> None:
        assert uow.accounts.get("acc1") is not None
        for index in range(250):
            uow.activities.put(activity(f"i{index:03}"))
            uow.links.put("acc1", link(f"i{index:03}"))

    storage.transaction(work)
    assert firestore_counters.billed() == {"reads": 1, "writes": 500, "deletes": 0}
    rpcs = firestore_counters.rpcs()
    assert rpcs["Commit"] == 1
    assert len(list(storage.session().links.all("acc1"))) == 250


def test_forgotten_and_user_by_email_read_only_their_results(
    storage: FirestoreStorage, firestore_counters: FirestoreCounters
) -> None:
    for index in range(6):
        storage.session().outbox.put(entry(f"x{index}", -index * 10, account_id=f"acc{index}"))
        storage.session().directory.put_user(
            User(id=f"u{index}", company_id=f"c{index}", email=f"U{index}@Example.com")
        )
    firestore_counters.reset()
    old = storage.session().outbox.forgotten(T0 - timedelta(minutes=15), limit=10)
    assert [e.activity_id for e in old] == ["x5", "x4", "x3", "x2"]
    assert firestore_counters.billed()["reads"] == 4
    firestore_counters.reset()
    user = storage.session().directory.user_by_email("u3@example.COM")
    assert user is not None
    assert user.company_id == "c3"
    assert firestore_counters.billed()["reads"] == 1
