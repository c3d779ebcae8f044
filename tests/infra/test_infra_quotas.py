"""The sync queue's limits keep the deployment inside Google Calendar's quotas (reference:
providers.md 1.10), the code is paced to the same numbers, the worker can take everything the
queue dispatches, and its time limits fit together: job budget < worker timeout <= Cloud
Tasks dispatch deadline <= lease TTL."""

from __future__ import annotations

import inspect
import math
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from calsync.bootstrap import QUEUES, engine_job
from calsync.clock import SystemClock
from calsync.config import Settings
from calsync.domain.schedule import evolve
from calsync.providers.google_pacing import Pacer
from calsync.store.memory import MemoryStorage
from calsync.sync.engine_config import EngineConfig
from calsync.sync.job import SyncJob
from calsync.tasks.inline import InlineTaskQueue
from google.cloud import tasks_v2

from tests.infra.conftest import Function, production_settings
from tests.infra.terraform import Config, Evaluator
from tests.unit.services.harness import World


@pytest.fixture(scope="module")
def limits(config: Config, evaluator: Evaluator) -> dict[str, Any]:
    names = (
        "calendar_requests_per_user_per_minute",
        "calendar_requests_per_project_per_minute",
        "job_requests_per_minute",
        "sync_max_concurrent",
        "sync_dispatches_per_second",
        "sized_for_accounts",
        "channel_renewal_requests_per_minute",
        "channel_renewals_per_tick",
    )
    return {name: evaluator.value(config.locals[name]) for name in names}


@pytest.fixture(scope="module")
def queue(config: Config, evaluator: Evaluator) -> dict[str, Any]:
    (raw,) = config.resources_of("google_cloud_tasks_queue").values()
    return evaluator.block(raw)


def test_the_quotas_are_googles(limits: dict[str, Any]) -> None:
    assert limits["calendar_requests_per_user_per_minute"] == 600
    assert limits["calendar_requests_per_project_per_minute"] == 10_000


def test_one_busy_account_stays_under_the_per_user_quota(limits: dict[str, Any]) -> None:
    # One job per account at a time (lease + coalesced task names); its jobs share one token
    # bucket carried on the account, so a minute holds at most the rate, what was saved and
    # one batch run into debt; a third of the quota stays for interactive calls and renewals.
    saved = inspect.signature(Pacer).parameters["burst"].default
    most = limits["job_requests_per_minute"] + saved + EngineConfig().push_batch
    assert most <= limits["calendar_requests_per_user_per_minute"] * 2 / 3


def test_all_jobs_and_channel_renewals_stay_under_the_per_project_quota(
    limits: dict[str, Any],
) -> None:
    jobs = limits["sync_max_concurrent"] * limits["job_requests_per_minute"]
    spent = jobs + limits["channel_renewal_requests_per_minute"]
    # The rest (at least a fifth) is for the accounts function's interactive calls.
    assert spent <= 0.8 * limits["calendar_requests_per_project_per_minute"]


