"""`calsync bench --smoke`: the whole benchmark at small sizes, so it never rots.

It runs as `make bench` does (the command, its own local stack and emulators) and checks that
every figure was measured and that `results.json` has the documented shape. Targets are
reported as met or not by the benchmark; they are never asserted here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from calsync.bench.changes import KINDS
from calsync.bench.command import NAMES
from calsync.config import Settings

MACHINE = {"cpu_count", "cpu_model", "memory_gb", "python", "os", "load_before", "load_after"}
FIGURE = {"values", "target", "met", "checks", "baseline", "ratio", "notes"}
NO_NAIVE_COUNTERPART = {"sync_machine"}  # a naive sync has no state machine to run


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    place = tmp_path_factory.mktemp("bench")
    out = place / "results.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CALSYNC_", "FIRESTORE_"))}
    done = subprocess.run(
        [sys.executable, "-m", "calsync.cli", "bench", "--smoke", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=480,
        cwd=place,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    return json.loads(Path(out).read_text()), done.stdout


def test_the_results_describe_the_machine_and_the_run(smoke: tuple[dict[str, Any], str]) -> None:
    results, _ = smoke
    assert set(results["machine"]) >= MACHINE
    assert results["machine"]["cpu_count"] >= 1
    assert results["run"]["mode"] == "smoke"
    assert results["run"]["sizes"]["import_events"] < 5_000


def test_every_figure_was_measured_with_its_target_baseline_and_ratio(
    smoke: tuple[dict[str, Any], str],
) -> None:
    figures = smoke[0]["figures"]
    assert list(figures) == list(NAMES)
    for name, figure in figures.items():
        assert set(figure) == FIGURE, name
        values = figure["values"]
        assert "error" not in values, (name, values)
        assert figure["target"], name
        for metric in figure["target"]:
            assert isinstance(values[metric], int | float), (name, metric)
        assert figure["met"] is all(figure["checks"].values()), name
        assert bool(figure["baseline"]) is (name not in NO_NAIVE_COUNTERPART), name
        assert set(figure["ratio"]) <= set(figure["baseline"]) & set(values), name


def test_the_figures_measured_what_they_name(smoke: tuple[dict[str, Any], str]) -> None:
    figures = smoke[0]["figures"]
    sizes = smoke[0]["run"]["sizes"]
    assert figures["import_5000"]["values"]["events"] == sizes["import_events"]
    assert figures["export_5000"]["values"]["write_quota_units"] == sizes["export_activities"]
    assert figures["import_5000"]["values"]["writes_per_event"] > 0
    assert "writes_per_event" in figures["import_5000"]["target"]  # the plain total, judged
    assert "quota_units" in figures["export_5000"]["target"]
    idle = figures["idle_sync"]["values"]
    assert idle["google_requests"] >= 1
    assert idle["warm_google_requests"] >= 1
    assert idle["runs"] >= 3
    assert figures["fanout_10000"]["values"]["due"] == sizes["fanout_due"]
    assert figures["fanout_10000_all_due"]["values"]["due"] == sizes["fanout_accounts"]
    latency = figures["change_latency"]["values"]
    assert latency["edits_per_side"] == sizes["latency_edits"]
    assert latency["accounts"] == sizes["latency_pairs"]
    assert latency["burst_edits_per_side"] == sizes["burst_edits"]
    assert latency["burst_google_to_crm_p50_ms"] > 0
    assert latency["coalesce_seconds"] == Settings.model_fields["coalesce_seconds"].default
    assert figures["import_5000"]["baseline"]["runs"] == sizes["repeats"]  # naive: as often
    assert figures["export_5000"]["baseline"]["runs"] == sizes["repeats"]
    machine = figures["sync_machine"]["values"]
    assert machine["profile"] == "ci"
    assert machine["passing_examples"] + machine["failing_examples"] > 0
    assert {f"{kind}_quota_units" for kind in KINDS} <= set(figures["cost_per_change"]["target"])
    cost = figures["cost_per_change"]["values"]
    for kind in ("crm_create", "crm_update", "crm_delete"):
        assert cost[f"{kind}_function_invocations"] >= 2  # the API call, then a job at least
    assert figures["worker_memory_10000"]["values"]["peak_rss_mb"] > 0


def test_the_table_shows_every_figure(smoke: tuple[dict[str, Any], str]) -> None:
    _, printed = smoke
    header = printed.splitlines()[0].split()
    assert header == ["figure", "metric", "value", "target", "met", "baseline", "ratio"]
    shown = {line.split()[0] for line in printed.splitlines()[2:] if line[:1].strip()}
    assert set(NAMES) <= shown
