"""`sync_machine`: the sync state machine (tests/unit/test_sync_machine.py) under its long
Hypothesis profile, as part of the benchmark run: thousands of random histories of both sides
(edits, crashes, failing calls, lost responses, 410s, second jobs, settings changes), each
checked for agreement, one-to-one links, no lost edits and no loops.

It runs pytest in a process of its own, from the repository (the tests are not part of the
package), on the memory adapters only (no emulator). No target but passing: `failures` (tests
that failed or errored) must be 0; how many examples ran is reported from Hypothesis's own
statistics. `--smoke` runs the suite's CI profile instead (the one `make test` runs).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from calsync.bench.context import Bench
from calsync.bench.report import Check, Figure

ROOT = Path(__file__).resolve().parents[3]
MACHINE = Path("tests") / "unit" / "test_sync_machine.py"
TIMEOUT = 3600
_CASES = re.compile(
    r"(\d+) passing(?: examples)?, (\d+) failing(?: examples)?,? (?:and )?(\d+) invalid"
)
_OUTCOME = re.compile(r"(\d+) (passed|failed|error|errors)\b")


class MachineMissing(RuntimeError):
    """The state machine's tests are not here (an installed package has no tests/)."""


def run_machine(profile: str) -> tuple[int, str, float]:
    """pytest over the state machine with `profile`: exit code, output, seconds."""
    if not (ROOT / MACHINE).exists():
        raise MachineMissing(
            f"no {MACHINE} under {ROOT.name}: run the benchmark from the repository"
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CALSYNC_", "FIRESTORE_"))}
    env["HYPOTHESIS_PROFILE"] = profile
    command = [sys.executable, "-m", "pytest", str(MACHINE), "-q", "-p", "no:cacheprovider",
               "--hypothesis-show-statistics"]  # fmt: skip
    began = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - this interpreter, pytest on our own tests
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - began


def read_outcome(returncode: int, output: str) -> dict[str, int]:
    """Examples by kind (summed over Hypothesis's phases) and pytest's failed tests."""
    passing = failing = invalid = 0
    for match in _CASES.finditer(output):
        passing += int(match[1])
        failing += int(match[2])
        invalid += int(match[3])
    outcomes = {kind: int(count) for count, kind in _OUTCOME.findall(output)}
    failures = outcomes.get("failed", 0) + outcomes.get("error", 0) + outcomes.get("errors", 0)
    if returncode != 0 and failures == 0:
        failures = 1  # pytest failed without a summary (it crashed, or collected nothing)
    return {
        "failures": failures,
        "tests_passed": outcomes.get("passed", 0),
        "passing_examples": passing,
        "failing_examples": failing,
        "invalid_examples": invalid,
    }


def sync_machine(bench: Bench) -> Figure:
    profile = "ci" if bench.sizes.machine_profile == "ci" else "long"
    bench.say(f"sync_machine: the state machine, Hypothesis profile {profile!r}")
    returncode, output, seconds = run_machine(profile)
    values: dict[str, object] = {
        **read_outcome(returncode, output),
        "profile": profile,
        "wall_s": round(seconds, 1),
    }
    if values["failures"]:
        values["output_tail"] = output[-4000:]
    return Figure(
        "sync_machine",
        values,
        checks=[Check("failures", "==", 0)],
        shown=["passing_examples", "invalid_examples", "failing_examples", "wall_s"],
        notes=(
            f"{MACHINE} with HYPOTHESIS_PROFILE={profile}: random histories of both sides over "
            "the memory adapters, each checked for agreement, one-to-one links, no lost edits "
            "and no loops; examples from Hypothesis's statistics (all phases); no baseline"
        ),
    )
