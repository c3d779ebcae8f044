"""The ``calsync`` command: the local stack, the demo and the benchmarks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from calsync.deploy.cli import add_bundle_command
from calsync.devstack import commands as devstack


def _not_yet(name: str) -> Callable[[argparse.Namespace], int]:
    def run(_: argparse.Namespace) -> int:
        print(f"calsync {name}: not yet - the product behind it is still being built.")
        return 0

    return run


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="calsync", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    devstack.register(commands)  # dev, demo, token
    for name in ("bench",):
        commands.add_parser(name).set_defaults(run=_not_yet(name))
    add_bundle_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
