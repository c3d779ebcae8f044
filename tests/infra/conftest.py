"""Fixtures of the infra checks: infra/ parsed once, evaluated for a sample deployment."""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from calsync.config import Settings, get_settings, load_settings

from tests.infra.computed import concrete
from tests.infra.terraform import ROOT, Config, Evaluator, load

# A deployment's terraform.tfvars (every variable without a default, plus the defaults).
SAMPLE_VARIABLES: dict[str, Any] = {
    "project": "acme-crm",
    "region": "europe-west1",
    "frontend_url": "https://crm.acme.example/settings/calendar-sync",
    "crm_base_url": "https://crm.acme.example",
    "oauth_client_id": "1234567890-abc.apps.googleusercontent.com",
    "bearer_issuer": "https://securetoken.google.com/acme-crm",
    "bearer_audience": "acme-crm",
    "bearer_certs_url": (
        "https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com"
    ),
}


# Environment variables a function gets that are not calsync's settings: what Google sets on
# every gen2 function, stated in Terraform as Google sets it (functions.tf).
PLATFORM_VARIABLES = {"LOG_EXECUTION_ID": "true"}


def entry_points() -> set[str]:
    """The functions of functions/main.py decorated with `@functions_framework.http`."""
    tree = ast.parse((ROOT / "functions" / "main.py").read_text())
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(
            ast.unparse(decorator) == "functions_framework.http"
            for decorator in node.decorator_list
        )
    }


@dataclass(frozen=True)
class Function:
    """One deployed function, evaluated for the sample deployment."""

    name: str
    body: dict[str, Any]  # the resource body, evaluated for this instance
    sizing: dict[str, Any]  # its entry in local.functions
    env: dict[str, str]  # plain environment variables, concrete where the provider computes them
    secrets: dict[str, str]  # environment variable -> Secret Manager secret id

    @property
    def service(self) -> dict[str, Any]:
        service: dict[str, Any] = self.body["service_config"][0]
        return service


@pytest.fixture(scope="session")
def config() -> Config:
    return load()


@pytest.fixture(scope="session")
def variables(config: Config) -> dict[str, Any]:
    defaults = {name: spec.get("default") for name, spec in config.variables.items()}
    return {**defaults, **SAMPLE_VARIABLES}


@pytest.fixture(scope="session")
def evaluator(config: Config, variables: dict[str, Any]) -> Evaluator:
    return Evaluator(config, variables)


def _secrets(service: dict[str, Any], instance: Evaluator) -> dict[str, str]:
    blocks = instance.dynamic(service, "secret_environment_variables")
    blocks += [instance.block(b) for b in service.get("secret_environment_variables", [])]
    return {block["key"]: block["secret"] for block in blocks}


@pytest.fixture(scope="session")
def functions(config: Config, evaluator: Evaluator) -> dict[str, Function]:
    (name, raw), *others = config.resources_of("google_cloudfunctions2_function").items()
    assert not others, "one google_cloudfunctions2_function resource (for_each) is expected"
    sizing = evaluator.value(config.locals["functions"])
    found = {}
    for key, instance in evaluator.instances(raw).items():
        assert key is not None, f"google_cloudfunctions2_function.{name} has no for_each"
        body = instance.block(raw)
        service = raw["service_config"][0]
        env = concrete(instance.value(service["environment_variables"]), config, instance)
        secrets = concrete(_secrets(service, instance), config, instance)
        found[key] = Function(key, body, sizing[key], env, secrets)
    return found


@pytest.fixture
def clean_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No CALSYNC_* variable of this machine leaks into settings built by a test."""
    for name in [name for name in os.environ if name.startswith("CALSYNC_")]:
        monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def production_settings(function: Function, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The settings `function` starts with (secrets stand in for Secret Manager's values)."""
    for name, value in function.env.items():
        monkeypatch.setenv(name, value)
    for name, secret in function.secrets.items():
        monkeypatch.setenv(name, f"the {secret} version from secret manager")
    return load_settings()
