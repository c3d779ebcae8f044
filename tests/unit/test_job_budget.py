"""A job's time budget: a long export stops cleanly between batches and a follow-up continues.

The fake clock runs only while the calendar is written to, as the Google adapter's pacing
makes real time pass: each provider write call takes 20 s here, against a 60 s budget."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest
from calsync.auth.keyring import LocalKeyring, generate_local_key
from calsync.auth.vault import CredentialVault
from calsync.bootstrap import engine_job
from calsync.clock import FakeClock
from calsync.config import load_settings
from calsync.domain import LinkState
from calsync.errors import ConfigurationError
from calsync.ports import EventWrite
from calsync.providers.memory import MemoryConnector
from calsync.providers.memory_calendar import MemoryCalendarService
from calsync.services.common import ServiceContext
from calsync.store.memory import MemoryStorage
from calsync.sync.job import EngineConfig, SyncJob
from calsync.sync.jobs import JobOutcome
from calsync.tasks.inline import InlineTaskQueue

from tests.unit.rig import EMAIL, Rig

BUDGET = EngineConfig(push_batch=2, job_budget=timedelta(seconds=60))


def _paced(rig: Rig) -> None:
    def slow(writes: Sequence[EventWrite]) -> None:
        rig.clock.advance(timedelta(seconds=20))

    rig.provider.on_write = slow


def _linked(rig: Rig) -> set[str]:
    links = rig.memory.session().links.all("acc")
    return {link.activity_id for link in links if link.state is LinkState.LINKED}


def test_an_export_longer_than_the_budget_stops_between_batches_and_a_follow_up_finishes() -> None:
    rig = Rig(config=BUDGET)
    assert rig.run().outcome is JobOutcome.DONE  # the first sync: nothing to export yet
    rig.queue.take()
    made = [rig.crm_create(hours=24 + i).id for i in range(10)]
    _paced(rig)
    first = rig.run(pull=False)
    assert first.outcome is JobOutcome.DONE
    # batches at 0 s, 20 s, 40 s; the fourth would start at 60 s: the budget is spent
    assert rig.provider.write_calls == 3
    assert len(rig.events()) == 6
    assert _linked(rig) == {e.crm_activity_id for e in rig.events()}  # each write recorded
    left = rig.memory.session().outbox.pending("acc", limit=50)
    assert len(left) == 4
    assert rig.stored_account().sync.lease_holder is None  # released, as after any job
    [follow_up] = rig.queue.take()
    assert follow_up.pull is False
    assert (follow_up.key or "").startswith("push-acc-")
    assert rig.run(pull=False).outcome is JobOutcome.DONE
    assert len(rig.events()) == 10
    assert _linked(rig) == set(made)
    assert rig.provider.writes == 10  # nothing written twice
    assert rig.memory.session().outbox.pending("acc", limit=50) == []
    assert rig.queue.take() == []


def test_a_first_sync_cut_short_reconciles_again_and_writes_nothing_twice() -> None:
    rig = Rig(config=BUDGET)
    made = [rig.crm_create(hours=24 + i).id for i in range(10)]
    _paced(rig)
    assert rig.run().outcome is JobOutcome.DONE
    account = rig.stored_account()
    assert account.sync.reconciling  # not finished: the next job reconciles in full
    assert account.sync.applied_settings is None
    assert account.sync.cursor is not None  # the listing finished: its cursor is kept
    assert len(rig.events()) == 6
    [follow_up] = rig.queue.take()
    assert rig.run(pull=follow_up.pull).outcome is JobOutcome.DONE
    account = rig.stored_account()
    assert (account.sync.reconciling, account.sync.applied_settings) == (
        False,
        account.settings,
    )
    assert sorted(e.crm_activity_id or "" for e in rig.events(EMAIL)) == sorted(made)
    assert rig.provider.writes == 10


def test_the_first_batch_always_goes_so_every_job_makes_progress() -> None:
    rig = Rig(config=BUDGET)
    rig.run()
    rig.queue.take()
    for i in range(4):
        rig.crm_create(hours=24 + i)
    rig.clock.advance(timedelta(seconds=1))

    def very_slow(writes: Sequence[EventWrite]) -> None:
        rig.clock.advance(timedelta(minutes=5))  # one call eats the whole budget

    rig.provider.on_write = very_slow
    for expected in (2, 4):
        assert rig.run(pull=False).outcome is JobOutcome.DONE
        assert len(rig.events()) == expected


def test_the_budget_must_fit_inside_the_lease() -> None:
    with pytest.raises(ValueError, match="shorter than the lease"):
        EngineConfig(lease_ttl=timedelta(minutes=5), job_budget=timedelta(minutes=5))
    assert EngineConfig(job_budget=None).job_budget is None


def test_the_setting_defaults_to_8_minutes_is_checked_and_reaches_the_engine() -> None:
    settings = load_settings(oauth_client_secret="a-real-secret")
    assert settings.job_budget == timedelta(seconds=480)
    with pytest.raises(
        ConfigurationError, match=r"job_budget_seconds: .*shorter than the sync lease"
    ):
        load_settings(oauth_client_secret="a-real-secret", job_budget_seconds=600)
    short = load_settings(oauth_client_secret="a-real-secret", job_budget_seconds=300)
    keyring = LocalKeyring.from_base64(generate_local_key())
    storage = MemoryStorage()
    ctx = ServiceContext(
        storage=storage,
        clock=FakeClock(),
        queue=InlineTaskQueue(),
        keyring=keyring,
        vault=CredentialVault(storage, keyring, MemoryConnector(MemoryCalendarService())),
        settings=short,
    )
    run = engine_job(ctx)
    job = getattr(run, "__self__", None)
    assert isinstance(job, SyncJob)
    assert job.config.job_budget == timedelta(minutes=5)
