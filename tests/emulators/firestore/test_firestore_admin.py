"""Isolation, the reset endpoint and the counters tests and benchmarks read."""

from __future__ import annotations

import pytest
from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from tests.fixtures.firestore import PROJECT, FirestoreCounters, FirestoreEndpoint


def test_projects_and_databases_are_isolated(firestore_client: firestore.Client):
    other_project = firestore.Client(project="calsync-other")
    other_database = firestore.Client(project=PROJECT, database="second")
    firestore_client.document("users/a").set({"where": "default"})
    other_project.document("users/a").set({"where": "other project"})
    other_database.document("users/a").set({"where": "second database"})
    assert firestore_client.document("users/a").get().get("where") == "default"
    assert other_project.document("users/a").get().get("where") == "other project"
    assert other_database.document("users/a").get().get("where") == "second database"
    assert [s.id for s in other_database.collection("users").stream()] == ["a"]


def test_reset_drops_one_database_only(
    firestore_emulator: FirestoreEndpoint, firestore_client: firestore.Client
):
    other = firestore.Client(project="calsync-other")
    firestore_client.document("users/a").set({"x": 1})
    other.document("users/keep").set({"x": 1})
    firestore_emulator.reset()
    assert not firestore_client.document("users/a").get().exists
    assert list(firestore_client.collections()) == []
    assert other.document("users/keep").get().exists
    firestore_emulator.reset(project="calsync-other")


def test_counters_bill_reads_like_firestore(
    firestore_client: firestore.Client, firestore_counters: FirestoreCounters
):
    db = firestore_client
    for doc_id in ("a", "b", "c"):
        db.document(f"users/{doc_id}").set({"n": 1})
    firestore_counters.reset()
    db.document("users/a").get()
    db.document("users/missing").get()
    assert firestore_counters.billed()["reads"] == 2
    list(db.collection("users").stream())
    assert firestore_counters.billed()["reads"] == 5
    list(db.collection("users").where(filter=FieldFilter("n", "==", 42)).stream())
    assert firestore_counters.billed()["reads"] == 6  # an empty result still costs one read
    list(db.get_all([db.document("users/a"), db.document("users/b")]))
    db.collection("users").count().get()
    assert firestore_counters.billed() == {"reads": 9, "writes": 0, "deletes": 0}


def test_counters_bill_writes_and_deletes_of_successful_commits_only(
    firestore_client: firestore.Client, firestore_counters: FirestoreCounters
):
    db = firestore_client
    db.document("users/a").set({"n": 1})
    batch = db.batch()
    batch.set(db.document("users/b"), {"n": 1})
    batch.update(db.document("users/a"), {"n": firestore.Increment(1)})
    batch.delete(db.document("users/c"))
    batch.commit()
    failing = db.batch()
    failing.set(db.document("users/d"), {"n": 1})
    failing.update(db.document("users/missing"), {"n": 1})
    with pytest.raises(exceptions.NotFound):  # nothing is applied, nothing is billed
        failing.commit()
    assert firestore_counters.billed() == {"reads": 0, "writes": 3, "deletes": 1}


def test_counters_count_rpcs_per_method(
    firestore_client: firestore.Client, firestore_counters: FirestoreCounters
):
    db = firestore_client
    db.document("users/a").set({"n": 1})
    db.document("users/a").get()
    list(db.collection("users").stream())

    @firestore.transactional
    def touch(transaction: firestore.Transaction) -> None:
        db.document("users/a").get(transaction=transaction)
        transaction.update(db.document("users/a"), {"n": 2})

    touch(db.transaction())
    rpcs = firestore_counters.rpcs()
    assert rpcs["Commit"] == 2
    assert rpcs["BatchGetDocuments"] == 2
    assert rpcs["RunQuery"] == 1
    assert rpcs["BeginTransaction"] == 1


def test_counters_bill_each_successful_write_of_a_bulk_writer(
    firestore_client: firestore.Client, firestore_counters: FirestoreCounters
):
    db = firestore_client
    db.document("users/a").set({"n": 1})
    firestore_counters.reset()
    writer = db.bulk_writer()
    writer.on_write_error(lambda error, _writer: False)  # no retries of the failing update
    writer.set(db.document("users/b"), {"n": 1})
    writer.create(db.document("users/c"), {"n": 1})
    writer.update(db.document("users/a"), {"n": firestore.Increment(1)})
    writer.update(db.document("users/missing"), {"n": 1})  # NOT_FOUND: not billed
    writer.delete(db.document("users/gone"))
    writer.close()
    assert firestore_counters.billed() == {"reads": 0, "writes": 3, "deletes": 1}
    assert firestore_counters.rpcs().get("BatchWrite", 0) >= 1
    assert "Commit" not in firestore_counters.rpcs()


def test_a_reset_aborts_a_live_transaction(
    firestore_emulator: FirestoreEndpoint, firestore_client: firestore.Client
):
    ref = firestore_client.document("users/a")
    ref.set({"n": 1})
    transaction = firestore_client.transaction()
    transaction._begin()
    assert ref.get(transaction=transaction).get("n") == 1
    firestore_emulator.reset()
    transaction.update(ref, {"n": 2})
    with pytest.raises(exceptions.Aborted):
        transaction._commit()
    assert not ref.get().exists  # nothing of it was applied after the reset
    ref.set({"n": 3}, timeout=10)  # and it left no lock behind
    assert ref.get().get("n") == 3
