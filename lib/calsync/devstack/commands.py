"""The `dev`, `demo` and `token` subcommands of `calsync` (cli.py only dispatches here)."""

from __future__ import annotations

import argparse
import logging
import re
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from emulators.google.config import DEFAULT_CLIENT_SECRET

from calsync.bootstrap import local_signer
from calsync.config import load_settings
from calsync.devstack.seed import seeded_user
from calsync.devstack.stack import TOKEN_TTL_SECONDS, Stack, StackOptions
from calsync.devstack.state import DEFAULT_DIR, StateDir


def register(commands: Any) -> None:
    """Add `dev`, `demo` and `token` to the `calsync` subcommands (an argparse subparsers)."""
    dev = commands.add_parser("dev", help="run the local stack until Ctrl-C")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=8090, help="functions server (0: any free)")
    dev.add_argument("--google-port", type=int, default=0, help="Google simulator (0: any free)")
    dev.add_argument(
        "--consent-page",
        action="store_true",
        help="show the simulator's consent page (for a person in a browser) instead of "
        "approving at once",
    )
    dev.add_argument("--state-dir", type=Path, default=DEFAULT_DIR)
    dev.add_argument("--verbose", action="store_true", help="log requests and fan-out ticks")
    dev.set_defaults(run=run_dev)

    demo = commands.add_parser("demo", help="start a stack and play the scripted story")
    demo.add_argument("--state-dir", type=Path, default=DEFAULT_DIR)
    demo.add_argument("--verbose", action="store_true")
    demo.add_argument(
        "--pace", type=float, default=0.0, help="seconds to pause after each step, to follow along"
    )
    demo.set_defaults(run=run_demo)

    token = commands.add_parser("token", help="print a bearer token for a seeded CRM user")
    token.add_argument("--user", default="demo@example.com")
    token.add_argument("--ttl", type=int, default=TOKEN_TTL_SECONDS, help="seconds")
    token.add_argument("--state-dir", type=Path, default=DEFAULT_DIR)
    token.set_defaults(run=run_token)


_SECRET_PARAMS = re.compile(r"\b(code|state)=[^&\s\"]+")


class RedactOAuthParams(logging.Filter):
    """Request logs show `?code=...&state=...` of OAuth callbacks as `code=***`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "code=" in message or "state=" in message:
            record.msg, record.args = _SECRET_PARAMS.sub(r"\1=***", message), ()
        return True


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    requests_log = logging.getLogger("werkzeug")
    requests_log.setLevel(logging.INFO if verbose else logging.WARNING)
    requests_log.addFilter(RedactOAuthParams())


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run_dev(args: argparse.Namespace) -> int:
    _logging(args.verbose)
    signal.signal(signal.SIGTERM, _raise_interrupt)  # stop cleanly on SIGTERM as on Ctrl-C
    options = StackOptions(
        host=args.host,
        port=args.port,
        google_port=args.google_port,
        consent_page=args.consent_page,
        state_dir=args.state_dir,
    )
    stack = Stack(options)
    try:
        info = stack.start()
        _banner(info, stack.state.info_path)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("calsync dev: stopping ...", flush=True)
    finally:
        stack.stop()
    print("calsync dev: stopped", flush=True)
    return 0


def _banner(info: dict[str, Any], path: Path) -> None:
    lines = [
        f"calsync dev: local stack ready in {info['started_in_seconds']} s",
        f"  functions   {info['functions_url']}/<oauth|accounts|activities|webhooks|worker|fanout>",
        f"  google      {info['google_url']}"
        + ("  (consent page on)" if info["consent_page"] else "  (auto-consent)"),
        f"  firestore   {info['firestore']['host']}",
        f"  cloud tasks {info['cloudtasks']['grpc']} (admin http://{info['cloudtasks']['http']})",
        f"  users       {', '.join(info['users'])} (company {info['company_id']})",
        f"  written     {path} (functions_url, google_url, token for {info['user']})",
        '  try         curl -H "Authorization: Bearer $(calsync token)" '
        f"{info['functions_url']}/accounts",
        "Ctrl-C stops everything.",
    ]
    print("\n".join(lines), flush=True)


def run_token(args: argparse.Namespace) -> int:
    try:
        user = seeded_user(args.user)
    except LookupError as exc:
        print(f"calsync token: {exc.args[0]}", file=sys.stderr)
        return 2
    key = StateDir(args.state_dir).existing_signing_key()
    if key is None:
        print(
            f"calsync token: {args.state_dir} holds no signing key, so no stack would accept "
            "a token: start the stack first (make dev), or pass the --state-dir it uses",
            file=sys.stderr,
        )
        return 1
    settings = load_settings(bearer_signing_key=key, oauth_client_secret=DEFAULT_CLIENT_SECRET)
    print(local_signer(settings).issue(user, ttl_seconds=args.ttl))
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from calsync.devstack.demo import play  # noqa: PLC0415 - only the demo needs it

    _logging(args.verbose)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    options = StackOptions(port=0, state_dir=args.state_dir, info_file="demo.json")
    try:
        return play(options, pace=args.pace)
    except KeyboardInterrupt:
        print("calsync demo: interrupted", flush=True)
        return 130
