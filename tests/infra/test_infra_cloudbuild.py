"""cloudbuild.yaml parses, tests before it deploys, and deploys every entry point of
functions/main.py the way infra/ defines it."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.infra.conftest import Function, entry_points
from tests.infra.terraform import ROOT, Config, Evaluator

SUBSTITUTION = re.compile(r"\$\{(_[A-Z0-9_]+)\}")


@pytest.fixture(scope="module")
def build() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load((ROOT / "cloudbuild.yaml").read_text())
    return parsed


def _deploys(build: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        step["args"][2]: step
        for step in build["steps"]
        if step.get("entrypoint") == "gcloud" and step["args"][:2] == ["functions", "deploy"]
    }


def _flags(step: dict[str, Any]) -> dict[str, str]:
    flags = [arg.removeprefix("--") for arg in step["args"][3:]]
    return dict(flag.split("=", 1) if "=" in flag else (flag, "") for flag in flags)


def _index(build: dict[str, Any], step_id: str) -> int:
    (index,) = [i for i, step in enumerate(build["steps"]) if step.get("id") == step_id]
    return index


def test_it_parses_and_names_every_step(build: dict[str, Any]) -> None:
    ids = [step["id"] for step in build["steps"]]
    assert len(ids) == len(set(ids))


def test_it_installs_from_the_lock_then_lints_and_tests(build: dict[str, Any]) -> None:
    commands = [(step.get("entrypoint"), step.get("args")) for step in build["steps"]]
    assert ("make", ["setup"]) in commands  # pip install --require-hashes -r requirements.lock
    assert ("make", ["test"]) in commands  # ruff, mypy, pytest with the emulators
    assert "requirements.lock" in (ROOT / "Makefile").read_text()


def test_it_bundles_and_uploads_after_the_tests(build: dict[str, Any]) -> None:
    bundle = build["steps"][_index(build, "bundle")]
    assert bundle["entrypoint"].endswith("calsync")
    assert bundle["args"][0] == "bundle"
    assert _index(build, "lint-and-test") < _index(build, "bundle") < _index(build, "upload")
    for step_id in ("bundle", "upload"):
        assert "waitFor" not in build["steps"][_index(build, step_id)], "waits for all before it"


def test_it_deploys_every_entry_point_once_the_bundle_is_uploaded(build: dict[str, Any]) -> None:
    deploys = _deploys(build)
    assert set(deploys) == entry_points()
    upload = build["steps"][_index(build, "upload")]["args"][-1]
    for name, step in deploys.items():
        flags = _flags(step)
        assert step["waitFor"] == ["upload"]
        assert flags["entry-point"] == name
        assert "trigger-http" in flags
        assert "gen2" in flags
        assert flags["source"] == upload
        assert flags["region"] == "${_REGION}"
        assert flags["service-account"] == f"${{_{name.upper()}_SA}}"


def test_deploys_match_the_terraform_functions(
    build: dict[str, Any], config: Config, evaluator: Evaluator, functions: dict[str, Function]
) -> None:
    substitutions = build["substitutions"]
    runtime = config.resources[("google_service_account", "runtime")]
    runtime_ids = {
        name: evaluator.with_each(name, None).value(runtime["account_id"]) for name in functions
    }
    for name, step in _deploys(build).items():
        flags = _flags(step)
        function = functions[name]
        assert flags["runtime"] == function.body["build_config"][0]["runtime"]
        account = substitutions[f"_{name.upper()}_SA"]
        assert account == f"{runtime_ids[name]}@${{PROJECT_ID}}.iam.gserviceaccount.com"
    build_account = evaluator.value(
        config.resources[("google_service_account", "build")]["account_id"]
    )
    assert substitutions["_BUILD_SA"] == f"{build_account}@${{PROJECT_ID}}.iam.gserviceaccount.com"
    bucket = evaluator.value(config.resources[("google_storage_bucket", "source")]["name"])
    assert (
        substitutions["_SOURCE_BUCKET"].replace("${PROJECT_ID}", evaluator.variables["project"])
        == bucket
    )
    repository = evaluator.value(
        config.resources[("google_artifact_registry_repository", "functions")]["repository_id"]
    )
    assert substitutions["_DOCKER_REPOSITORY"].endswith(f"/repositories/{repository}")
    assert substitutions["_REGION"] == config.variables["region"]["default"]


def test_every_substitution_is_defined_used_and_output_by_terraform(
    build: dict[str, Any], config: Config
) -> None:
    text = (ROOT / "cloudbuild.yaml").read_text()
    used = set(SUBSTITUTION.findall(yaml.safe_dump(build["steps"])))
    defined = set(build["substitutions"])
    assert used == defined, "an unused substitution fails a triggered build"
    output = config.outputs["cloudbuild_substitutions"]["value"]
    named = set(re.findall(r'"(_[A-Z_]+)=', output)) | {
        f"_{name.upper()}_SA" for name in entry_points() if "_${upper(name)}_SA=" in output
    }
    assert named == defined
    assert build["options"]["dynamicSubstitutions"] is True
    assert "${PROJECT_ID}" in text
