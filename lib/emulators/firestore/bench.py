"""Benchmark of the Firestore emulator (``python -m emulators.firestore.bench`` prints JSON).

Measured through the official client against a freshly started emulator (or ``address``):

- ``set_per_second``: sequential ``DocumentReference.set()`` calls with ``documents`` already
  in the collection, and ``set_per_second_empty`` into an empty one (a write's cost must not
  grow with its collection);
- ``concurrent_set_per_second``: the same single-document ``set()`` calls from ``callers``
  threads at once (as many function instances write at once), into that collection: one
  caller waits for each answer, so its rate is bounded by the round trip, not by the server;
- ``async_set_per_second``: ``async_sets`` single-document ``set()`` calls from
  ``async_callers`` coroutines of the official ``AsyncClient`` at once, into that collection:
  each call is still one Commit with one write, without a thread switch per call; the median
  of ``rounds`` such runs (and ``async_set_per_second_empty``, the same into an empty
  collection);
- ``batch_commit_ms``: median time of a ``batch_size``-write batch commit into that collection;
- ``query_ms``: median time of an equality query returning one document out of it;
- ``range_limit_query_ms`` / ``order_limit_query_ms``: median time of a range query with
  ``limit(1)`` and of an ``order_by(...).limit(1)`` query over that collection, and the same
  over a collection of ``small_documents`` (10) in ``..._small``: a query's cost must follow
  its results, not its collection;
- ``noop_set_per_second`` / ``noop_concurrent_set_per_second`` / ``noop_async_set_per_second``:
  the same ``set()`` loops
  against a gRPC server whose Commit does nothing: the ceiling that gRPC-Python and the client
  library allow on this machine;
- ``engine_set_per_second`` / ``engine_batch_commit_ms``: the same writes handed straight to
  the emulator's Commit handler in-process, i.e. the emulator's own cost without gRPC and
  the client library (which dominate the end-to-end figures on a small machine).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Iterator, Sequence
from concurrent import futures
from contextlib import contextmanager
from typing import Any

import grpc
from google.cloud import firestore
from google.cloud.firestore_v1.types import firestore as firestore_types

from emulators import launch
from emulators.firestore import server
from emulators.firestore.bench_async import async_set_rate
from emulators.firestore.mutations import Mutations
from emulators.firestore.service import Emulator

PROJECT = "calsync-bench"
SMALL = 10  # documents in the small collection the query figures are compared with
_DATABASE = f"projects/{PROJECT}/databases/(default)"


def _doc(i: int) -> dict[str, Any]:
    return {"i": i, "bucket": i % 100, "name": f"doc {i}", "tags": ["a", "b"], "meta": {"v": i}}


@contextmanager
def _endpoint(address: str | None, module: str = "emulators.firestore") -> Iterator[str]:
    if address is not None:
        yield address
        return
    running = launch.start(module, *(["--noop-server"] if module.endswith("bench") else []))
    try:
        yield running.address
    finally:
        running.stop()


def _serve_noop(host: str, port: int) -> None:
    """A Firestore endpoint whose Commit answers at once without doing anything."""
    response_class = firestore_types.CommitResponse.pb()

    def commit(request: Any, context: Any) -> Any:
        response = response_class()
        for _ in request.writes:
            response.write_results.add()
        return response

    handler = grpc.method_handlers_generic_handler(
        server.SERVICE,
        {
            "Commit": grpc.unary_unary_rpc_method_handler(
                commit,
                request_deserializer=firestore_types.CommitRequest.pb().FromString,
                response_serializer=response_class.SerializeToString,
            )
        },
    )
    noop = grpc.server(futures.ThreadPoolExecutor(max_workers=8), handlers=[handler])
    bound = noop.add_insecure_port(f"{host}:{port}")
    noop.start()
    launch.announce_ready("firestore-noop", host, bound)
    noop.wait_for_termination()


def _client(address: str) -> firestore.Client:
    previous = os.environ.get("FIRESTORE_EMULATOR_HOST")
    os.environ["FIRESTORE_EMULATOR_HOST"] = address
    try:
        return firestore.Client(project=PROJECT)
    finally:
        if previous is None:
            os.environ.pop("FIRESTORE_EMULATOR_HOST", None)
        else:
            os.environ["FIRESTORE_EMULATOR_HOST"] = previous


def _fill(collection: firestore.CollectionReference, client: firestore.Client, count: int) -> None:
    for start in range(0, count, 500):
        batch = client.batch()
        for i in range(start, min(count, start + 500)):
            batch.set(collection.document(f"d{i:07}"), _doc(i))
        batch.commit()


def _set_rate(collection: firestore.CollectionReference, sets: int) -> float:
    started = time.perf_counter()
    for i in range(sets):
        collection.document(f"s{i:07}").set(_doc(i))
    return sets / (time.perf_counter() - started)


def _concurrent_set_rate(
    collection: firestore.CollectionReference, sets: int, callers: int
) -> float:
    """`sets` single-document set() calls spread over `callers` threads, per second."""
    share = sets // callers

    def write(caller: int) -> None:
        for i in range(share):
            collection.document(f"c{caller}-{i:07}").set(_doc(i))

    with futures.ThreadPoolExecutor(max_workers=callers) as pool:
        started = time.perf_counter()
        list(pool.map(write, range(callers)))
        return share * callers / (time.perf_counter() - started)


def _batch_ms(client: firestore.Client, collection: Any, batches: int, size: int) -> float:
    timings = []
    for round_ in range(batches):
        batch = client.batch()
        for i in range(size):
            batch.set(collection.document(f"b{round_}-{i:05}"), _doc(i))
        started = time.perf_counter()
        batch.commit()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _query_ms(collection: firestore.CollectionReference, documents: int, queries: int) -> float:
    timings = []
    for round_ in range(queries + 1):
        wanted = (round_ * 7919) % max(documents, 1)
        query = collection.where(filter=firestore.FieldFilter("i", "==", wanted)).limit(10)
        started = time.perf_counter()
        list(query.stream())
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings[1:])  # the first query builds the index


def _first_ms(
    collection: firestore.CollectionReference, documents: int, queries: int
) -> dict[str, float]:
    """Median times of a range query and of an ordered query, both with limit(1)."""

    def range_query(round_: int) -> Any:
        wanted = (round_ * 7919) % max(documents, 1)
        return collection.where(filter=firestore.FieldFilter("i", ">=", wanted)).limit(1)

    def order_query(round_: int) -> Any:
        direction = firestore.Query.DESCENDING if round_ % 2 else firestore.Query.ASCENDING
        return collection.order_by("i", direction=direction).limit(1)

    figures = {}
    for name, build in (
        ("range_limit_query_ms", range_query),
        ("order_limit_query_ms", order_query),
    ):
        timings = []
        for round_ in range(queries + 1):
            query = build(round_)
            started = time.perf_counter()
            found = list(query.stream())
            timings.append((time.perf_counter() - started) * 1000)
            if len(found) != 1:
                raise RuntimeError(f"{name} found {len(found)} documents instead of one")
        figures[name] = statistics.median(timings[1:])  # the first query builds the index
    return figures


class _Context:
    def is_active(self) -> bool:
        return True


def _engine(documents: int, sets: int, batch_size: int) -> dict[str, float]:
    mutations = Mutations(Emulator())
    request_class = firestore_types.CommitRequest.pb()

    def commit(names: Sequence[str]) -> float:
        request = request_class(database=_DATABASE)
        for name in names:
            w = request.writes.add()
            w.update.name = f"{_DATABASE}/documents/bench/{name}"
            for key, value in (("i", 1), ("bucket", 2)):
                w.update.fields[key].integer_value = value
            w.update.fields["name"].string_value = name
        started = time.perf_counter()
        mutations.Commit(request, _Context())
        return time.perf_counter() - started

    for start in range(0, documents, 500):
        commit([f"d{i:07}" for i in range(start, min(documents, start + 500))])
    single = sum(commit([f"s{i:07}"]) for i in range(sets))
    batch = statistics.median(commit([f"b{r}-{i:05}" for i in range(batch_size)]) for r in range(5))
    return {"engine_set_per_second": sets / single, "engine_batch_commit_ms": batch * 1000}


def run(
    *,
    documents: int = 10_000,
    sets: int = 2_000,
    async_sets: int = 10_000,
    rounds: int = 3,
    batches: int = 10,
    batch_size: int = 500,
    queries: int = 50,
    callers: int = 4,
    async_callers: int = 32,
    address: str | None = None,
) -> dict[str, float]:
    """Measure and return the figures described in the module docstring."""
    figures = _engine(documents, sets, batch_size)  # first, before gRPC threads exist here
    with _endpoint(address) as endpoint:
        client = _client(endpoint)
        _set_rate(client.collection("bench_warm_up"), min(sets, 200))
        figures["set_per_second_empty"] = _set_rate(client.collection("bench_empty"), sets)
        figures["async_set_per_second_empty"] = async_set_rate(
            endpoint, "bench_async_empty", async_sets, async_callers, _doc, rounds=rounds
        )
        big = client.collection("bench")
        _fill(big, client, documents)
        figures["set_per_second"] = _set_rate(big, sets)
        figures["concurrent_set_per_second"] = _concurrent_set_rate(big, sets, callers)
        figures["async_set_per_second"] = async_set_rate(
            endpoint, "bench", async_sets, async_callers, _doc, rounds=rounds
        )
        figures["batch_commit_ms"] = _batch_ms(client, big, batches, batch_size)
        figures["query_ms"] = _query_ms(big, documents, queries)
        figures.update(_first_ms(big, documents, queries))
        small = client.collection("bench_small")
        _fill(small, client, SMALL)
        small_figures = _first_ms(small, SMALL, queries)
        figures.update({f"{name}_small": value for name, value in small_figures.items()})
        client.close()  # type: ignore[no-untyped-call]
    with _endpoint(None, "emulators.firestore.bench") as noop_endpoint:
        noop = _client(noop_endpoint)
        _set_rate(noop.collection("warm"), min(sets, 200))
        figures["noop_set_per_second"] = _set_rate(noop.collection("bench"), sets)
        figures["noop_concurrent_set_per_second"] = _concurrent_set_rate(
            noop.collection("bench"), sets, callers
        )
        figures["noop_async_set_per_second"] = async_set_rate(
            noop_endpoint, "bench", async_sets, async_callers, _doc, rounds=rounds
        )
        noop.close()  # type: ignore[no-untyped-call]
    rounded = {key: round(value, 2) for key, value in figures.items()}
    shape = {"documents": documents, "small_documents": SMALL}
    callers_used = {"callers": callers, "async_callers": async_callers}
    return {**shape, "batch_size": batch_size, **callers_used, **rounded}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulators.firestore.bench")
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--sets", type=int, default=2_000)
    parser.add_argument("--async-sets", type=int, default=10_000, help="per run of the async rate")
    parser.add_argument("--rounds", type=int, default=3, help="runs of the async rate (median)")
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--callers", type=int, default=4, help="threads for the concurrent rate")
    parser.add_argument("--async-callers", type=int, default=32, help="coroutines, async rate")
    parser.add_argument("--address", help="an emulator already running (host:port)")
    parser.add_argument("--noop-server", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.noop_server:
        _serve_noop(args.host, args.port)
        return 0
    figures = run(
        documents=args.documents,
        sets=args.sets,
        async_sets=args.async_sets,
        rounds=args.rounds,
        batches=args.batches,
        batch_size=args.batch_size,
        queries=args.queries,
        callers=args.callers,
        async_callers=args.async_callers,
        address=args.address,
    )
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
