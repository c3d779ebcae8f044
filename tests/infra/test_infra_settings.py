"""Every setting, secret, queue and caller identity the code reads exists in infra/, with
values the code accepts in production."""

from __future__ import annotations

import re
from typing import Any

import pytest
from calsync.config import PLACEHOLDERS, Settings
from pydantic import SecretStr

from tests.infra.computed import concrete
from tests.infra.conftest import PLATFORM_VARIABLES, Function, production_settings
from tests.infra.terraform import Config, Evaluator

# Fields whose default names the local stack but that production never uses.
UNUSED_IN_PRODUCTION = {"bearer_key_id": "names the local stack's own signing key"}
PRODUCTION_ADAPTERS = {"storage": "firestore", "calendar": "google", "queue": "cloud_tasks"}


def _variable(name: str) -> str:
    return f"CALSYNC_{name.upper()}"


def _is_secret(name: str) -> bool:
    return Settings.model_fields[name].annotation in (SecretStr, SecretStr | None)


def _looks_local(value: Any) -> bool:
    if isinstance(value, str):
        return "127.0.0.1" in value or "local" in value or value in {"memory", "inline"}
    return False


def test_every_variable_infra_sets_is_a_setting(functions: dict[str, Function]) -> None:
    known = {_variable(name) for name in Settings.model_fields}
    for function in functions.values():
        ours = {name: value for name, value in function.env.items() if name.startswith("CALSYNC_")}
        platform = {name: function.env[name] for name in set(function.env) - set(ours)}
        assert platform == PLATFORM_VARIABLES, function.name
        unknown = (set(ours) | set(function.secrets)) - known
        assert not unknown, f"{function.name} sets variables calsync does not read: {unknown}"


def test_the_variable_google_adds_to_every_function_is_set_as_google_sets_it(
    functions: dict[str, Function],
) -> None:
    # Google sets LOG_EXECUTION_ID=true on gen2 functions; without it (or with another
    # value) in Terraform every plan would want to change it back (cloud-foundation-fabric
    # #2403).
    assert PLATFORM_VARIABLES == {"LOG_EXECUTION_ID": "true"}
    for function in functions.values():
        assert function.env["LOG_EXECUTION_ID"] == "true", function.name


@pytest.mark.usefixtures("clean_settings")
def test_each_function_starts_with_valid_production_settings(
    functions: dict[str, Function], monkeypatch: pytest.MonkeyPatch
) -> None:
    for function in functions.values():
        with monkeypatch.context() as scoped:
            settings = production_settings(function, scoped)
        assert settings.environment == "production", function.name
        chosen = {name: getattr(settings, name) for name in PRODUCTION_ADAPTERS}
        assert chosen == PRODUCTION_ADAPTERS, function.name
        assert settings.task_auth, function.name


@pytest.mark.usefixtures("clean_settings")
def test_no_setting_is_left_at_a_local_default(
    functions: dict[str, Function], monkeypatch: pytest.MonkeyPatch
) -> None:
    local = {
        name: field.default
        for name, field in Settings.model_fields.items()
        if _looks_local(field.default) and name not in UNUSED_IN_PRODUCTION
    }
    assert {"environment", "storage", "gcp_project", "tasks_queue", "frontend_url"} <= set(local)
    for function in functions.values():
        with monkeypatch.context() as scoped:
            settings = production_settings(function, scoped)
        left = sorted(name for name, default in local.items() if getattr(settings, name) == default)
        assert not left, f"{function.name} keeps local defaults: {left}"


def test_secrets_come_from_secret_manager_only(
    config: Config, evaluator: Evaluator, functions: dict[str, Function]
) -> None:
    secrets = {_variable(name) for name in Settings.model_fields if _is_secret(name)}
    required = {
        _variable(name)
        for name, field in Settings.model_fields.items()
        if _is_secret(name)
        and isinstance(field.default, SecretStr)
        and field.default.get_secret_value() in PLACEHOLDERS
    }
    assert "CALSYNC_OAUTH_CLIENT_SECRET" in required
    declared = {
        evaluator.value(body["secret_id"])
        for body in config.resources_of("google_secret_manager_secret").values()
    }
    for function in functions.values():
        assert not set(function.env) & secrets, f"{function.name}: a secret in plain text"
        assert required <= set(function.secrets), function.name
        assert set(function.secrets.values()) <= declared, function.name
        assert set(function.secrets) <= secrets, f"{function.name}: not a secret setting"


