"""The admin interface, the fault options, unsupported RPCs, the command line and the benchmark."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections import Counter

import pytest
import requests
from emulators.cloudtasks import bench
from emulators.cloudtasks.receiver import Receiver
from google.api_core import exceptions

from tests.fixtures.cloudtasks import CloudTasksEmulator


def test_counters_are_kept_in_total_and_per_queue(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    ok = cloudtasks.make_queue("ok")
    failing = cloudtasks.make_queue("failing", retry_config={"max_attempts": 1})
    task_receiver.respond(status=500, path="/fail")
    for _ in range(3):
        cloudtasks.http_task(ok.name, task_receiver.url + "/ok")
    cloudtasks.http_task(failing.name, task_receiver.url + "/fail")
    task_receiver.wait_for(4)

    deadline = time.monotonic() + 5
    while (stats := cloudtasks.admin.stats())["totals"]["succeeded"] + stats["totals"][
        "dropped"
    ] < 4:
        assert time.monotonic() < deadline, stats
        time.sleep(0.05)

    assert stats["totals"] == {
        "created": 4,
        "dispatched": 4,
        "succeeded": 3,
        "failed": 1,
        "retried": 0,
        "dropped": 1,
        "duplicated": 0,
        "deleted": 0,
    }
    assert stats["queues"][ok.name]["succeeded"] == 3
    assert stats["queues"][failing.name]["dropped"] == 1
    assert stats["live"][ok.name] == {"state": "RUNNING", "tasks": 0, "in_flight": 0}


def test_reset_forgets_queues_tasks_counters_and_settings(cloudtasks: CloudTasksEmulator) -> None:
    queue = cloudtasks.make_queue()
    cloudtasks.http_task(
        queue.name,
        "https://worker.example.com",
        schedule_time={"seconds": int(time.time()) + 86400},
    )
    cloudtasks.admin.config(duplicate_rate=0.5)

    cloudtasks.admin.reset()

    with pytest.raises(exceptions.NotFound):
        cloudtasks.client.get_queue(name=queue.name)
    assert cloudtasks.admin.stats()["totals"]["created"] == 0
    assert cloudtasks.admin.config()["duplicate_rate"] == 0.0
    assert cloudtasks.make_queue().name == queue.name  # no tombstone survives a reset


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"duplicate_rate": 2}', b'{"no_such_option": 1}'],
)
def test_bad_settings_are_refused_with_a_clear_400(
    cloudtasks: CloudTasksEmulator, body: bytes
) -> None:
    response = requests.post(cloudtasks.admin.base_url + "/admin/config", data=body, timeout=5)

    assert response.status_code == 400
    assert response.json()["error"]
    assert cloudtasks.admin.config()["duplicate_rate"] == 0.0


def test_unknown_admin_paths_are_404(cloudtasks: CloudTasksEmulator) -> None:
    assert requests.get(cloudtasks.admin.base_url + "/admin/nope", timeout=5).status_code == 404


def test_the_duplicate_fault_delivers_succeeded_tasks_twice(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    cloudtasks.admin.config(duplicate_rate=1.0)
    queue = cloudtasks.make_queue()
    names = {cloudtasks.http_task(queue.name, task_receiver.url).name for _ in range(3)}

    received = task_receiver.wait_for(6)
    time.sleep(0.3)

    delivered = [got.header("X-CloudTasks-TaskName") for got in task_receiver.requests()]
    assert len(received) == len(delivered) == 6
    assert sorted(delivered) == sorted(2 * [name.rsplit("/", 1)[1] for name in names])
    assert cloudtasks.admin.stats()["totals"]["duplicated"] == 3


def test_a_duplicate_rate_of_a_half_duplicates_some_tasks_but_not_all(
    cloudtasks: CloudTasksEmulator, task_receiver: Receiver
) -> None:
    cloudtasks.admin.config(duplicate_rate=0.5)
    queue = cloudtasks.make_queue()
    for _ in range(40):
        cloudtasks.http_task(queue.name, task_receiver.url)

    deadline = time.monotonic() + 10
    while (counts := cloudtasks.admin.stats()["queues"][queue.name])["succeeded"] < 40:
        assert time.monotonic() < deadline, counts
        time.sleep(0.05)
    time.sleep(0.3)
    per_task = Counter(got.header("X-CloudTasks-TaskName") for got in task_receiver.requests())

    # 40 draws at 1/2: fewer than 6 or more than 34 duplicates has odds below one in 10^5.
    assert 6 <= counts["duplicated"] <= 34
    assert len(per_task) == 40
    assert sorted(set(per_task.values())) == [1, 2]
    assert sum(per_task.values()) == 40 + counts["duplicated"]


def test_rpcs_outside_the_scope_answer_unimplemented(cloudtasks: CloudTasksEmulator) -> None:
    queue = cloudtasks.make_queue()
    with pytest.raises(exceptions.MethodNotImplemented, match="not supported by this emulator"):
        cloudtasks.client.get_iam_policy(resource=queue.name)
    with pytest.raises(exceptions.MethodNotImplemented, match="http_target"):
        cloudtasks.make_queue("routed", http_target={"http_method": "GET"})


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--duplicate-rate", "2"], "duplicate_rate"),
        (["--min-dispatch-deadline", "0"], "min_dispatch_deadline_seconds"),
        (["--queue-tombstone-seconds", "-1"], "queue_tombstone_seconds"),
        (["--http-port", "BUSY"], "in use"),
    ],
)
def test_bad_command_line_options_exit_with_a_message(options: list[str], message: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = str(busy.getsockname()[1])
        command = [sys.executable, "-m", "emulators.cloudtasks", "--port", "0"]
        command += [port if option == "BUSY" else option for option in options]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_the_benchmark_runs_at_a_small_size_and_saturates_its_slow_queues(
    cloudtasks: CloudTasksEmulator,
) -> None:
    # 2 x 150 slow attempts in flight at once: more than any fixed pool of workers would hold,
    # and the fast tasks must arrive while every one of them is still in flight.
    figures = bench.run(
        tasks=20, slow_tasks=150, fast=5, slow_delay=1.5, bound=2, address=cloudtasks.address
    )

    assert figures["tasks"] == 20
    assert figures["dispatch_rate"] > 0
    assert figures["slow_in_flight_peak"] == 300
    assert figures["saturated"] is True
    assert figures["other_queue_seconds"] < 1.5
    assert figures["same_queue_seconds"] < 1.5
    assert figures["bounded_peak"] <= 2
