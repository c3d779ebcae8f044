"""The one place that chooses and wires adapters (in the spirit of cosmicpython's bootstrap).

`bootstrap(settings)` builds every service from the settings; tests (and the local stack) pass
their own adapters, verifiers or job instead. Adapters are chosen by name from the registries
below; a later adapter (Firestore storage, the Google calendar and OAuth client, Cloud Tasks)
is added by registering one factory here, without touching any service:

    STORAGES["firestore"] = lambda settings, clock: FirestoreStorage(...)
    CALENDARS["google"] = lambda settings, clock: (GoogleConnector(...), GoogleOAuthClient(...))
    QUEUES["cloud_tasks"] = lambda settings, clock: CloudTasksQueue(...)

Nothing here runs at import time; `functions/main.py` calls it lazily on the first request.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from calsync.auth.bearer import (
    BearerVerifier,
    CallerVerifier,
    LocalSigner,
    TaskTokenVerifier,
    UnverifiedCaller,
    UserVerifier,
)
from calsync.auth.keyring import KmsKeyring, LocalKeyring, generate_local_key
from calsync.auth.keys import KeySource, RemoteKeys, StaticKeys
from calsync.auth.vault import CredentialVault
from calsync.clock import SystemClock
from calsync.config import Settings, get_settings
from calsync.errors import ConfigurationError
from calsync.ports import CalendarConnector, Clock, Keyring, OAuthClient, Storage, TaskQueue
from calsync.providers.memory import MemoryConnector
from calsync.providers.memory_calendar import MemoryCalendarService
from calsync.providers.memory_oauth import MemoryOAuthClient
from calsync.services.common import ServiceContext
from calsync.services.registry import Services, build_services
from calsync.services.worker import RunJob
from calsync.store.memory import MemoryStorage
from calsync.sync.job import EngineConfig, SyncJob
from calsync.tasks.inline import InlineTaskQueue

log = logging.getLogger(__name__)

Calendar = tuple[CalendarConnector, OAuthClient]


def _memory_calendar(settings: Settings, clock: Clock) -> Calendar:
    service = MemoryCalendarService(clock)
    return MemoryConnector(service), MemoryOAuthClient(service)


def _firestore(settings: Settings, clock: Clock) -> Storage:
    """Firestore, or its emulator when FIRESTORE_EMULATOR_HOST is set (the client reads it)."""
    from google.cloud import firestore  # noqa: PLC0415 - the client loads only when used

    from calsync.store.firestore import FirestoreStorage  # noqa: PLC0415

    client = firestore.Client(project=settings.gcp_project, database=settings.firestore_database)
    return FirestoreStorage(client)


def _cloud_tasks(settings: Settings, clock: Clock) -> TaskQueue:
    """Cloud Tasks, or its emulator at CALSYNC_TASKS_ENDPOINT (an insecure gRPC channel)."""
    import grpc  # noqa: PLC0415 - the client loads only when used
    from google.cloud import tasks_v2  # noqa: PLC0415
    from google.cloud.tasks_v2.services.cloud_tasks.transports import (  # noqa: PLC0415
        CloudTasksGrpcTransport,
    )

    from calsync.tasks.cloud_tasks import CloudTasksQueue  # noqa: PLC0415

    if settings.tasks_endpoint:
        channel = grpc.insecure_channel(settings.tasks_endpoint)
        client = tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=channel))
    else:
        client = tasks_v2.CloudTasksClient()
    return CloudTasksQueue(
        client,
        queue_path=settings.tasks_queue,
        worker_url=settings.worker_url,
        # The identity jobs call the worker as; not task_service_account, which is who may
        # call *this* function (on fanout that is the scheduler's account).
        service_account_email=settings.task_oidc_service_account or settings.task_service_account,
        audience=settings.task_audience(settings.worker_url),
    )


def _google_calendar(settings: Settings, clock: Clock) -> Calendar:
    """Google Calendar and Google OAuth (or the simulator, through the google_* URLs)."""
    from calsync.providers.google import GoogleConnector  # noqa: PLC0415
    from calsync.providers.google_oauth import GoogleOAuthClient  # noqa: PLC0415

    secret = settings.oauth_client_secret.get_secret_value()
    connector = GoogleConnector(
        client_id=settings.oauth_client_id,
        client_secret=secret,
        token_uri=settings.google_token_url,
        discovery_url=settings.google_discovery_url,
        requests_per_minute=settings.google_requests_per_minute or None,
    )
    oauth = GoogleOAuthClient(
        client_id=settings.oauth_client_id,
        client_secret=secret,
        redirect_uri=settings.oauth_redirect_url,
        auth_uri=settings.google_auth_url,
        token_uri=settings.google_token_url,
        revoke_uri=settings.google_revoke_url,
        userinfo_uri=settings.google_userinfo_url,
        certs_url=settings.google_certs_url,
        scopes=settings.oauth_scopes,
        clock=clock,
    )
    return connector, oauth


STORAGES: dict[str, Callable[[Settings, Clock], Storage]] = {
    "memory": lambda settings, clock: MemoryStorage(),
    "firestore": _firestore,
}
CALENDARS: dict[str, Callable[[Settings, Clock], Calendar]] = {
    "memory": _memory_calendar,
    "google": _google_calendar,
}
QUEUES: dict[str, Callable[[Settings, Clock], TaskQueue]] = {
    "inline": lambda settings, clock: InlineTaskQueue(),
    "cloud_tasks": _cloud_tasks,
}


@dataclass(frozen=True)
class Adapters:
    """One adapter per port."""

    storage: Storage
    queue: TaskQueue
    connector: CalendarConnector
    oauth: OAuthClient
    keyring: Keyring
    clock: Clock


F = TypeVar("F")


def _choose(registry: dict[str, F], name: str, what: str) -> F:
    if name not in registry:
        known = ", ".join(sorted(registry))
        raise ConfigurationError(f"no {what} adapter {name!r} in this build (known: {known})")
    return registry[name]


def keyring_for(settings: Settings) -> Keyring:
    if settings.kms_key_name:
        from google.cloud import kms_v1  # noqa: PLC0415 - the client loads only when used

        return KmsKeyring(kms_v1.KeyManagementServiceClient(), settings.kms_key_name)
    if settings.local_key is not None:
        return LocalKeyring.from_base64(settings.local_key.get_secret_value())
    if settings.environment == "local":
        log.warning("no CALSYNC_LOCAL_KEY: tokens sealed with a key that dies with this process")
        return LocalKeyring.from_base64(generate_local_key())
    raise ConfigurationError("set CALSYNC_KMS_KEY_NAME or CALSYNC_LOCAL_KEY")


def adapters_for(settings: Settings, clock: Clock | None = None) -> Adapters:
    """The adapters the settings name."""
    clock = clock or SystemClock()
    connector, oauth = _choose(CALENDARS, settings.calendar, "calendar")(settings, clock)
    return Adapters(
        storage=_choose(STORAGES, settings.storage, "storage")(settings, clock),
        queue=_choose(QUEUES, settings.queue, "queue")(settings, clock),
        connector=connector,
        oauth=oauth,
        keyring=keyring_for(settings),
        clock=clock,
    )


def user_verifier(settings: Settings) -> UserVerifier:
    keys: KeySource
    if settings.bearer_certs_url:
        keys = RemoteKeys(settings.bearer_certs_url)
    elif settings.bearer_signing_key is not None:
        keys = StaticKeys(local_signer(settings).public_keys())
    else:
        raise ConfigurationError("set CALSYNC_BEARER_CERTS_URL (or, locally, a signing key)")
    return BearerVerifier(keys, issuer=settings.bearer_issuer, audience=settings.bearer_audience)


def local_signer(settings: Settings) -> LocalSigner:
    """The local stack's signer of CRM user tokens (`CALSYNC_BEARER_SIGNING_KEY`)."""
    if settings.bearer_signing_key is None:
        raise ConfigurationError("CALSYNC_BEARER_SIGNING_KEY is not set")
    return LocalSigner(
        settings.bearer_signing_key.get_secret_value(),
        key_id=settings.bearer_key_id,
        issuer=settings.bearer_issuer,
        audience=settings.bearer_audience,
    )


