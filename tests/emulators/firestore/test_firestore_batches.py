"""Batches and bulk operations: atomic commits, get_all, list_documents, collections,
BulkWriter (BatchWrite) and recursive_delete."""

from __future__ import annotations

import pytest
from google.api_core import exceptions
from google.cloud import firestore


def test_batch_commit_is_atomic(firestore_client: firestore.Client):
    db = firestore_client
    db.document("accounts/a").set({"n": 1})
    batch = db.batch()
    batch.set(db.document("accounts/b"), {"n": 2})
    batch.update(db.document("accounts/a"), {"n": 10})
    batch.update(db.document("accounts/missing"), {"n": 3})  # fails: NOT_FOUND
    with pytest.raises(exceptions.NotFound):
        batch.commit()
    assert not db.document("accounts/b").get().exists
    assert db.document("accounts/a").get().get("n") == 1


def test_batch_writes_to_one_document_apply_in_order(firestore_client: firestore.Client):
    db = firestore_client
    ref = db.document("accounts/a")
    batch = db.batch()
    batch.create(ref, {"n": 1, "gone": True})
    batch.update(ref, {"n": firestore.Increment(1), "gone": firestore.DELETE_FIELD})
    batch.set(ref, {"extra": "x"}, merge=True)
    results = batch.commit()
    assert ref.get().to_dict() == {"n": 2, "extra": "x"}
    assert len({r.update_time for r in results}) == 1  # one commit time for the whole batch


def test_get_all_returns_found_and_missing_with_field_masks(firestore_client: firestore.Client):
    db = firestore_client
    db.document("users/a").set({"name": "A", "age": 1})
    db.document("users/b").set({"name": "B", "age": 2})
    refs = [db.document("users/a"), db.document("users/nope"), db.document("users/b")]
    snapshots = {s.id: s for s in db.get_all(refs, field_paths=["name"])}
    assert snapshots["a"].to_dict() == {"name": "A"}
    assert snapshots["b"].to_dict() == {"name": "B"}
    assert not snapshots["nope"].exists


def test_list_documents_includes_missing_parents_of_subcollections(
    firestore_client: firestore.Client,
):
    db = firestore_client
    db.document("users/a").set({"x": 1})
    db.document("users/ghost/links/l1").set({"x": 2})  # users/ghost itself does not exist
    db.document("users/c").set({"x": 3})
    ids = [ref.id for ref in db.collection("users").list_documents()]
    assert ids == ["a", "c", "ghost"]
    paged = [ref.id for ref in db.collection("users").list_documents(page_size=1)]
    assert paged == ids


def test_collections_at_the_root_and_under_a_document(firestore_client: firestore.Client):
    db = firestore_client
    db.document("users/a").set({})
    db.document("accounts/x/links/l").set({})
    db.document("accounts/x/outbox/o").set({})
    assert sorted(c.id for c in db.collections()) == ["accounts", "users"]
    assert sorted(c.id for c in db.document("accounts/x").collections()) == ["links", "outbox"]
    db.document("accounts/x/outbox/o").delete()
    assert [c.id for c in db.document("accounts/x").collections()] == ["links"]


def test_bulk_writer_applies_many_writes(firestore_client: firestore.Client):
    db = firestore_client
    writer = db.bulk_writer()
    for i in range(45):
        writer.set(db.document(f"bulk/d{i:02}"), {"i": i})
    writer.close()
    # The client sends batches concurrently, so a second write to a document in the same run may
    # overtake the first (an update would meet NOT_FOUND), and its flush() ends the writer: the
    # writes that depend on the first run go in a second one.
    writer = db.bulk_writer()
    writer.update(db.document("bulk/d00"), {"i": firestore.Increment(100)})
    writer.delete(db.document("bulk/d01"))
    writer.close()
    docs = {d.id: d.get("i") for d in db.collection("bulk").stream()}
    assert len(docs) == 44
    assert docs["d00"] == 100
    assert "d01" not in docs


def test_bulk_writer_reports_a_failed_write_without_stopping_the_rest(
    firestore_client: firestore.Client,
):
    db = firestore_client
    failures: list[int] = []
    writer = db.bulk_writer()
    writer.on_write_error(lambda error, _writer: failures.append(error.code) and False)
    writer.update(db.document("bulk/missing"), {"i": 1})
    writer.set(db.document("bulk/ok"), {"i": 2})
    writer.close()
    assert failures == [5]  # NOT_FOUND
    assert db.document("bulk/ok").get().exists


def test_recursive_delete_removes_descendants_only(firestore_client: firestore.Client):
    db = firestore_client
    for path in (
        "users/a",
        "users/a/links/l1",
        "users/a/links/l1/deep/d",
        "users/b",
        "usersX/keep",
    ):
        db.document(path).set({"p": path})
    db.document("users/ghost/links/l2").set({})
    db.document("other/o/users/nested").set({})  # same collection id elsewhere: untouched
    deleted = db.recursive_delete(db.collection("users"))
    assert deleted == 5
    assert list(db.collection("users").list_documents()) == []
    assert db.document("usersX/keep").get().exists
    assert db.document("other/o/users/nested").get().exists


def test_recursive_delete_of_one_document(firestore_client: firestore.Client):
    db = firestore_client
    for path in ("users/a", "users/a/links/l1", "users/b"):
        db.document(path).set({})
    assert db.recursive_delete(db.document("users/a")) == 2
    assert [ref.id for ref in db.collection("users").list_documents()] == ["b"]
