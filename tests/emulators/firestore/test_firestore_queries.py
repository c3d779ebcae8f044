"""Query filters: every field operator, unary filters, composite AND/OR and their rules."""

from __future__ import annotations

import math

import pytest
from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import And, FieldFilter, Or

DOCS = {
    "i1": {"n": 1, "tags": ["a", "b"], "city": "Oslo"},
    "i2": {"n": 2, "tags": ["b"], "city": "Rome"},
    "i3": {"n": 3, "tags": [], "city": "Oslo"},
    "f": {"n": 2.5, "tags": ["c", 1]},
    "nan": {"n": math.nan},
    "null": {"n": None, "city": None},
    "text": {"n": "3"},
    "none": {"other": True},
}


@pytest.fixture
def people(firestore_client: firestore.Client) -> firestore.CollectionReference:
    collection = firestore_client.collection("people")
    batch = firestore_client.batch()
    for doc_id, data in DOCS.items():
        batch.set(collection.document(doc_id), data)
    batch.commit()
    return collection


def ids(query: firestore.Query) -> list[str]:
    return [snapshot.id for snapshot in query.stream()]


def where(
    collection: firestore.CollectionReference, field: str, op: str, value: object
) -> list[str]:
    return ids(collection.where(filter=FieldFilter(field, op, value)))


def test_equality_matches_equal_numbers_across_int_and_double(people):
    assert where(people, "n", "==", 2) == ["i2"]
    assert where(people, "n", "==", 2.0) == ["i2"]
    assert where(people, "n", "==", "3") == ["text"]


def test_range_operators_compare_only_values_of_the_same_type(people):
    assert where(people, "n", "<", 2.5) == ["i1", "i2"]  # NaN, null and "3" never match
    assert where(people, "n", "<=", 2.5) == ["i1", "i2", "f"]
    assert where(people, "n", ">", 2) == ["f", "i3"]
    assert where(people, "n", ">=", 3) == ["i3"]
    assert where(people, "n", ">", "") == ["text"]


def test_not_equal_excludes_missing_and_null_and_orders_by_the_field(people):
    assert where(people, "n", "!=", 2) == ["nan", "i1", "f", "i3", "text"]


def test_in_and_not_in(people):
    assert where(people, "n", "in", [1, 3, "3", None]) == ["i1", "i3", "null", "text"]
    assert where(people, "n", "not-in", [1, 2, "3"]) == ["nan", "f", "i3"]
    assert where(people, "city", "not-in", ["Oslo"]) == ["i2"]  # no missing, no null


def test_array_contains_and_array_contains_any(people):
    assert where(people, "tags", "array_contains", "b") == ["i1", "i2"]
    assert where(people, "tags", "array_contains", 1.0) == ["f"]
    assert where(people, "tags", "array_contains_any", ["a", "c"]) == ["f", "i1"]


def test_null_and_nan_filters(people):
    assert where(people, "n", "==", None) == ["null"]
    assert where(people, "n", "==", math.nan) == ["nan"]
    assert where(people, "n", "!=", None) == ["nan", "i1", "i2", "f", "i3", "text"]
    assert where(people, "n", "!=", math.nan) == ["i1", "i2", "f", "i3", "text"]


def test_composite_and_or_filters(people):
    both = And([FieldFilter("city", "==", "Oslo"), FieldFilter("n", ">", 1)])
    assert ids(people.where(filter=both)) == ["i3"]
    either = Or([FieldFilter("city", "==", "Rome"), FieldFilter("n", "==", math.nan)])
    assert ids(people.where(filter=either)) == ["i2", "nan"]
    nested = Or(
        [
            And([FieldFilter("city", "==", "Oslo"), FieldFilter("tags", "array_contains", "a")]),
            FieldFilter("n", "in", [2.5, "3"]),
        ]
    )
    assert ids(people.where(filter=nested)) == ["f", "i1", "text"]


def test_filters_on_nested_fields_and_document_ids(people, firestore_client: firestore.Client):
    people.document("deep").set({"address": {"zip": "0150"}})
    assert where(people, "address.zip", "==", "0150") == ["deep"]
    by_id = people.where(filter=FieldFilter("__name__", ">=", people.document("nan")))
    assert ids(by_id) == ["nan", "none", "null", "text"]
    listed = people.where(
        filter=FieldFilter("__name__", "in", [people.document("f"), people.document("x")])
    )
    assert ids(listed) == ["f"]


def test_filter_rules_the_service_enforces_are_invalid_argument(people):
    bad = [
        And([FieldFilter("n", "not-in", [1]), FieldFilter("city", "not-in", ["Oslo"])]),
        And([FieldFilter("n", "!=", 1), FieldFilter("city", "!=", "Oslo")]),
        And([FieldFilter("n", "not-in", [1]), FieldFilter("city", "in", ["Oslo"])]),
        Or([FieldFilter("n", "not-in", [1]), FieldFilter("city", "==", "Oslo")]),
        FieldFilter("n", "in", list(range(31))),
        And(
            [
                FieldFilter("n", "in", list(range(6))),
                FieldFilter("city", "in", [str(i) for i in range(6)]),
            ]
        ),
        And(
            [
                FieldFilter("tags", "array_contains", "a"),
                FieldFilter("tags", "array_contains_any", ["b"]),
            ]
        ),
    ]
    for combination in bad:
        with pytest.raises(exceptions.InvalidArgument):
            ids(people.where(filter=combination))
    assert where(people, "n", "==", 1) == ["i1"]  # and the server keeps serving
