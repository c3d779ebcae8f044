"""Cursors over two orderings in mixed directions: values, snapshots, prefixes, both ends.

The collection ordered by ``x`` ascending then ``y`` descending (then ``__name__``, in the
last direction) is ``b a d e c f``:

    id  a    b    c    d    e    f
    x   1    1    2    2    2    3
    y   "x"  "y"  "x"  "y"  "y"  "a"
"""

from __future__ import annotations

import pytest
from google.cloud import firestore

ROWS = {"a": (1, "x"), "b": (1, "y"), "c": (2, "x"), "d": (2, "y"), "e": (2, "y"), "f": (3, "a")}


@pytest.fixture
def mixed(firestore_client: firestore.Client) -> firestore.Query:
    collection = firestore_client.collection("mixed")
    batch = firestore_client.batch()
    for doc_id, (x, y) in ROWS.items():
        batch.set(collection.document(doc_id), {"x": x, "y": y})
    batch.commit()
    return collection.order_by("x").order_by("y", direction=firestore.Query.DESCENDING)


def ids(query: firestore.Query) -> list[str]:
    return [snapshot.id for snapshot in query.stream()]


def snapshot(query: firestore.Query, doc_id: str) -> firestore.DocumentSnapshot:
    collection: firestore.CollectionReference = query._parent  # the query's collection
    return collection.document(doc_id).get()


def test_the_mixed_order_breaks_ties_by_name_in_the_last_direction(mixed: firestore.Query):
    assert ids(mixed) == ["b", "a", "e", "d", "c", "f"]


def test_value_cursors_on_both_orderings(mixed: firestore.Query):
    assert ids(mixed.start_at({"x": 2, "y": "y"})) == ["e", "d", "c", "f"]
    assert ids(mixed.start_after({"x": 2, "y": "y"})) == ["c", "f"]
    assert ids(mixed.end_at({"x": 2, "y": "y"})) == ["b", "a", "e", "d"]
    assert ids(mixed.end_before({"x": 2, "y": "x"})) == ["b", "a", "e", "d"]
    assert ids(mixed.start_after({"x": 1, "y": "x"}).end_before({"x": 3, "y": "a"})) == [
        "e",
        "d",
        "c",
    ]


def test_snapshot_cursors_include_the_name_in_the_last_direction(mixed: firestore.Query):
    e = snapshot(mixed, "e")
    assert ids(mixed.start_after(e)) == ["d", "c", "f"]
    assert ids(mixed.start_at(e)) == ["e", "d", "c", "f"]
    assert ids(mixed.end_before(e)) == ["b", "a"]
    assert ids(mixed.end_at(snapshot(mixed, "d"))) == ["b", "a", "e", "d"]
    assert ids(mixed.start_after(snapshot(mixed, "b")).end_before(snapshot(mixed, "f"))) == [
        "a",
        "e",
        "d",
        "c",
    ]


def test_prefix_cursors_bound_only_the_first_ordering(mixed: firestore.Query):
    # (a list of values may be shorter than the orderings; a dict must name every one)
    assert ids(mixed.start_after([1])) == ["e", "d", "c", "f"]
    assert ids(mixed.start_at([2])) == ["e", "d", "c", "f"]
    assert ids(mixed.end_before([2])) == ["b", "a"]
    assert ids(mixed.end_at([2])) == ["b", "a", "e", "d", "c"]
    assert ids(mixed.start_at([2, "x"]).end_at([2])) == ["c"]


def test_cursors_with_the_first_ordering_descending(firestore_client: firestore.Client):
    collection = firestore_client.collection("mixed")
    for doc_id, (x, y) in ROWS.items():
        collection.document(doc_id).set({"x": x, "y": y})
    query = collection.order_by("x", direction=firestore.Query.DESCENDING).order_by("y")
    assert ids(query) == ["f", "c", "d", "e", "a", "b"]
    assert ids(query.start_after({"x": 2, "y": "x"})) == ["d", "e", "a", "b"]
    assert ids(query.end_before([1])) == ["f", "c", "d", "e"]
    assert ids(query.start_at(collection.document("d").get()).limit(2)) == ["d", "e"]
