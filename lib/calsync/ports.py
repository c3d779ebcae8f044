"""The ports: what the engine and the services need from the world, as Protocols.

Adapters implement them: `store/` (memory, Firestore), `providers/` (memory, Google),
`tasks/` (inline, Cloud Tasks), `auth/` (keyrings). Every adapter of a port passes the same
contract suite in `tests/contract/`. `bootstrap.py` is the only place that picks adapters.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar

from calsync.domain.account import Account, Credentials
from calsync.domain.activity import Activity, ActivityType, LinkedItem, LinkedItemKind, User
from calsync.domain.event import CalendarEvent, CalendarInfo, EventChange
from calsync.domain.link import ChannelRoute, Conflict, Link, OAuthState, OutboxEntry, SyncedFields

T = TypeVar("T")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class Keyring(Protocol):
    """Encryption of secrets at rest (envelope: Cloud KMS in the cloud, a local key in dev).

    `context` is authenticated but not secret (e.g. "credentials/<account id>"): a ciphertext
    only decrypts in the context it was made for. Decrypting bad data raises Unauthenticated.
    """

    def encrypt(self, plaintext: bytes, *, context: str) -> bytes: ...

    def decrypt(self, ciphertext: bytes, *, context: str) -> bytes: ...


# --------------------------------------------------------------------------------------------
# State stores. Iterators page lazily; list-returning methods return one bounded page.


class AccountRepository(Protocol):
    def get(self, account_id: str) -> Account | None: ...

    def put(self, account: Account) -> None: ...

    def last_written(self, account_id: str) -> Account | None:
        """The account as this storage last wrote it, without reading it (None: it does not
        remember it). Another process may have changed it since: only ever use it as `since`
        of `put_if_unchanged`."""
        ...

    def put_if_unchanged(self, account: Account, *, since: Account) -> bool:
        """Write `account` only if the stored account is still `since`, the `last_written` of
        this storage (Firestore: one write with an update-time precondition, no read). False,
        having written nothing, when it changed meanwhile or this storage does not know
        `since`'s version: then read it and write it in a transaction. Outside transactions
        only (StorageError inside one)."""
        ...

    def delete(self, account_id: str) -> None: ...

    def for_user(self, company_id: str, user_id: str) -> list[Account]: ...

    def due(self, now: datetime, *, limit: int) -> list[Account]:
        """Syncing accounts whose `sync.next_check_at` <= now, earliest first."""
        ...

    def channels_expiring(self, before: datetime, *, limit: int) -> list[Account]:
        """Syncing accounts whose push channel expires before `before`, earliest first."""
        ...

    def leases_expired(self, now: datetime, *, limit: int) -> list[Account]:
        """Accounts holding a lease that ended before `now`, earliest first."""
        ...


class ActivityRepository(Protocol):
    def get(self, company_id: str, activity_id: str) -> Activity | None: ...

    def get_many(self, company_id: str, activity_ids: Iterable[str]) -> dict[str, Activity]: ...

    def put(self, activity: Activity) -> None: ...

    def delete(self, company_id: str, activity_id: str) -> None: ...

    def for_owner(
        self,
        company_id: str,
        owner_id: str,
        *,
        ends_after: datetime | None = None,
        types: Collection[str] | None = None,
    ) -> Iterator[Activity]:
        """The owner's activities (optionally only those ending after a time / of some types)."""
        ...

    def overlapping(self, company_id: str, start: datetime, end: datetime) -> Iterator[Activity]:
        """All activities of the company that end after `start` and start before `end`."""
        ...


class LinkRepository(Protocol):
    def get(self, account_id: str, activity_id: str) -> Link | None: ...

    def get_many(self, account_id: str, activity_ids: Iterable[str]) -> dict[str, Link]: ...

    def put(self, account_id: str, link: Link) -> None: ...

    def delete(self, account_id: str, activity_id: str) -> None: ...

    def all(self, account_id: str) -> Iterator[Link]: ...


