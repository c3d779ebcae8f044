"""Aggregation queries: count, sum and avg with Firestore's result types."""

from __future__ import annotations

import math

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter


def results(query: firestore.AggregationQuery) -> dict[str, object]:
    (row,) = query.get()
    return {aggregation.alias: aggregation.value for aggregation in row}


def fill(db: firestore.Client, values: dict[str, object]) -> firestore.CollectionReference:
    collection = db.collection("amounts")
    for doc_id, value in values.items():
        collection.document(doc_id).set({"v": value, "kind": "x"})
    return collection


def test_count_counts_query_results(firestore_client: firestore.Client):
    collection = fill(firestore_client, {"a": 1, "b": 2, "c": "three"})
    assert results(collection.count(alias="n")) == {"n": 3}
    assert results(collection.where(filter=FieldFilter("v", ">", 1)).count()) == {"field_1": 1}
    assert results(collection.limit(2).count(alias="n")) == {"n": 2}
    assert results(firestore_client.collection("empty").count(alias="n")) == {"n": 0}


def test_sum_of_integers_is_an_integer_and_ignores_non_numbers(firestore_client: firestore.Client):
    collection = fill(firestore_client, {"a": 1, "b": 2, "c": "three", "d": None})
    total = results(collection.sum("v", alias="s"))["s"]
    assert total == 3
    assert isinstance(total, int)


def test_sum_with_a_double_is_a_double_and_overflow_becomes_double(
    firestore_client: firestore.Client,
):
    collection = fill(firestore_client, {"a": 1, "b": 2.5})
    total = results(collection.sum("v", alias="s"))["s"]
    assert total == 3.5
    assert isinstance(total, float)
    big = fill(firestore_client, {"a": 2**62, "b": 2**62})
    assert results(big.sum("v", alias="s"))["s"] == float(2**63)


def test_avg_is_a_double(firestore_client: firestore.Client):
    # (avg over no numbers is null: the client reads null as 0.0, so the raw API test checks it)
    collection = fill(firestore_client, {"a": 1, "b": 2, "c": "x"})
    average = results(collection.avg("v", alias="m"))["m"]
    assert average == 1.5
    assert isinstance(average, float)


def test_nan_makes_sum_and_avg_nan(firestore_client: firestore.Client):
    collection = fill(firestore_client, {"a": 1, "b": math.nan})
    assert math.isnan(results(collection.sum("v", alias="s"))["s"])
    assert math.isnan(results(collection.avg("v", alias="m"))["m"])


def test_several_aggregations_in_one_query(firestore_client: firestore.Client):
    collection = fill(firestore_client, {"a": 2, "b": 4})
    query = collection.count(alias="n").sum("v", alias="s").avg("v", alias="m")
    assert results(query) == {"n": 2, "s": 6, "m": 3.0}
    grouped = firestore_client.collection_group("amounts").count(alias="n")
    assert results(grouped) == {"n": 2}
