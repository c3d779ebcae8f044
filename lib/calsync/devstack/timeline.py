"""The demo's timeline: numbered steps with elapsed time, checks, and a summary at the end.

Each step prints what it does and what it saw; `check` turns an expectation of the behaviour
guide into a line marked `ok`, or stops the step (and the story) with `FAIL` and the reason.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO


class StepFailed(Exception):
    """A check of the behaviour guide did not hold."""


@dataclass
class StepResult:
    title: str
    seconds: float
    passed: bool
    reason: str = ""


class Timeline:
    """Prints the story as it happens and remembers how each step went."""

    def __init__(self, total: int, out: TextIO = sys.stdout) -> None:
        self.total = total
        self.out = out
        self.began = time.monotonic()
        self.results: list[StepResult] = []

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def run(self, title: str, step: Callable[[], None]) -> bool:
        """Run one step; False (after printing why) if it failed."""
        number = len(self.results) + 1
        self._print(f"\n[{number:2}/{self.total}] +{self.elapsed():5.1f}s  {title}")
        began = time.monotonic()
        try:
            step()
        except (StepFailed, TimeoutError, AssertionError) as exc:
            self._print(f"         FAIL {exc}")
            self.results.append(StepResult(title, time.monotonic() - began, False, str(exc)))
            return False
        self.results.append(StepResult(title, time.monotonic() - began, True))
        return True

    def elapsed(self) -> float:
        return time.monotonic() - self.began

    def show(self, text: str) -> None:
        """Something the person watching should see."""
        self._print(f"         - {text}")

    def check(self, holds: bool, expectation: str) -> None:
        """An expectation of the behaviour guide: `ok`, or the step fails."""
        if not holds:
            raise StepFailed(expectation)
        self._print(f"         ok {expectation}")

    def summary(self, skipped: list[str], facts: list[str]) -> bool:
        """Print the summary; True if every step passed."""
        passed = sum(result.passed for result in self.results)
        self._print(f"\n=== Summary ({self.elapsed():.1f} s) ===")
        for result in self.results:
            mark = "ok  " if result.passed else "FAIL"
            self._print(f"  {mark} {result.title} ({result.seconds:.1f} s)")
        for title in skipped:
            self._print(f"  --   {title} (not run)")
        for fact in facts:
            self._print(f"  {fact}")
        everything = passed == self.total
        verdict = (
            "every step behaved as the behaviour guide says"
            if everything
            else (f"{self.total - passed} of {self.total} steps did not pass")
        )
        self._print(f"{passed}/{self.total} steps passed: {verdict}.")
        return everything