class OutboxRepository(Protocol):
    def get(self, account_id: str, activity_id: str) -> OutboxEntry | None: ...

    def put(self, entry: OutboxEntry) -> None: ...

    def delete(self, account_id: str, activity_id: str) -> None: ...

    def pending(self, account_id: str, *, limit: int) -> list[OutboxEntry]:
        """The account's oldest entries first."""
        ...

    def forgotten(self, older_than: datetime, *, limit: int) -> list[OutboxEntry]:
        """Entries of any account enqueued before `older_than` (their task may have been lost)."""
        ...


class ConflictRepository(Protocol):
    def add(self, conflict: Conflict) -> None: ...

    def recent(self, account_id: str, *, limit: int) -> list[Conflict]:
        """Newest first."""
        ...

    def delete(self, account_id: str, conflict_id: str) -> None: ...


class CredentialRepository(Protocol):
    """credentials/{account}: sealed (encrypted) token blobs only; sealing is the caller's job."""

    def get(self, account_id: str) -> bytes | None: ...

    def put(self, account_id: str, sealed: bytes) -> None: ...

    def delete(self, account_id: str) -> None: ...


class ChannelRepository(Protocol):
    def get(self, channel_id: str) -> ChannelRoute | None: ...

    def put(self, route: ChannelRoute) -> None: ...

    def delete(self, channel_id: str) -> None: ...


class OAuthStateRepository(Protocol):
    """Pending authorizations; `code_verifier` arrives already sealed by the caller."""

    def get(self, state: str) -> OAuthState | None: ...

    def put(self, pending: OAuthState) -> None: ...

    def delete(self, state: str) -> None: ...


class DirectoryRepository(Protocol):
    """The CRM's reference data: users, activity types, deals, persons, organizations."""

    def user(self, company_id: str, user_id: str) -> User | None: ...

    def user_by_email(self, email: str) -> User | None: ...

    def put_user(self, user: User) -> None: ...

    def activity_types(self, company_id: str) -> list[ActivityType]:
        """The defaults plus the company's custom types."""
        ...

    def put_activity_type(self, company_id: str, activity_type: ActivityType) -> None: ...

    def linked_item(
        self, company_id: str, kind: LinkedItemKind, item_id: str
    ) -> LinkedItem | None: ...

    def put_linked_item(self, item: LinkedItem) -> None: ...


class UnitOfWork(Protocol):
    """The repositories, all bound to one transaction (or to none, see Storage.session)."""

    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def activities(self) -> ActivityRepository: ...

    @property
    def links(self) -> LinkRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def conflicts(self) -> ConflictRepository: ...

    @property
    def credentials(self) -> CredentialRepository: ...

    @property
    def channels(self) -> ChannelRepository: ...

    @property
    def oauth_states(self) -> OAuthStateRepository: ...

    @property
    def directory(self) -> DirectoryRepository: ...


class Storage(Protocol):
    """Where all state lives (Firestore in the cloud)."""

    def transaction(self, work: Callable[[UnitOfWork], T], *, attempts: int = 5) -> T:
        """Run `work` atomically and return its result.

        Reads see one consistent snapshot and must all come before the first write (as in
        Firestore); writes apply together when `work` returns and are discarded if it raises.
        If another commit changed what `work` read, `work` runs again from scratch, up to
        `attempts` times, then Contention is raised. `work` must therefore have no side
        effects outside the unit of work.
        """
        ...

    def session(self) -> UnitOfWork:
        """Plain access without a transaction: each read stands alone, each write applies at
        once. For streaming large queries and for writes that need no isolation."""
        ...


# --------------------------------------------------------------------------------------------
# Tasks


class TaskQueue(Protocol):
    def enqueue_sync(
        self,
        account_id: str,
        *,
        key: str | None = None,
        at: datetime | None = None,
        pull: bool = True,
    ) -> bool:
        """Ask for one sync job of the account, dispatched at `at` (default now).

        Jobs enqueued with the same `key` are de-duplicated (the queue refuses a name it has
        seen recently): returns False for such a duplicate, True when a job was enqueued.
        `pull` reaches the worker with the job: False asks for a push-only job (asked for by
        CRM changes alone; see `sync/jobs.py`), which pulls only when it must.
        """
        ...


# --------------------------------------------------------------------------------------------
# Calendar providers


