"""`sync_machine`: what the figure reads from pytest and Hypothesis's statistics."""

from __future__ import annotations

from calsync.bench.fig_machine import read_outcome

PASSED = """\
.                                                                        [100%]
============================ Hypothesis Statistics =============================
tests/unit/test_sync_machine.py::TestSyncMachine::runTest:

  - during reuse phase (0.52 seconds):
    - 4 passing, 0 failing, and 0 invalid test cases

  - during generate phase (210.47 seconds):
    - Typical runtimes: ~ 2-79 ms, of which ~ 0-26 ms in data generation
    - 2996 passing, 0 failing, and 231 invalid test cases

  - Stopped because settings.max_examples=3000


1 passed in 211.65s (0:03:31)
"""

FAILED = """\
F                                                                        [100%]
  - during generate phase (3.10 seconds):
    - 41 passing, 1 failing, and 2 invalid test cases
  - during shrink phase (8.00 seconds):
    - 0 passing, 12 failing, and 3 invalid test cases
FAILED tests/unit/test_sync_machine.py::TestSyncMachine::runTest - AssertionError
1 failed in 12.40s
"""


def test_a_passing_run_counts_the_examples_of_every_phase() -> None:
    assert read_outcome(0, PASSED) == {
        "failures": 0,
        "tests_passed": 1,
        "passing_examples": 3000,
        "failing_examples": 0,
        "invalid_examples": 231,
    }


def test_a_failing_run_is_a_failure_with_its_failing_examples() -> None:
    outcome = read_outcome(1, FAILED)
    assert outcome["failures"] == 1
    assert (outcome["passing_examples"], outcome["failing_examples"]) == (41, 13)


def test_a_run_that_died_without_a_summary_is_a_failure() -> None:
    assert read_outcome(2, "ImportError while loading conftest")["failures"] == 1
