"""`worker_memory_10000`: the peak resident memory of a worker process importing 10,000 events.

The worker is a process of its own (`worker.py`), built from its settings as the deployed
worker function is, running the first job of an account whose calendar holds the events;
`peak_rss_mb` is the process's peak (interpreter, libraries and clients included; they are
`rss_start_mb` before the job starts). The naive baseline imports the same calendar in a
process of its own: it holds the whole listing at once.
"""

from __future__ import annotations

from calsync.bench import world
from calsync.bench.context import Bench, median
from calsync.bench.fig_sync import job_in_worker, naive_in_worker
from calsync.bench.report import Check, Figure

LIMIT_MB = 256


def worker_memory(bench: Bench) -> Figure:
    n = bench.sizes.memory_events
    bench.say(f"worker_memory_10000: {n} events, {bench.sizes.repeats} run(s)")
    people = bench.site("people")
    google = world.person(people, "memory")
    calendar = google.new_calendar()
    google.add_events(calendar, (world.event_body(i) for i in range(n)))
    runs = []
    for _ in range(bench.sizes.repeats):
        site = bench.site("memory")
        account = world.account(site, world.company(site, "memory"), google, calendar)
        result, _ = job_in_worker(bench, site, account.id)
        runs.append(result)
    naive_runs = [
        naive_in_worker(bench, people, bench.database("naive-memory"), google, calendar)[0]
        for _ in range(bench.sizes.repeats)
    ]

    def summary(results: list[dict[str, float]]) -> dict[str, float]:
        peak = median([r["peak_rss_mb"] for r in results])
        start = median([r["rss_start_mb"] for r in results])
        return {
            "peak_rss_mb": peak,
            "rss_start_mb": start,
            "job_growth_mb": round(peak - start, 1),
            "wall_s": median([r["seconds"] for r in results]),
        }

    return Figure(
        "worker_memory_10000",
        {"events": n, **summary(runs)},
        checks=[Check("peak_rss_mb", "<=", LIMIT_MB)],
        baseline=summary(naive_runs),
        shown=["events", "rss_start_mb", "job_growth_mb", "wall_s"],
        notes=(
            "peak RSS of a worker process running the first job of an account whose calendar "
            f"holds {n} future events (median of {len(runs)}); rss_start_mb: the same process "
            "before the job (Python, the Google and Firestore clients)"
        ),
    )
