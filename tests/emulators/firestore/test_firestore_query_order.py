"""Query ordering and shaping: cross-type order, implicit __name__ order, cursors, offset,
limit, limit_to_last, select projections and collection-group queries."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from google.cloud.firestore_v1.vector import Vector


def ids(query: firestore.Query) -> list[str]:
    return [snapshot.id for snapshot in query.stream()]


def test_values_of_every_type_sort_in_firestore_order(firestore_client: firestore.Client):
    db = firestore_client
    ordered = [
        ("00null", None),
        ("01false", False),
        ("02true", True),
        ("03nan", math.nan),
        ("04neginf", -math.inf),
        ("05int", -5),
        ("06double", 0.5),
        ("07int", 1),
        ("08time", dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
        ("09text", "B"),
        ("10text", "a"),
        ("11text", "é"),
        ("12bytes", b"\x00"),
        ("13ref", db.document("a/b")),
        ("14ref", db.document("a/b/c/d")),
        ("15geo", firestore.GeoPoint(-10, 0)),
        ("16geo", firestore.GeoPoint(10, -5)),
        ("17array", [1]),
        ("18array", [1, 2]),
        ("19array", [2]),
        ("20vector", Vector([9.0])),
        ("21vector", Vector([1.0, 1.0])),
        ("22map", {"a": 1}),
        ("23map", {"a": 1, "b": 0}),
        ("24map", {"b": 0}),
    ]
    collection = db.collection("mixed")
    batch = db.batch()
    for doc_id, value in reversed(ordered):
        batch.set(collection.document(doc_id), {"v": value})
    batch.commit()
    expected = [doc_id for doc_id, _ in ordered]
    assert ids(collection.order_by("v")) == expected
    assert ids(collection.order_by("v", direction="DESCENDING")) == expected[::-1]


def test_ties_are_broken_by_document_name_in_the_last_direction(firestore_client: firestore.Client):
    collection = firestore_client.collection("ties")
    for doc_id, rank in (("b", 1), ("a", 1), ("c", 0), ("d", 1.0)):
        collection.document(doc_id).set({"rank": rank})
    collection.document("unranked").set({"other": 1})  # lacks the order field: not a result
    assert ids(collection.order_by("rank")) == ["c", "a", "b", "d"]
    assert ids(collection.order_by("rank", direction="DESCENDING")) == ["d", "b", "a", "c"]
    assert ids(collection) == ["a", "b", "c", "d", "unranked"]


def test_inequality_filters_order_by_their_fields(firestore_client: firestore.Client):
    collection = firestore_client.collection("ineq")
    for doc_id, data in {
        "a": {"x": 3, "y": 1},
        "b": {"x": 1, "y": 2},
        "c": {"x": 2, "y": 0},
    }.items():
        collection.document(doc_id).set(data)
    query = collection.where(filter=FieldFilter("x", ">", 0))
    assert ids(query) == ["b", "c", "a"]
    two = query.where(filter=FieldFilter("y", ">=", 0)).order_by("y")
    assert ids(two) == ["c", "a", "b"]


@pytest.fixture
def scores(firestore_client: firestore.Client) -> firestore.CollectionReference:
    collection = firestore_client.collection("scores")
    batch = firestore_client.batch()
    for index, score in enumerate([10, 20, 20, 30, 40]):
        batch.set(collection.document(f"s{index}"), {"score": score, "index": index})
    batch.commit()
    return collection


def test_cursors_start_at_start_after_end_at_end_before(scores):
    by_score = scores.order_by("score")
    assert ids(by_score.start_at({"score": 20})) == ["s1", "s2", "s3", "s4"]
    assert ids(by_score.start_after({"score": 20})) == ["s3", "s4"]
    assert ids(by_score.end_at({"score": 20})) == ["s0", "s1", "s2"]
    assert ids(by_score.end_before({"score": 20})) == ["s0"]
    assert ids(by_score.start_at({"score": 15}).end_before({"score": 35})) == ["s1", "s2", "s3"]
    descending = scores.order_by("score", direction="DESCENDING")
    assert ids(descending.start_after({"score": 30})) == ["s2", "s1", "s0"]


def test_cursors_from_snapshots_include_the_document_name(scores):
    by_score = scores.order_by("score")
    middle = scores.document("s1").get()
    assert ids(by_score.start_after(middle)) == ["s2", "s3", "s4"]
    assert ids(by_score.end_before(middle)) == ["s0"]
    pages, cursor = [], None
    while True:
        page_query = by_score.limit(2) if cursor is None else by_score.start_after(cursor).limit(2)
        page = list(page_query.stream())
        if not page:
            break
        pages.append([s.id for s in page])
        cursor = page[-1]
    assert pages == [["s0", "s1"], ["s2", "s3"], ["s4"]]


def test_offset_limit_and_limit_to_last(scores):
    by_score = scores.order_by("score")
    assert ids(by_score.offset(1).limit(2)) == ["s1", "s2"]
    assert ids(by_score.offset(10)) == []
    assert ids(by_score.limit(0)) == []
    # the client flips the query's orders in place for limit_to_last: use fresh queries
    assert [s.id for s in scores.order_by("score").limit_to_last(2).get()] == ["s3", "s4"]
    below_40 = scores.where(filter=FieldFilter("score", "<", 40)).order_by("score")
    assert [s.id for s in below_40.limit_to_last(3).get()] == ["s1", "s2", "s3"]


def test_select_projects_fields_and_can_return_names_only(firestore_client: firestore.Client):
    collection = firestore_client.collection("proj")
    collection.document("a").set({"name": "A", "secret": 1, "m": {"keep": 1, "drop": 2}})
    assert [s.to_dict() for s in collection.select(["name", "m.keep"]).stream()] == [
        {"name": "A", "m": {"keep": 1}}
    ]
    names_only = list(collection.select([]).stream())
    assert [(s.id, s.to_dict()) for s in names_only] == [("a", {})]


def test_partition_query_answers_one_partition_covering_everything(
    firestore_client: firestore.Client,
):
    db = firestore_client
    for path in ("accounts/a1/links/l1", "accounts/a2/links/l2"):
        db.document(path).set({})
    partitions = list(db.collection_group("links").get_partitions(4))
    found = [s.id for partition in partitions for s in partition.query().stream()]
    assert sorted(found) == ["l1", "l2"]


def test_collection_group_queries_span_every_parent(firestore_client: firestore.Client):
    db = firestore_client
    db.document("accounts/a1/links/l1").set({"event": "e1"})
    db.document("accounts/a2/links/l2").set({"event": "e2"})
    db.document("links/top").set({"event": "e3"})
    db.document("accounts/a1/other/o").set({"event": "e1"})
    found = db.collection_group("links").where(filter=FieldFilter("event", "in", ["e1", "e3"]))
    assert sorted(s.reference.path for s in found.stream()) == ["accounts/a1/links/l1", "links/top"]
    everything = db.collection_group("links").order_by("event", direction="DESCENDING")
    assert [s.id for s in everything.stream()] == ["top", "l2", "l1"]
