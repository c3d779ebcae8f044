"""`import_5000`, `idle_sync` and `export_5000`: one account's job on the stack's emulators.

Each import and export is the first job of a new account (as after "start sync"), run by a
worker process of its own (`worker.py`: wall time and peak memory of that process), on an
empty Firestore database (an empty CRM); counts come from the emulators' counters around it.
The idle sync is the next job of the imported account, run by a warm worker (this process).
The naive baseline does the same work its way (`naive.py`) on the same calendar.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from calsync.bench import world
from calsync.bench.context import Bench, median
from calsync.bench.counters import Delta
from calsync.bench.naive import NaiveSync, new_activity, seed
from calsync.bench.report import Check, Figure
from calsync.bench.worker import NAIVE_VARIABLE, run_worker


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


def _timed(runs: list[dict[str, Any]]) -> dict[str, float]:
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
        "writes_per_commit": round(counts["firestore_writes"] / max(counts["commits"], 1), 1),
        **_timed(runs),
        "google_calls": last["google_calls"],
        "firestore_rpcs": last["firestore_rpcs"],
    }
    naive_db = bench.database("naive-import")
    naive_run, naive_delta = naive_in_worker(bench, base_site, naive_db, google, calendar)
    baseline = {
        **costs(naive_delta, naive_db, google.email),
        "writes_per_event_marginal": 0.0,
        **_timed([naive_run]),
    }
    baseline["writes_per_event_marginal"] = round(baseline["firestore_writes"] / n, 4)
    baseline["writes_per_event"] = baseline["writes_per_event_marginal"]
    baseline["writes_per_commit"] = round(
        baseline["firestore_writes"] / max(baseline["commits"], 1), 1
    )
    shown = ["events", "google_http_requests", "quota_units", "firestore_writes", "commits",
             "writes_per_commit", "firestore_reads", "wall_s", "peak_rss_mb"]  # fmt: skip
    imported = Figure(
        "import_5000",
        values,
        checks=[
            Check("list_requests", "<=", math.ceil(n / 2500) + 1),
            Check("writes_per_event_marginal", "<=", 2),
        ],
        baseline=_pick(baseline, values),
        shown=shown,
        notes=(
            f"first job of a new account whose calendar holds {n} future events, in a worker "
            f"process of its own; writes_per_event_marginal = (writes({n}) - writes({small})) "
            f"/ {n - small}: what each event adds, without the job's fixed writes"
        ),
    )
    return [imported, _idle(bench, last, google, naive_db, calendar)]


def _pick(baseline: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in baseline.items() if k in values and not isinstance(v, dict)}


def _idle(
    bench: Bench, imported: dict[str, Any], google: world.Person, naive_db: str, calendar: str
) -> Figure:
    site: world.Site = imported["site"]
    account_id: str = imported["account_id"]
    worker = site.services.worker
    worker.run(account_id)  # warm: this process opens the calendar once (discovery document)
    runs = []
    for _ in range(max(bench.sizes.repeats, 3)):
        result, delta, seconds = bench.measured(lambda: worker.run(account_id))
        runs.append((costs(delta, site.settings.firestore_database, google.email), seconds))
        if result.outcome.value != "done":
            raise BenchFailure(f"idle job: {result}")
    naive = naive_sync(bench, naive_db, google, calendar)
    naive_runs = [bench.measured(naive.run) for _ in range(max(bench.sizes.repeats, 3))]
    last = runs[-1][0]
    values = {
        "calendar_events": bench.sizes.import_events,
        "google_requests": max(run[0]["google_http_requests"] for run in runs),
        "firestore_reads": max(run[0]["firestore_reads"] for run in runs),
        "firestore_writes": max(run[0]["firestore_writes"] for run in runs),
        "wall_ms": round(median([s for _, s in runs]) * 1000, 1),
        "google_calls": last["google_calls"],
        "firestore_rpcs": last["firestore_rpcs"],
    }
    naive_last = costs(naive_runs[-1][1], naive_db, google.email)
    baseline = {
        "google_requests": naive_last["google_http_requests"],
        "firestore_reads": naive_last["firestore_reads"],
        "firestore_writes": naive_last["firestore_writes"],
        "wall_ms": round(median([s for _, _, s in naive_runs]) * 1000, 1),
    }
    return Figure(
        "idle_sync",
        values,
        checks=[Check("google_requests", "==", 1), Check("firestore_reads", "<=", 3)],
        baseline=baseline,
        shown=["calendar_events", "firestore_writes", "wall_ms"],
        notes=(
            "the next job of the imported account with nothing new, run by a warm worker; "
            "reads: the account when leasing, the credentials, the outbox query, the account "
            "when closing"
        ),
    )


# -- export_5000 ------------------------------------------------------------------------------


def _export_once(bench: Bench, google: world.Person) -> dict[str, Any]:
    site = bench.site("export")
    crm = world.company(site, "export")
    world.store_activities(site, world.activities(crm, bench.sizes.export_activities))
    account = world.account(site, crm, google, google.new_calendar())
    result, delta = job_in_worker(bench, site, account.id)
    return {**costs(delta, site.settings.firestore_database, google.email), **result}


def export(bench: Bench) -> Figure:
    n = bench.sizes.export_activities
    bench.say(f"export_5000: {n} activities, {bench.sizes.repeats} run(s)")
    base_site = bench.site("people")
    google = world.person(base_site, "export")
    runs = [_export_once(bench, google) for _ in range(bench.sizes.repeats)]
    last = runs[-1]
    counts = {k: max(run[k] for run in runs) for k in last if isinstance(last[k], int)}
    values = {"activities": n, **counts, **_timed(runs), "google_calls": last["google_calls"]}
    naive_db, calendar = bench.database("naive-export"), google.new_calendar()
    seed(bench.firestore(naive_db), "naive", (_naive_doc(i) for i in range(n)))
    naive_run, naive_delta = naive_in_worker(bench, base_site, naive_db, google, calendar)
    baseline = {**costs(naive_delta, naive_db, google.email), **_timed([naive_run])}
    return Figure(
        "export_5000",
        values,
        checks=[
            Check("write_quota_units", "==", n),
            Check("google_http_requests", "<=", math.ceil(n / 50) + 10),
        ],
        baseline=_pick(baseline, values),
        shown=[
            "activities",
            "quota_units",
            "batch_requests",
            "list_requests",
            "firestore_reads",
            "firestore_writes",
            "wall_s",
            "peak_rss_mb",
        ],
        notes=(
            f"first job of a new account whose user has {n} future activities, to an empty "
            "calendar, in a worker process of its own; write_quota_units: units spent on "
            "event writes (quota_units adds the job's pull of the calendar)"
        ),
    )


def _naive_doc(index: int) -> dict[str, Any]:
    body = world.event_body(index, "Activity")
    return new_activity(body["summary"], body["start"], body["end"])
