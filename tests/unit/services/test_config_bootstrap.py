"""Settings from CALSYNC_* variables, their validators, and the bootstrap seam."""

from __future__ import annotations

import warnings

import pytest
from calsync import bootstrap as wiring
from calsync.auth.keyring import KmsKeyring, LocalKeyring
from calsync.bootstrap import adapters_for, bootstrap, caller_verifier, keyring_for, user_verifier
from calsync.config import Settings, get_settings, load_settings
from calsync.errors import ConfigurationError, Unauthenticated
from calsync.store.memory import MemoryStorage
from calsync.sync.job import EngineConfig
from calsync.sync.jobs import JobOutcome, JobResult

from tests.unit.services.harness import World, settings, signing_key

PRODUCTION = {
    "environment": "production",
    "functions_url": "https://functions.example.com",
    "oauth_client_secret": "s3cr3t-from-secret-manager",
    "kms_key_name": "projects/p/locations/l/keyRings/r/cryptoKeys/k",
    "bearer_certs_url": "https://www.googleapis.com/robot/v1/metadata/x509/securetoken",
}


def test_settings_come_from_calsync_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALSYNC_FUNCTIONS_URL", "https://fn.example.com/")
    monkeypatch.setenv("CALSYNC_WORKER_URL", "https://worker.example.com/run")
    monkeypatch.setenv("CALSYNC_COALESCE_SECONDS", "5")
    monkeypatch.setenv("CALSYNC_OAUTH_CLIENT_SECRET", "not-a-placeholder")
    loaded = load_settings()
    assert loaded.webhook_url == "https://fn.example.com/webhooks/google"
    assert loaded.oauth_redirect_url == "https://fn.example.com/oauth/callback"
    assert loaded.worker_url == "https://worker.example.com/run"  # explicit wins
    assert loaded.coalesce_window.total_seconds() == 5


def test_get_settings_is_built_once_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    get_settings.cache_clear()
    monkeypatch.setenv("CALSYNC_OAUTH_CLIENT_SECRET", "first-value")
    first = get_settings()
    monkeypatch.setenv("CALSYNC_OAUTH_CLIENT_SECRET", "second-value")
    assert get_settings() is first
    get_settings.cache_clear()


def test_production_refuses_placeholder_secrets() -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings(**{**PRODUCTION, "oauth_client_secret": "changethis"})
    assert "placeholder" in refused.value.message
    assert "changethis" not in refused.value.message


def test_local_only_warns_about_placeholders() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Settings(_env_file=None, oauth_client_secret="changethis")  # type: ignore[call-arg]
    assert any("placeholder" in str(w.message) for w in caught)


@pytest.mark.parametrize(
    ("change", "word"),
    [
        ({"task_auth": False}, "task_auth"),
        ({"kms_key_name": None}, "KMS"),
        ({"bearer_certs_url": None}, "BEARER"),
        ({"webhook_url": "http://insecure.example.com/webhooks/google"}, "webhook_url"),
    ],
)
def test_production_needs_what_the_cloud_cannot_do_without(
    change: dict[str, object], word: str
) -> None:
    assert load_settings(**PRODUCTION).environment == "production"
    with pytest.raises(ConfigurationError) as refused:
        load_settings(**{**PRODUCTION, **change})
    assert word in refused.value.message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("local_key", "not base64!"),
        ("local_key", "c2hvcnQ="),
        ("frontend_url", "ftp://crm.example.com"),
        ("coalesce_seconds", 0),
        ("fanout_page_size", 1000),
    ],
)
def test_bad_values_are_refused_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings(**{field: value})
    assert field in refused.value.message


def test_keyring_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    from google.cloud import kms_v1

    monkeypatch.setattr(kms_v1, "KeyManagementServiceClient", object)
    assert isinstance(keyring_for(settings()), LocalKeyring)
    assert isinstance(keyring_for(settings(local_key=None)), LocalKeyring)  # ephemeral, local
    kms = keyring_for(settings(kms_key_name="projects/p/locations/l/keyRings/r/cryptoKeys/k"))
    assert isinstance(kms, KmsKeyring)


def test_unknown_adapters_are_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError) as refused:
        adapters_for(settings(storage="nosuch"))
    assert "memory" in refused.value.message


def test_a_registered_adapter_is_picked_without_touching_services(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[MemoryStorage] = []

    def factory(_settings: Settings, _clock: object) -> MemoryStorage:
        made.append(MemoryStorage())
        return made[-1]

    monkeypatch.setitem(wiring.STORAGES, "elsewhere", factory)
    services = bootstrap(
        settings(storage="elsewhere"), run_job=lambda _, pull=True: JobResult(JobOutcome.DONE)
    )
    assert services.context.storage is made[0]


def test_verifiers_follow_the_settings() -> None:
    world = World()
    users = user_verifier(
        settings(
            bearer_signing_key=signing_key("crm"),
            bearer_issuer="calsync-test",
            bearer_key_id="crm-1",
        )
    )
    assert users.verify(world.token(world.demo)) == world.demo
    with pytest.raises(ConfigurationError):
        user_verifier(settings(bearer_signing_key=None))
    assert caller_verifier(settings(task_auth=False)).verify(None, audience="x") == "unverified"
    with pytest.raises(Unauthenticated):
        caller_verifier(settings()).verify(None, audience="https://functions.example.com/worker")


def test_the_worker_runs_the_engine_configured_from_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, object] = {}
    real = wiring.SyncJob

    def spy(**deps: object) -> object:
        seen.update(deps)
        return real(**deps)  # type: ignore[arg-type]

    monkeypatch.setattr(wiring, "SyncJob", spy)
    loaded = settings(crm_base_url="https://crm.example.org", poll_interval_seconds=120)
    services = bootstrap(loaded)
    # The real engine answers for an account that does not exist: nothing to do.
    assert services.worker.run("acc-1").outcome is JobOutcome.SKIPPED
    assert seen["open_provider"] == services.context.vault.open_provider
    config = seen["config"]
    assert isinstance(config, EngineConfig)
    assert config.crm_base_url == "https://crm.example.org"
    assert config.poll_interval == loaded.poll_interval
    assert config.coalesce_window == loaded.coalesce_window
