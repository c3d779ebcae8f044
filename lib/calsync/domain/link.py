"""The ledger between the two sides: links, the outbox, merge decisions, and pending consents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from calsync.domain.activity import ActivityOp, Origin, Visibility
from calsync.domain.schedule import Schedule


class SyncedFields(Schedule):
    """The content both sides share, in one neutral form: what is compared, hashed and merged.

    Built from an activity or from an event by the mapping; a link keeps the version both sides
    last agreed on (`Link.base`) so a three-way merge can tell which side changed which field.
    """

    subject: str = ""
    location: str = ""
    description: str = ""
    busy: bool = True
    private: bool = False
    attendees: tuple[str, ...] = ()
    conference_url: str | None = None


class LinkState(StrEnum):
    LINKED = "linked"
    # One-way sync: the event was deleted in the calendar, the activity was kept and must not be
    # pushed again. The link stays as a record of that.
    DETACHED = "detached"
    # The account switched to another calendar and this imported event stayed where the user put
    # it: not synced, but kept (base and all) to tie the pair again if the account switches back.
    RELEASED = "released"


class Link(BaseModel):
    """One activity <-> one event in one account. Stored at accounts/{acc}/links/{activity_id}.

    `event_etag`/`event_hash` describe the event as calsync last saw or wrote it, and
    `activity_version`/`activity_hash` the activity likewise: a change arriving with the same
    etag, version or hash is calsync's own write coming back, and is ignored (no echo loops).
    `base` is what the CRM side last agreed to (the three-way merge's common ancestor).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    activity_id: str
    event_id: str
    calendar_id: str
    origin: Origin
    state: LinkState = LinkState.LINKED
    event_etag: str | None = None
    event_hash: str = ""
    activity_version: int = 0
    activity_hash: str = ""
    base: SyncedFields | None = None
    # The event's content when calsync last saw it, while it still lacks part of `base` (an
    # update is queued); None when the event holds `base`. Calendar edits are judged against it.
    event_base: SyncedFields | None = None
    activity_type: str = ""
    # Calendar-born activities: the visibility the policy (default visibility, private events)
    # gave the activity; while it still has it, the policy keeps deciding it.
    visibility_given: Visibility | None = None
    read_only: bool = False
    recurring_event_id: str | None = None
    # Set while calsync moves the event to this calendar (a crash may leave it set: the event
    # is then in `calendar_id` or here; sync/moves.py looks in both).
    moving_to: str | None = None
    updated_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))


class OutboxEntry(BaseModel):
    """A CRM change not yet pushed to one account's calendar (accounts/{acc}/outbox/{activity}).

    Written in the same transaction as the activity change; one entry per activity, so repeated
    edits coalesce. The worker deletes it only if `activity_version` is still the one it pushed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    account_id: str
    activity_id: str
    op: ActivityOp
    activity_version: int
    enqueued_at: AwareDatetime


class Side(StrEnum):
    CRM = "crm"
    CALENDAR = "calendar"


CONFLICT_RETENTION = timedelta(days=90)  # then Firestore's TTL policy deletes the record


class Conflict(BaseModel):
    """A merge decision: both sides changed `field` since the last sync; `winner` was kept.

    Kept `CONFLICT_RETENTION` after the decision (`expires_at`, a TTL field in Firestore);
    records written before the field existed have none and stay until deleted.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    account_id: str
    activity_id: str
    event_id: str
    field: str
    crm_value: str
    calendar_value: str
    winner: Side
    reason: str
    decided_at: AwareDatetime
    expires_at: AwareDatetime | None = None


class OAuthState(BaseModel):
    """A pending authorization (oauth_states/{state}): single use, short-lived.

    The PKCE verifier is a secret: callers seal it with the Keyring before it is stored.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    state: str
    company_id: str
    user_id: str
    provider: str
    login_hint: str | None = None
    sealed_code_verifier: str  # base64 of the Keyring's ciphertext
    account_id: str | None = None  # set when re-authorizing an existing account
    expires_at: AwareDatetime


class ChannelRoute(BaseModel):
    """channels/{id} -> the account a push notification is for, and its token's hash."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel_id: str
    account_id: str
    token_hash: str
    expires_at: AwareDatetime
