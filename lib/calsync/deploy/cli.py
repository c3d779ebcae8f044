"""`calsync bundle [--out DIR] [--zip FILE]`: build the deployable bundle (see `bundle.py`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from calsync.deploy.bundle import BundleError, build_bundle

DEFAULT_OUT = Path("build/bundle")


def add_bundle_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `bundle` subcommand on the `calsync` parser."""
    parser = commands.add_parser(
        "bundle",
        help="build the deployable bundle (main.py, requirements.txt, calsync/)",
        description=__doc__,
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="bundle directory")
    parser.add_argument("--zip", type=Path, default=None, help="also write a zip of the bundle")
    parser.add_argument("--source", type=Path, default=None, help="checkout to bundle")
    parser.set_defaults(run=run_bundle)


def run_bundle(args: argparse.Namespace) -> int:
    try:
        bundle = build_bundle(args.out, root=args.source, zip_path=args.zip)
    except (BundleError, OSError) as exc:
        print(f"calsync bundle: {exc}", file=sys.stderr)
        return 2
    print(f"bundle: {bundle.directory} ({len(bundle.files)} files, sha256 {bundle.sha256()})")
    if bundle.zip_path is not None:
        print(f"zip: {bundle.zip_path}")
    return 0
