"""The bundle deploys: its requirements.txt installs into a clean virtual environment (as
Google's buildpack does with pip), and functions-framework loads and serves every entry point
of its main.py with nothing but what that installed.

The install takes a while (the pip cache keeps it to seconds after the first run), so it is
done once, and one subprocess then checks all six entry points.
"""

from __future__ import annotations

import json
import os
import subprocess
import venv
from pathlib import Path
from typing import Any

import pytest
from calsync.auth.bearer import generate_signing_key
from calsync.auth.keyring import generate_local_key
from calsync.deploy.bundle import build_bundle

from tests.infra.conftest import entry_points

# What each entry point is asked, and what a working one answers (a local configuration:
# memory adapters, unverified task calls), so a response proves the services were built.
PROBES: dict[str, tuple[str, str, dict[str, str], int]] = {
    "oauth": ("POST", "/oauth/start", {}, 401),  # no bearer token
    "accounts": ("GET", "/accounts", {}, 401),
    "activities": ("GET", "/activities", {}, 401),
    "webhooks": ("POST", "/webhooks/google", {"X-Goog-Channel-ID": "nobody"}, 200),
    "worker": ("POST", "/worker", {}, 400),  # no account id
    "fanout": ("POST", "/fanout", {}, 200),
}
# Developer commands: they use the local stack and the emulators, which are never deployed
# (calsync.devstack is left out of the bundle; calsync.cli, which registers it, stays but is
# never imported by an entry point).
NOT_DEPLOYED_MODULES = {"calsync.cli"}

SCRIPT = r"""
import importlib, json, pkgutil, sys
import functions_framework

source, probes = sys.argv[1], json.loads(sys.argv[2])
answers = {}
for name, (method, path, headers, _) in probes.items():
    client = functions_framework.create_app(target=name, source=source).test_client()
    response = client.open(path, method=method, headers=headers, json={})
    answers[name] = [response.status_code, response.get_json(silent=True)]
import calsync
failures = {}
for module in pkgutil.walk_packages(calsync.__path__, "calsync."):
    if module.name not in set(sys.argv[3:]):
        try:
            importlib.import_module(module.name)
        except Exception as exc:
            failures[module.name] = repr(exc)
print(json.dumps({"calsync": calsync.__file__, "answers": answers, "failures": failures}))
"""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_bundle(tmp_path_factory.mktemp("deploy") / "bundle").directory


@pytest.fixture(scope="module")
def python(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean virtual environment with the bundle's requirements.txt installed."""
    home = tmp_path_factory.mktemp("venv") / "env"
    venv.create(home, with_pip=True, clear=True)
    interpreter = home / "bin" / "python"
    subprocess.run(
        [
            str(interpreter),
            "-m",
            "pip",
            "install",
            "--quiet",
            "-r",
            str(bundle / "requirements.txt"),
        ],
        check=True,
        timeout=900,
        env=_clean_environment(),
    )
    return interpreter


def _clean_environment(**extra: str) -> dict[str, str]:
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CALSYNC_", "PYTHON", "VIRTUAL_ENV"))
    }
    return {**kept, **extra}


def _local_settings() -> dict[str, str]:
    return {
        "CALSYNC_BEARER_SIGNING_KEY": generate_signing_key(),
        "CALSYNC_LOCAL_KEY": generate_local_key(),
        "CALSYNC_OAUTH_CLIENT_SECRET": "a-real-looking-secret",
        "CALSYNC_TASK_AUTH": "false",
    }


@pytest.fixture(scope="module")
def served(python: Path, bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    probes = {name: list(probe) for name, probe in PROBES.items()}
    done = subprocess.run(
        [
            str(python),
            "-c",
            SCRIPT,
            str(bundle / "main.py"),
            json.dumps(probes),
            *NOT_DEPLOYED_MODULES,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path_factory.mktemp("cwd"),
        env=_clean_environment(**_local_settings()),
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_environment_is_clean(python: Path) -> None:
    listed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
        env=_clean_environment(),
    )
    installed = {entry["name"].lower() for entry in json.loads(listed.stdout)}
    assert "functions-framework" in installed
    assert not installed & {"calsync", "pytest", "hypothesis", "python-hcl2"}


def test_calsync_is_imported_from_the_bundle(served: dict[str, Any], bundle: Path) -> None:
    assert Path(served["calsync"]).resolve().is_relative_to(bundle.resolve())


def test_every_entry_point_loads_and_serves(served: dict[str, Any]) -> None:
    assert set(served["answers"]) == entry_points()
    for name, (status, body) in served["answers"].items():
        assert status == PROBES[name][3], f"{name}: {status} {body}"
        assert isinstance(body, dict), f"{name} did not answer JSON: {body}"


def test_every_deployed_module_imports_with_only_the_requirements(served: dict[str, Any]) -> None:
    assert served["failures"] == {}
