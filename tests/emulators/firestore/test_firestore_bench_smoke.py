"""The benchmark still runs (at toy sizes; its figures are for `make bench`, never asserted)."""

from __future__ import annotations

from emulators.firestore import bench


def test_benchmark_runs_at_tiny_sizes_and_reports_every_figure():
    figures = bench.run(
        documents=30, sets=10, async_sets=20, rounds=2, batches=2, batch_size=10, queries=2
    )
    expected = {
        "set_per_second",
        "set_per_second_empty",
        "async_set_per_second",
        "async_set_per_second_empty",
        "noop_async_set_per_second",
        "batch_commit_ms",
        "query_ms",
        "range_limit_query_ms",
        "order_limit_query_ms",
        "range_limit_query_ms_small",
        "order_limit_query_ms_small",
        "noop_set_per_second",
        "engine_set_per_second",
        "engine_batch_commit_ms",
    }
    assert expected <= figures.keys()
    assert all(figures[name] > 0 for name in expected)
    assert figures["documents"] == 30
    assert figures["small_documents"] == 10
