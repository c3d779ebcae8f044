"""One benchmark run: every figure, in one go; then the JSON and the table.

Order: what needs no stack (the emulators' own throughput, each on a fresh emulator of its own,
and the sync state machine's long run), then on the local stack (a child process): import and
idle sync, export, worker memory, the fan-out ticks and the costs per change; last
`change_latency`, on a second stack whose functions coalesce job requests over production's
window (2 s) instead of the local stack's 50 ms. A figure that fails is recorded with its
error (the others still run) and makes the run fail.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from calsync.bench import (
    fig_change,
    fig_emulators,
    fig_export,
    fig_fanout,
    fig_latency,
    fig_machine,
    fig_memory,
    fig_sync,
    machine,
)
from calsync.bench.change_setup import naive_pair, synced_pair
from calsync.bench.command import NAMES
from calsync.bench.context import Bench, Sizes, say
from calsync.bench.report import Figure, results_json, table, write_results
from calsync.bench.stack import PRODUCTION_WINDOW, BenchStack

Step = Callable[[Bench], list[Figure]]


def _change(bench: Bench, figure: Callable[..., Figure]) -> list[Figure]:
    background = bench.sizes.calendar_background
    window = bench.stack.coalesce_seconds
    bench.say(f"{figure.__name__}: a two-way sync over {background} events, {window} s window")
    pair = synced_pair(bench, background)
    naive = naive_pair(bench, pair.google, background)
    return [figure(bench, pair, naive)]


def _latency(bench: Bench) -> list[Figure]:
    background, count = bench.sizes.calendar_background, bench.sizes.latency_pairs
    window = bench.stack.coalesce_seconds
    bench.say(f"change_latency: {count} two-way syncs over {background} events, {window} s window")
    pairs = [synced_pair(bench, background) for _ in range(count)]
    naive = naive_pair(bench, pairs[0].google, background)
    return [fig_latency.change_latency(bench, pairs, naive)]


ON_STACK: list[tuple[tuple[str, ...], Step]] = [
    (("import_5000", "idle_sync"), fig_sync.import_and_idle),
    (("export_5000",), lambda bench: [fig_export.export(bench)]),
    (("worker_memory_10000",), lambda bench: [fig_memory.worker_memory(bench)]),
    (("fanout_10000",), lambda bench: [fig_fanout.fanout_due(bench)]),
    (("fanout_10000_all_due",), lambda bench: [fig_fanout.fanout_all_due(bench)]),
    (("cost_per_change",), lambda bench: _change(bench, fig_change.cost_per_change)),
]
ON_PRODUCTION_WINDOW: list[tuple[tuple[str, ...], Step]] = [
    (("change_latency",), _latency),
]
ALONE: list[tuple[tuple[str, ...], Step]] = [
    (("firestore_throughput",), lambda bench: [fig_emulators.firestore_throughput(bench)]),
    (("tasks_throughput",), lambda bench: [fig_emulators.tasks_throughput(bench)]),
    (("sync_machine",), lambda bench: [fig_machine.sync_machine(bench)]),
]


def _failed(names: tuple[str, ...], error: BaseException) -> list[Figure]:
    text = "".join(traceback.format_exception_only(error)).strip()
    return [Figure(name, {"error": text}, notes="the measurement failed") for name in names]


def _steps(
    bench: Bench, steps: list[tuple[tuple[str, ...], Step]], wanted: set[str]
) -> list[Figure]:
    figures: list[Figure] = []
    for names, step in steps:
        if not wanted.intersection(names):
            continue
        try:
            figures += [f for f in step(bench) if f.name in wanted]
        except Exception as error:  # a failed figure is reported; the others still run
            bench.say(f"{'/'.join(names)} failed:\n{traceback.format_exc()}")
            figures += _failed(tuple(n for n in names if n in wanted), error)
    return figures


def _on_stack(
    sizes: Sizes,
    steps: list[tuple[tuple[str, ...], Step]],
    wanted: set[str],
    window: float | None,
) -> list[Figure]:
    """The `steps` wanted, on a local stack of their own (coalescing over `window` seconds;
    None: the local stack's own window)."""
    if not wanted.intersection(name for names, _ in steps for name in names):
        return []
    say("starting the local stack" + (f" (coalescing window {window} s)" if window else ""))
    with BenchStack(coalesce_seconds=window) as stack:
        figures = _steps(Bench(sizes, stack), steps, wanted)
        errors = stack.server_errors()
        if errors:
            say("the stack logged failures:\n" + "\n".join(errors[:20]))
    return figures


def run(sizes: Sizes, out: Path, only: set[str] | None = None, mode: str = "full") -> bool:
    """Measure, write `out` (JSON) and print the table; True if every figure was measured."""
    wanted = set(only or NAMES)
    began, started_at = time.monotonic(), datetime.now(UTC)
    described = machine.describe()
    figures = _steps(Bench(sizes), ALONE, wanted)
    figures += _on_stack(sizes, ON_STACK, wanted, None)
    figures += _on_stack(sizes, ON_PRODUCTION_WINDOW, wanted, PRODUCTION_WINDOW)
    described["load_after"] = machine.load()
    order = {name: index for index, name in enumerate(NAMES)}
    figures.sort(key=lambda figure: order[figure.name])
    document = results_json(
        described,
        figures,
        run={
            "mode": mode,
            "started_at": started_at.isoformat(timespec="seconds"),
            "seconds": round(time.monotonic() - began, 1),
            "sizes": asdict(sizes),
        },
    )
    write_results(out, document)
    print(table(figures))
    print(f"\n{len(figures)} figures written to {out}")
    return all("error" not in figure.values for figure in figures)
