"""The repository keeps its promises: the deployable requirements follow the lock, and CI,
Cloud Build and the Makefile run the commands the README documents."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", re.MULTILINE)


def _pins(path: Path) -> dict[str, str]:
    text = path.read_text()
    return {name.lower().replace("_", "-"): version for name, version in PIN.findall(text)}


def test_functions_requirements_pin_what_the_lock_pins() -> None:
    lock = _pins(ROOT / "requirements.lock")
    deployed = _pins(ROOT / "functions" / "requirements.txt")
    assert deployed, "functions/requirements.txt pins nothing"
    mismatched = {name: (v, lock.get(name)) for name, v in deployed.items() if lock.get(name) != v}
    assert not mismatched, f"regenerate with `make lock`: {mismatched}"


def test_every_runtime_dependency_is_deployed() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deployed = _pins(ROOT / "functions" / "requirements.txt")
    names = {re.split(r"[<>=\[ ;]", dep, maxsplit=1)[0].lower() for dep in project["dependencies"]}
    missing = sorted(name for name in names if name.replace("_", "-") not in deployed)
    assert not missing, f"runtime dependencies missing from functions/requirements.txt: {missing}"


def _commands(script: str) -> list[str]:
    lines = (line.strip() for line in script.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def test_ci_runs_the_readme_test_command() -> None:
    commands = _commands((ROOT / ".ci" / "run").read_text())
    assert any(re.fullmatch(r"(exec )?make test", command) for command in commands), commands


def test_cloud_build_lints_and_tests_through_make() -> None:
    build = yaml.safe_load((ROOT / "cloudbuild.yaml").read_text())
    steps = [(step.get("entrypoint"), step.get("args", [])) for step in build["steps"]]
    assert ("make", ["test"]) in steps, steps
    first_test = steps.index(("make", ["test"]))
    deploys = [i for i, (_, args) in enumerate(steps) if "deploy" in args]
    assert deploys, "cloudbuild.yaml deploys nothing"
    assert first_test < min(deploys), "the tests must pass before anything is deployed"


def test_the_makefile_has_the_documented_targets() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([A-Za-z][\w-]*):(?!=)", makefile, re.MULTILINE))
    missing = {"setup", "test", "demo", "dev", "bench", "lint"} - targets
    assert not missing, f"Makefile lacks targets: {sorted(missing)}"
    test_recipe = re.search(r"^test:(.*)$", makefile, re.MULTILINE)
    assert test_recipe is not None
    assert {"lint", "typecheck", "pytest"} <= set(test_recipe.group(1).split())
