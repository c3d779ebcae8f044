"""`fanout_10000` and `fanout_10000_all_due`: one fan-out tick over 10,000 accounts of which
1,000 are due, and the same tick when all 10,000 are (after an outage, or a deployment whose
accounts all connected within one poll interval).

The accounts are syncing, with live push channels (nothing to renew), on Firestore (the
stack's emulator). The tick (`FanoutService.tick`, as the fanout function runs it) claims the
due ones page by page and asks Cloud Tasks for a job for each, on a paused queue (the jobs are
not the figure). The naive tick reads every account and claims and enqueues the due ones one
by one. Both figures have the same targets: a tick within 30 s, reads proportional to what is
due.
"""

from __future__ import annotations

import functools
import itertools
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from calsync.bench.context import Bench, median
from calsync.bench.naive import naive_tick
from calsync.bench.report import Check, Figure
from calsync.bench.stack import BENCH_QUEUE
from calsync.bench.world import Site, slot, store
from calsync.domain.account import Account, AccountStatus, Channel, SyncSettings, SyncState
from calsync.domain.schedule import evolve
from calsync.ports import Storage
from calsync.tasks.cloud_tasks import CloudTasksQueue

WALL_LIMIT_S = 30.0
FIXED_READS = 10  # the tick's other queries (expiring channels, stale leases, old outbox)


def fleet(count: int, due: int, now: datetime) -> Iterator[Account]:
    """`count` syncing accounts with live channels; the first `due` are due for a poll."""
    for index in range(count):
        account_id = f"fleet-{index:06d}"
        calendar_id = f"{account_id}@group.calendar.google.com"
        check = now - timedelta(minutes=1 + index) if index < due else now + timedelta(hours=1)
        yield Account(
            id=account_id,
            company_id="fleet",
            user_id=f"u-{index:06d}",
            email=f"{account_id}@bench.example",
            status=AccountStatus.SYNCING,
            settings=SyncSettings(calendar_id=calendar_id),
            sync=SyncState(window_start=slot(0)[0], next_check_at=check),
            channel=Channel(
                id=uuid.uuid4().hex,
                resource_id=f"res-{index}",
                calendar_id=calendar_id,
                token_hash="0" * 64,
                expires_at=now + timedelta(days=6),
            ),
        )


def _seed(storage: Storage, accounts: Iterator[Account]) -> int:
    return store(storage, accounts, lambda uow, account: uow.accounts.put(account))


def _due_again(storage: Storage, count: int, due: int, now: datetime) -> None:
    """Make the due accounts due again (a tick moved their next check ahead)."""
    again = (
        evolve(a, sync=evolve(a.sync, lease_holder=None))
        for a in itertools.islice(fleet(count, due, now), due)
    )
    _seed(storage, again)


def fanout_due(bench: Bench) -> Figure:
    return fanout(bench, "fanout_10000", bench.sizes.fanout_due)


def fanout_all_due(bench: Bench) -> Figure:
    return fanout(bench, "fanout_10000_all_due", bench.sizes.fanout_accounts)


def fanout(bench: Bench, name: str, due: int) -> Figure:
    count = bench.sizes.fanout_accounts
    bench.say(f"{name}: {count} accounts, {due} due, {bench.sizes.repeats} run(s)")
    site = bench.site("fanout")
    queue = site.settings.tasks_queue
    runs = []
    for round_ in range(bench.sizes.repeats):
        now = datetime.now(UTC)
        if round_ == 0:
            _seed(site.storage, fleet(count, due, now))
        else:
            _due_again(site.storage, count, due, now)
        report, delta, seconds = bench.measured(site.services.fanout.tick)
        billed = delta.billed(site.settings.firestore_database)
        runs.append(
            {
                "due": report.due,
                "jobs_requested": report.jobs_requested,
                "tasks_created": delta.tasks(queue).get("created", 0),
                "firestore_reads": billed.get("reads", 0),
                "firestore_writes": billed.get("writes", 0),
                "channels_renewed": report.channels_renewed + report.channels_opened,
                "wall_s": round(seconds, 3),
            }
        )
        bench.stack.purge(BENCH_QUEUE)
    values = {"accounts": count, **_summary(runs)}
    baseline = _naive(bench, site, count, due)
    return Figure(
        name,
        values,
        checks=[
            Check("wall_s", "<=", WALL_LIMIT_S),
            Check("firestore_reads", "<=", due + FIXED_READS),
        ],
        baseline=baseline,
        shown=["accounts", "due", "jobs_requested", "firestore_writes", "channels_renewed"],
        notes=(
            f"one tick over {count} syncing accounts with live channels, {due} of them due; "
            f"reads target: one per due account plus the tick's few fixed queries "
            f"({FIXED_READS}); jobs go to a paused queue"
        ),
    )


def _summary(runs: list[dict[str, float]]) -> dict[str, float]:
    last = runs[-1]
    return {
        **{key: max(run[key] for run in runs) for key in last if key != "wall_s"},
        "wall_s": median([run["wall_s"] for run in runs]),
    }


def _naive(bench: Bench, site: Site, count: int, due: int) -> dict[str, float]:
    database = bench.database("naive-fanout")
    naive_site = bench.site("naive-fanout-store", firestore_database=database)
    db = bench.firestore(database)
    queue = CloudTasksQueue(
        bench.stack.tasks(), queue_path=BENCH_QUEUE, worker_url=site.settings.worker_url
    )
    runs = []
    for round_ in range(bench.sizes.repeats):
        now = datetime.now(UTC)
        if round_ == 0:
            _seed(naive_site.storage, fleet(count, due, now))
        else:
            _due_again(naive_site.storage, count, due, now)
        later = now + site.settings.poll_interval
        found, delta, seconds = bench.measured(
            functools.partial(naive_tick, db, queue.enqueue_sync, now, later)
        )
        billed = delta.billed(database)
        runs.append(
            {
                "due": found,
                "jobs_requested": found,
                "tasks_created": delta.tasks(BENCH_QUEUE).get("created", 0),
                "firestore_reads": billed.get("reads", 0),
                "firestore_writes": billed.get("writes", 0),
                "wall_s": round(seconds, 3),
            }
        )
        bench.stack.purge(BENCH_QUEUE)
    return _summary(runs)
