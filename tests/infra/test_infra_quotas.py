"""The sync queue's limits keep the deployment inside Google Calendar's quotas (reference:
providers.md 1.10), and the worker can take everything the queue dispatches."""

from __future__ import annotations

import inspect
from datetime import timedelta
from typing import Any

import pytest
from calsync.config import Settings
from calsync.tasks.cloud_tasks import CloudTasksQueue

from tests.infra.conftest import Function
from tests.infra.terraform import Config, Evaluator

ACCOUNTS = 10_000  # the deployment size the sizing is for


@pytest.fixture(scope="module")
def limits(config: Config, evaluator: Evaluator) -> dict[str, Any]:
    names = (
        "calendar_requests_per_user_per_minute",
        "calendar_requests_per_project_per_minute",
        "job_requests_per_minute",
        "sync_max_concurrent",
        "sync_dispatches_per_second",
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
    # One job per account at a time (lease + coalesced task names), paced to this rate; the
    # other half is for the account's interactive calls and channel renewals.
    assert limits["job_requests_per_minute"] * 2 <= limits["calendar_requests_per_user_per_minute"]


def test_all_jobs_together_stay_under_the_per_project_quota(limits: dict[str, Any]) -> None:
    spent = limits["sync_max_concurrent"] * limits["job_requests_per_minute"]
    assert spent <= 0.8 * limits["calendar_requests_per_project_per_minute"]


def test_the_queue_applies_those_limits(queue: dict[str, Any], limits: dict[str, Any]) -> None:
    rate = queue["rate_limits"][0]
    assert rate["max_concurrent_dispatches"] == limits["sync_max_concurrent"]
    assert rate["max_dispatches_per_second"] == limits["sync_dispatches_per_second"]


def test_the_dispatch_rate_keeps_up_with_polling_every_account(limits: dict[str, Any]) -> None:
    poll_interval = Settings.model_fields["poll_interval_seconds"].default
    jobs_per_minute = ACCOUNTS * 60 / poll_interval
    assert limits["sync_dispatches_per_second"] * 60 >= 1.5 * jobs_per_minute


def test_the_worker_can_take_every_dispatch(
    queue: dict[str, Any], functions: dict[str, Function]
) -> None:
    worker = functions["worker"].service
    capacity = worker["max_instance_count"] * worker["max_instance_request_concurrency"]
    assert capacity >= queue["rate_limits"][0]["max_concurrent_dispatches"]


def test_the_worker_runs_as_long_as_cloud_tasks_waits(functions: dict[str, Function]) -> None:
    deadline = inspect.signature(CloudTasksQueue).parameters["dispatch_deadline"].default
    assert isinstance(deadline, timedelta)
    assert functions["worker"].service["timeout_seconds"] == deadline.total_seconds()


def test_retries_back_off_and_end(queue: dict[str, Any]) -> None:
    retry = queue["retry_config"][0]
    assert retry["max_attempts"] > 0
    assert retry["max_retry_duration"].endswith("s")
    assert int(retry["min_backoff"].removesuffix("s")) >= 1
    assert int(retry["max_backoff"].removesuffix("s")) > int(retry["min_backoff"].removesuffix("s"))
