"""``python -m emulators.firestore --host H --port P``: run the Firestore emulator.

Prints ``firestore ready on H:P admin=H:A`` once both the gRPC port and the HTTP admin
port accept connections, then serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import threading
from collections.abc import Sequence

from emulators.firestore import admin, server
from emulators.firestore.service import (
    DEFAULT_IDLE,
    DEFAULT_LIFETIME,
    DEFAULT_RETENTION,
    Emulator,
)
from emulators.launch import announce_ready


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m emulators.firestore", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="gRPC port (0: any free port)")
    parser.add_argument("--admin-port", type=int, default=0, help="HTTP admin port (0: any)")
    parser.add_argument(
        "--transaction-idle-timeout",
        type=float,
        default=DEFAULT_IDLE,
        help="seconds before an idle transaction expires and releases its locks",
    )
    parser.add_argument(
        "--transaction-lifetime",
        type=float,
        default=DEFAULT_LIFETIME,
        help="seconds a transaction may live at most",
    )
    parser.add_argument(
        "--version-retention",
        type=float,
        default=DEFAULT_RETENTION,
        help="seconds of past document versions kept for read_time reads",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Stored documents are long-lived objects: full collections over them only add pauses.
    gc.set_threshold(50_000, 50, 1000)
    logging.basicConfig(level=logging.WARNING, format="firestore: %(levelname)s %(message)s")
    emulator = Emulator(
        retention=args.version_retention,
        idle=args.transaction_idle_timeout,
        lifetime=args.transaction_lifetime,
    )
    grpc_server, port = server.build(emulator, args.host, args.port)
    grpc_server.start()
    httpd = admin.serve(emulator, args.host, args.admin_port)
    admin_port = httpd.server_address[1]
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    announce_ready("firestore", args.host, port, admin=f"{args.host}:{admin_port}")
    stop.wait()
    httpd.shutdown()
    grpc_server.stop(grace=1).wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
