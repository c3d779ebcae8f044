"""Deployment settings, read from `CALSYNC_*` environment variables (pydantic-settings).

Built lazily by `get_settings()` on first use (never at import time) and cached for the life of
the process. As in the FastAPI full-stack template, placeholder secrets are refused outside the
local stack (and only warned about inside it), and settings the cloud cannot do without (a KMS
key, verified task calls, HTTPS callback addresses) are enforced when `environment` is
`production`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import warnings
from datetime import timedelta
from typing import Any, Literal, Self

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from calsync.errors import ConfigurationError
from calsync.sync.engine_config import LEASE_TTL

PLACEHOLDERS = frozenset({"", "changethis", "changeme", "change-me", "secret", "placeholder"})

GOOGLE_SCOPES: tuple[str, ...] = (
    "openid",
    "email",
    "https://www.googleapis.com/auth/calendar.events.owned",
    "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
    "https://www.googleapis.com/auth/calendar.app.created",
)

# Addresses derived from `functions_url` unless set explicitly (each entry point mounted at
# /<name>, as in the local stack); in the cloud every function has its own URL.
_DERIVED_URLS = {
    "oauth_redirect_url": "/oauth/callback",
    "webhook_url": "/webhooks/google",
    "worker_url": "/worker",
    "fanout_url": "/fanout",
}


class Settings(BaseSettings):
    """Everything a deployment configures. Field `x` is read from `CALSYNC_X`."""

    model_config = SettingsConfigDict(env_prefix="CALSYNC_", extra="ignore", frozen=True)

    environment: Literal["local", "production"] = "local"

    # Which adapters bootstrap wires (see calsync.bootstrap for the choices).
    storage: str = "memory"
    calendar: str = "memory"
    queue: str = "inline"
    gcp_project: str = "calsync-local"
    firestore_database: str = "(default)"

    # Where things are.
    frontend_url: str = "http://127.0.0.1:8080/settings/calendar-sync"
    crm_base_url: str = "http://127.0.0.1:8080"
    functions_url: str = "http://127.0.0.1:8090"
    oauth_redirect_url: str = ""
    webhook_url: str = ""
    worker_url: str = ""
    fanout_url: str = ""

    # Google OAuth client and endpoints (pointed at the simulator by the local stack).
    oauth_client_id: str = "calsync-local"
    oauth_client_secret: SecretStr = SecretStr("changethis")
    oauth_scopes: tuple[str, ...] = GOOGLE_SCOPES
    oauth_state_ttl_seconds: int = Field(default=600, gt=0, le=3600)
    google_auth_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    google_token_url: str = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL
    google_revoke_url: str = "https://oauth2.googleapis.com/revoke"
    google_userinfo_url: str = "https://openidconnect.googleapis.com/v1/userinfo"
    google_discovery_url: str | None = None  # None: the client's bundled discovery document
    google_certs_url: str = "https://www.googleapis.com/oauth2/v1/certs"  # id_token keys
    # Calendar requests one account's job may send per minute (Google allows 600 per user;
    # infra/ sizes the queue on 300). 0: unpaced (the local stack and benchmarks).
    google_requests_per_minute: int = Field(default=300, ge=0, le=600)

    # Bearer tokens of CRM users: verified by signature, issuer, audience and expiry.
    bearer_issuer: str = "calsync-local"
    bearer_audience: str = "calsync"
    bearer_certs_url: str | None = None  # PEM certificate map or JWKS of the issuer
    bearer_signing_key: SecretStr | None = None  # local stack only: PEM RSA key it signs with
    bearer_key_id: str = "calsync-local-1"

    # OIDC tokens of Cloud Tasks and Cloud Scheduler calls (worker and fanout).
    task_auth: bool = True
    task_oidc_issuer: str = "https://accounts.google.com"
    task_oidc_certs_url: str = "https://www.googleapis.com/oauth2/v1/certs"
    task_service_account: str | None = None  # the caller's email; None accepts any
    task_oidc_service_account: str | None = None  # who enqueued jobs call the worker as
    task_oidc_audience: str | None = None  # None: the called function's URL (worker/fanout)
    tasks_queue: str = "projects/calsync-local/locations/local/queues/sync"
    tasks_endpoint: str | None = None  # a Cloud Tasks emulator address, for the local stack

    # Encryption of tokens at rest: a Cloud KMS key (envelope), or a local AES key.
    kms_key_name: str | None = None
    local_key: SecretStr | None = None  # base64 of 32 random bytes

    # Behaviour.
    coalesce_seconds: float = Field(default=2.0, gt=0, le=300)
    poll_interval_seconds: int = Field(default=900, ge=30)
    channel_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=3600)
    channel_renew_before_seconds: int = Field(default=24 * 3600, ge=60)
    outbox_grace_seconds: int = Field(default=600, ge=10)
    # How long one sync job works before it stops between two batches and leaves the rest to
    # a follow-up job (sync/budget.py); shorter than the account lease (LEASE_TTL), which the
    # worker's timeout and the task dispatch deadline match.
    job_budget_seconds: int = Field(default=480, gt=0)
    fanout_page_size: int = Field(default=200, ge=1, le=450)
    fanout_max_accounts: int = Field(default=50_000, ge=1)
    # Channels one tick renews (or opens) at most, most urgent first: 2 Google requests each,
    # so a day's worth expiring together (accounts that connected together) cannot spend the
    # per-project quota in one minute; the rest follow in the next ticks (a day of overlap).
    fanout_max_renewals: int = Field(default=500, ge=1)
    fanout_concurrency: int = Field(default=8, ge=1, le=64)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @model_validator(mode="before")
    @classmethod
    def _derive_urls(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        base = str(data.get("functions_url") or cls.model_fields["functions_url"].default)
        for name, path in _DERIVED_URLS.items():
            if not data.get(name):
                data[name] = base.rstrip("/") + path
        return data

    @field_validator(
        "frontend_url",
        "crm_base_url",
        "functions_url",
        "oauth_redirect_url",
        "webhook_url",
        "worker_url",
        "fanout_url",
        "google_auth_url",
        "google_token_url",
        "google_revoke_url",
        "google_userinfo_url",
        "google_certs_url",
    )
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("job_budget_seconds")
    @classmethod
    def _inside_the_lease(cls, value: int) -> int:
        lease = int(LEASE_TTL.total_seconds())
        if value >= lease:
            raise ValueError(f"must be shorter than the sync lease ({lease} s)")
        return value

    @field_validator("local_key")
    @classmethod
    def _aes_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value() not in PLACEHOLDERS:
            try:
                raw = base64.b64decode(value.get_secret_value(), validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ValueError("must be base64") from exc
            if len(raw) != 32:
                raise ValueError("must be base64 of exactly 32 bytes (AES-256)")
        return value

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Self:
        secrets = {
            "oauth_client_secret": self.oauth_client_secret,
            "local_key": self.local_key,
            "bearer_signing_key": self.bearer_signing_key,
        }
        for name, secret in secrets.items():
            if secret is not None and secret.get_secret_value().strip().lower() in PLACEHOLDERS:
                message = f"CALSYNC_{name.upper()} is a placeholder; set a real secret"
                if self.environment != "local":
                    raise ValueError(message)
                warnings.warn(message, stacklevel=2)
        return self

    @model_validator(mode="after")
    def _production_needs(self) -> Self:
        if self.environment != "production":
            return self
        if not self.task_auth:
            raise ValueError("task_auth may only be switched off in the local stack")
        if self.kms_key_name is None:
            raise ValueError("production needs CALSYNC_KMS_KEY_NAME (tokens are KMS-sealed)")
        if self.bearer_certs_url is None or self.bearer_signing_key is not None:
            raise ValueError("production verifies bearer tokens by CALSYNC_BEARER_CERTS_URL only")
        insecure = [
            name
            for name in ("oauth_redirect_url", "webhook_url", "worker_url", "fanout_url")
            if not getattr(self, name).startswith("https://")
        ]
        if insecure:
            raise ValueError(f"production needs https addresses: {', '.join(insecure)}")
        return self

    # -- convenience views ------------------------------------------------------------------

    @property
    def coalesce_window(self) -> timedelta:
        return timedelta(seconds=self.coalesce_seconds)

    @property
    def poll_interval(self) -> timedelta:
        return timedelta(seconds=self.poll_interval_seconds)

    @property
    def channel_ttl(self) -> timedelta:
        return timedelta(seconds=self.channel_ttl_seconds)

    @property
    def channel_renew_before(self) -> timedelta:
        return timedelta(seconds=self.channel_renew_before_seconds)

    @property
    def outbox_grace(self) -> timedelta:
        return timedelta(seconds=self.outbox_grace_seconds)

    @property
    def job_budget(self) -> timedelta:
        return timedelta(seconds=self.job_budget_seconds)

    @property
    def oauth_state_ttl(self) -> timedelta:
        return timedelta(seconds=self.oauth_state_ttl_seconds)

    def task_audience(self, function_url: str) -> str:
        """The audience task and scheduler tokens must carry when calling `function_url`."""
        return self.task_oidc_audience or function_url


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment (and `overrides`); ConfigurationError naming bad fields.

    The error names the variables only, never their values (they may be secrets).
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'settings'}: {error['msg']}"
            for error in exc.errors(include_input=False)
        )
        raise ConfigurationError(f"invalid CALSYNC_* settings: {problems}") from None


@functools.cache
def get_settings() -> Settings:
    """The process's settings, read once on first use."""
    return load_settings()
