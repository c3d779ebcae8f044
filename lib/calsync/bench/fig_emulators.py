"""The emulators' own throughput targets (issue 2: Firestore; issue 3: Cloud Tasks).

Both run their own benchmark module against a fresh emulator of their own (not the stack's),
so nothing else shares it:

- `firestore_throughput` (`emulators.firestore.bench`): single `set()` calls per second (10,000
  calls from 32 concurrent callers of the official async client, as one busy function instance
  writes, the median of three such runs; 4 threads of the sync client and one caller are shown
  too) and the median 500-write batch commit, both with 10,000 documents already in the
  collection. Baselines: the same `set()` loops into an empty collection (a write's cost must
  not grow with the collection), and 500 single `set()` calls (the naive way to write 500
  documents). It also reports the ceiling of gRPC-Python and the client library on this machine
  (the same loop against a server that does nothing) and the emulator's own cost without them
  (in-process).
- `tasks_throughput` (`emulators.cloudtasks.bench`): 1,000 tasks to a fast handler, from the
  first CreateTask to the last arrival, and tasks dispatched per second; how long another
  queue's tasks take while a slow handler fills one queue. Baseline: the same requests POSTed
  to the handler one after another by one client, without a queue.
"""

from __future__ import annotations

import time

import requests
from emulators.cloudtasks import bench as tasks_bench
from emulators.cloudtasks.receiver import Receiver
from emulators.firestore import bench as firestore_bench

from calsync.bench.context import Bench
from calsync.bench.report import Check, Figure

BATCH = 500


def firestore_throughput(bench: Bench) -> Figure:
    sizes = bench.sizes
    bench.say(f"firestore_throughput: {sizes.firestore_documents} documents in the collection")
    measured = firestore_bench.run(
        documents=sizes.firestore_documents,
        sets=sizes.firestore_sets,
        async_sets=sizes.firestore_async_sets,
        rounds=3 if sizes.repeats > 1 else 1,
        batches=sizes.firestore_batches,
        batch_size=BATCH,
        queries=20,
    )
    values = {
        "documents": sizes.firestore_documents,
        "set_per_second": measured["async_set_per_second"],
        "batch_commit_ms": measured["batch_commit_ms"],
        "threads_set_per_second": measured["concurrent_set_per_second"],
        "one_caller_set_per_second": measured["set_per_second"],
        "query_ms": measured["query_ms"],
        "client_ceiling_set_per_second": measured["noop_async_set_per_second"],
        "threads_client_ceiling_set_per_second": measured["noop_concurrent_set_per_second"],
        "one_caller_client_ceiling_set_per_second": measured["noop_set_per_second"],
        "in_process_set_per_second": measured["engine_set_per_second"],
        "in_process_batch_commit_ms": measured["engine_batch_commit_ms"],
    }
    baseline = {
        "set_per_second": measured["async_set_per_second_empty"],
        "batch_commit_ms": round(BATCH / measured["set_per_second"] * 1000, 1),
    }
    return Figure(
        "firestore_throughput",
        values,
        checks=[Check("set_per_second", ">=", 2000), Check("batch_commit_ms", "<", 50)],
        baseline=baseline,
        shown=[
            "documents",
            "threads_set_per_second",
            "one_caller_set_per_second",
            "client_ceiling_set_per_second",
            "threads_client_ceiling_set_per_second",
            "one_caller_client_ceiling_set_per_second",
            "in_process_set_per_second",
            "in_process_batch_commit_ms",
            "query_ms",
        ],
        notes=(
            "set_per_second: single-document set() calls (one Commit with one write each) "
            f"from {measured['async_callers']:.0f} coroutines of the async client at once "
            f"({sizes.firestore_async_sets} calls a run, the median of the runs); "
            f"threads_set_per_second: from {measured['callers']:.0f} threads of the sync "
            "client; one_caller_set_per_second: one caller waiting for each answer. "
            "baselines: the same callers into an empty collection (a write's cost must not grow "
            "with its collection); 500 single set() calls instead of one batch. "
            "client_ceiling: the same loops against a server that does nothing"
        ),
    )


def _direct(count: int) -> dict[str, float]:
    """`count` POSTs to a fast handler, one after another from one client (no queue)."""
    with Receiver() as receiver, requests.Session() as session:
        began = time.perf_counter()
        for _ in range(count):
            session.post(receiver.url + "/direct", timeout=30).raise_for_status()
        seconds = time.perf_counter() - began
    return {
        "delivery_seconds": round(seconds, 3),
        "tasks_dispatched_per_second": round(count / seconds, 1),
    }


def tasks_throughput(bench: Bench) -> Figure:
    sizes = bench.sizes
    bench.say(f"tasks_throughput: {sizes.tasks} tasks to a fast handler")
    measured = tasks_bench.run(
        tasks=sizes.tasks,
        slow_tasks=sizes.slow_tasks,
        fast=min(50, sizes.tasks),
        slow_delay=sizes.slow_delay,
    )
    values = {
        "tasks": measured["tasks"],
        "delivery_seconds": measured["delivery_seconds"],
        "tasks_dispatched_per_second": measured["dispatch_rate"],
        "create_seconds": measured["create_seconds"],
        "other_queue_seconds": measured["other_queue_seconds"],
        "slow_delay_seconds": measured["slow_delay"],
        "bounded_peak": measured["bounded_peak"],
        "bound": measured["bound"],
    }
    return Figure(
        "tasks_throughput",
        values,
        checks=[
            Check("delivery_seconds", "<=", 2.0),
            Check("other_queue_seconds", "<", measured["slow_delay"]),
            Check("bounded_peak", "<=", measured["bound"]),
        ],
        baseline=_direct(sizes.tasks),
        shown=["tasks", "tasks_dispatched_per_second", "create_seconds"],
        notes=(
            "from the first CreateTask to the last arrival (the queue's default 500/s with a "
            "burst of 100 alone takes 1.8 s for 1,000); baseline: the same POSTs sent one by "
            "one without a queue"
        ),
    )
