"""The fan-out tick: due accounts, channel renewals, stale leases, forgotten outboxes; paged,
respecting back-off, with storage reads proportional to what is due."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from calsync.domain.account import Account, AccountStatus, Channel, SyncSettings, SyncState
from calsync.domain.link import OutboxEntry
from calsync.domain.schedule import evolve
from calsync.errors import ProviderUnavailable
from calsync.store.firestore import FirestoreStorage
from calsync.store.memory import MemoryStorage

from tests.unit.services.harness import World, settings


def _put(world: World, account: Account) -> Account:
    world.storage.session().accounts.put(account)
    return account


def _syncing(world: World, email: str, **sync: Any) -> Account:
    account = world.start(world.demo, email)
    return _put(world, evolve(account, sync=evolve(account.sync, **sync)))


def test_only_due_syncing_accounts_get_a_job_and_are_claimed(world: World) -> None:
    now = world.clock.now()
    due = _syncing(world, "due@gmail.test", next_check_at=now - timedelta(minutes=1))
    _syncing(world, "later@gmail.test", next_check_at=now + timedelta(minutes=5))
    stopped = _syncing(world, "stopped@gmail.test", next_check_at=now - timedelta(minutes=1))
    world.services.lifecycle.stop(world.demo, stopped.id)
    world.queue.take()
    world.later(seconds=10)
    report = world.services.fanout.tick()
    assert (report.due, report.jobs_requested) == (1, 1)
    assert [(job.account_id, job.pull) for job in world.queue.take()] == [(due.id, True)]
    claimed = world.account(due.id)
    assert claimed.sync.next_check_at == world.clock.now() + world.settings.poll_interval
    world.later(seconds=10)
    assert world.services.fanout.tick().due == 0  # claimed: not picked again by the next tick


def test_accounts_in_back_off_wait_for_it(world: World) -> None:
    now = world.clock.now()
    failing = _syncing(world, "f@gmail.test", failures=3, next_check_at=now + timedelta(hours=1))
    world.queue.take()
    world.later(minutes=30)
    assert world.services.fanout.tick().due == 0
    world.later(minutes=31)
    assert world.services.fanout.tick().due == 1
    assert [job.account_id for job in world.queue.take()] == [failing.id]


def test_expiring_channels_are_renewed_with_overlap(world: World) -> None:
    account = world.start(world.demo, "demo@gmail.test")
    old = account.channel
    assert old is not None
    world.later(days=6, hours=1)  # the 7-day channel now expires within a day
    report = world.services.fanout.tick()
    assert report.channels_renewed == 1
    renewed = world.account(account.id).channel
    assert renewed is not None
    assert renewed.id != old.id
    assert renewed.token_hash != old.token_hash
    assert renewed.expires_at > old.expires_at
    routes = world.storage.session().channels
    assert routes.get(old.id) is None
    assert routes.get(renewed.id) is not None
    assert world.calendar.watches[old.id].stopped
    assert not world.calendar.watches[renewed.id].stopped


def test_a_failed_renewal_keeps_the_old_channel_and_is_tried_next_tick(world: World) -> None:
    account = world.start(world.demo, "demo@gmail.test")
    world.later(days=6, hours=1)
    world.calendar.fail_next("events.watch", ProviderUnavailable("down"))
    report = world.services.fanout.tick()
    assert (report.channels_renewed, report.channel_failures) == (0, 1)
    assert world.account(account.id).channel == account.channel
    assert world.services.fanout.tick().channels_renewed == 1


def test_channels_expiring_together_are_renewed_over_ticks_soonest_first() -> None:
    world = World(settings=settings(fanout_max_renewals=2))
    accounts = []
    for i in range(5):
        accounts.append(world.start(world.demo, f"u{i}@gmail.test"))
        world.later(minutes=1)  # each channel expires a minute after the previous one
    world.later(days=6, hours=1)  # all five now expire within a day
    before = world.calendar.requests
    first = world.services.fanout.tick()
    assert first.channels_renewed == 2
    assert world.calendar.requests - before <= 2 * 2 + 5  # renewals, plus due accounts' jobs
    renewed = {a.id for a in accounts if world.account(a.id).channel != a.channel}
    assert renewed == {accounts[0].id, accounts[1].id}  # the soonest to expire
    assert world.services.fanout.tick().channels_renewed == 2
    assert world.services.fanout.tick().channels_renewed == 1
    assert all(world.account(a.id).channel != a.channel for a in accounts)


def test_a_due_account_without_a_channel_gets_one(world: World) -> None:
    account = world.connect(world.demo, "demo@gmail.test")
    world.calendar.fail_next("events.watch", ProviderUnavailable("down"))
    started = world.services.lifecycle.start(
        world.demo, account.id, {"calendar_id": "demo@gmail.test"}
    )
    assert started.channel is None
    world.later(seconds=world.settings.poll_interval_seconds + 1)
    report = world.services.fanout.tick()
    assert report.channels_opened == 1
    assert world.account(account.id).channel is not None


def test_stale_leases_are_released_and_the_account_polled(world: World) -> None:
    now = world.clock.now()
    stale = _syncing(world, "s@gmail.test", lease_holder="dead", lease_until=now)
    held = _syncing(
        world, "h@gmail.test", lease_holder="alive", lease_until=now + timedelta(hours=1)
    )
    world.queue.take()
    world.later(minutes=1)
    report = world.services.fanout.tick()
    assert report.leases_released == 1
    assert world.account(stale.id).sync.lease_holder is None
    assert world.account(held.id).sync.lease_holder == "alive"
    assert [job.account_id for job in world.queue.take()] == [stale.id]


def test_forgotten_outbox_entries_get_their_account_a_job(world: World) -> None:
    now = world.clock.now()
    forgotten = world.start(world.demo, "f@gmail.test")
    fresh = world.start(world.demo, "n@gmail.test")
    backing_off = _syncing(
        world, "b@gmail.test", failures=2, next_check_at=now + timedelta(hours=2)
    )
    outbox = world.storage.session().outbox
    for account, at in ((forgotten, now), (fresh, now + timedelta(minutes=20)), (backing_off, now)):
        for activity in ("a1", "a2"):
            outbox.put(OutboxEntry(account_id=account.id, activity_id=activity, op="upsert",
                                   activity_version=1, enqueued_at=at))  # fmt: skip
    world.queue.take()
    world.later(minutes=21)
    report = world.services.fanout.tick()
    assert report.outbox_accounts == 1
    # the safety net pulls: it cannot tell what the lost request was for
    assert (forgotten.id, True) in {(job.account_id, job.pull) for job in world.queue.take()}


def _entries(world: World, account: Account, count: int, at: datetime) -> None:
    entries = [
        OutboxEntry(account_id=account.id, activity_id=f"act{i:05d}", op="upsert",
                    activity_version=1, enqueued_at=at)
        for i in range(count)
    ]  # fmt: skip
    for start in range(0, count, 400):
        chunk = entries[start : start + 400]
        world.storage.transaction(lambda uow, chunk=chunk: [uow.outbox.put(e) for e in chunk])


def test_entries_of_accounts_that_no_longer_sync_are_dropped_live_ones_kept(world: World) -> None:
    now = world.clock.now()
    live = world.start(world.demo, "live@gmail.test")
    stopped = world.start(world.demo, "stopped@gmail.test")
    world.services.lifecycle.stop(world.demo, stopped.id)
    reauth = world.start(world.demo, "r@gmail.test")
    _put(world, evolve(reauth, status=AccountStatus.NEEDS_REAUTH))
    failed = world.start(world.demo, "e@gmail.test")
    _put(world, evolve(failed, status=AccountStatus.ERROR))
    waiting = _syncing(world, "w@gmail.test", failures=2, next_check_at=now + timedelta(hours=2))
    removed = Account(id="gone", company_id="c1", user_id="u-demo", email="gone@gmail.test")
    for account in (stopped, reauth, failed, removed, waiting, live):
        _entries(world, account, 3, now - timedelta(hours=1))
    world.queue.take()
    world.later(seconds=10)  # past the starts' coalescing window
    report = world.services.fanout.tick()
    assert (report.outbox_accounts, report.outbox_dropped) == (1, 12)
    assert [job.account_id for job in world.queue.take()] == [live.id]
    pending = world.storage.session().outbox.pending
    assert [len(pending(a.id, limit=10)) for a in (stopped, reauth, failed, removed)] == [0] * 4
    assert len(pending(waiting.id, limit=10)) == len(pending(live.id, limit=10)) == 3


def test_a_start_meanwhile_keeps_the_entries_of_the_account(world: World) -> None:
    now = world.clock.now()
    account = world.start(world.demo, "s@gmail.test")
    world.services.lifecycle.stop(world.demo, account.id)
    _entries(world, account, 2, now - timedelta(hours=1))
    sweep = world.services.fanout
    world.services.lifecycle.start(world.demo, account.id, {})  # after the sweep read them
    assert sweep._drop(account.id, ["act00000", "act00001"]) == 0
    assert len(world.storage.session().outbox.pending(account.id, limit=10)) == 2


def test_one_tick_reaches_a_live_account_behind_1500_entries_of_stopped_ones(
    firestore_client: Any, firestore_counters: Any
) -> None:
    """Firestore: the sweep pages past old entries of stopped accounts (dropping them, each
    read once) to the syncing account behind them; the next tick reads only what is left."""
    world = World(storage=FirestoreStorage(firestore_client))
    now = world.clock.now()
    stopped = [world.start(world.demo, f"s{i}@gmail.test") for i in range(3)]
    for account in stopped:
        world.services.lifecycle.stop(world.demo, account.id)
        _entries(world, account, 500, now - timedelta(hours=2))
    live = world.start(world.demo, "live@gmail.test")
    _entries(world, live, 1, now - timedelta(hours=1))
    world.queue.take()
    world.later(seconds=10)
    firestore_counters.reset()
    report = world.services.fanout.tick()
    assert (report.outbox_accounts, report.outbox_dropped) == (1, 1500)
    assert [job.account_id for job in world.queue.take()] == [live.id]
    # 1,501 entries, 4 accounts, one account per dropping transaction (6), 4 other queries
    # (due, channels, leases, unconfirmed: empty, one read each)
    assert firestore_counters.billed()["reads"] <= 1501 + 4 + 6 + 4
    firestore_counters.reset()
    world.later(seconds=10)
    again = world.services.fanout.tick()
    assert (again.outbox_accounts, again.outbox_dropped) == (1, 0)
    assert firestore_counters.billed()["reads"] <= 1 + 1 + 4


class CountingStorage:
    """MemoryStorage that counts the records its account and outbox queries return."""

    def __init__(self, inner: MemoryStorage) -> None:
        self.inner = inner
        self.records = 0

    def _wrap(self, uow: Any) -> Any:
        for repository in (uow.accounts, uow.outbox, uow.channels):
            for name in ("get", "due", "channels_expiring", "leases_expired", "forgotten"):
                if hasattr(repository, name):
                    setattr(repository, name, self._counted(getattr(repository, name)))
        return uow

    def _counted(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            found = method(*args, **kwargs)
            self.records += len(found) if isinstance(found, list) else int(found is not None)
            return found

        return call

    def transaction(self, work: Callable[[Any], Any], *, attempts: int = 5) -> Any:
        return self.inner.transaction(lambda uow: work(self._wrap(uow)), attempts=attempts)

    def session(self) -> Any:
        return self._wrap(self.inner.session())


def _many(world: World, count: int, due: int, now: datetime) -> None:
    session = world.storage.session()
    for i in range(count):
        email = f"user{i}@gmail.test"
        next_check = now - timedelta(seconds=1) if i < due else now + timedelta(minutes=10)
        session.accounts.put(
            Account(
                id=f"acc{i:05d}",
                company_id="c1",
                user_id=f"u{i}",
                email=email,
                status=AccountStatus.SYNCING,
                settings=SyncSettings(calendar_id=email),
                sync=SyncState(next_check_at=next_check),
                channel=Channel(id=f"ch{i}", resource_id="r", calendar_id=email,
                                token_hash="h", expires_at=now + timedelta(days=5)),
            )
        )  # fmt: skip


def test_a_tick_handles_ten_thousand_due_accounts() -> None:
    world = World(settings=settings(fanout_page_size=250))
    now = world.clock.now()
    _many(world, 10_000, 10_000, now)
    started = time.monotonic()
    report = world.services.fanout.tick()
    assert (report.due, report.jobs_requested, report.failures) == (10_000, 10_000, 0)
    assert len({job.account_id for job in world.queue.pending}) == 10_000
    assert time.monotonic() - started < 120  # generous: a shared machine


def test_storage_reads_follow_the_due_accounts_not_all_accounts() -> None:
    counting = None

    def reads(total: int, due: int) -> int:
        nonlocal counting
        world = World(settings=settings(fanout_page_size=100))
        _many(world, total, due, world.clock.now())
        counting = CountingStorage(world.storage)
        object.__setattr__(world.services.context, "storage", counting)
        world.services.fanout.tick()
        return counting.records

    assert reads(3_000, 40) == reads(300, 40) == 40
