"""`change_latency` and `cost_per_change`: single edits on each side, through the whole stack.

Latency: a CRM edit is a PATCH to the activities API, timed until the Google event shows it
(frontend API -> outbox -> task -> worker -> Google); a Google edit is the person's own edit
in the simulator, timed until the activities API shows it (-> push -> webhook -> task -> worker
-> CRM). Each edit starts once the previous one and its echo (the notification of calsync's own
write) are done, so every edit is a single edit; probes poll every 10 ms. It runs on a stack
whose functions coalesce job requests over production's window (`CALSYNC_COALESCE_SECONDS`,
2 s: run.py), not the local stack's 50 ms, so that its times are what a deployment's would be
(the round trips to Google and Firestore aside).

Cost: per kind of change (create, update, delete on each side), the emulators' counters around
the change and everything it set off, until the sync queue stays empty: calsync's Google calls
and quota units (the person's own edit in Google is taken off), Firestore reads, writes and
deletes, task dispatches, and function invocations (the API call, webhook calls, worker calls).
Quota units come twice, each with its own target (1 for a create or a delete, 2 for an
update): `propagation_units`, the calls that carry the change across (a CRM change's writes to
Google: insert 1, get + update 2, delete 1; a Google change's listing); and `quota_units`,
everything, the jobs' listings included. For a CRM change that is one listing more: Google
notifies calsync of its own write, and a notification says neither who changed what nor
anything else; a user's edit made at the same moment sends the same one. So the job it asks
for lists the calendar's changes and finds its own write (ignored by its etag). Skipping such
a notification (say, one arriving right after calsync wrote) would hold that user's edit back
until the next safety-net poll, 15 minutes later: the plain total misses its target by that
listing, on purpose.

The baseline runs its sync at once after each change (as if pushed there instantly), and once
more after writing to Google (the notification of its own write, which it cannot tell apart).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from calsync.bench.change_setup import NaivePair, Pair, quiet, until
from calsync.bench.changes import KINDS, CrmSide, NaiveSide, own_calls
from calsync.bench.context import Bench, percentile
from calsync.bench.counters import Delta
from calsync.bench.report import Check, Figure

BETWEEN_EDITS = 0.3  # the queue stays empty this long before the next edit
AFTER_CHANGE = 0.6  # ... and this long before a change's costs are read
QUOTA_TARGET = {"create": 1, "update": 2, "delete": 1}  # propagation units per change
COSTS = ("firestore_reads", "firestore_writes", "task_dispatches", "function_invocations")


# -- change_latency ---------------------------------------------------------------------------


def _timed(edit: Callable[[], object], seen: Callable[[], bool]) -> float:
    began = time.perf_counter()
    edit()
    until("the edit on the other side", seen)
    return time.perf_counter() - began


def _summary(prefix: str, seconds: list[float]) -> dict[str, float]:
    millis = [s * 1000 for s in seconds]
    return {
        f"{prefix}_p50_ms": round(percentile(millis, 0.5), 1),
        f"{prefix}_p95_ms": round(percentile(millis, 0.95), 1),
        f"{prefix}_max_ms": round(max(millis), 1),
    }


@dataclass(frozen=True)
class Edits:
    """How to edit each side with a new title, and how to see it arrive on the other."""

    crm_edit: Callable[[str], object]
    crm_seen: Callable[[str], bool]
    google_edit: Callable[[str], object]
    google_seen: Callable[[str], bool]
    pause: Callable[[], None] = lambda: None

    def latencies(self, count: int) -> dict[str, float]:
        to_google, to_crm = [], []
        for i in range(count):
            subject, summary = f"CRM edit {i}", f"Google edit {i}"
            to_google.append(
                _timed(partial(self.crm_edit, subject), partial(self.crm_seen, subject))
            )
            self.pause()
            to_crm.append(
                _timed(partial(self.google_edit, summary), partial(self.google_seen, summary))
            )
            self.pause()
        return {**_summary("crm_to_google", to_google), **_summary("google_to_crm", to_crm)}


def change_latency(bench: Bench, pair: Pair, naive: NaivePair) -> Figure:
    edits, window = bench.sizes.latency_edits, bench.stack.coalesce_seconds
    bench.say(f"change_latency: {edits} edits on each side, coalescing window {window} s")
    values = Edits(
        lambda s: pair.client.edit_activity(pair.activity_id, subject=s),
        lambda s: pair.event_summary(pair.activity_event) == s,
        lambda s: pair.google.patch(pair.calendar_id, pair.event_id, {"summary": s}),
        lambda s: pair.subject(pair.imported_id) == s,
        lambda: quiet(bench, BETWEEN_EDITS),
    ).latencies(edits)
    naive_event = naive.activity_event()

    def naive_crm_edit(subject: str) -> None:
        naive.sync.crm_update(naive.activity_id, subject=subject)
        naive.sync.run()

    def naive_google_edit(summary: str) -> None:
        naive.google.patch(naive.calendar_id, naive.event_id, {"summary": summary})
        naive.sync.run()

    baseline = Edits(
        naive_crm_edit,
        lambda s: naive.event_summary(naive_event) == s,
        naive_google_edit,
        lambda s: naive.subject_of(naive.event_id) == s,
    ).latencies(bench.sizes.naive_latency_edits)
    return Figure(
        "change_latency",
        {"edits_per_side": edits, "coalesce_seconds": window, **values},
        checks=[
            Check("crm_to_google_p50_ms", "<=", 500),
            Check("crm_to_google_p95_ms", "<=", 1500),
            Check("google_to_crm_p50_ms", "<=", 500),
            Check("google_to_crm_p95_ms", "<=", 1500),
        ],
        baseline=baseline,
        shown=[
            "edits_per_side",
            "coalesce_seconds",
            "crm_to_google_max_ms",
            "google_to_crm_max_ms",
        ],
        notes=(
            f"single edits on the local stack with production's coalescing window ({window} s "
            f"between job requests of one account), calendar of "
            f"{bench.sizes.calendar_background} synced events; the baseline syncs at once "
            f"after each edit ({bench.sizes.naive_latency_edits} edits per side)"
        ),
    )


# -- cost_per_change --------------------------------------------------------------------------


def _units(kind: str, delta: Delta, email: str) -> dict[str, int]:
    """Quota units: all of them (the person's own edit taken off), the listings among them,
    and the propagation: a CRM change's writes (all but listings), a Google change's listing
    (calsync writes nothing back for it)."""
    total = delta.quota_units(email) - sum(own_calls(kind).values())
    lists = delta.google_calls().get("events.list", 0)
    propagation = total - lists if kind.startswith("crm") else lists
    return {"propagation_units": propagation, "quota_units": total, "list_units": lists}


def _costs(bench: Bench, kind: str, email: str, delta: Delta) -> dict[str, int]:
    """calsync's share of what the counters saw (the person's own edit taken off)."""
    billed = delta.billed("(default)")
    dispatched = delta.tasks(bench.stack.sync_queue).get("dispatched", 0)
    mine = sum(own_calls(kind).values())
    api = 1 if kind.startswith("crm") else 0  # the activities API call
    return {
        **_units(kind, delta, email),
        "google_requests": delta.google_http_requests() - mine,
        "firestore_reads": billed.get("reads", 0),
        "firestore_writes": billed.get("writes", 0),
        "firestore_deletes": billed.get("deletes", 0),
        "task_dispatches": dispatched,
        "function_invocations": api + delta.push_sent() + dispatched,
    }


def _naive_costs(naive: NaivePair, kind: str, delta: Delta) -> dict[str, int]:
    billed = delta.billed(naive.database)
    mine = sum(own_calls(kind).values())
    return {
        **_units(kind, delta, naive.google.email),
        "google_requests": delta.google_http_requests() - mine,
        "firestore_reads": billed.get("reads", 0),
        "firestore_writes": billed.get("writes", 0),
        "firestore_deletes": billed.get("deletes", 0),
    }


Runs = dict[str, list[dict[str, int]]]


def _per_change(bench: Bench, pair: Pair) -> Runs:
    runs: Runs = {kind: [] for kind in KINDS}
    for round_ in range(bench.sizes.cost_changes):
        side = CrmSide(pair, bench.sizes.calendar_background + 10 + round_)
        for kind in KINDS:
            _, delta, _ = bench.measured(partial(_settled, bench, side.make, kind))
            until(f"{kind} on the other side", partial(side.arrived, kind))
            runs[kind].append(_costs(bench, kind, pair.google.email, delta))
    return runs


def _settled(bench: Bench, make: Callable[[str], None], kind: str) -> None:
    make(kind)
    quiet(bench, AFTER_CHANGE)


def _naive_per_change(bench: Bench, naive: NaivePair) -> Runs:
    runs: Runs = {kind: [] for kind in KINDS}
    for round_ in range(bench.sizes.cost_changes):
        side = NaiveSide(naive, bench.sizes.calendar_background + 10 + round_)
        for kind in KINDS:
            _, delta, _ = bench.measured(partial(side.make, kind))
            runs[kind].append(_naive_costs(naive, kind, delta))
    return runs


def _means(runs: Runs) -> dict[str, float]:
    values: dict[str, float] = {}
    every: dict[str, list[int]] = {}
    for kind, measured in runs.items():
        for metric in measured[0]:
            numbers = [m[metric] for m in measured]
            values[f"{kind}_{metric}"] = round(sum(numbers) / len(numbers), 2)
            every.setdefault(metric, []).extend(numbers)
    for metric, numbers in every.items():
        values[f"all_{metric}"] = round(sum(numbers) / len(numbers), 2)
    return values


def cost_per_change(bench: Bench, pair: Pair, naive: NaivePair) -> Figure:
    bench.say(f"cost_per_change: {bench.sizes.cost_changes} change(s) of each kind")
    values: dict[str, Any] = {"changes_per_kind": bench.sizes.cost_changes}
    values |= _means(_per_change(bench, pair))
    checks = [
        Check(f"{kind}_{units}", "<=", QUOTA_TARGET[kind.partition("_")[2]])
        for units in ("propagation_units", "quota_units")
        for kind in KINDS
    ]
    return Figure(
        "cost_per_change",
        values,
        checks=checks,
        baseline=_means(_naive_per_change(bench, naive)),
        shown=["changes_per_kind", *(f"all_{metric}" for metric in COSTS)],
        notes=(
            "means per propagated change, each measured alone until the sync queue stayed "
            "empty; calsync's Google calls only (the person's own edit is taken off); "
            "<kind>_propagation_units: the calls that carry the change across (a CRM change's "
            "writes, a Google change's listing); <kind>_quota_units: all units, the jobs' "
            "listings included, each judged on the same target; <kind>_list_units: the "
            "listings (for a CRM change, the one the notification of calsync's own write sets "
            "off, which cannot be told from a user's: see fig_change.py); calendar of "
            f"{bench.sizes.calendar_background} synced events"
        ),
    )
