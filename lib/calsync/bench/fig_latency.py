"""`change_latency`: how long a single edit on one side takes to show on the other.

A CRM edit is a PATCH to the activities API, timed until the Google event shows it (frontend
API -> outbox -> task -> worker -> Google); a Google edit is the person's own edit in the
simulator, timed until the activities API shows it (-> push -> webhook -> task -> worker ->
CRM). Probes poll every 10 ms. It runs on a stack whose functions coalesce job requests over
production's window (`CALSYNC_COALESCE_SECONDS`, 2 s: run.py), not the local stack's 50 ms, so
its times are what a deployment's would be (the round trips to Google and Firestore aside).

Judged on single edits: each edit goes to one of `latency_pairs` synced accounts in turn, and
an account is edited again only once its previous change (and the notification of calsync's
own write) lies a coalescing window behind, as a user's edits of one calendar usually do. An
edit that follows another change of the same account within a window waits for that window's
trailing job, at most a window (`sync/jobs.py`): that is measured too, as back-to-back edits
of one account (`burst_*`, reported, not judged), each starting once the previous one and its
echo are done.

The baseline runs its sync at once after each edit (as if pushed there instantly).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from operator import methodcaller

from calsync.bench.change_setup import NaivePair, Pair, quiet, until
from calsync.bench.context import Bench, percentile
from calsync.bench.report import Check, Figure

BETWEEN_EDITS = 0.3  # the queue stays empty this long before the next edit
MARGIN = 0.1  # seconds past a window before an account is edited again


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
    """How to edit each side of one account with a new title, and see it on the other."""

    crm_edit: Callable[[str], object]
    crm_seen: Callable[[str], bool]
    google_edit: Callable[[str], object]
    google_seen: Callable[[str], bool]

    def to_google(self, text: str) -> float:
        return _timed(partial(self.crm_edit, text), partial(self.crm_seen, text))

    def to_crm(self, text: str) -> float:
        return _timed(partial(self.google_edit, text), partial(self.google_seen, text))


def _edits(pair: Pair) -> Edits:
    return Edits(
        lambda s: pair.client.edit_activity(pair.activity_id, subject=s),
        lambda s: pair.event_summary(pair.activity_event) == s,
        lambda s: pair.google.patch(pair.calendar_id, pair.event_id, {"summary": s}),
        lambda s: pair.subject(pair.imported_id) == s,
    )


@dataclass
class _Rotation:
    """Accounts taken in turn, each only once its last change lies `rest` seconds behind."""

    accounts: Sequence[Edits]
    rest: float
    settle: Callable[[], None]
    touched: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.touched = [0.0] * len(self.accounts)

    def edit(self, timed: Callable[[Edits], float]) -> float:
        index = min(range(len(self.accounts)), key=self.touched.__getitem__)
        wait = self.touched[index] + self.rest - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        seconds = timed(self.accounts[index])
        self.settle()
        self.touched[index] = time.monotonic()
        return seconds


def _single(bench: Bench, pairs: Sequence[Pair], count: int) -> dict[str, float]:
    rest = bench.stack.coalesce_seconds + MARGIN
    rotation = _Rotation([_edits(pair) for pair in pairs], rest, lambda: quiet(bench, 0.05))
    to_google, to_crm = [], []
    for i in range(count):
        to_google.append(rotation.edit(methodcaller("to_google", f"CRM edit {i}")))
        to_crm.append(rotation.edit(methodcaller("to_crm", f"Google edit {i}")))
    return {**_summary("crm_to_google", to_google), **_summary("google_to_crm", to_crm)}


def _back_to_back(bench: Bench, pair: Pair, count: int) -> dict[str, float]:
    edits, to_google, to_crm = _edits(pair), [], []
    for i in range(count):
        to_google.append(edits.to_google(f"CRM burst {i}"))
        quiet(bench, BETWEEN_EDITS)
        to_crm.append(edits.to_crm(f"Google burst {i}"))
        quiet(bench, BETWEEN_EDITS)
    return {**_summary("burst_crm_to_google", to_google), **_summary("burst_google_to_crm", to_crm)}


def _naive(naive: NaivePair, count: int) -> dict[str, float]:
    event = naive.activity_event()

    def crm_edit(subject: str) -> None:
        naive.sync.crm_update(naive.activity_id, subject=subject)
        naive.sync.run()

    def google_edit(summary: str) -> None:
        naive.google.patch(naive.calendar_id, naive.event_id, {"summary": summary})
        naive.sync.run()

    edits = Edits(
        crm_edit,
        lambda s: naive.event_summary(event) == s,
        google_edit,
        lambda s: naive.subject_of(naive.event_id) == s,
    )
    to_google = [edits.to_google(f"CRM edit {i}") for i in range(count)]
    to_crm = [edits.to_crm(f"Google edit {i}") for i in range(count)]
    return {**_summary("crm_to_google", to_google), **_summary("google_to_crm", to_crm)}


def change_latency(bench: Bench, pairs: Sequence[Pair], naive: NaivePair) -> Figure:
    sizes, window = bench.sizes, bench.stack.coalesce_seconds
    bench.say(
        f"change_latency: {sizes.latency_edits} single edits a side over {len(pairs)} accounts, "
        f"{sizes.burst_edits} back to back on one; coalescing window {window} s"
    )
    values = {
        "edits_per_side": sizes.latency_edits,
        "accounts": len(pairs),
        "coalesce_seconds": window,
        **_single(bench, pairs, sizes.latency_edits),
        "burst_edits_per_side": sizes.burst_edits,
        **_back_to_back(bench, pairs[0], sizes.burst_edits),
    }
    return Figure(
        "change_latency",
        values,
        checks=[
            Check("crm_to_google_p50_ms", "<=", 500),
            Check("crm_to_google_p95_ms", "<=", 1500),
            Check("google_to_crm_p50_ms", "<=", 500),
            Check("google_to_crm_p95_ms", "<=", 1500),
        ],
        baseline=_naive(naive, sizes.naive_latency_edits),
        shown=[
            "accounts",
            "coalesce_seconds",
            "crm_to_google_max_ms",
            "google_to_crm_max_ms",
            "burst_crm_to_google_p50_ms",
            "burst_google_to_crm_p50_ms",
            "burst_google_to_crm_p95_ms",
        ],
        notes=(
            f"single edits (each account edited again only a window after its last change) "
            f"over {len(pairs)} accounts on the local stack with production's coalescing "
            f"window ({window} s), calendars of {sizes.calendar_background} synced events; "
            "burst_*: back-to-back edits of one account, each once the previous one and its "
            "echo are done (the second change of a window waits for its end); the baseline "
            f"syncs at once after each edit ({sizes.naive_latency_edits} edits per side)"
        ),
    )
