"""Where all state lives: one repository per collection, bound together by a unit of work.

Iterators page lazily; list-returning methods return one bounded page.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import datetime
from typing import Protocol, TypeVar

from calsync.domain.account import Account
from calsync.domain.activity import Activity, ActivityType, LinkedItem, LinkedItemKind, User
from calsync.domain.link import ChannelRoute, Conflict, Link, OAuthState, OutboxEntry

T = TypeVar("T")


class AccountRepository(Protocol):
    """accounts/{id}: calendar connections, with the queries the fan-out tick needs."""

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

    def with_error(self, code: str, *, limit: int, after: str | None = None) -> list[Account]:
        """Accounts whose `error.code` is `code`, by id; `after`: only ids after that one."""
        ...


class ActivityRepository(Protocol):
    """companies/{company}/activities/{id}: the CRM's activities."""

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
    """accounts/{acc}/links/{activity id}: the ledger between activities and events."""

    def get(self, account_id: str, activity_id: str) -> Link | None: ...

    def get_many(self, account_id: str, activity_ids: Iterable[str]) -> dict[str, Link]: ...

    def put(self, account_id: str, link: Link) -> None: ...

    def delete(self, account_id: str, activity_id: str) -> None: ...

    def all(self, account_id: str) -> Iterator[Link]: ...


class OutboxRepository(Protocol):
    """accounts/{acc}/outbox/{activity id}: CRM changes not yet pushed to the calendar."""

    def get(self, account_id: str, activity_id: str) -> OutboxEntry | None: ...

    def put(self, entry: OutboxEntry) -> None: ...

    def delete(self, account_id: str, activity_id: str) -> None: ...

    def pending(self, account_id: str, *, limit: int) -> list[OutboxEntry]:
        """The account's oldest entries first."""
        ...

    def forgotten(
        self, older_than: datetime, *, limit: int, after: OutboxEntry | None = None
    ) -> list[OutboxEntry]:
        """Entries of any account enqueued before `older_than` (their task may have been lost),
        oldest first (ties in a fixed order); `after`: only those that come after that entry
        in this order (the last of the previous page)."""
        ...


class ConflictRepository(Protocol):
    """accounts/{acc}/conflicts/{id}: the merge decisions shown on the account."""

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
    """channels/{id}: which account a push notification is for."""

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
