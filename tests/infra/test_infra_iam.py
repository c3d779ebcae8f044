"""Who may do what: public and private functions, one service account per role, least
privilege, and the token key used by the functions that touch tokens only."""

from __future__ import annotations

import re
from typing import Any

from tests.infra.computed import SAMPLE_PROJECT_NUMBER, concrete
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
        for rtype, role, body in _grants(config, evaluator)
        if rtype == "google_project_iam_member" and not body.get("condition")
    }
    assert project_wide <= {
        "roles/datastore.user",  # Firestore has no narrower IAM
        "roles/datastore.viewer",
        "roles/logging.logWriter",
        "roles/cloudfunctions.developer",  # the deployer
    }
    conditional = {
        (role, body["member"])
        for rtype, role, body in _grants(config, evaluator)
        if rtype == "google_project_iam_member" and body.get("condition")
    }
    assert conditional == {("roles/storage.objectViewer", _account("build"))}


# -- the build account: what "Custom Service Account for Cloud Build" (Cloud Functions) lists --

_TERM = re.compile(r'^resource\.name (==|\.startsWith\()\s*"([^"]*)"\)?$')


def condition_allows(expression: str, resource_name: str) -> bool:
    """Evaluate an IAM condition of the form `resource.name == "x" || resource.name
    .startsWith("y") || ...` (the only form infra/ uses) for one resource name."""
    allowed = False
    for term in expression.split("||"):
        match = _TERM.match(term.strip().replace(".startsWith(", " .startsWith(", 1))
        assert match, f"a condition term this check does not understand: {term!r}"
        operator, operand = match.groups()
        allowed |= (
            resource_name == operand if operator == "==" else resource_name.startswith(operand)
        )
    return allowed


def _build_grants(config: Config, evaluator: Evaluator) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (rtype, role, concrete(body, config, evaluator))
        for rtype, role, body in _grants(config, evaluator)
        if body.get("member") == _account("build")
    ]


def test_the_build_account_may_do_what_a_functions_build_needs_and_no_more(
    config: Config, evaluator: Evaluator, functions: dict[str, Function]
) -> None:
    for function in functions.values():
        build = function.body["build_config"][0]
        assert build["service_account"] == "${google_service_account.build.id}", function.name
    grants = {(rtype, role) for rtype, role, _ in _build_grants(config, evaluator)}
    assert grants == {
        ("google_project_iam_member", "roles/logging.logWriter"),  # build logs
        ("google_artifact_registry_repository_iam_member", "roles/artifactregistry.writer"),
        ("google_storage_bucket_iam_member", "roles/storage.objectViewer"),  # our bundles
        ("google_project_iam_member", "roles/storage.objectViewer"),  # Google's copy of them
    }


def test_the_build_account_reads_the_sources_cloud_functions_copies_and_nothing_else(
    config: Config, evaluator: Evaluator
) -> None:
    (expression,) = [
        body["condition"][0]["expression"]
        for _, role, body in _build_grants(config, evaluator)
        if role == "roles/storage.objectViewer" and "condition" in body
    ]
    region = evaluator.variables["region"]
    sources = f"projects/_/buckets/gcf-v2-sources-{SAMPLE_PROJECT_NUMBER}-{region}"
    # Where a gen2 build fetches from (hashicorp/terraform-provider-google#20571).
    assert condition_allows(expression, f"{sources}/objects/fanout/function-source.zip")
    assert condition_allows(expression, sources)  # listing its objects
    others = [
        f"projects/_/buckets/{evaluator.variables['project']}-calsync-tfstate/objects/calsync/x",
        f"projects/_/buckets/gcf-v2-uploads-{SAMPLE_PROJECT_NUMBER}-{region}.cloudfunctions"
        ".appspot.com/objects/x.zip",
        f"projects/_/buckets/gcf-v2-sources-999-{region}/objects/x.zip",  # another project
        f"{sources}0/objects/x.zip",  # europe-west10 is not europe-west1
        f"projects/_/buckets/gcf-v2-sources-{SAMPLE_PROJECT_NUMBER}-us-east1/objects/x.zip",
    ]
    for name in others:
        assert not condition_allows(expression, name), name


def test_functions_are_built_only_once_the_build_account_has_its_grants(
    config: Config,
) -> None:
    (raw,) = config.resources_of("google_cloudfunctions2_function").values()
    waits_for = set(raw["depends_on"])
    build_grants = {
        "${" + f"{rtype}.{name}" + "}"
        for (rtype, name), body in config.resources.items()
        if "role" in body and body.get("member") == _account("build")
    }
    assert len(build_grants) == 4
    assert build_grants <= waits_for
