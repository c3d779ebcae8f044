"""The machine-called entry points: webhooks, worker, fanout."""

from __future__ import annotations

import pytest
from calsync.bootstrap import bootstrap
from calsync.http.entry import wsgi_app
from calsync.sync.jobs import JobOutcome, JobResult
from werkzeug.test import Client

from tests.unit.services.harness import Api, World, settings

WORKER = "https://functions.example.com/worker"
FANOUT = "https://functions.example.com/fanout"


def _notify(api: Api, channel: str, token: str, state: str = "exists") -> object:
    headers = {
        "X-Goog-Channel-ID": channel,
        "X-Goog-Channel-Token": token,
        "X-Goog-Resource-State": state,
        "X-Goog-Message-Number": "2",
        "X-Goog-Resource-ID": "res",
    }
    return api("POST", "/webhooks/google", user=None, headers=headers)


def test_webhook_notifications(api: Api, world: World) -> None:
    account = world.start(world.demo, "demo@gmail.test")
    assert account.channel is not None
    token = world.calendar.watches[account.channel.id].token
    world.queue.take()
    world.later(seconds=10)
    assert _notify(api, account.channel.id, token, "sync").json == {"result": "acknowledged"}
    assert _notify(api, account.channel.id, token).json == {"result": "enqueued"}
    assert _notify(api, "unknown", token).json == {"result": "ignored"}
    assert [job.account_id for job in world.queue.take()] == [account.id]
    forged = _notify(api, account.channel.id, "forged")
    assert forged.status_code == 401  # type: ignore[attr-defined]
    assert world.queue.pending == []


@pytest.mark.parametrize(
    ("result", "status", "retry_after"),
    [
        (JobResult(JobOutcome.DONE), 200, None),
        (JobResult(JobOutcome.SKIPPED, detail="not syncing"), 200, None),
        (JobResult(JobOutcome.FAILED, detail="calendar gone"), 200, None),
        (JobResult(JobOutcome.BUSY, retry_after=2.5), 429, "3"),
        (JobResult(JobOutcome.BUSY), 429, "10"),
        (JobResult(JobOutcome.RETRY), 503, "10"),
        (JobResult(JobOutcome.RETRY, retry_after=30), 503, "30"),
    ],
)
def test_worker_maps_job_results_to_statuses(
    api: Api, world: World, result: JobResult, status: int, retry_after: str | None
) -> None:
    world.result = result
    headers = {"Authorization": f"Bearer {world.task_token(WORKER)}"}
    answer = api("POST", "/worker", user=None, headers=headers, json={"account_id": "acc-1"})
    assert answer.status_code == status
    assert answer.headers.get("Retry-After") == retry_after
    assert answer.json == {"outcome": result.outcome.value, "detail": result.detail}
    assert (world.ran, world.pulls) == (["acc-1"], [True])  # pulls unless told otherwise


def test_worker_runs_a_push_only_job_when_the_task_says_so(api: Api, world: World) -> None:
    headers = {"Authorization": f"Bearer {world.task_token(WORKER)}"}
    for pull in (False, True):
        body = {"account_id": "acc-1", "pull": pull}
        assert api("POST", "/worker", user=None, headers=headers, json=body).status_code == 200
    assert world.pulls == [False, True]


@pytest.mark.parametrize("pull", ["false", 0, None, {"x": 1}])
def test_worker_refuses_a_pull_that_is_not_a_boolean(api: Api, world: World, pull: object) -> None:
    headers = {"Authorization": f"Bearer {world.task_token(WORKER)}"}
    body = {"account_id": "acc-1", "pull": pull}
    answer = api("POST", "/worker", user=None, headers=headers, json=body)
    assert answer.status_code == 400
    assert answer.json["error"]["fields"] == {"pull": "must be true or false"}
    assert world.ran == []


@pytest.mark.parametrize(
    "token",
    [
        None,
        "garbage",
        "fanout-audience",
        "another-service-account",
    ],
)
def test_worker_refuses_calls_without_a_valid_oidc_token(
    api: Api, world: World, token: str | None
) -> None:
    tokens = {
        "garbage": "a.b.c",
        "fanout-audience": world.task_token(FANOUT),
        "another-service-account": world.task_token(WORKER, email="x@p.iam.gserviceaccount.com"),
    }
    headers = {"Authorization": f"Bearer {tokens[token]}"} if token else {}
    answer = api("POST", "/worker", user=None, headers=headers, json={"account_id": "acc-1"})
    assert answer.status_code == 401
    assert world.ran == []
    crm_user = api("POST", "/worker", json={"account_id": "acc-1"})  # a CRM token is not it
    assert crm_user.status_code == 401


def test_fanout_ticks_with_a_scheduler_token(api: Api, world: World) -> None:
    headers = {"Authorization": f"Bearer {world.task_token(FANOUT)}"}
    answer = api("POST", "/fanout", user=None, headers=headers)
    assert answer.status_code == 200
    assert answer.json["due"] == 0
    assert api("POST", "/fanout", user=None).status_code == 401


def test_task_auth_switched_off_for_the_local_stack() -> None:
    local = settings(task_auth=False)
    services = bootstrap(local, run_job=lambda account_id, pull=True: JobResult(JobOutcome.DONE))
    answer = Client(wsgi_app(services)).post("/worker", json={"account_id": "acc-1"})
    assert answer.status_code == 200


def test_a_configured_task_audience_replaces_the_function_url() -> None:
    world = World(settings=settings(task_oidc_audience="calsync-tasks"))
    api = Api(world)
    for audience, status in ((WORKER, 401), ("calsync-tasks", 200)):
        headers = {"Authorization": f"Bearer {world.task_token(audience)}"}
        answer = api("POST", "/worker", user=None, headers=headers, json={"account_id": "a"})
        assert answer.status_code == status
