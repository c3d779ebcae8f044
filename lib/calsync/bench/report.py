"""Figures, their targets, the baseline ratio, `bench/results.json` and the printed table.

A `Figure` holds what was measured (`values`), the targets (`checks`: a metric, a comparison
and a number), the same metrics measured on the naive baseline (`baseline`), and which
direction is better for each metric. `ratio` is always "how many times better than the
baseline": baseline / value for costs, times and memory; value / baseline for rates.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Number = int | float

_OPS: dict[str, Callable[[Number, Number], bool]] = {
    "==": operator.eq,
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
}
HIGHER_IS_BETTER_SUFFIXES = ("_per_second", "_per_commit")


@dataclass(frozen=True)
class Check:
    """A target: `metric op target` (e.g. `firestore_reads <= 3`)."""

    metric: str
    op: str
    target: Number

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"unknown comparison {self.op!r}")

    def met(self, value: Any) -> bool:
        return isinstance(value, int | float) and _OPS[self.op](value, self.target)

    def text(self) -> str:
        return f"{self.op} {_fmt(self.target)}"


@dataclass
class Figure:
    """One named figure of the run."""

    name: str
    values: dict[str, Any]
    checks: list[Check] = field(default_factory=list)
    baseline: dict[str, Any] = field(default_factory=dict)
    shown: list[str] = field(default_factory=list)  # reported metrics for the table
    notes: str = ""

    @property
    def met(self) -> bool:
        return all(check.met(self.values.get(check.metric)) for check in self.checks)

    def ratio(self) -> dict[str, float | None]:
        ratios: dict[str, float | None] = {}
        for metric, base in self.baseline.items():
            value = self.values.get(metric)
            if not isinstance(value, int | float) or not isinstance(base, int | float):
                continue
            better, worse = (value, base) if _higher_is_better(metric) else (base, value)
            ratios[metric] = _significant(better / worse) if worse else None
        return ratios

    def as_json(self) -> dict[str, Any]:
        return {
            "values": self.values,
            "target": {check.metric: check.text() for check in self.checks},
            "met": self.met,
            "checks": {c.metric: c.met(self.values.get(c.metric)) for c in self.checks},
            "baseline": self.baseline,
            "ratio": self.ratio(),
            "notes": self.notes,
        }


def _significant(number: float) -> float:
    """Three significant digits (1,250; 2.5; 0.00272), or two decimals for large numbers."""
    return round(number, 2) if abs(number) >= 100 else float(f"{number:.3g}")


def _higher_is_better(metric: str) -> bool:
    return metric.endswith(HIGHER_IS_BETTER_SUFFIXES)


def results_json(machine: Mapping[str, Any], figures: Iterable[Figure], **extra: Any) -> str:
    document = {
        "machine": dict(machine),
        **extra,
        "figures": {figure.name: figure.as_json() for figure in figures},
    }
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def write_results(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text)
    temporary.replace(path)
    return path


# -- the table --------------------------------------------------------------------------------

HEADER = ("figure", "metric", "value", "target", "met", "baseline", "ratio")


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return _fmt_float(value)
    return str(value)


def _fmt_float(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) < 1:
        return f"{value:.3g}"
    shown = f"{value:.2f}".rstrip("0").rstrip(".")
    # A value just off a whole number keeps the digit that shows it (2.0008 is not 2).
    return f"{value:.4f}".rstrip("0") if float(shown) != value and "." not in shown else shown


def _fmt_ratio(ratio: float | None) -> str:
    """`12x` (better than the baseline), `0.5x`, or `1/2,500x` (far worse)."""
    if ratio is None:
        return ""
    if 0 < ratio < 0.1:
        return f"1/{1 / ratio:,.0f}x"
    return f"{_fmt(ratio)}x"


def rows(figure: Figure) -> list[tuple[str, ...]]:
    """One row per checked metric, then one per other reported metric."""
    checks = {check.metric: check for check in figure.checks}
    metrics = list(checks) + [m for m in figure.shown if m not in checks]
    ratios = figure.ratio()
    lines: list[tuple[str, ...]] = []
    for index, metric in enumerate(metrics):
        check = checks.get(metric)
        value = figure.values.get(metric)
        ratio = ratios.get(metric)
        lines.append(
            (
                figure.name if index == 0 else "",
                metric,
                _fmt(value),
                check.text() if check else "",
                _fmt(check.met(value)) if check else "",
                _fmt(figure.baseline.get(metric)) if metric in figure.baseline else "",
                _fmt_ratio(ratio),
            )
        )
    return lines


def table(figures: Iterable[Figure]) -> str:
    lines: list[tuple[str, ...]] = [HEADER]
    for figure in figures:
        lines += rows(figure)
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]
    right = {2, 3, 5, 6}

    def render(line: tuple[str, ...]) -> str:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(line)
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([render(lines[0]), rule, *(render(line) for line in lines[1:])])