def test_each_function_may_read_its_secrets_and_no_other(
    config: Config, evaluator: Evaluator, functions: dict[str, Function]
) -> None:
    grants: dict[str, set[str]] = {}
    for name, raw in config.resources_of("google_secret_manager_secret_iam_member").items():
        for instance in evaluator.instances(raw).values():
            body = instance.block(raw)
            assert body["role"] == "roles/secretmanager.secretAccessor"
            secret = re.fullmatch(
                r"\$\{google_secret_manager_secret\.(\w+)\.id\}", body["secret_id"]
            )
            assert secret, f"{name}: grant on one secret"
            secret_id = evaluator.value(
                config.resources[("google_secret_manager_secret", secret[1])]["secret_id"]
            )
            grants.setdefault(body["member"], set()).add(secret_id)
    for function in functions.values():
        member = f"serviceAccount:{function.service['service_account_email']}"
        assert grants.get(member) == set(function.secrets.values()), function.name


@pytest.mark.usefixtures("clean_settings")
def test_the_queue_the_code_uses_is_the_terraform_queue(
    config: Config,
    evaluator: Evaluator,
    functions: dict[str, Function],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queues = config.resources_of("google_cloud_tasks_queue")
    project = evaluator.variables["project"]
    paths = {
        f"projects/{project}/locations/{evaluator.value(q['location'])}/queues/{evaluator.value(q['name'])}"
        for q in queues.values()
    }
    shape = re.sub(r"[^/]+(?=/|$)", "[^/]+", Settings.model_fields["tasks_queue"].default)
    for function in functions.values():
        with monkeypatch.context() as scoped:
            queue = production_settings(function, scoped).tasks_queue
        assert queue in paths, f"{function.name} enqueues on {queue}, not a Terraform queue"
        assert re.fullmatch(shape, queue)
        assert f"/locations/{evaluator.variables['region']}/" in queue
    for queue in queues.values():
        assert queue["retry_config"]
        assert queue["rate_limits"]


@pytest.mark.usefixtures("clean_settings")
def test_the_scheduler_calls_fanout_with_a_token_fanout_accepts(
    config: Config,
    evaluator: Evaluator,
    functions: dict[str, Function],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (raw,) = config.resources_of("google_cloud_scheduler_job").values()
    job = concrete(evaluator.block(raw)["http_target"][0], config, evaluator)
    fanout = functions["fanout"]
    settings = production_settings(fanout, monkeypatch)
    token = concrete(job["oidc_token"][0], config, evaluator)
    assert job["http_method"] == "POST"
    assert job["uri"] == settings.fanout_url == f"{settings.functions_url}/fanout"
    assert token["audience"] == settings.task_audience(settings.fanout_url)
    assert token["service_account_email"] == settings.task_service_account
    assert evaluator.block(raw)["attempt_deadline"] == f"{fanout.service['timeout_seconds']}s"


@pytest.mark.usefixtures("clean_settings")
def test_worker_calls_carry_the_identity_and_audience_the_worker_accepts(
    functions: dict[str, Function], monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as scoped:
        worker = production_settings(functions["worker"], scoped)
    assert worker.task_service_account is not None
    assert worker.worker_url == f"{worker.functions_url}/worker"
    for function in functions.values():
        with monkeypatch.context() as scoped:
            settings = production_settings(function, scoped)
        assert function.env["CALSYNC_TASK_OIDC_SERVICE_ACCOUNT"] == worker.task_service_account
        assert settings.task_audience(settings.worker_url) == worker.task_audience(
            worker.worker_url
        )


@pytest.mark.usefixtures("clean_settings")
def test_the_addresses_the_code_hands_out_are_the_deployed_ones(
    config: Config,
    evaluator: Evaluator,
    functions: dict[str, Function],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = production_settings(functions["oauth"], monkeypatch)
    region, project = evaluator.variables["region"], evaluator.variables["project"]
    assert settings.functions_url == f"https://{region}-{project}.cloudfunctions.net"
    assert settings.oauth_redirect_url == evaluator.value(
        config.outputs["oauth_redirect_uri"]["value"]
    )
    assert settings.webhook_url == evaluator.value(config.outputs["webhook_url"]["value"])
    assert settings.frontend_url == evaluator.variables["frontend_url"]
