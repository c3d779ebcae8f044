"""FirestoreStorage on the emulator, beyond the Storage contract: the stored documents' shape,
transactions between real clients, errors, namespaces and odd ids."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from calsync.domain import Channel, SyncState
from calsync.domain.schedule import evolve
from calsync.errors import Contention, StorageError
from calsync.store.firestore import FirestoreStorage, FirestoreUnitOfWork
from google.cloud import firestore

from tests.contract.samples import T0, account, activity, conflict, entry, link
from tests.fixtures.firestore import PROJECT


@pytest.fixture
def storage(firestore_client: firestore.Client) -> FirestoreStorage:
    return FirestoreStorage(firestore_client)


def _raw(client: firestore.Client, path: str) -> dict[str, object]:
    data = client.document(path).get().to_dict()
    assert data is not None, path
    return data


# -- the documents' shape -----------------------------------------------------------------------


def test_account_document_has_query_fields_on_top(
    storage: FirestoreStorage, firestore_client: firestore.Client
) -> None:
    channel = Channel(id="ch", resource_id="r", calendar_id="cal", token_hash="h", expires_at=T0)
    later = T0 + timedelta(minutes=5)
    storage.session().accounts.put(
        account(sync=SyncState(next_check_at=T0, lease_until=later), channel=channel)
    )
    data = _raw(firestore_client, "accounts/acc1")
    assert data["status"] == "syncing"
    assert (data["company_id"], data["user_id"]) == ("c1", "u1")
    assert data["next_check_at"] == T0
    assert data["channel_expires_at"] == T0
    assert data["lease_until"] == later
    settings = data["settings"]
    assert isinstance(settings, dict)
    assert settings["export_types"] == ["call", "deadline", "email", "lunch", "meeting", "task"]
    assert data["channel"] == {
        "id": "ch",
        "resource_id": "r",
        "calendar_id": "cal",
        "token_hash": "h",
        "expires_at": T0,
    }


def test_all_day_activity_stores_dates_as_strings_and_instants_on_top(
    storage: FirestoreStorage, firestore_client: firestore.Client
) -> None:
    allday = activity(
        "d",
        start=None,
        end=None,
        start_date=date(2030, 2, 1),
        end_date=date(2030, 2, 2),
        timezone="Europe/Berlin",
        attendees=("b@x.io", "a@x.io"),
    )
    storage.session().activities.put(allday)
    data = _raw(firestore_client, "companies/c1/activities/d")
    assert (data["start_date"], data["end_date"]) == ("2030-02-01", "2030-02-02")
    assert data["start"] is None
    assert data["starts_at"] == datetime(2030, 1, 31, 23, 0, tzinfo=UTC)  # Berlin midnight
    assert data["ends_at"] == datetime(2030, 2, 2, 23, 0, tzinfo=UTC)
    assert data["attendees"] == ["a@x.io", "b@x.io"]
    assert data["visibility"] == "everyone"


def test_credentials_are_bytes_and_nothing_else(
    storage: FirestoreStorage, firestore_client: firestore.Client
) -> None:
    storage.session().credentials.put("acc1", b"\x00sealed")
    assert _raw(firestore_client, "credentials/acc1") == {"sealed": b"\x00sealed"}


def test_a_timed_activity_reads_back_in_its_zone_as_the_same_instant(
    storage: FirestoreStorage,
) -> None:
    berlin = activity("b", timezone="Europe/Berlin")
    storage.session().activities.put(berlin)
    found = storage.session().activities.get("c1", "b")
    assert found == berlin
    assert found is not None
    assert found.start is not None
    assert found.start.utcoffset() == timedelta(0)  # stored as UTC; the zone name is kept apart


def test_an_unreadable_document_is_a_storage_error(
    storage: FirestoreStorage, firestore_client: firestore.Client
) -> None:
    firestore_client.document("accounts/bad").set({"id": "bad", "status": "no such status"})
    with pytest.raises(StorageError, match="accounts/bad"):
        storage.session().accounts.get("bad")


def test_fields_it_does_not_know_are_ignored(
    storage: FirestoreStorage, firestore_client: firestore.Client
) -> None:
    storage.session().links.put("acc1", link("a1"))
    firestore_client.document("accounts/acc1/links/a1").update({"added_later": 1})
    assert storage.session().links.get("acc1", "a1") == link("a1")


# -- queries ------------------------------------------------------------------------------------


def test_for_owner_with_more_types_than_one_in_filter_takes(
    firestore_client: firestore.Client,
) -> None:
    s = FirestoreStorage(firestore_client, page_size=4).session()  # paged within each chunk
    types = [f"t{index:02}" for index in range(35)]
    for kind in [*types, "other"]:
        s.activities.put(activity(f"a-{kind}", type=kind))
    found = s.activities.for_owner("c1", "u1", ends_after=T0, types=types)
    assert sorted(a.type for a in found) == types
    assert list(s.activities.for_owner("c1", "u1", types=[])) == []


def test_all_day_activities_overlap_by_their_zone_s_midnights(storage: FirestoreStorage) -> None:
    day = date(2030, 1, 8)  # in Berlin: 2030-01-07 23:00 to 2030-01-08 23:00 UTC
    s = storage.session()
    s.activities.put(
        activity("d", start=None, end=None, start_date=day, end_date=day, timezone="Europe/Berlin")
    )
    hour = timedelta(hours=1)
    before = datetime(2030, 1, 7, 22, 0, tzinfo=UTC)  # 22:00-23:00 UTC: ends as it starts
    after = datetime(2030, 1, 8, 23, 0, tzinfo=UTC)  # starts as it ends
    inside = datetime(2030, 1, 7, 23, 30, tzinfo=UTC)
    assert list(s.activities.overlapping("c1", before, before + hour)) == []
    assert list(s.activities.overlapping("c1", after, after + hour)) == []
    assert [a.id for a in s.activities.overlapping("c1", inside, inside + hour)] == ["d"]


def test_conflicts_can_be_deleted_one_by_one(storage: FirestoreStorage) -> None:
    s = storage.session()
    for index in range(3):
        s.conflicts.add(conflict(f"k{index}", index))
    s.conflicts.delete("acc1", "k1")
    s.conflicts.delete("acc1", "missing")
    assert [c.id for c in s.conflicts.recent("acc1", limit=5)] == ["k2", "k0"]


# -- ids and namespaces -------------------------------------------------------------------------


@pytest.mark.parametrize("odd", ["a/b", ".", "..", "__x__", "50%", "a%2Fb", "ü ñ"])
def test_any_id_round_trips_to_its_own_document(storage: FirestoreStorage, odd: str) -> None:
    s = storage.session()
    s.links.put("acc/1", link(odd))
    s.links.put("acc/1", link("plain"))
    assert s.links.get("acc/1", odd) == link(odd)
    assert s.links.get_many("acc/1", [odd, "plain"]) == {odd: link(odd), "plain": link("plain")}
    assert sorted(x.activity_id for x in s.links.all("acc/1")) == sorted([odd, "plain"])
    assert s.links.get("acc", odd) is None


def test_prefixes_keep_namespaces_apart(firestore_client: firestore.Client) -> None:
    one = FirestoreStorage(firestore_client, prefix="one_")
    two = FirestoreStorage(firestore_client, prefix="two_")
    one.session().accounts.put(account())
    one.session().outbox.put(entry("a", -60))
    assert two.session().accounts.get("acc1") is None
    assert two.session().outbox.forgotten(T0, limit=10) == []  # collection groups too
    assert [e.activity_id for e in one.session().outbox.forgotten(T0, limit=10)] == ["a"]
    assert firestore_client.document("one_accounts/acc1/one_outbox/a").get().exists
    with pytest.raises(ValueError, match="prefix"):
        FirestoreStorage(firestore_client, prefix="a/b")


# -- transactions -------------------------------------------------------------------------------


def test_read_after_write_is_a_storage_error_and_nothing_is_written(
    storage: FirestoreStorage,
) -> None:
    def work(uow: FirestoreUnitOfWork) -> None:
        uow.links.put("acc1", link("a1"))
        list(uow.links.all("acc1"))

    with pytest.raises(StorageError, match="reads before its first write"):
        storage.transaction(work)
    assert storage.session().links.get("acc1", "a1") is None


def test_work_exceptions_propagate_as_they_are(storage: FirestoreStorage) -> None:
    error = KeyError("mine")

    def work(uow: FirestoreUnitOfWork) -> None:
        uow.accounts.get("acc1")
        raise error

    with pytest.raises(KeyError) as raised:
        storage.transaction(work)
    assert raised.value is error


def test_a_stream_used_after_its_transaction_ended_is_refused(storage: FirestoreStorage) -> None:
    storage.session().links.put("acc1", link("a1"))
    stream = storage.transaction(lambda uow: uow.links.all("acc1"))
    with pytest.raises(StorageError, match="transaction has ended"):
        next(stream)


def _deadlocking_pair(
    first: FirestoreStorage, second: FirestoreStorage, attempts: int
) -> list[BaseException | None]:
    """Two transactions (one per storage) read x and y in opposite orders, then write both."""
    barrier = threading.Barrier(2, timeout=10)
    outcome: list[BaseException | None] = [None, None]

    def run(index: int, store: FirestoreStorage, ids: tuple[str, str]) -> None:
        tries: list[int] = []

        def work(uow: FirestoreUnitOfWork) -> None:
            tries.append(1)
            one = uow.accounts.get(ids[0])
            if len(tries) == 1:
                barrier.wait()
            two = uow.accounts.get(ids[1])
            assert one is not None
            assert two is not None
            for current in (one, two):
                failures = current.sync.failures + 1
                uow.accounts.put(evolve(current, sync=evolve(current.sync, failures=failures)))

        try:
            store.transaction(work, attempts=attempts)
        except Contention as exc:
            outcome[index] = exc

    threads = [
        threading.Thread(target=run, args=(0, first, ("x", "y"))),
        threading.Thread(target=run, args=(1, second, ("y", "x"))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcome


def test_two_clients_racing_both_land(firestore_client: firestore.Client) -> None:
    other_client = firestore.Client(project=PROJECT)
    ours, theirs = FirestoreStorage(firestore_client), FirestoreStorage(other_client)
    ours.session().accounts.put(account("x"))
    ours.session().accounts.put(account("y"))
    assert _deadlocking_pair(ours, theirs, attempts=5) == [None, None]
    assert ours.commits + theirs.commits == 2
    assert ours.retries + theirs.retries >= 1
    for account_id in ("x", "y"):
        found = ours.session().accounts.get(account_id)
        assert found is not None
        assert found.sync.failures == 2
    other_client.close()


def test_the_attempt_limit_turns_a_lost_race_into_contention(
    firestore_client: firestore.Client,
) -> None:
    other_client = firestore.Client(project=PROJECT)
    ours, theirs = FirestoreStorage(firestore_client), FirestoreStorage(other_client)
    ours.session().accounts.put(account("x"))
    ours.session().accounts.put(account("y"))
    outcome = _deadlocking_pair(ours, theirs, attempts=1)
    lost = [exc for exc in outcome if exc is not None]
    assert len(lost) == 1
    assert isinstance(lost[0], Contention)
    assert lost[0].retryable
    for account_id in ("x", "y"):
        found = ours.session().accounts.get(account_id)
        assert found is not None
        assert found.sync.failures == 1  # only the winner's increment
    other_client.close()
