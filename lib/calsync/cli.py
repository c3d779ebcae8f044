"""The ``calsync`` command: the local stack, the demo and the benchmarks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from calsync.bench.command import add_bench_command
from calsync.deploy.cli import add_bundle_command
from calsync.devstack import commands as devstack


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="calsync", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    devstack.register(commands)  # dev, demo, token
    add_bench_command(commands)
    add_bundle_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