def caller_verifier(settings: Settings) -> CallerVerifier:
    if not settings.task_auth:
        log.warning("task and scheduler calls are NOT verified (CALSYNC_TASK_AUTH=false)")
        return UnverifiedCaller()
    issuers = {settings.task_oidc_issuer}
    if settings.task_oidc_issuer == "https://accounts.google.com":
        issuers.add("accounts.google.com")
    return TaskTokenVerifier(
        RemoteKeys(settings.task_oidc_certs_url),
        issuers=issuers,
        service_account=settings.task_service_account,
    )


def engine_job(ctx: ServiceContext) -> RunJob:
    """The engine's `SyncJob(...).run` over the context's adapters."""
    settings = ctx.settings
    config = EngineConfig(
        crm_base_url=settings.crm_base_url,
        poll_interval=settings.poll_interval,
        coalesce_window=settings.coalesce_window,
        job_budget=settings.job_budget,
    )
    job = SyncJob(
        storage=ctx.storage,
        clock=ctx.clock,
        open_provider=ctx.vault.open_provider,
        queue=ctx.queue,
        config=config,
    )
    return job.run


def bootstrap(
    settings: Settings | None = None,
    *,
    adapters: Adapters | None = None,
    users: UserVerifier | None = None,
    callers: CallerVerifier | None = None,
    run_job: RunJob | None = None,
) -> Services:
    """Every service, wired. Anything not passed in is built from `settings`."""
    settings = settings or get_settings()
    adapters = adapters or adapters_for(settings)
    vault = CredentialVault(adapters.storage, adapters.keyring, adapters.connector)
    ctx = ServiceContext(
        storage=adapters.storage,
        clock=adapters.clock,
        queue=adapters.queue,
        keyring=adapters.keyring,
        vault=vault,
        settings=settings,
    )

    @functools.cache
    def job() -> RunJob:
        return run_job if run_job is not None else engine_job(ctx)

    return build_services(
        ctx,
        oauth=adapters.oauth,
        users=users or user_verifier(settings),
        callers=callers or caller_verifier(settings),
        run_job=job,
    )
