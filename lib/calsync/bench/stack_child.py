"""`python -m calsync.bench.stack_child STATE_DIR [--coalesce-seconds S] [--verbose]`: the local
stack for the benchmarks, in a process of its own.

It is the stack `calsync dev --port 0 --state-dir STATE_DIR` runs (`devstack.Stack`, which
writes `dev.json` there once everything is up), with one choice `calsync dev` does not offer:
the coalescing window (`CALSYNC_COALESCE_SECONDS` of its functions). The local stack uses a
short one (50 ms) so that a person sees changes at once; `change_latency` runs on a stack with
production's window. SIGINT or SIGTERM stops it cleanly.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import FrameType

from calsync.devstack.settings import Tuning
from calsync.devstack.stack import Stack, StackOptions


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m calsync.bench.stack_child")
    parser.add_argument("state_dir", type=Path)
    parser.add_argument("--coalesce-seconds", type=float, default=Tuning().coalesce_seconds)
    parser.add_argument("--verbose", action="store_true", help="log requests and ticks")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    signal.signal(signal.SIGTERM, _interrupt)
    tuning = replace(Tuning(), coalesce_seconds=args.coalesce_seconds)
    stack = Stack(StackOptions(port=0, state_dir=args.state_dir, tuning=tuning))
    try:
        stack.start()
        print(f"bench stack ready: coalescing window {tuning.coalesce_seconds} s", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
