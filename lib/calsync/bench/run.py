"""One benchmark run: every figure, in one go, on one local stack; then the JSON and the table.

Order: the emulators' own throughput (each on a fresh emulator of its own), then on the local
stack (`calsync dev` in a child process): import and idle sync, export, worker memory, the
fan-out tick, and last the change figures, which go through the stack's functions. A figure
that fails is recorded with its error (the others still run) and makes the run fail.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from calsync.bench import fig_change, fig_emulators, fig_fanout, fig_memory, fig_sync, machine
from calsync.bench.change_setup import naive_pair, synced_pair
from calsync.bench.command import NAMES
from calsync.bench.context import Bench, Sizes, say
from calsync.bench.report import Figure, results_json, table, write_results
from calsync.bench.stack import BenchStack

Step = Callable[[Bench], list[Figure]]


def _changes(bench: Bench) -> list[Figure]:
    background = bench.sizes.calendar_background
    bench.say(f"change figures: a two-way sync over a calendar of {background} events")
    pair = synced_pair(bench, background)
    naive = naive_pair(bench, pair.google, background)
    return [
        fig_change.change_latency(bench, pair, naive),
        fig_change.cost_per_change(bench, pair, naive),
    ]


ON_STACK: list[tuple[tuple[str, ...], Step]] = [
    (("import_5000", "idle_sync"), fig_sync.import_and_idle),
    (("export_5000",), lambda bench: [fig_sync.export(bench)]),
    (("worker_memory_10000",), lambda bench: [fig_memory.worker_memory(bench)]),
    (("fanout_10000",), lambda bench: [fig_fanout.fanout(bench)]),
    (("change_latency", "cost_per_change"), _changes),
]
ALONE: list[tuple[tuple[str, ...], Step]] = [
    (("firestore_throughput",), lambda bench: [fig_emulators.firestore_throughput(bench)]),
    (("tasks_throughput",), lambda bench: [fig_emulators.tasks_throughput(bench)]),
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


def run(sizes: Sizes, out: Path, only: set[str] | None = None, mode: str = "full") -> bool:
    """Measure, write `out` (JSON) and print the table; True if every figure was measured."""
    wanted = set(only or NAMES)
    began, started_at = time.monotonic(), datetime.now(UTC)
    described = machine.describe()
    figures = _steps(Bench(sizes), ALONE, wanted)
    if wanted.intersection(name for names, _ in ON_STACK for name in names):
        say("starting the local stack")
        with BenchStack() as stack:
            figures += _steps(Bench(sizes, stack), ON_STACK, wanted)
            errors = stack.server_errors()
            if errors:
                say("the stack logged failures:\n" + "\n".join(errors[:20]))
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
