"""What every figure works with: the stack, its counters, the sizes of this run, and helpers to
measure a piece of work against the emulators' counters."""

from __future__ import annotations

import functools
import itertools
import math
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from google.cloud import firestore

from calsync.bench import world
from calsync.bench.counters import Counters, Delta
from calsync.bench.stack import BenchStack

T = TypeVar("T")


@dataclass(frozen=True)
class Sizes:
    """How big each figure is (the issue's sizes; `SMOKE` shrinks them for `make test`)."""

    import_events: int = 5_000
    export_activities: int = 5_000
    latency_edits: int = 200  # single edits per side
    latency_pairs: int = 4  # synced accounts the single edits take in turn
    burst_edits: int = 40  # back-to-back edits per side, on one account
    naive_latency_edits: int = 20  # per side
    cost_changes: int = 10  # per kind of change
    calendar_background: int = 500  # events already synced in the change figures' calendars
    fanout_accounts: int = 10_000
    fanout_due: int = 1_000
    memory_events: int = 10_000
    firestore_documents: int = 10_000
    firestore_sets: int = 2_000
    firestore_async_sets: int = 10_000  # per run; the figure is the median of three runs
    firestore_batches: int = 10
    tasks: int = 1_000
    slow_tasks: int = 200
    slow_delay: float = 2.0
    repeats: int = 3  # runs of each timed piece; times and memory are their medians
    machine_profile: str = "long"  # the Hypothesis profile of the sync state machine


SMOKE = Sizes(
    import_events=40,
    export_activities=60,
    latency_edits=3,
    latency_pairs=2,
    burst_edits=2,
    naive_latency_edits=2,
    cost_changes=1,
    calendar_background=10,
    fanout_accounts=120,
    fanout_due=12,
    memory_events=100,
    firestore_documents=300,
    firestore_sets=100,
    firestore_async_sets=200,
    firestore_batches=2,
    tasks=40,
    slow_tasks=8,
    slow_delay=0.2,
    repeats=1,
    machine_profile="ci",
)


def say(line: str) -> None:
    """Progress, on stderr (the table goes to stdout)."""
    print(line, file=sys.stderr, flush=True)


class Bench:
    """One benchmark run: its sizes, and the local stack (for the figures that need one)."""

    def __init__(
        self,
        sizes: Sizes,
        stack: BenchStack | None = None,
        say: Callable[[str], None] = say,
    ) -> None:
        self.sizes, self._stack, self.say = sizes, stack, say
        self._databases = itertools.count(1)

    @property
    def stack(self) -> BenchStack:
        if self._stack is None:
            raise RuntimeError("this figure needs the local stack")
        return self._stack

    @functools.cached_property
    def counters(self) -> Counters:
        stack = self.stack
        return Counters(
            firestore_admin=stack.firestore_admin,
            google_url=stack.google_url,
            tasks_admin=stack.tasks_admin,
        )

    def database(self, name: str) -> str:
        """A Firestore database of its own for a piece of a figure (counted on its own)."""
        return f"bench-{name}-{next(self._databases)}"

    def site(self, name: str, **changes: Any) -> world.Site:
        """The product wired on a fresh database (an empty CRM)."""
        return world.site(self.stack, self.database(name), **changes)

    def firestore(self, database: str) -> firestore.Client:
        return firestore.Client(project=self.stack.settings().gcp_project, database=database)

    def measured(self, work: Callable[[], T]) -> tuple[T, Delta, float]:
        """Run `work`; what it returned, the counters' change, and its wall time (seconds)."""
        before = self.counters.snapshot()
        began = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - began
        return result, self.counters.snapshot() - before, seconds


def median(values: Sequence[float]) -> float:
    return round(statistics.median(values), 3)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The `fraction` quantile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]
