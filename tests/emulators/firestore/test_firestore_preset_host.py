"""The suite against a server named by a preset ``FIRESTORE_EMULATOR_HOST``.

A second calsync emulator behind a one-port front (gRPC and the HTTP reset endpoint on one
port, as the official emulator serves them) stands in for "another Firestore server": a few
conformance tests run in a child pytest given only ``FIRESTORE_EMULATOR_HOST`` (no
``FIRESTORE_EMULATOR_ADMIN``). They must pass against it, reset its data before each test
(through the official emulator's reset path), and skip the counter tests with their reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from emulators import launch
from google.cloud import firestore

from tests.emulators.firestore.one_port import OnePortProxy
from tests.fixtures.firestore import ADMIN_VARIABLE, HOST_VARIABLE, NO_COUNTERS, PROJECT

ROOT = Path(__file__).resolve().parents[3]
HERE = "tests/emulators/firestore"
# (the second leaves a root collection behind that the third would see without a reset)
CHOSEN = [
    f"{HERE}/test_firestore_documents.py::test_create_then_create_again_is_already_exists",
    f"{HERE}/test_firestore_transforms.py::test_one_update_with_all_six_transforms",
    f"{HERE}/test_firestore_batches.py::test_collections_at_the_root_and_under_a_document",
    f"{HERE}/test_firestore_admin.py::test_reset_drops_one_database_only",
    f"{HERE}/test_firestore_admin.py::test_counters_bill_reads_like_firestore",
    f"{HERE}/test_firestore_admin.py::test_counters_count_rpcs_per_method",
]
COUNTER_TESTS = {"test_counters_bill_reads_like_firestore", "test_counters_count_rpcs_per_method"}


@pytest.fixture
def one_port_server() -> Iterator[str]:
    """A fresh calsync emulator seen through one port; yields that "H:P"."""
    server = launch.start("emulators.firestore")
    proxy = OnePortProxy(server.address, server.extra["admin"])
    try:
        yield proxy.address
    finally:
        proxy.close()
        server.stop()


def _client(address: str) -> firestore.Client:
    previous = os.environ.get(HOST_VARIABLE)
    os.environ[HOST_VARIABLE] = address
    try:
        return firestore.Client(project=PROJECT)
    finally:
        if previous is None:
            os.environ.pop(HOST_VARIABLE, None)
        else:
            os.environ[HOST_VARIABLE] = previous


def test_the_suite_runs_against_a_preset_host(one_port_server: str, tmp_path: Path):
    left_over = _client(one_port_server).document("sentinel/left-over")
    left_over.set({"from": "before the run"})
    report = tmp_path / "report.xml"
    env = {key: value for key, value in os.environ.items() if key != ADMIN_VARIABLE}
    env[HOST_VARIABLE] = one_port_server
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    run = subprocess.run(
        [*command, f"--junitxml={report}", *CHOSEN],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    outcomes = _outcomes(report)
    assert set(outcomes) == {node.rsplit("::", 1)[1] for node in CHOSEN}
    for name, (outcome, message) in outcomes.items():
        if name in COUNTER_TESTS:
            assert outcome == "skipped", name
            assert NO_COUNTERS in message, message
        else:
            assert outcome == "passed", (name, outcome, message)
    assert not left_over.get().exists  # the child's resets reached the server


def _outcomes(report: Path) -> dict[str, tuple[str, str]]:
    """Test name -> ("passed" | "skipped" | "failed", message) from a JUnit XML report."""
    found = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        outcome, message = "passed", ""
        for child in case:
            if child.tag in ("skipped", "failure", "error"):
                outcome = "skipped" if child.tag == "skipped" else "failed"
                message = child.get("message", "")
        found[case.get("name", "")] = (outcome, message)
    return found
