"""MemoryStorage: the Storage port in memory, for unit tests and the Hypothesis state machine.

It keeps Firestore's rules (reads before writes in a transaction, re-run on contention), so a
unit test catches the same mistakes the Firestore adapter would; both pass the same contract
suite in tests/contract/.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from calsync.domain.account import Account
from calsync.domain.activity import (
    Activity,
    ActivityType,
    LinkedItem,
    LinkedItemKind,
    User,
    default_activity_types,
)
from calsync.domain.link import ChannelRoute, Conflict, Link, OAuthState, OutboxEntry
from calsync.errors import Contention
from calsync.store._memory_tables import Access, Direct, Tables, Transaction

if TYPE_CHECKING:
    from calsync.ports import Storage

T = TypeVar("T")


class _Repository:
    def __init__(self, access: Access) -> None:
        self._db = access


class MemoryAccounts(_Repository):
    def get(self, account_id: str) -> Account | None:
        found: Account | None = self._db.get("accounts", (account_id,))
        return found

    def put(self, account: Account) -> None:
        self._db.put("accounts", (account.id,), account)

    def last_written(self, account_id: str) -> Account | None:
        # Every write of this store goes through this object: the latest row is its last write.
        found: Account | None = self._db.latest("accounts", (account_id,))
        return found

    def put_if_unchanged(self, account: Account, *, since: Account) -> bool:
        return self._db.put_if("accounts", (account.id,), account, since)

    def delete(self, account_id: str) -> None:
        self._db.delete("accounts", (account_id,))

    def _all(self) -> list[Account]:
        return [account for _, account in self._db.scan("accounts", ())]

    def for_user(self, company_id: str, user_id: str) -> list[Account]:
        return [a for a in self._all() if (a.company_id, a.user_id) == (company_id, user_id)]

    def due(self, now: datetime, *, limit: int) -> list[Account]:
        due = [
            a
            for a in self._all()
            if a.is_syncing and a.sync.next_check_at is not None and a.sync.next_check_at <= now
        ]
        return sorted(due, key=lambda a: (a.sync.next_check_at, a.id))[:limit]

    def channels_expiring(self, before: datetime, *, limit: int) -> list[Account]:
        expiring = [
            a for a in self._all() if a.is_syncing and a.channel and a.channel.expires_at < before
        ]
        return sorted(
            expiring, key=lambda a: (a.channel.expires_at if a.channel else before, a.id)
        )[:limit]

    def leases_expired(self, now: datetime, *, limit: int) -> list[Account]:
        stale = [a for a in self._all() if a.sync.lease_until and a.sync.lease_until < now]
        return sorted(stale, key=lambda a: (a.sync.lease_until or now, a.id))[:limit]

    def with_error(self, code: str, *, limit: int, after: str | None = None) -> list[Account]:
        found = [
            a
            for a in self._all()
            if a.error is not None and a.error.code == code and (after is None or a.id > after)
        ]
        return sorted(found, key=lambda a: a.id)[:limit]


class MemoryActivities(_Repository):
    def get(self, company_id: str, activity_id: str) -> Activity | None:
        found: Activity | None = self._db.get("activities", (company_id, activity_id))
        return found

    def get_many(self, company_id: str, activity_ids: Iterable[str]) -> dict[str, Activity]:
        found = {i: self.get(company_id, i) for i in dict.fromkeys(activity_ids)}
        return {i: activity for i, activity in found.items() if activity is not None}

    def put(self, activity: Activity) -> None:
        self._db.put("activities", (activity.company_id, activity.id), activity)

    def delete(self, company_id: str, activity_id: str) -> None:
        self._db.delete("activities", (company_id, activity_id))

    def _company(self, company_id: str) -> list[Activity]:
        return [activity for _, activity in self._db.scan("activities", (company_id,))]

    def for_owner(
        self,
        company_id: str,
        owner_id: str,
        *,
        ends_after: datetime | None = None,
        types: Collection[str] | None = None,
    ) -> Iterator[Activity]:
        for activity in self._company(company_id):
            if activity.owner_id != owner_id:
                continue
            if ends_after is not None and activity.ends_at() <= ends_after:
                continue
            if types is not None and activity.type not in types:
                continue
            yield activity

    def overlapping(self, company_id: str, start: datetime, end: datetime) -> Iterator[Activity]:
        for activity in self._company(company_id):
            if activity.ends_at() > start and activity.starts_at() < end:
                yield activity


class MemoryLinks(_Repository):
    def get(self, account_id: str, activity_id: str) -> Link | None:
        found: Link | None = self._db.get("links", (account_id, activity_id))
        return found

    def get_many(self, account_id: str, activity_ids: Iterable[str]) -> dict[str, Link]:
        found = {i: self.get(account_id, i) for i in dict.fromkeys(activity_ids)}
        return {i: link for i, link in found.items() if link is not None}

    def put(self, account_id: str, link: Link) -> None:
        self._db.put("links", (account_id, link.activity_id), link)

    def delete(self, account_id: str, activity_id: str) -> None:
        self._db.delete("links", (account_id, activity_id))

    def all(self, account_id: str) -> Iterator[Link]:
        for _, link in self._db.scan("links", (account_id,)):
            yield link


class MemoryOutbox(_Repository):
    def get(self, account_id: str, activity_id: str) -> OutboxEntry | None:
        found: OutboxEntry | None = self._db.get("outbox", (account_id, activity_id))
        return found

    def put(self, entry: OutboxEntry) -> None:
        self._db.put("outbox", (entry.account_id, entry.activity_id), entry)

    def delete(self, account_id: str, activity_id: str) -> None:
        self._db.delete("outbox", (account_id, activity_id))

    def pending(self, account_id: str, *, limit: int) -> list[OutboxEntry]:
        entries = [entry for _, entry in self._db.scan("outbox", (account_id,))]
        return sorted(entries, key=lambda e: (e.enqueued_at, e.activity_id))[:limit]

    def forgotten(
        self, older_than: datetime, *, limit: int, after: OutboxEntry | None = None
    ) -> list[OutboxEntry]:
        def order(entry: OutboxEntry) -> tuple[datetime, str, str]:
            return entry.enqueued_at, entry.account_id, entry.activity_id

        entries = [e for _, e in self._db.scan("outbox", None) if e.enqueued_at < older_than]
        if after is not None:
            entries = [e for e in entries if order(e) > order(after)]
        return sorted(entries, key=order)[:limit]


class MemoryConflicts(_Repository):
    def add(self, conflict: Conflict) -> None:
        self._db.put("conflicts", (conflict.account_id, conflict.id), conflict)

    def recent(self, account_id: str, *, limit: int) -> list[Conflict]:
        conflicts = [c for _, c in self._db.scan("conflicts", (account_id,))]
        return sorted(conflicts, key=lambda c: (c.decided_at, c.id), reverse=True)[:limit]

    def delete(self, account_id: str, conflict_id: str) -> None:
        self._db.delete("conflicts", (account_id, conflict_id))


class MemoryCredentials(_Repository):
    def get(self, account_id: str) -> bytes | None:
        found: bytes | None = self._db.get("credentials", (account_id,))
        return found

    def put(self, account_id: str, sealed: bytes) -> None:
        self._db.put("credentials", (account_id,), bytes(sealed))

    def delete(self, account_id: str) -> None:
        self._db.delete("credentials", (account_id,))


class MemoryChannels(_Repository):
    def get(self, channel_id: str) -> ChannelRoute | None:
        found: ChannelRoute | None = self._db.get("channels", (channel_id,))
        return found

    def put(self, route: ChannelRoute) -> None:
        self._db.put("channels", (route.channel_id,), route)

    def delete(self, channel_id: str) -> None:
        self._db.delete("channels", (channel_id,))


class MemoryOAuthStates(_Repository):
    def get(self, state: str) -> OAuthState | None:
        found: OAuthState | None = self._db.get("oauth_states", (state,))
        return found

    def put(self, pending: OAuthState) -> None:
        self._db.put("oauth_states", (pending.state,), pending)

    def delete(self, state: str) -> None:
        self._db.delete("oauth_states", (state,))


class MemoryDirectory(_Repository):
    def user(self, company_id: str, user_id: str) -> User | None:
        found: User | None = self._db.get("users", (company_id, user_id))
        return found

    def user_by_email(self, email: str) -> User | None:
        wanted = email.strip().lower()
        users = [user for _, user in self._db.scan("users", None) if user.email.lower() == wanted]
        return users[0] if users else None

    def put_user(self, user: User) -> None:
        self._db.put("users", (user.company_id, user.id), user)

    def activity_types(self, company_id: str) -> list[ActivityType]:
        custom = {t.key: t for _, t in self._db.scan("activity_types", (company_id,))}
        defaults = {t.key: t for t in default_activity_types()}
        return list({**defaults, **custom}.values())

    def put_activity_type(self, company_id: str, activity_type: ActivityType) -> None:
        self._db.put("activity_types", (company_id, activity_type.key), activity_type)

    def linked_item(self, company_id: str, kind: LinkedItemKind, item_id: str) -> LinkedItem | None:
        found: LinkedItem | None = self._db.get("linked_items", (company_id, kind.value, item_id))
        return found

    def put_linked_item(self, item: LinkedItem) -> None:
        self._db.put("linked_items", (item.company_id, item.kind.value, item.id), item)


class MemoryUnitOfWork:
    """The repositories over one access path (a transaction or direct)."""

    def __init__(self, access: Access) -> None:
        self.accounts = MemoryAccounts(access)
        self.activities = MemoryActivities(access)
        self.links = MemoryLinks(access)
        self.outbox = MemoryOutbox(access)
        self.conflicts = MemoryConflicts(access)
        self.credentials = MemoryCredentials(access)
        self.channels = MemoryChannels(access)
        self.oauth_states = MemoryOAuthStates(access)
        self.directory = MemoryDirectory(access)


class MemoryStorage:
    """All state in one process. Thread-safe."""

    def __init__(self) -> None:
        self._tables = Tables()
        self.commits = 0  # successful transaction commits, for tests
        self.retries = 0  # transactions re-run after contention, for tests

    def transaction(self, work: Callable[[MemoryUnitOfWork], T], *, attempts: int = 5) -> T:
        for _ in range(attempts):
            transaction = Transaction(self._tables)
            result = work(MemoryUnitOfWork(transaction))
            if transaction.commit():
                self.commits += 1
                return result
            self.retries += 1
        raise Contention(f"transaction lost {attempts} races in a row; try again later")

    def session(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(Direct(self._tables))


if TYPE_CHECKING:  # MemoryStorage must satisfy the port it stands in for
    _port: Storage = MemoryStorage()
