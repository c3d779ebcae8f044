"""`cost_per_change`: what single changes on each side cost, through the whole stack
(`change_latency`, their speed, is in fig_latency.py).

Per kind of change (create, update, delete on each side), the emulators' counters around
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

from collections.abc import Callable
from functools import partial
from typing import Any

from calsync.bench.change_setup import NaivePair, Pair, quiet, until
from calsync.bench.changes import KINDS, CrmSide, NaiveSide, own_calls
from calsync.bench.context import Bench
from calsync.bench.counters import Delta
from calsync.bench.report import Check, Figure

AFTER_CHANGE = 0.6  # the queue stays empty this long before a change's costs are read
QUOTA_TARGET = {"create": 1, "update": 2, "delete": 1}  # propagation units per change
COSTS = ("firestore_reads", "firestore_writes", "task_dispatches", "function_invocations")


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
