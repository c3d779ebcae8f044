"""``python -m emulators.cloudtasks --host H --port P [--http-port N] [options]``."""

from __future__ import annotations

import argparse
import contextlib
import logging
import resource
import signal
import sys
import threading
from collections.abc import Sequence

from emulators.cloudtasks.server import Emulator
from emulators.cloudtasks.settings import QUEUE_TOMBSTONE, Settings
from emulators.launch import announce_ready


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m emulators.cloudtasks", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8123, help="gRPC port (0: any free port)")
    parser.add_argument("--http-port", type=int, default=0, help="keys + admin (0: any free)")
    parser.add_argument(
        "--tombstone-seconds",
        type=float,
        default=3600.0,
        help="how long a deleted or finished task name stays taken (default 3600)",
    )
    parser.add_argument(
        "--queue-tombstone-seconds",
        type=float,
        default=QUEUE_TOMBSTONE,
        help=f"how long a deleted queue's name stays taken (default {QUEUE_TOMBSTONE:g}: 3 days)",
    )
    parser.add_argument(
        "--duplicate-rate",
        type=float,
        default=0.0,
        help="probability of delivering a succeeded task a second time (default 0)",
    )
    parser.add_argument(
        "--min-dispatch-deadline",
        type=float,
        default=15.0,
        help="smallest dispatch_deadline accepted, in seconds (default 15, as in Cloud Tasks)",
    )
    parser.add_argument("--verbose", action="store_true", help="log at INFO instead of WARNING")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="cloudtasks %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = Settings(
            duplicate_rate=args.duplicate_rate,
            tombstone_seconds=args.tombstone_seconds,
            queue_tombstone_seconds=args.queue_tombstone_seconds,
            min_dispatch_deadline_seconds=args.min_dispatch_deadline,
        )
        emulator = Emulator(args.host, args.port, args.http_port, settings)
    except (ValueError, OSError) as error:
        print(f"cloudtasks: {error}", file=sys.stderr)
        return 2
    _allow_many_connections()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    emulator.start()
    announce_ready("cloudtasks", args.host, emulator.port, http=f"{args.host}:{emulator.http_port}")
    stop.wait()
    emulator.stop()
    return 0


def _allow_many_connections() -> None:
    """Raise the open-files limit to its hard limit: each attempt in flight holds a socket."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < wanted:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


if __name__ == "__main__":
    sys.exit(main())
