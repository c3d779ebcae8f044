"""The benchmark's figures: targets, ratios against the baseline, the JSON and the table."""

from __future__ import annotations

import json

import pytest
from calsync.bench.report import Check, Figure, results_json, table


def test_a_check_compares_the_value_with_its_target() -> None:
    assert Check("reads", "<=", 3).met(3)
    assert not Check("reads", "<=", 3).met(4)
    assert Check("requests", "==", 1).met(1.0)
    assert not Check("commit_ms", "<", 50).met(50)
    assert Check("rate", ">=", 2000).met(2500)
    assert not Check("reads", "<=", 3).met(None)  # not measured is not met
    assert Check("reads", "<=", 3).text() == "<= 3"


def test_an_unknown_comparison_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown comparison"):
        Check("reads", "~", 3)


def test_the_ratio_says_how_many_times_better_than_the_baseline() -> None:
    figure = Figure(
        "f",
        {"reads": 4, "set_per_second": 1500.0, "writes": 0, "note": "text", "wall_s": 2.0},
        baseline={"reads": 5000, "set_per_second": 3000.0, "writes": 7, "wall_s": 0.5},
    )
    assert figure.ratio() == {
        "reads": 1250.0,  # a cost: baseline / value
        "set_per_second": 0.5,  # a rate: value / baseline
        "writes": None,  # nothing to divide by
        "wall_s": 0.25,  # slower than the baseline
    }


def test_a_small_ratio_keeps_its_significant_digits() -> None:
    figure = Figure("f", {"reads": 367}, baseline={"reads": 1})
    assert figure.ratio() == {"reads": 0.00272}


def test_a_figure_is_met_only_when_every_target_is() -> None:
    checks = [Check("requests", "==", 1), Check("reads", "<=", 3)]
    assert Figure("idle", {"requests": 1, "reads": 3}, checks=checks).met
    assert not Figure("idle", {"requests": 1, "reads": 4}, checks=checks).met
    assert not Figure("idle", {"requests": 1}, checks=checks).met


def test_the_json_holds_values_target_met_baseline_and_ratio() -> None:
    figure = Figure(
        "idle_sync",
        {"requests": 1, "reads": 4},
        checks=[Check("requests", "==", 1), Check("reads", "<=", 3)],
        baseline={"requests": 2, "reads": 5000},
    )
    document = json.loads(results_json({"cpu_count": 2}, [figure], run={"mode": "smoke"}))
    assert document["machine"] == {"cpu_count": 2}
    assert document["run"] == {"mode": "smoke"}
    assert document["figures"]["idle_sync"] == {
        "values": {"requests": 1, "reads": 4},
        "target": {"requests": "== 1", "reads": "<= 3"},
        "met": False,
        "checks": {"requests": True, "reads": False},
        "baseline": {"requests": 2, "reads": 5000},
        "ratio": {"requests": 2.0, "reads": 1250.0},
        "notes": "",
    }


def test_the_table_has_a_row_per_target_and_per_reported_metric() -> None:
    figures = [
        Figure(
            "idle_sync",
            {"requests": 1, "reads": 4, "wall_ms": 12.5, "google_calls": {"events.list": 1}},
            checks=[Check("requests", "==", 1), Check("reads", "<=", 3)],
            baseline={"requests": 2, "reads": 5000, "wall_ms": 250.0},
            shown=["wall_ms"],
        ),
        Figure("fanout_10000", {"wall_s": 1.25}, checks=[Check("wall_s", "<=", 30)]),
    ]
    lines = table(figures).splitlines()
    assert lines[0].split() == ["figure", "metric", "value", "target", "met", "baseline", "ratio"]
    assert lines[2].split() == ["idle_sync", "requests", "1", "==", "1", "yes", "2", "2x"]
    assert lines[3].split() == ["reads", "4", "<=", "3", "no", "5,000", "1,250x"]
    assert lines[4].split() == ["wall_ms", "12.5", "250", "20x"]
    assert lines[5].split() == ["fanout_10000", "wall_s", "1.25", "<=", "30", "yes"]
    assert len(lines) == 6  # dictionaries are in the JSON only


def test_a_ratio_far_below_one_reads_as_a_fraction() -> None:
    figure = Figure("import", {"reads": 25_000}, baseline={"reads": 1}, shown=["reads"])
    assert table([figure]).splitlines()[2].split()[-1] == "1/25,000x"


def test_a_value_just_off_a_whole_number_does_not_look_whole() -> None:
    figure = Figure(
        "import",
        {"writes_per_event": 2.0008, "wall_s": 11.391, "even": 2.0},
        checks=[Check("writes_per_event", "<=", 2)],
        shown=["wall_s", "even"],
    )
    lines = table([figure]).splitlines()
    assert lines[2].split() == ["import", "writes_per_event", "2.0008", "<=", "2", "no"]
    assert lines[3].split() == ["wall_s", "11.39"]
    assert lines[4].split() == ["even", "2"]
