"""Queries answer the same whichever way the server finds their results.

The same random query (order, range and equality filters, cursors, offset, limit) is run on
the current data and at a ``read_time`` after the last write: both must return the same
documents in the same order. (This emulator walks an ordered index for the first and scans
every document for the second; any server must agree with itself.) Over one collection and
over a collection group spread across several parents.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from google.cloud import firestore
from google.cloud.firestore_v1.types import firestore as fs
from google.protobuf import timestamp_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.firestore import PROJECT, FirestoreEndpoint

ROOT = f"projects/{PROJECT}/databases/(default)"
DOCS = f"{ROOT}/documents"
PLANS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VALUES: list[Any] = [None, True, -3, 0, 1, 1.0, 2.5, 7, "a", "b", "zz", [1], {"k": 1}]


def _value(v: Any) -> dict[str, Any]:
    if v is None:
        return {"null_value": 0}
    if isinstance(v, list):
        return {"array_value": {"values": [_value(e) for e in v]}}
    if isinstance(v, dict):
        return {"map_value": {"fields": {k: _value(e) for k, e in v.items()}}}
    kind = {bool: "boolean_value", int: "integer_value", float: "double_value"}
    return {kind.get(type(v), "string_value"): v}


plain = st.sampled_from(VALUES).map(_value)
fields = st.sampled_from(["x", "y", "__name__"])
ranges = st.builds(
    lambda f, op, v: {"field_filter": {"field": {"field_path": f}, "op": op, "value": v}},
    st.sampled_from(["x", "y"]),
    st.sampled_from(
        ["LESS_THAN", "LESS_THAN_OR_EQUAL", "GREATER_THAN", "GREATER_THAN_OR_EQUAL", "EQUAL"]
    ),
    plain,
)
wheres = st.one_of(
    ranges,
    st.lists(ranges, min_size=2, max_size=2).map(
        lambda fs_: {"composite_filter": {"op": "AND", "filters": fs_}}
    ),
)
orders = st.lists(
    st.fixed_dictionaries(
        {
            "field": fields.map(lambda f: {"field_path": f}),
            "direction": st.sampled_from(["ASCENDING", "DESCENDING"]),
        }
    ),
    max_size=2,
    unique_by=lambda o: o["field"]["field_path"],
)
cursor = st.fixed_dictionaries(
    {"values": st.lists(plain, min_size=1, max_size=1), "before": st.booleans()}
)
queries = st.fixed_dictionaries(
    {"order_by": orders},
    optional={
        "where": wheres,
        "start_at": cursor,
        "end_at": cursor,
        "offset": st.integers(0, 3),
        "limit": st.integers(0, 6).map(lambda n: {"value": n}),
    },
)


@pytest.fixture(scope="module")
def seeded(firestore_emulator: FirestoreEndpoint) -> Iterator[tuple[Any, timestamp_pb2.Timestamp]]:
    firestore_emulator.reset()
    client = firestore.Client(project=PROJECT)
    batch = client.batch()
    for i in range(60):
        data: dict[str, Any] = {"y": VALUES[(i * 7) % len(VALUES)]}
        if i % 11:
            data["x"] = VALUES[i % len(VALUES)]
        parent = "" if i % 3 else f"groups/g{i % 2}/"
        batch.set(client.document(f"{parent}items/d{i:02}"), data)
    results = batch.commit()
    time.sleep(0.01)  # a read time strictly after the last write
    after = timestamp_pb2.Timestamp()
    after.FromNanoseconds(results[-1].update_time.timestamp_pb().ToNanoseconds() + 1000)
    yield client._firestore_api, after
    client.close()


def _names(api: Any, query: dict[str, Any], read_time: Any = None) -> list[str]:
    request = fs.RunQueryRequest(parent=DOCS, structured_query=query)
    if read_time is not None:
        request.read_time = read_time
    return [r.document.name for r in api.run_query(request=request) if r.document.name]


def _with_source(query: dict[str, Any], group: bool) -> dict[str, Any]:
    shaped = {**query, "from_": [{"collection_id": "items", "all_descendants": group}]}
    for side in ("start_at", "end_at"):  # a __name__ cursor value must be a reference
        if side in shaped and _first_field(query) == "__name__":
            reference = {"reference_value": f"{DOCS}/items/d17"}
            shaped[side] = {"values": [reference], "before": shaped[side]["before"]}
    return shaped


def _first_field(query: dict[str, Any]) -> str:
    orders = query["order_by"]
    return orders[0]["field"]["field_path"] if orders else "__name__"


@PLANS
@given(query=queries, group=st.booleans())
def test_a_query_returns_the_same_now_and_at_a_read_time_after_the_last_write(
    seeded: tuple[Any, Any], query: dict[str, Any], group: bool
):
    api, after = seeded
    shaped = _with_source(query, group)
    try:
        now = _names(api, shaped)
    except Exception as error:  # a query the service refuses is refused both ways
        with pytest.raises(type(error)):
            _names(api, shaped, after)
        return
    assert now == _names(api, shaped, after)


def test_queries_stay_right_while_the_documents_they_order_change(
    firestore_client: firestore.Client,
):
    db = firestore_client
    moving = db.collection("moving")
    for i in range(20):
        moving.document(f"m{i:02}").set({"x": i % 5, "y": i})
    by_x = moving.order_by("x", direction=firestore.Query.DESCENDING).limit(4)
    assert [s.id for s in by_x.get()] == ["m19", "m14", "m09", "m04"]
    moving.document("m00").update({"x": 9})  # moves from the bottom to the top
    moving.document("m04").delete()  # was one of the 4s
    moving.document("m09").update({"x": 4.0})  # 4 and 4.0 are one value
    moving.document("m03").update({"x": firestore.DELETE_FIELD})  # leaves the index
    moving.document("m20").set({"x": 100})
    last = moving.document("m21").set({"x": "text"})  # strings come after numbers
    assert [s.id for s in by_x.get()] == ["m21", "m20", "m00", "m19"]
    by_name = moving.where(filter=firestore.FieldFilter("x", "==", 4)).order_by("__name__")
    assert [s.id for s in by_name.limit_to_last(2).get()] == ["m14", "m19"]
    after = timestamp_pb2.Timestamp()
    after.FromNanoseconds(last.update_time.timestamp_pb().ToNanoseconds() + 1000)
    time.sleep(0.01)
    for query in (
        by_x,
        moving.where(filter=firestore.FieldFilter("x", "<", 4)).limit(5),
        moving.where(filter=firestore.FieldFilter("x", ">=", 2)).order_by("x").limit(6),
        moving.order_by("x").start_after({"x": 1}).end_at({"x": 4}),
        moving.order_by("__name__").start_at({"__name__": moving.document("m05")}).limit(3),
    ):
        now = [s.id for s in query.get()]
        assert now == [s.id for s in query.get(read_time=after)]
        assert now  # every one of them has results
