"""The `bench` subcommand of `calsync` (cli.py only registers it here)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

RESULTS = Path("bench/results.json")
NAMES = (  # every figure, in the order of the table
    "firestore_throughput",
    "tasks_throughput",
    "import_5000",
    "idle_sync",
    "export_5000",
    "worker_memory_10000",
    "fanout_10000",
    "fanout_10000_all_due",
    "change_latency",
    "cost_per_change",
    "sync_machine",
)


def add_bench_command(commands: Any) -> None:
    """Add `bench` to the `calsync` subcommands (an argparse subparsers object)."""
    bench = commands.add_parser(
        "bench",
        help="measure what a sync costs on the local stack, next to a naive baseline",
        description="Runs every figure on the local stack and the emulators, writes "
        "bench/results.json and prints a table (figure, value, target, met, baseline, ratio).",
    )
    bench.add_argument("--smoke", action="store_true", help="small sizes (a minute at most)")
    bench.add_argument("--out", type=Path, default=RESULTS, help=f"default: {RESULTS}")
    bench.add_argument(
        "--only", nargs="+", choices=NAMES, metavar="FIGURE", help=f"some of: {' '.join(NAMES)}"
    )
    bench.add_argument("--repeats", type=int, help="timed runs per figure (default: 3; smoke: 1)")
    bench.set_defaults(run=run_bench)


def run_bench(args: argparse.Namespace) -> int:
    import dataclasses  # noqa: PLC0415

    from calsync.bench.context import SMOKE, Sizes  # noqa: PLC0415
    from calsync.bench.run import run  # noqa: PLC0415 - the stack's clients load only here

    sizes = SMOKE if args.smoke else Sizes()
    if args.repeats is not None:
        if args.repeats < 1:
            print("calsync bench: --repeats must be at least 1")
            return 2
        sizes = dataclasses.replace(sizes, repeats=args.repeats)
    only = set(args.only) if args.only else None
    ok = run(sizes, args.out, only, mode="smoke" if args.smoke else "full")
    return 0 if ok else 1
