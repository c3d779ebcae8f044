"""Benchmark of the emulator: ``python -m emulators.cloudtasks.bench [--tasks N ...]`` prints JSON.

Figures:
- ``delivery_seconds``: from the first CreateTask until all ``tasks`` tasks reached a fast
  handler (target: 1,000 tasks within 2 s; the queue's default 500 dispatches per second with
  a burst of 100 alone makes that at least 1.8 s, as in the real service);
- ``dispatch_rate``: tasks dispatched per second, first to last arrival;
- ``other_queue_seconds``: while ``slow_queues`` queues each hold ``slow_tasks`` attempts to a
  handler that answers after ``slow_delay`` (all in flight at once: ``slow_in_flight_peak``),
  how long ``fast`` tasks created in another queue take to arrive; ``same_queue_seconds``: the
  same for ``fast`` tasks added to a slow queue, which is below its ``max_concurrent_dispatches``
  (both should stay well below ``slow_delay``). ``saturated`` says every slow attempt was still
  in flight when the last fast task arrived, so a dispatcher that let slow attempts hold up
  other tasks could not have passed;
- ``bounded_peak``: the most attempts in flight to a queue limited to ``bound`` concurrent
  dispatches (must not exceed it).
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from google.cloud import tasks_v2

from emulators import launch
from emulators.cloudtasks.client import tasks_client
from emulators.cloudtasks.receiver import Receiver

LOCATION = "projects/bench/locations/local"


def run(
    *,
    tasks: int = 1000,
    slow_tasks: int = 200,
    fast: int = 50,
    slow_delay: float = 2.0,
    slow_queues: int = 2,
    bound: int = 10,
    address: str | None = None,
) -> dict[str, Any]:
    """Run the benchmark against the emulator at ``address`` (or a fresh one) and return figures."""
    with _emulator(address) as target, Receiver() as receiver:
        client = tasks_client(target)
        figures = _throughput(client, receiver, tasks)
        figures.update(
            _isolation(
                client,
                receiver,
                slow=slow_tasks,
                fast=fast,
                delay=slow_delay,
                slow_queues=slow_queues,
            )
        )
        figures.update(_bounded(client, receiver, bound))
        return figures


def _throughput(
    client: tasks_v2.CloudTasksClient, receiver: Receiver, tasks: int
) -> dict[str, Any]:
    queue = _queue(client, "throughput")
    started = time.time()
    _create_many(client, queue, receiver.url + "/fast", tasks)
    created = time.time()
    arrived = receiver.wait_for(tasks, timeout=60, path="/fast")
    done = arrived[-1].time
    span = max(done - arrived[0].time, 1e-6)
    return {
        "tasks": tasks,
        "create_seconds": round(created - started, 3),
        "delivery_seconds": round(done - started, 3),
        "target_seconds": 2.0,
        "within_target": done - started <= 2.0,
        "dispatch_rate": round(tasks / span, 1),
    }


def _isolation(
    client: tasks_v2.CloudTasksClient,
    receiver: Receiver,
    *,
    slow: int,
    fast: int,
    delay: float,
    slow_queues: int,
) -> dict[str, Any]:
    receiver.respond(delay=delay, path="/slow")
    queues = [_queue(client, "slow") for _ in range(slow_queues)]
    for queue in queues:  # filled while paused, so that every slow task is due at once
        client.pause_queue(name=queue)
        _create_many(client, queue, receiver.url + "/slow", slow)
    for queue in queues:
        client.resume_queue(name=queue)
    receiver.wait_for(slow * slow_queues, timeout=30, path="/slow")
    other = _timed(client, receiver, _queue(client, "quick"), "/quick", fast)
    same = _timed(client, receiver, queues[0], "/same", fast)
    # Slow attempts still in flight when the last fast task arrived: all of them, unless the
    # slow handler answered before the fast tasks got through.
    ended = receiver.requests("/same")[-1].time
    meanwhile = sum(1 for got in receiver.requests("/slow") if got.time > ended - delay)
    return {
        "slow_delay": delay,
        "slow_queues": slow_queues,
        "slow_tasks_per_queue": slow,
        "slow_in_flight_peak": receiver.peak.get("/slow", 0),
        "slow_in_flight_meanwhile": meanwhile,
        "saturated": meanwhile == slow * slow_queues,
        "other_queue_tasks": fast,
        "other_queue_seconds": other,
        "same_queue_seconds": same,
    }


def _timed(
    client: tasks_v2.CloudTasksClient, receiver: Receiver, queue: str, path: str, count: int
) -> float:
    """Seconds from creating ``count`` tasks in ``queue`` until the last one arrived."""
    started = time.time()
    _create_many(client, queue, receiver.url + path, count)
    arrived = receiver.wait_for(count, timeout=30, path=path)
    return round(arrived[-1].time - started, 3)


def _bounded(client: tasks_v2.CloudTasksClient, receiver: Receiver, bound: int) -> dict[str, Any]:
    receiver.respond(delay=0.2, path="/bounded")
    queue = _queue(client, "bounded", max_concurrent_dispatches=bound)
    _create_many(client, queue, receiver.url + "/bounded", bound * 3)
    receiver.wait_for(bound * 3, timeout=30, path="/bounded")
    peak = receiver.peak.get("/bounded", 0)
    return {"bound": bound, "bounded_peak": peak, "bound_respected": peak <= bound}


def _queue(client: tasks_v2.CloudTasksClient, prefix: str, **limits: int) -> str:
    name = f"{LOCATION}/queues/{prefix}-{uuid.uuid4().hex[:8]}"
    queue = tasks_v2.Queue(name=name, rate_limits=tasks_v2.RateLimits(**limits))
    return client.create_queue(parent=LOCATION, queue=queue).name


def _create_many(client: tasks_v2.CloudTasksClient, queue: str, url: str, count: int) -> None:
    task = tasks_v2.Task(http_request=tasks_v2.HttpRequest(url=url))
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: client.create_task(parent=queue, task=task), range(count)))


@contextmanager
def _emulator(address: str | None) -> Iterator[str]:
    if address is not None:
        yield address
        return
    server = launch.start("emulators.cloudtasks")
    try:
        yield server.address
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m emulators.cloudtasks.bench")
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--slow-tasks", type=int, default=200)
    parser.add_argument("--fast", type=int, default=50)
    parser.add_argument("--slow-delay", type=float, default=2.0)
    parser.add_argument("--slow-queues", type=int, default=2)
    parser.add_argument("--bound", type=int, default=10)
    parser.add_argument("--address", help="host:port of a running emulator (default: start one)")
    args = parser.parse_args()
    figures = run(
        tasks=args.tasks,
        slow_tasks=args.slow_tasks,
        fast=args.fast,
        slow_delay=args.slow_delay,
        slow_queues=args.slow_queues,
        bound=args.bound,
        address=args.address,
    )
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