@dataclass(frozen=True)
class ChangePage:
    """One page of calendar changes; `cursor` is set on the last page only."""

    changes: list[EventChange]
    cursor: str | None = None


@dataclass(frozen=True)
class CreateEvent:
    """Create an event with a client-chosen id; retried creates can never make a second one.

    If a live event holds the id, the result is EXISTS (with that event, so the caller can see
    whether it is its own earlier create, by `crm_activity_id`). If a deleted event holds it,
    the adapter restores that event with these fields (providers keep ids of deleted events).
    """

    event_id: str
    fields: SyncedFields
    activity_id: str


@dataclass(frozen=True)
class UpdateEvent:
    """Replace the synced fields of an event, only if it is still at `if_match` (when given)."""

    event_id: str
    fields: SyncedFields
    if_match: str | None = None


@dataclass(frozen=True)
class DeleteEvent:
    event_id: str
    if_match: str | None = None


@dataclass(frozen=True)
class MoveEvent:
    """Move an event to another calendar of the same account (its id stays)."""

    event_id: str
    destination: str


EventWrite = CreateEvent | UpdateEvent | DeleteEvent | MoveEvent


class Outcome(StrEnum):
    OK = "ok"  # done; `event` is the event as it is now
    EXISTS = "exists"  # create: the id is taken (`event` is what holds it, if readable)
    STALE = "stale"  # update/delete: the event changed since `if_match` (`event` is current)
    GONE = "gone"  # the event no longer exists (for a delete this counts as done)
    REJECTED = "rejected"  # permanently refused (bad data, permission): `detail` says why
    RETRY = "retry"  # transiently failed (rate limit, 5xx): try this write again later


@dataclass(frozen=True)
class WriteResult:
    outcome: Outcome
    event: CalendarEvent | None = None
    detail: str = ""


@dataclass(frozen=True)
class WatchChannel:
    id: str
    resource_id: str
    expires_at: datetime


class CalendarProvider(Protocol):
    """One account's calendar service, authorized as its user.

    Raises ProviderAuthError when the authorization is dead, ProviderRateLimited or
    ProviderUnavailable when the whole call failed after the adapter's own retries.
    """

    def calendars(self) -> list[CalendarInfo]: ...

    def create_calendar(self, name: str, timezone: str) -> CalendarInfo: ...

    def changes(
        self, calendar_id: str, cursor: str | None, *, window_start: datetime
    ) -> Iterator[ChangePage]:
        """Pages of event changes since `cursor`, occurrences of recurring events expanded.

        With `cursor` None: a full listing of the events ending after `window_start` (no
        removals). Raises CursorExpired when the cursor is no longer valid (full resync needed).
        """
        ...

    def get(self, calendar_id: str, event_id: str) -> CalendarEvent | None:
        """The event now, or None if it does not exist or was deleted."""
        ...

    def write(self, calendar_id: str, writes: Sequence[EventWrite]) -> list[WriteResult]:
        """Apply `writes` (batched where the provider can): one result per write, in order."""
        ...

    def watch(
        self, calendar_id: str, *, channel_id: str, address: str, token: str, ttl: timedelta
    ) -> WatchChannel: ...

    def stop_watch(self, channel_id: str, resource_id: str) -> None: ...


class CalendarConnector(Protocol):
    """Opens an account's CalendarProvider from its credentials.

    `on_refresh` is called with new credentials whenever the adapter refreshed the access
    token, so the caller can store them (sealed) and the next job need not refresh again.
    """

    def open(
        self,
        account: Account,
        credentials: Credentials,
        on_refresh: Callable[[Credentials], None],
    ) -> CalendarProvider: ...


@dataclass(frozen=True)
class TokenGrant:
    """What a finished consent gives: tokens, and whose account they are for."""

    credentials: Credentials
    email: str


class OAuthClient(Protocol):
    """The provider's OAuth 2.0 web-server flow (authorization code with PKCE)."""

    def authorization_url(
        self, *, state: str, code_challenge: str, login_hint: str | None
    ) -> str: ...

    def exchange(self, code: str, code_verifier: str) -> TokenGrant:
        """Redeem an authorization code. Raises ProviderAuthError if it is refused."""
        ...

    def revoke(self, credentials: Credentials) -> None: ...
