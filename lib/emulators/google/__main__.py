"""``python -m emulators.google --host H --port P [options]``: run the simulator.

Prints ``google ready on H:P url=http://H:P client_id=<default client id>`` once it accepts
connections, then serves until SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from types import FrameType

from werkzeug.serving import make_server

from emulators.google.app import GoogleApp
from emulators.google.config import DEFAULT_CLIENT_ID, OAuthClient, SimulatorConfig
from emulators.google.simulator import Simulator
from emulators.launch import announce_ready


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emulators.google", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--auto-consent",
        action="store_true",
        help="approve authorization requests that carry login_hint at once",
    )
    parser.add_argument("--client-id", action="append", default=[], help="repeatable")
    parser.add_argument(
        "--client-secret",
        action="append",
        default=[],
        help="one per --client-id, in the same order",
    )
    parser.add_argument(
        "--redirect-uri",
        action="append",
        default=[],
        help="allowed for every --client-id (repeatable)",
    )
    parser.add_argument("--access-token-ttl", type=int, default=3599, help="seconds")
    parser.add_argument(
        "--code-ttl", type=int, default=600, help="authorization-code lifetime in seconds"
    )
    parser.add_argument(
        "--refresh-token-ttl",
        type=int,
        default=None,
        help="refresh-token lifetime in seconds (default: they never expire)",
    )
    parser.add_argument(
        "--horizon-days", type=int, default=730, help="how far ahead open-ended series are expanded"
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    if len(args.client_id) != len(args.client_secret):
        parser.error("give exactly one --client-secret per --client-id")
    lifetimes = (args.access_token_ttl, args.code_ttl, args.horizon_days)
    if min(lifetimes) < 1 or (args.refresh_token_ttl is not None and args.refresh_token_ttl < 1):
        parser.error(
            "--access-token-ttl, --code-ttl, --refresh-token-ttl and --horizon-days"
            " must be positive"
        )
    return args


def build_config(args: argparse.Namespace) -> SimulatorConfig:
    config = SimulatorConfig(
        auto_consent=args.auto_consent,
        access_token_ttl=args.access_token_ttl,
        code_ttl=args.code_ttl,
        refresh_token_ttl=args.refresh_token_ttl,
        horizon_days=args.horizon_days,
    )
    for client_id, secret in zip(args.client_id, args.client_secret, strict=True):
        config.add_client(OAuthClient(client_id, secret, tuple(args.redirect_uri)))
    return config


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.WARNING)
    sim = Simulator(build_config(args))
    server = make_server(args.host, args.port, GoogleApp(sim), threaded=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    port = server.server_port
    announce_ready(
        "google", args.host, port, url=f"http://{args.host}:{port}", client_id=DEFAULT_CLIENT_ID
    )
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
        sim.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
