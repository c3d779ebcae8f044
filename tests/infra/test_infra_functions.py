"""infra/ parses, and deploys exactly the entry points of functions/main.py, each sized for
its work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.infra.conftest import Function, entry_points
from tests.infra.terraform import INFRA, Config, Evaluator, parse_file

EXPECTED_FILES = {
    "apis", "firestore", "tasks", "scheduler", "functions", "iam", "secrets", "kms",
    "variables", "outputs", "versions",
}  # fmt: skip


@pytest.mark.parametrize("path", sorted(INFRA.glob("*.tf")), ids=lambda path: path.name)
def test_every_tf_file_parses(path: Path) -> None:
    parsed = parse_file(path)
    assert parsed, f"{path.name} declares nothing"


def test_infra_is_split_into_readable_files() -> None:
    files = {path.stem for path in INFRA.glob("*.tf")}
    assert files >= EXPECTED_FILES
    too_long = {
        path.name for path in INFRA.glob("*.tf") if len(path.read_text().splitlines()) > 300
    }
    assert not too_long


def test_main_py_has_the_six_entry_points() -> None:
    assert entry_points() == {"oauth", "accounts", "activities", "webhooks", "worker", "fanout"}


def test_one_function_per_entry_point_with_its_entry_point(functions: dict[str, Function]) -> None:
    assert set(functions) == entry_points()
    for name, function in functions.items():
        assert function.body["name"] == name
        assert function.body["build_config"][0]["entry_point"] == name


def test_every_function_is_http_triggered_and_gen2_only(
    config: Config, functions: dict[str, Function]
) -> None:
    for function in functions.values():
        assert "event_trigger" not in function.body, f"{function.name} is not HTTP-triggered"
    kinds = {rtype for rtype, _ in config.resources}
    assert "google_cloudfunctions_function" not in kinds  # 1st gen


def test_runtime_matches_the_python_the_lock_is_for(functions: dict[str, Function]) -> None:
    lock_header = (INFRA.parent / "Makefile").read_text()
    assert "--python-version 3.11" in lock_header
    assert {f.body["build_config"][0]["runtime"] for f in functions.values()} == {"python311"}


def test_every_function_sets_its_limits(functions: dict[str, Function]) -> None:
    for function in functions.values():
        service = function.service
        for limit in ("available_memory", "available_cpu", "timeout_seconds"):
            assert service[limit], f"{function.name}: {limit}"
        assert service["min_instance_count"] == 0, "idle deployments cost nothing"
        assert 1 <= service["max_instance_count"] <= 100
        assert 1 <= service["max_instance_request_concurrency"] <= 1000
        if service["max_instance_request_concurrency"] > 1:
            assert float(service["available_cpu"]) >= 1, "concurrency needs a whole vCPU"
        assert 1 <= service["timeout_seconds"] <= 3600  # the HTTP functions' maximum


def test_limits_follow_each_functions_work(functions: dict[str, Function]) -> None:
    def service(name: str, limit: str) -> int:
        value: int = functions[name].service[limit]
        return value

    timeouts = {name: service(name, "timeout_seconds") for name in functions}
    assert timeouts["worker"] == max(timeouts.values()) >= 300, "long jobs"
    assert timeouts["webhooks"] == min(timeouts.values()) <= 30, "answers at once"
    concurrency = {name: service(name, "max_instance_request_concurrency") for name in functions}
    assert concurrency["webhooks"] == max(concurrency.values()) >= 50, "bursts of notifications"
    assert service("fanout", "timeout_seconds") >= 300, "pages through thousands of accounts"
    assert service("fanout", "max_instance_count") == 1, "one tick at a time"
    assert concurrency["fanout"] == 1


def test_each_functions_sizing_is_explained_in_a_comment() -> None:
    lines = (INFRA / "functions.tf").read_text().splitlines()
    for name in entry_points():
        (index,) = [i for i, line in enumerate(lines) if re.fullmatch(rf"\s*{name} = {{", line)]
        assert lines[index - 1].strip().startswith("#"), f"{name}: explain its sizing"


def test_functions_run_as_their_own_service_account(functions: dict[str, Function]) -> None:
    for name, function in functions.items():
        expected = f'${{google_service_account.runtime["{name}"].email}}'
        assert function.service["service_account_email"] == expected


def test_outputs_give_every_function_url(
    config: Config, evaluator: Evaluator, functions: dict[str, Function]
) -> None:
    urls = evaluator.value(config.outputs["function_urls"]["value"])
    assert urls == {
        name: f'${{google_cloudfunctions2_function.fn["{name}"].url}}' for name in functions
    }
    for name in ("oauth_redirect_uri", "webhook_url", "cloudbuild_substitutions"):
        assert name in config.outputs


def test_the_variables_a_deployment_chooses(config: Config) -> None:
    wanted = {
        "project", "region", "frontend_url", "crm_base_url", "oauth_client_id",
        "bearer_issuer", "bearer_audience", "bearer_certs_url",
    }  # fmt: skip
    assert wanted <= set(config.variables)
    for name, spec in config.variables.items():
        assert spec.get("description"), f"variable {name} needs a description"