@pytest.mark.usefixtures("clean_settings")
def test_a_minute_of_channels_expiring_together_stays_under_the_per_project_quota(
    limits: dict[str, Any], functions: dict[str, Function], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fan-out ticks once a minute; a tick renews at most this many channels, 2 requests each.
    jobs = limits["sync_max_concurrent"] * limits["job_requests_per_minute"]
    burst = limits["channel_renewals_per_tick"] * renewal_requests()
    assert jobs + burst <= 0.9 * limits["calendar_requests_per_project_per_minute"]
    minutes_of_overlap = 24 * 60  # a channel is renewed within its last day
    assert limits["channel_renewals_per_tick"] * minutes_of_overlap >= limits["sized_for_accounts"]
    fanout = functions["fanout"]
    with monkeypatch.context() as scoped:
        settings = production_settings(fanout, scoped)
    assert settings.fanout_max_renewals == limits["channel_renewals_per_tick"]


def test_the_renewal_budget_is_what_the_fanout_spends(limits: dict[str, Any]) -> None:
    per_renewal = renewal_requests()
    assert per_renewal == 2  # events.watch for the new channel, channels.stop for the old
    defaults = {name: field.default for name, field in Settings.model_fields.items()}
    renewed_every = defaults["channel_ttl_seconds"] - defaults["channel_renew_before_seconds"]
    per_minute = limits["sized_for_accounts"] * per_renewal / (renewed_every / 60)
    assert limits["channel_renewal_requests_per_minute"] == math.ceil(per_minute)


def renewal_requests() -> int:
    """Google requests one fan-out tick spends renewing one expiring channel, counted on the
    memory calendar through the real FanoutService (nothing else is due)."""
    world = World()
    world.start(world.demo, "demo@gmail.test")
    world.later(days=6, hours=1)  # the 7-day channel now expires within a day
    (account,) = world.storage.session().accounts.for_user("c1", world.demo.id)
    not_due = evolve(account.sync, next_check_at=world.clock.now() + timedelta(hours=1))
    world.storage.session().accounts.put(evolve(account, sync=not_due))
    before = world.calendar.requests
    report = world.services.fanout.tick()
    assert (report.channels_renewed, report.due) == (1, 0)
    return world.calendar.requests - before


@pytest.mark.usefixtures("clean_settings")
def test_every_function_paces_a_job_to_the_budget_the_queue_is_sized_on(
    limits: dict[str, Any], functions: dict[str, Function], monkeypatch: pytest.MonkeyPatch
) -> None:
    for function in functions.values():
        assert function.env["CALSYNC_GOOGLE_REQUESTS_PER_MINUTE"] == str(
            limits["job_requests_per_minute"]
        )
        with monkeypatch.context() as scoped:
            settings = production_settings(function, scoped)
        assert settings.google_requests_per_minute == limits["job_requests_per_minute"]
        assert settings.google_requests_per_minute > 0, "production is paced"


def test_the_queue_applies_those_limits(queue: dict[str, Any], limits: dict[str, Any]) -> None:
    rate = queue["rate_limits"][0]
    assert rate["max_concurrent_dispatches"] == limits["sync_max_concurrent"]
    assert rate["max_dispatches_per_second"] == limits["sync_dispatches_per_second"]


def test_the_dispatch_rate_keeps_up_with_polling_every_account(limits: dict[str, Any]) -> None:
    poll_interval = Settings.model_fields["poll_interval_seconds"].default
    jobs_per_minute = limits["sized_for_accounts"] * 60 / poll_interval
    assert limits["sync_dispatches_per_second"] * 60 >= 1.5 * jobs_per_minute


def test_the_worker_can_take_every_dispatch(
    queue: dict[str, Any], functions: dict[str, Function]
) -> None:
    worker = functions["worker"].service
    capacity = worker["max_instance_count"] * worker["max_instance_request_concurrency"]
    assert capacity >= queue["rate_limits"][0]["max_concurrent_dispatches"]


@pytest.mark.usefixtures("clean_settings")
def test_the_worker_runs_as_long_as_cloud_tasks_waits_and_its_lease_lasts(
    functions: dict[str, Function], monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = functions["worker"]
    timeout = timedelta(seconds=worker.service["timeout_seconds"])
    settings = production_settings(worker, monkeypatch)
    assert dispatch_deadline(settings, monkeypatch) == timeout
    config = worker_engine(settings).config
    assert config.lease_ttl >= timeout
    assert config.job_budget < timeout  # the engine stops in time and leaves the rest


def dispatch_deadline(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> timedelta:
    """The dispatch deadline on a task the deployed queue adapter (bootstrap's) creates."""
    created: list[tasks_v2.Task] = []

    def create_task(self: object, *, parent: str, task: tasks_v2.Task) -> tasks_v2.Task:
        created.append(task)
        return task

    monkeypatch.setattr(tasks_v2.CloudTasksClient, "create_task", create_task)
    # An emulator address makes an insecure channel that never connects (create_task is ours).
    queue = QUEUES["cloud_tasks"](
        settings.model_copy(update={"tasks_endpoint": "127.0.0.1:9"}), SystemClock()
    )
    assert queue.enqueue_sync("acc1", key="sync-acc1-1")
    (task,) = created
    deadline: timedelta = task.dispatch_deadline
    return deadline


def worker_engine(settings: Settings) -> SyncJob:
    """The engine the worker runs (bootstrap's `engine_job`), with its lease and budget."""
    ctx = SimpleNamespace(
        settings=settings,
        storage=MemoryStorage(),
        clock=SystemClock(),
        queue=InlineTaskQueue(),
        vault=SimpleNamespace(open_provider=lambda account: None),
    )
    run = engine_job(ctx)  # type: ignore[arg-type]
    job = run.__self__
    assert isinstance(job, SyncJob)
    return job


def test_retries_back_off_and_end(queue: dict[str, Any]) -> None:
    retry = queue["retry_config"][0]
    assert retry["max_attempts"] > 0
    assert retry["max_retry_duration"].endswith("s")
    assert int(retry["min_backoff"].removesuffix("s")) >= 1
    assert int(retry["max_backoff"].removesuffix("s")) > int(retry["min_backoff"].removesuffix("s"))
