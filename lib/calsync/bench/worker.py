"""A worker in a process of its own, for wall time and peak memory of one sync.

`python -m calsync.bench.worker job ACCOUNT_ID` does what the deployed worker function does
for one task: builds everything from its `CALSYNC_*` environment (`bootstrap`) and runs the
account's job. `python -m calsync.bench.worker naive` runs the naive baseline once (its
configuration in `BENCH_NAIVE`, JSON). Either prints one JSON line: `seconds` (the job alone),
`rss_start_mb` (the process before the job: interpreter, libraries, clients),
`peak_rss_mb` (the process's peak resident memory) and what the job reported.

`run_worker(settings, ...)` starts such a process from the benchmark with the given settings.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from pydantic import SecretStr

from calsync.config import Settings

NAIVE_VARIABLE = "BENCH_NAIVE"
TIMEOUT = 1800


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    """The process's peak resident memory since it started (`VmHWM`). Not `ru_maxrss`: Linux
    carries that over from the forked parent (here: the benchmark) across exec."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status")


def _measure(prepare: Callable[[], Callable[[], dict[str, Any]]]) -> dict[str, Any]:
    work = prepare()
    start_rss = _rss_mb()
    began = time.perf_counter()
    outcome = work()
    seconds = time.perf_counter() - began
    return {
        **outcome,
        "seconds": round(seconds, 3),
        "rss_start_mb": round(start_rss, 1),
        "peak_rss_mb": round(_peak_mb(), 1),
    }


def _job(account_id: str) -> Callable[[], dict[str, Any]]:
    from calsync.bootstrap import bootstrap  # noqa: PLC0415 - after the measurement starts

    worker = bootstrap().worker

    def work() -> dict[str, Any]:
        result = worker.run(account_id)
        return {"outcome": result.outcome.value, "detail": result.detail}

    return work


def _naive() -> Callable[[], dict[str, Any]]:
    from google.cloud import firestore  # noqa: PLC0415

    from calsync.bench.naive import NaiveSync  # noqa: PLC0415

    config = json.loads(os.environ[NAIVE_VARIABLE])
    db = firestore.Client(project=config["project"], database=config["database"])
    sync = NaiveSync(
        db,
        google_url=config["google_url"],
        access_token=config["access_token"],
        calendar_id=config["calendar_id"],
        account_id=config["account_id"],
        window_start=datetime.fromisoformat(config["window_start"]),
    )
    return lambda: {"outcome": "done", **asdict(sync.run())}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m calsync.bench.worker")
    commands = parser.add_subparsers(dest="what", required=True)
    commands.add_parser("job").add_argument("account_id")
    commands.add_parser("naive")
    args = parser.parse_args(argv)
    prepare = (lambda: _job(args.account_id)) if args.what == "job" else _naive
    print(json.dumps(_measure(prepare)), flush=True)
    return 0


# -- the parent's side ------------------------------------------------------------------------


def settings_env(settings: Settings) -> dict[str, str]:
    """`settings` as the `CALSYNC_*` variables that make them again in another process."""
    env: dict[str, str] = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, tuple | list):
            value = json.dumps(list(value))
        env[f"CALSYNC_{name.upper()}"] = str(value)
    return env


def run_worker(
    settings: Settings, args: Sequence[str], extra_env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Run `python -m calsync.bench.worker ARGS` with `settings`; its JSON line."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("CALSYNC_")}
    env = {**base, **settings_env(settings), **(extra_env or {})}
    done = subprocess.run(  # noqa: S603 - this interpreter, our own module
        [sys.executable, "-m", "calsync.bench.worker", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench worker {list(args)} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    sys.exit(main())
