"""Who may do what: public and private functions, one service account per role, least
privilege, and the token key used by the functions that touch tokens only."""

from __future__ import annotations

import re
from typing import Any

from tests.infra.conftest import Function
from tests.infra.terraform import INFRA, Config, Evaluator

PUBLIC = {"oauth", "accounts", "activities", "webhooks"}  # authenticated in code
PRIMITIVE = {"roles/owner", "roles/editor", "roles/viewer"}
INVOKER_ROLES = {"roles/run.invoker", "roles/cloudfunctions.invoker"}


def _grants(config: Config, evaluator: Evaluator) -> list[tuple[str, str, dict[str, Any]]]:
    """(resource type, role, evaluated body) of every instance of every IAM resource."""
    found = []
    for (rtype, _name), raw in config.resources.items():
        if "role" not in raw:
            continue
        for instance in evaluator.instances(raw).values():
            body = instance.block(raw)
            found.append((rtype, body["role"], body))
    return found


def _account(name: str) -> str:
    return f"serviceAccount:${{google_service_account.{name}.email}}"


def _runtime(name: str) -> str:
    return f'serviceAccount:${{google_service_account.runtime["{name}"].email}}'


def test_no_primitive_role_anywhere(config: Config, evaluator: Evaluator) -> None:
    roles = {role for _, role, _ in _grants(config, evaluator)}
    assert roles, "no IAM grants found"
    assert not roles & PRIMITIVE
    for path in INFRA.glob("*.tf"):
        assert not re.search(r"roles/(owner|editor|viewer)\b", path.read_text()), path.name


def test_worker_and_fanout_are_invoked_only_by_their_callers_account(
    config: Config, evaluator: Evaluator, functions: dict[str, Function]
) -> None:
    members: dict[str, set[str]] = {name: set() for name in functions}
    for rtype, role, body in _grants(config, evaluator):
        if role not in INVOKER_ROLES:
            continue
        assert rtype == "google_cloud_run_v2_service_iam_member", "invokers are per function"
        target = re.fullmatch(
            r'\$\{google_cloudfunctions2_function\.fn\["(\w+)"\]\.service_config\[0\]\.service\}',
            body["name"],
        )
        assert target, f"an invoker grant on {body['name']}"
        members[target[1]].add(body["member"])
    assert members["worker"] == {_account("tasks")}
    assert members["fanout"] == {_account("scheduler")}
    for name in PUBLIC:
        assert members[name] == {"allUsers"}, name


def test_one_service_account_per_role(config: Config, evaluator: Evaluator) -> None:
    ids = []
    for raw in config.resources_of("google_service_account").values():
        ids += [instance.value(raw["account_id"]) for instance in evaluator.instances(raw).values()]
    assert len(ids) == len(set(ids))
    roles = {"tasks", "scheduler", "build", "deployer"}
    assert {f"calsync-{role}" for role in roles} <= set(ids)
    assert {f"calsync-{name}" for name in PUBLIC | {"worker", "fanout"}} <= set(ids)


def test_functions_get_only_the_grants_their_work_needs(
    config: Config, evaluator: Evaluator, functions: dict[str, Function]
) -> None:
    allowed = {
        "roles/datastore.user",
        "roles/datastore.viewer",
        "roles/cloudkms.cryptoKeyEncrypterDecrypter",
        "roles/secretmanager.secretAccessor",
        "roles/cloudtasks.enqueuer",
        "roles/iam.serviceAccountUser",
    }
    for name, function in functions.items():
        roles = {
            role
            for _, role, body in _grants(config, evaluator)
            if body.get("member") == _runtime(name)
        }
        assert roles <= allowed, name
        sizing = function.sizing
        assert sizing["firestore_role"] in roles
        assert ("roles/cloudkms.cryptoKeyEncrypterDecrypter" in roles) == sizing["kms"], name
        assert ("roles/cloudtasks.enqueuer" in roles) == sizing["enqueues"], name
    assert functions["webhooks"].sizing["firestore_role"] == "roles/datastore.viewer"


def test_the_token_key_is_only_for_encrypting_and_decrypting(
    config: Config, evaluator: Evaluator, functions: dict[str, Function]
) -> None:
    kms = [
        (rtype, role, body)
        for rtype, role, body in _grants(config, evaluator)
        if "cloudkms" in role
    ]
    assert kms
    for rtype, role, body in kms:
        assert rtype == "google_kms_crypto_key_iam_member", "granted on the key, not wider"
        assert role == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
        assert body["crypto_key_id"] == "${google_kms_crypto_key.tokens.id}"
    members = {body["member"] for _, _, body in kms}
    assert members == {_runtime(name) for name, f in functions.items() if f.sizing["kms"]}
    assert {"oauth", "accounts", "worker", "fanout"} <= {
        name for name, f in functions.items() if f.sizing["kms"]
    }
    for function in functions.values():
        assert function.env["CALSYNC_KMS_KEY_NAME"] == "${google_kms_crypto_key.tokens.id}"


def test_enqueuers_may_enqueue_on_the_queue_and_sign_as_the_tasks_account(
    config: Config, evaluator: Evaluator, functions: dict[str, Function]
) -> None:
    enqueuers = {name for name, f in functions.items() if f.sizing["enqueues"]}
    assert {"accounts", "activities", "webhooks", "worker", "fanout"} <= enqueuers
    queue, acts_as = set(), set()
    for rtype, role, body in _grants(config, evaluator):
        if role == "roles/cloudtasks.enqueuer":
            assert rtype == "google_cloud_tasks_queue_iam_member"
            assert body["name"] == "${google_cloud_tasks_queue.sync.name}"
            queue.add(body["member"])
        if role == "roles/iam.serviceAccountUser" and body.get("service_account_id") == (
            "${google_service_account.tasks.name}"
        ):
            acts_as.add(body["member"])
    assert queue == acts_as == {_runtime(name) for name in enqueuers}


def test_project_wide_grants_are_few_and_named(config: Config, evaluator: Evaluator) -> None:
    project_wide = {
        role
        for rtype, role, _ in _grants(config, evaluator)
        if rtype == "google_project_iam_member"
    }
    assert project_wide <= {
        "roles/datastore.user",  # Firestore has no narrower IAM
        "roles/datastore.viewer",
        "roles/logging.logWriter",
        "roles/cloudfunctions.developer",  # the deployer
    }
