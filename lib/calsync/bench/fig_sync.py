"""`import_5000` and `idle_sync`: one account's job on the stack's emulators (`export_5000`
is in fig_export.py).

Each import is the first job of a new account (as after "start sync"), run by a worker process
of its own (`worker.py`: wall time and peak memory of that process), on an empty Firestore
database (an empty CRM); counts come from the emulators' counters around it. The idle sync is
the next job of the imported account, run both by a cold worker (a process of its own, as a
fresh function instance: the target is judged on it) and by a warm one (this process, after a
first job). The naive baseline does the same work its way (`naive.py`) on the same calendar,
as many times as calsync's runs (times are medians of as many runs on each side).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from calsync.bench import world
from calsync.bench.context import Bench, median
from calsync.bench.counters import Delta
from calsync.bench.naive import NaiveSync
from calsync.bench.report import Check, Figure
from calsync.bench.worker import NAIVE_VARIABLE, run_worker

WRITES_PER_EVENT = 2  # an activity and a link


class BenchFailure(RuntimeError):
    """A measured job did not do what it should (the figure would be meaningless)."""


def job_in_worker(bench: Bench, site: world.Site, account_id: str) -> tuple[dict[str, Any], Delta]:
    result, delta, _ = bench.measured(lambda: run_worker(site.settings, ["job", account_id]))
    if result["outcome"] != "done":
        raise BenchFailure(f"job of {account_id}: {result}")
    return result, delta


def naive_in_worker(
    bench: Bench, site: world.Site, database: str, google: world.Person, calendar_id: str
) -> tuple[dict[str, Any], Delta]:
    config = {
        "project": site.settings.gcp_project,
        "database": database,
        "google_url": bench.stack.google_url,
        "access_token": google.access_token,
        "calendar_id": calendar_id,
        "account_id": "naive",
        "window_start": datetime.now(UTC).isoformat(),
    }
    env = {NAIVE_VARIABLE: json.dumps(config)}
    result, delta, _ = bench.measured(lambda: run_worker(site.settings, ["naive"], env))
    return result, delta


def naive_sync(bench: Bench, database: str, google: world.Person, calendar_id: str) -> NaiveSync:
    return NaiveSync(
        bench.firestore(database),
        google_url=bench.stack.google_url,
        access_token=google.access_token,
        calendar_id=calendar_id,
        account_id="naive",
    )


def costs(delta: Delta, database: str, user: str) -> dict[str, Any]:
    """The numbers every job figure reports from the counters."""
    billed, rpcs, calls = delta.billed(database), delta.rpcs(), delta.google_calls()
    return {
        "google_http_requests": delta.google_http_requests(),
        "list_requests": calls.get("events.list", 0),
        "quota_units": delta.quota_units(user),
        "write_quota_units": delta.event_writes(),
        "batch_requests": delta.batch().get("requests", 0),
        "firestore_reads": billed.get("reads", 0),
        "firestore_writes": billed.get("writes", 0),
        "firestore_deletes": billed.get("deletes", 0),
        "commits": rpcs.get("Commit", 0),
        "google_calls": dict(calls),
        "firestore_rpcs": dict(rpcs),
    }


def timed(runs: list[dict[str, Any]]) -> dict[str, float]:
    return {
        "wall_s": median([run["seconds"] for run in runs]),
        "peak_rss_mb": median([run["peak_rss_mb"] for run in runs]),
        "rss_start_mb": median([run["rss_start_mb"] for run in runs]),
    }


# -- import_5000 and idle_sync ----------------------------------------------------------------


def _import_once(bench: Bench, google: world.Person, calendar_id: str) -> dict[str, Any]:
    site = bench.site("import")
    crm = world.company(site, "import")
    account = world.account(site, crm, google, calendar_id)
    result, delta = job_in_worker(bench, site, account.id)
    return {**costs(delta, site.settings.firestore_database, google.email), **result,
            "site": site, "account_id": account.id}  # fmt: skip


def _naive_import(
    bench: Bench, site: world.Site, google: world.Person, calendar: str
) -> tuple[dict[str, Any], str]:
    """The naive import, as many times as calsync's (each into an empty CRM of its own): its
    counts (the most of any run), median times, and one of its databases for the idle runs."""
    runs, databases = [], []
    for _ in range(bench.sizes.repeats):
        databases.append(bench.database("naive-import"))
        run, delta = naive_in_worker(bench, site, databases[-1], google, calendar)
        runs.append({**costs(delta, databases[-1], google.email), **run})
    counts = {k: max(run[k] for run in runs) for k in runs[-1] if isinstance(runs[-1][k], int)}
    n = bench.sizes.import_events
    baseline = {**counts, **timed(runs), "runs": len(runs)}
    baseline["writes_per_event_marginal"] = round(baseline["firestore_writes"] / n, 4)
    baseline["writes_per_event"] = baseline["writes_per_event_marginal"]
    baseline["writes_per_commit"] = round(
        baseline["firestore_writes"] / max(baseline["commits"], 1), 1
    )
    return baseline, databases[-1]


def import_and_idle(bench: Bench) -> list[Figure]:
    n = bench.sizes.import_events
    small = max(n // 10, 1)
    bench.say(f"import_5000: {n} events, {bench.sizes.repeats} run(s), and {small} for the margin")
    base_site = bench.site("people")
    google = world.person(base_site, "import")
    calendar, small_calendar = google.new_calendar(), google.new_calendar("Small")
    google.add_events(calendar, (world.event_body(i) for i in range(n)))
    google.add_events(small_calendar, (world.event_body(i) for i in range(small)))
    runs = [_import_once(bench, google, calendar) for _ in range(bench.sizes.repeats)]
    little = _import_once(bench, google, small_calendar)
    last = runs[-1]
    counts = {k: max(run[k] for run in runs) for k in last if isinstance(last[k], int)}
    marginal = (counts["firestore_writes"] - little["firestore_writes"]) / (n - small or 1)
    values: dict[str, Any] = {
        "events": n,
        **counts,
        "writes_per_event_marginal": round(marginal, 4),
        "writes_per_event": round(counts["firestore_writes"] / n, 4),
        "fixed_writes": counts["firestore_writes"] - WRITES_PER_EVENT * n,
        "writes_per_commit": round(counts["firestore_writes"] / max(counts["commits"], 1), 1),
        **timed(runs),
        "runs": len(runs),
        "google_calls": last["google_calls"],
        "firestore_rpcs": last["firestore_rpcs"],
    }
    baseline, naive_db = _naive_import(bench, base_site, google, calendar)
    shown = ["events", "fixed_writes", "google_http_requests", "quota_units", "firestore_writes",
             "commits", "writes_per_commit", "firestore_reads", "wall_s", "peak_rss_mb",
             "runs"]  # fmt: skip
    imported = Figure(
        "import_5000",
        values,
        checks=[
            Check("list_requests", "<=", math.ceil(n / 2500) + 1),
            Check("writes_per_event_marginal", "<=", WRITES_PER_EVENT),
            Check("writes_per_event", "<=", WRITES_PER_EVENT),
        ],
        baseline=same_metrics(baseline, values),
        shown=shown,
        notes=(
            f"first job of a new account whose calendar holds {n} future events, in a worker "
            f"process of its own; writes_per_event_marginal = (writes({n}) - writes({small})) "
            f"/ {n - small}: what each event adds (an activity and a link); writes_per_event: "
            "all writes / events, the job's fixed writes included (fixed_writes: the account "
            "when leasing, reconciling, storing the cursor and closing), which no import can "
            f"do without; times are medians of {len(runs)} runs on each side"
        ),
    )
    return [imported, _idle(bench, last, google, naive_db, calendar)]


def same_metrics(baseline: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in baseline.items() if k in values and not isinstance(v, dict)}


def _idle_run(
    run: Callable[[], Any], bench: Bench, site: world.Site, email: str
) -> tuple[dict[str, Any], float]:
    """One idle job's counts and its time (a worker process's job alone, not its start)."""
    result, delta, seconds = bench.measured(run)
    in_process = isinstance(result, dict)
    outcome = result["outcome"] if in_process else result.outcome.value
    if outcome != "done":
        raise BenchFailure(f"idle job: {result}")
    job_seconds = float(result["seconds"]) if in_process else seconds
    return costs(delta, site.settings.firestore_database, email), job_seconds


def _idle(
    bench: Bench, imported: dict[str, Any], google: world.Person, naive_db: str, calendar: str
) -> Figure:
    site: world.Site = imported["site"]
    account_id: str = imported["account_id"]
    repeats = max(bench.sizes.repeats, 3)
    email = google.email
    cold = [  # a fresh worker process each: nothing cached, as a new function instance
        _idle_run(lambda: run_worker(site.settings, ["job", account_id]), bench, site, email)
        for _ in range(repeats)
    ]
    worker = site.services.worker
    worker.run(account_id)  # warm: this process opens the calendar once (discovery, tokens)
    warm = [_idle_run(lambda: worker.run(account_id), bench, site, email) for _ in range(repeats)]
    naive = naive_sync(bench, naive_db, google, calendar)
    naive_runs = [bench.measured(naive.run) for _ in range(repeats)]
    values = {
        "calendar_events": bench.sizes.import_events,
        "google_requests": max(run["google_http_requests"] for run, _ in cold),
        "firestore_reads": max(run["firestore_reads"] for run, _ in cold),
        "firestore_writes": max(run["firestore_writes"] for run, _ in cold),
        "wall_ms": round(median([s for _, s in cold]) * 1000, 1),
        "warm_google_requests": max(run["google_http_requests"] for run, _ in warm),
        "warm_firestore_reads": max(run["firestore_reads"] for run, _ in warm),
        "warm_wall_ms": round(median([s for _, s in warm]) * 1000, 1),
        "runs": repeats,
        "google_calls": cold[-1][0]["google_calls"],
        "firestore_rpcs": cold[-1][0]["firestore_rpcs"],
        "warm_firestore_rpcs": warm[-1][0]["firestore_rpcs"],
    }
    naive_last = costs(naive_runs[-1][1], naive_db, email)
    baseline = {
        "google_requests": naive_last["google_http_requests"],
        "firestore_reads": naive_last["firestore_reads"],
        "firestore_writes": naive_last["firestore_writes"],
        "warm_wall_ms": round(median([s for _, _, s in naive_runs]) * 1000, 1),
    }
    return Figure(
        "idle_sync",
        values,
        checks=[Check("google_requests", "==", 1), Check("firestore_reads", "<=", 3)],
        baseline=baseline,
        shown=[
            "calendar_events",
            "firestore_writes",
            "wall_ms",
            "warm_google_requests",
            "warm_firestore_reads",
            "warm_wall_ms",
            "runs",
        ],
        notes=(
            "the next job of the imported account with nothing new; judged on a cold worker "
            f"(a process of its own per run, {repeats} runs): reads the account when leasing, "
            "the credentials, the outbox query (the result is recorded by a conditional write, "
            "no read); warm_*: the same job in a warm worker, which holds the account's tokens "
            "(no credentials read); wall_ms, warm_wall_ms: the job alone (medians), the naive "
            "run's time next to the warm one"
        ),
    )
