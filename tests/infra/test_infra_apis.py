"""infra/apis.tf enables every API the deployment needs: the APIs of the resource types
Terraform makes and of the Google clients the deployed code calls.

Each resource type and each client module is mapped to its API here; a type or a module with
no entry fails, so adding one to infra/ or to the code means saying which API it needs.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from tests.infra.terraform import INFRA, ROOT, Config, Evaluator, load

# What each resource (and data source) type needs enabled. google_project_service is the
# enabler itself (the Service Usage API, on in every project).
RESOURCE_APIS: dict[str, set[str]] = {
    "google_project_service": set(),
    "google_storage_bucket": {"storage"},
    "google_storage_bucket_object": {"storage"},
    "google_storage_bucket_iam_member": {"storage"},
    "google_artifact_registry_repository": {"artifactregistry"},
    "google_artifact_registry_repository_iam_member": {"artifactregistry"},
    # Cloud Functions builds with Cloud Build into Artifact Registry from a source in Cloud
    # Storage, runs the function on Cloud Run and logs to Cloud Logging.
    "google_cloudfunctions2_function": {
        "cloudfunctions", "cloudbuild", "artifactregistry", "storage", "run", "logging",
    },
    "google_cloud_run_v2_service_iam_member": {"run"},
    "google_service_account": {"iam"},
    "google_service_account_iam_member": {"iam"},
    "google_project_iam_member": {"cloudresourcemanager"},
    "google_cloud_tasks_queue": {"cloudtasks"},
    "google_cloud_tasks_queue_iam_member": {"cloudtasks"},
    "google_cloud_scheduler_job": {"cloudscheduler"},
    "google_kms_key_ring": {"cloudkms"},
    "google_kms_crypto_key": {"cloudkms"},
    "google_kms_crypto_key_iam_member": {"cloudkms"},
    "google_secret_manager_secret": {"secretmanager"},
    "google_secret_manager_secret_iam_member": {"secretmanager"},
    "google_firestore_database": {"firestore"},
    "google_firestore_index": {"firestore"},
    "google_firestore_field": {"firestore"},
}  # fmt: skip
DATA_APIS: dict[str, set[str]] = {"google_project": {"cloudresourcemanager"}}

# What each Google client library the deployed code imports calls. The auth libraries talk to
# OAuth and certificate endpoints, which are not APIs a project enables.
CLIENT_APIS: dict[str, set[str]] = {
    "google.cloud.firestore": {"firestore"},
    "google.cloud.firestore_v1": {"firestore"},
    "google.cloud.tasks_v2": {"cloudtasks"},
    "google.cloud.kms_v1": {"cloudkms"},
    "googleapiclient": {"calendar-json"},  # only ever built for Calendar v3 (checked below)
    "google.auth": set(),
    "google.oauth2": set(),
    "google.api_core": set(),
    "google.protobuf": set(),
    "google_auth_httplib2": set(),
}
NEVER_DEPLOYED = {"devstack", "bench"}  # calsync.deploy.bundle leaves these out


def _api(name: str) -> str:
    return f"{name}.googleapis.com"


def enabled_apis(config: Config, evaluator: Evaluator) -> set[str]:
    (raw,) = config.resources_of("google_project_service").values()
    return {instance.block(raw)["service"] for instance in evaluator.instances(raw).values()}


def infra_apis(config: Config) -> set[str]:
    needed: set[str] = set()
    for rtype, _ in config.resources:
        assert rtype in RESOURCE_APIS, f"which API does {rtype} need? (add it to RESOURCE_APIS)"
        needed |= RESOURCE_APIS[rtype]
    for dtype, _ in config.data:
        assert dtype in DATA_APIS, f"which API does data.{dtype} need? (add it to DATA_APIS)"
        needed |= DATA_APIS[dtype]
    return {_api(name) for name in needed}


def _imported(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):  # imports inside functions too
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {m for m in modules if m.startswith(("google.", "googleapiclient", "google_"))}


def deployed_sources() -> list[Path]:
    package = ROOT / "lib" / "calsync"
    return [
        path
        for path in package.rglob("*.py")
        if not NEVER_DEPLOYED & set(path.relative_to(package).parts)
    ]


def code_apis() -> set[str]:
    needed: set[str] = set()
    for path in deployed_sources():
        for module in _imported(path):
            owners = [prefix for prefix in CLIENT_APIS if module.startswith(prefix)]
            assert owners, f"{path.name} imports {module}: which API does it call?"
            needed |= CLIENT_APIS[max(owners, key=len)]
    return {_api(name) for name in needed}


def missing(config: Config, evaluator: Evaluator) -> set[str]:
    return (infra_apis(config) | code_apis()) - enabled_apis(config, evaluator)


def test_every_api_terraform_and_the_code_need_is_enabled(
    config: Config, evaluator: Evaluator
) -> None:
    assert not missing(config, evaluator)


def test_the_apis_the_code_calls_are_found_in_it() -> None:
    assert {_api(name) for name in ("firestore", "cloudtasks", "cloudkms", "calendar-json")} <= (
        code_apis()
    )
    discovery = (ROOT / "lib" / "calsync" / "providers" / "google_client.py").read_text()
    assert set(re.findall(r'get_static_doc\("(\w+)"', discovery)) == {"calendar"}


def test_nothing_is_enabled_that_nothing_needs(config: Config, evaluator: Evaluator) -> None:
    assert enabled_apis(config, evaluator) == infra_apis(config) | code_apis()


@pytest.mark.parametrize(
    "api", ["cloudtasks.googleapis.com", "cloudkms.googleapis.com", "calendar-json.googleapis.com"]
)
def test_removing_an_api_from_apis_tf_is_caught(
    api: str, tmp_path: Path, variables: dict[str, object]
) -> None:
    for path in INFRA.glob("*.tf"):
        shutil.copy(path, tmp_path / path.name)
    apis = tmp_path / "apis.tf"
    lines = apis.read_text().splitlines(keepends=True)
    kept = [line for line in lines if f'"{api}"' not in line]
    assert len(kept) == len(lines) - 1
    apis.write_text("".join(kept))
    copy = load(tmp_path)
    assert missing(copy, Evaluator(copy, variables)) == {api}
