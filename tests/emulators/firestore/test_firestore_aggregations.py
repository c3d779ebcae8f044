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


def test_count_up_to_stops_at_its_bound_over_the_limited_results(
    firestore_client: firestore.Client,
):
    fill(firestore_client, {f"d{i}": i for i in range(6)})
    api = firestore_client._firestore_api
    parent = f"{firestore_client._database_string}/documents"

    def count(up_to: int, **shape: object) -> int:
        query = {
            "from_": [{"collection_id": "amounts"}],
            "order_by": [{"field": {"field_path": "v"}}],
        }
        request = {
            "parent": parent,
            "structured_aggregation_query": {
                "structured_query": {**query, **shape},
                "aggregations": [{"alias": "n", "count": {"up_to": up_to}}],
            },
        }
        (response,) = api.run_aggregation_query(request=request)
        return int(response.result.aggregate_fields["n"].integer_value)

    assert count(3) == 3
    assert count(10) == 6
    assert count(3, limit={"value": 4}) == 3
    assert count(5, limit={"value": 2}) == 2
    assert count(10, offset=4, limit={"value": 5}) == 2
    above_9 = {"field": {"field_path": "v"}, "op": "GREATER_THAN", "value": {"integer_value": 9}}
    assert count(1, where={"field_filter": above_9}) == 0
