"""Random requests never crash the server: they succeed or get the status of a bad request.

Hypothesis builds arbitrary values, documents and structured queries (valid or not) and
sends them through the official client's generated API layer; any INTERNAL or UNKNOWN
status would mean the emulator mishandled a request instead of judging it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from google.api_core import exceptions
from google.cloud import firestore
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.firestore import PROJECT, FirestoreEndpoint

ROOT = f"projects/{PROJECT}/databases/(default)"
DOCS = f"{ROOT}/documents"
JUDGED = (exceptions.InvalidArgument, exceptions.NotFound, exceptions.AlreadyExists,
          exceptions.FailedPrecondition, exceptions.MethodNotImplemented)  # fmt: skip
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

names = st.sampled_from(["a", "b", "n", "m.k", "`x.y`", "", "__name__", "__bad__", "a..b", "é"])
ids = st.sampled_from(["c", "d", "__x__", "", ".", "c/d", "x" * 10])
scalars = st.one_of(
    st.builds(lambda: {"null_value": 0}),
    st.booleans().map(lambda b: {"boolean_value": b}),
    st.integers(-(2**63), 2**63 - 1).map(lambda i: {"integer_value": i}),
    st.floats(allow_nan=True).map(lambda f: {"double_value": f}),
    st.text(max_size=5).map(lambda s: {"string_value": s}),
    st.binary(max_size=4).map(lambda b: {"bytes_value": b}),
    st.tuples(st.integers(-(2**40), 2**40), st.integers(-5, 10**9 + 5)).map(
        lambda t: {"timestamp_value": {"seconds": t[0], "nanos": t[1]}}
    ),
    st.sampled_from([f"{DOCS}/c/d", f"{DOCS}/c", "junk", ""]).map(lambda r: {"reference_value": r}),
    st.tuples(st.floats(-200, 200), st.floats(-200, 200)).map(
        lambda p: {"geo_point_value": {"latitude": p[0], "longitude": p[1]}}
    ),
    st.just({}),
)
fuzz_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda v: {"array_value": {"values": v}}),
        st.dictionaries(st.sampled_from(["a", "", "__t__", "b"]), inner, max_size=3).map(
            lambda f: {"map_value": {"fields": f}}
        ),
    ),
    max_leaves=6,
)
leaf_filters = st.one_of(
    st.builds(
        lambda f, op, v: {"field_filter": {"field": {"field_path": f}, "op": op, "value": v}},
        names,
        st.integers(0, 10),
        fuzz_values,
    ),
    st.builds(
        lambda f, op: {"unary_filter": {"field": {"field_path": f}, "op": op}},
        names,
        st.sampled_from([0, 2, 3, 4, 5]),
    ),
)
filters = st.recursive(
    leaf_filters,
    lambda inner: st.builds(
        lambda op, fs: {"composite_filter": {"op": op, "filters": fs}},
        st.integers(0, 2),
        st.lists(inner, max_size=3),
    ),
    max_leaves=5,
)
selectors = st.fixed_dictionaries({"collection_id": ids, "all_descendants": st.booleans()})
orders = st.fixed_dictionaries(
    {"field": st.builds(lambda f: {"field_path": f}, names), "direction": st.integers(0, 2)}
)
cursors = st.fixed_dictionaries(
    {"values": st.lists(fuzz_values, max_size=3), "before": st.booleans()}
)
queries = st.fixed_dictionaries(
    {"from_": st.lists(selectors, max_size=2)},
    optional={
        "where": filters,
        "order_by": st.lists(orders, max_size=2),
        "start_at": cursors,
        "offset": st.integers(-2, 3),
        "limit": st.integers(-2, 3).map(lambda n: {"value": n}),
    },
)


@pytest.fixture(scope="module")
def api(firestore_emulator: FirestoreEndpoint) -> Iterator[Any]:
    firestore_emulator.reset()
    client = firestore.Client(project=PROJECT)
    seed = client.batch()
    for i, value in enumerate([1, "x", None, 2.5, [1, 2], {"k": 1}]):
        seed.set(client.document(f"c/d{i}"), {"a": value, "n": i, "m": {"k": value}})
    seed.commit()
    yield client._firestore_api
    client.close()


@FUZZ
@given(query=queries)
def test_random_queries_are_answered_or_judged(api: Any, query: dict[str, Any]):
    with contextlib.suppress(*JUDGED):
        list(api.run_query(request={"parent": DOCS, "structured_query": query}))


@FUZZ
@given(
    doc_id=ids,
    fields=st.dictionaries(names, fuzz_values, max_size=4),
    mask=st.lists(names, max_size=2),
)
def test_random_writes_are_applied_or_judged(api: Any, doc_id: str, fields: dict, mask: list):
    write: dict[str, Any] = {"update": {"name": f"{DOCS}/w/{doc_id}", "fields": fields}}
    if mask:
        write["update_mask"] = {"field_paths": mask}
    try:
        api.commit(request={"database": ROOT, "writes": [write]})
    except JUDGED:
        return
    api.get_document(request={"name": f"{DOCS}/w/{doc_id}"})  # what was accepted reads back
