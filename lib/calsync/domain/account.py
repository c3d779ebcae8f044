"""A calendar connection: who owns it, how it syncs, and where its sync stands."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SecretStr, field_validator

from calsync.domain.activity import DEFAULT_ACTIVITY_TYPES, Visibility


class Provider(StrEnum):
    GOOGLE = "google"


class AccountStatus(StrEnum):
    READY_TO_CONNECT = "ready_to_connect"  # consent given, setup not finished (resumable)
    SYNCING = "syncing"
    SYNCED_PREVIOUSLY = "synced_previously"  # stopped; settings and tokens kept for reconnect
    NEEDS_REAUTH = "needs_reauth"  # the provider no longer accepts the stored authorization
    ERROR = "error"  # a permanent failure the user must act on (see Account.error)


# `Problem.code` of an account whose authorization the provider no longer accepts (the same
# word as its status and as the API's error code for it).
NEEDS_REAUTH_CODE = AccountStatus.NEEDS_REAUTH.value


class SyncType(StrEnum):
    ONE_WAY = "one_way"  # CRM -> calendar (plus calendar edits of CRM-made events)
    TWO_WAY = "two_way"


class PrivateEvents(StrEnum):
    """How events marked private in the calendar appear in the CRM."""

    EVERYONE = "everyone"  # everyone sees the details
    ONLY_ME = "only_me"  # the time is blocked; only the owner sees details
    SKIP = "skip"  # not brought in at all


class SyncSettings(BaseModel):
    """The user's sync options (all editable later)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    calendar_id: str = Field(min_length=1, max_length=1024)
    sync_type: SyncType = SyncType.TWO_WAY
    default_visibility: Visibility = Visibility.EVERYONE
    private_events: PrivateEvents = PrivateEvents.ONLY_ME
    import_as_type: str = Field(default="meeting", pattern=r"^[a-z0-9_]{1,40}$")
    # validate_default: the default is sorted too, so a stored copy reads back equal
    export_types: tuple[str, ...] = Field(default=DEFAULT_ACTIVITY_TYPES, validate_default=True)
    include_deal_and_contact: bool = True

    @field_validator("export_types")
    @classmethod
    def _sorted_unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(set(value)))


class Channel(BaseModel):
    """A provider push channel. Only a hash of its secret token is kept."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    resource_id: str
    calendar_id: str
    token_hash: str
    expires_at: AwareDatetime


class Problem(BaseModel):
    """What is wrong with an account, in words a user can act on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    message: str
    at: AwareDatetime


class Pace(BaseModel):
    """What was left of the account's request budget (its pacer's tokens) when its last job
    ended, so the next job, in whatever process, goes on from there instead of from a full
    bucket: jobs of one account run one after another (the lease), so together they keep the
    account's pace."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tokens: float
    at: AwareDatetime


class SyncState(BaseModel):
    """Where the account's sync stands. Written by the worker and the fan-out tick."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cursor: str | None = None  # the provider's change cursor (Google sync token)
    cursor_calendar_id: str | None = None  # the calendar the cursor belongs to
    window_start: AwareDatetime | None = None  # items ending before this are never synced
    last_synced_at: AwareDatetime | None = None
    next_check_at: AwareDatetime | None = None  # when the fan-out tick next polls it
    failures: int = 0  # consecutive failed jobs (drives back-off)
    lease_holder: str | None = None
    lease_until: AwareDatetime | None = None
    # The settings the engine last reconciled (None: never, or resumed after a stop). A job
    # compares them with `Account.settings` to see what changed (sync/reconcile.py).
    applied_settings: SyncSettings | None = None
    # A reconcile of changed settings began and did not finish: the next job does a full one.
    reconciling: bool = False
    pace: Pace | None = None  # the request budget the last job left (None: a full one)


class Account(BaseModel):
    """One calendar connection of one CRM user."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    company_id: str
    user_id: str
    provider: Provider = Provider.GOOGLE
    email: str
    status: AccountStatus = AccountStatus.READY_TO_CONNECT
    settings: SyncSettings | None = None  # None until the user first saves options
    sync: SyncState = SyncState()
    channel: Channel | None = None
    error: Problem | None = None
    scopes: tuple[str, ...] = ()
    # Bumped whenever a consent stores new tokens: says whether tokens a process keeps
    # unsealed (auth/credential_cache.py) are still this account's.
    credentials_version: int = 0
    created_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    updated_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))

    @property
    def is_syncing(self) -> bool:
        return self.status is AccountStatus.SYNCING


class Credentials(BaseModel):
    """Decrypted OAuth tokens of an account. Lives in memory only; stored encrypted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    access_token: SecretStr | None = None
    refresh_token: SecretStr
    expires_at: AwareDatetime | None = None
    scopes: tuple[str, ...] = ()
