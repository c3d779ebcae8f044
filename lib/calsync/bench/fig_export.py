"""`export_5000`: the first job of a new account whose user has 5,000 future activities, to
an empty calendar, in a worker process of its own (as `import_5000`, fig_sync.py).

The naive baseline exports the same activities its way (one insert per activity) as many
times as calsync runs, each to an empty calendar of its own; times are medians of as many
runs on each side.

Quota units are reported twice, each with its own target: `write_quota_units` (the event
writes, which carry the activities across: 5,000) and `quota_units`, everything the job
spends, which adds its one listing of the calendar. That listing is not skipped on an empty
calendar: it is what gives the account its sync token (Google hands one out only at the end of
a listing), and nothing tells calsync that a calendar it did not create is empty. Without the
token the next job would list the whole calendar, its own 5,000 new events included: 2 units
more, not 1 less.
"""

from __future__ import annotations

import math
from typing import Any

from calsync.bench import world
from calsync.bench.context import Bench
from calsync.bench.fig_sync import costs, job_in_worker, naive_in_worker, same_metrics, timed
from calsync.bench.naive import new_activity, seed
from calsync.bench.report import Check, Figure

PER_BATCH = 50  # calendar writes per batch request


def _export_once(bench: Bench, google: world.Person) -> dict[str, Any]:
    site = bench.site("export")
    crm = world.company(site, "export")
    world.store_activities(site, world.activities(crm, bench.sizes.export_activities))
    account = world.account(site, crm, google, google.new_calendar())
    result, delta = job_in_worker(bench, site, account.id)
    return {**costs(delta, site.settings.firestore_database, google.email), **result}


def _naive_once(bench: Bench, site: world.Site, google: world.Person) -> dict[str, Any]:
    database, calendar = bench.database("naive-export"), google.new_calendar()
    n = bench.sizes.export_activities
    seed(bench.firestore(database), "naive", (_naive_doc(i) for i in range(n)))
    run, delta = naive_in_worker(bench, site, database, google, calendar)
    return {**costs(delta, database, google.email), **run}


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The most any run counted, the median times, and how many runs."""
    last = runs[-1]
    counts = {k: max(run[k] for run in runs) for k in last if isinstance(last[k], int)}
    return {**counts, **timed(runs), "runs": len(runs)}


def export(bench: Bench) -> Figure:
    n = bench.sizes.export_activities
    bench.say(f"export_5000: {n} activities, {bench.sizes.repeats} run(s) on each side")
    base_site = bench.site("people")
    google = world.person(base_site, "export")
    runs = [_export_once(bench, google) for _ in range(bench.sizes.repeats)]
    values = {"activities": n, **_summary(runs), "google_calls": runs[-1]["google_calls"]}
    naive = [_naive_once(bench, base_site, google) for _ in range(bench.sizes.repeats)]
    return Figure(
        "export_5000",
        values,
        checks=[
            Check("write_quota_units", "==", n),
            Check("quota_units", "==", n),
            Check("google_http_requests", "<=", math.ceil(n / PER_BATCH) + 10),
        ],
        baseline=same_metrics(_summary(naive), values),
        shown=[
            "activities",
            "batch_requests",
            "list_requests",
            "firestore_reads",
            "firestore_writes",
            "wall_s",
            "peak_rss_mb",
            "runs",
        ],
        notes=(
            f"first job of a new account whose user has {n} future activities, to an empty "
            "calendar, in a worker process of its own; write_quota_units: units spent on "
            "event writes; quota_units: all of them, the job's one listing of the calendar "
            "included (it gives the account its sync token; see fig_export.py); times are "
            f"medians of {len(runs)} runs on each side"
        ),
    )


def _naive_doc(index: int) -> dict[str, Any]:
    body = world.event_body(index, "Activity")
    return new_activity(body["summary"], body["start"], body["end"])
