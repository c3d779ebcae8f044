"""The Firestore repositories of the sync state: accounts, activities, links, outbox, conflicts.

Every query is index-friendly and bounded: equality filters first, one ordered range, a limit
or cursor paging; the composite indexes they need are listed in `store/indexes.py`. Reads are
billed per document returned (at least one per query), so a query never reads more than it
returns.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import datetime
from typing import TypeVar

from google.cloud.firestore import CollectionReference, DocumentReference, FieldFilter, Query
from pydantic import BaseModel

from calsync.domain.account import Account, AccountStatus
from calsync.domain.activity import Activity
from calsync.domain.link import Conflict, Link, OutboxEntry
from calsync.store.firestore_access import (
    ACCOUNTS,
    ACTIVITIES,
    COMPANIES,
    CONFLICTS,
    LINKS,
    OUTBOX,
    Access,
    Layout,
    Queryable,
    Snapshot,
    doc_id,
    paged,
)
from calsync.store.firestore_codec import ACCOUNT, ACTIVITY, CONFLICT, LINK, OUTBOX_ENTRY, Codec
from calsync.store.firestore_written import WrittenAccounts

M = TypeVar("M", bound=BaseModel)
MAX_IN_VALUES = 30  # Firestore's limit on the values of one `in` filter


def _eq(field: str, value: object) -> FieldFilter:
    return FieldFilter(field, "==", value)


class FirestoreRepository:
    """What every repository shares: the layout, the access path, the page size."""

    def __init__(self, layout: Layout, access: Access, page_size: int) -> None:
        self._layout = layout
        self._access = access
        self._page_size = page_size

    def _read(self, ref: DocumentReference, codec: Codec[M]) -> M | None:
        snapshot = self._access.get(ref)
        return codec.decode(snapshot.to_dict(), ref.path) if snapshot.exists else None

    def _read_many(self, refs: Iterable[DocumentReference], codec: Codec[M]) -> list[M]:
        """The documents that exist among `refs`, in one batched read (one round trip)."""
        unique = list({ref.path: ref for ref in refs}.values())
        found = self._access.get_all(unique)
        return [codec.decode(s.to_dict(), s.reference.path) for s in found if s.exists]

    def _page(self, query: Queryable, codec: Codec[M]) -> list[M]:
        """One bounded page: the query must carry its own limit."""
        return [codec.decode(s.to_dict(), s.reference.path) for s in self._access.page(query)]

    def _stream(self, query: Queryable, codec: Codec[M]) -> Iterator[M]:
        snapshots: Iterator[Snapshot] = paged(self._access, query, self._page_size)
        for snapshot in snapshots:
            yield codec.decode(snapshot.to_dict(), snapshot.reference.path)


class FirestoreAccounts(FirestoreRepository):
    """accounts/{acc}, with `next_check_at`, `channel_expires_at`, `lease_until` on top; each
    committed write remembered in `written` (the storage's) for `put_if_unchanged`."""

    def __init__(
        self, layout: Layout, access: Access, page_size: int, written: WrittenAccounts
    ) -> None:
        super().__init__(layout, access, page_size)
        self._written = written

    def _ref(self, account_id: str) -> DocumentReference:
        return self._layout.root(ACCOUNTS).document(doc_id(account_id))

    def get(self, account_id: str) -> Account | None:
        return self._read(self._ref(account_id), ACCOUNT)

    def put(self, account: Account) -> None:
        self._written.forget(account.id)  # until this write commits
        self._access.set(
            self._ref(account.id),
            ACCOUNT.encode(account),
            lambda update_time: self._written.remember(account, update_time),
        )

    def delete(self, account_id: str) -> None:
        self._written.forget(account_id)
        self._access.delete(self._ref(account_id))

    def last_written(self, account_id: str) -> Account | None:
        known = self._written.get(account_id)
        return known[0] if known is not None else None

    def put_if_unchanged(self, account: Account, *, since: Account) -> bool:
        known = self._written.get(account.id)
        if known is None or known[0] != since:
            return False
        ref, data = self._ref(account.id), ACCOUNT.encode(account)
        update_time = self._access.set_if_unchanged(ref, data, known[1])
        if update_time is None:
            self._written.forget(account.id)
            return False
        self._written.remember(account, update_time)
        return True

    def for_user(self, company_id: str, user_id: str) -> list[Account]:
        query = (
            self._layout.root(ACCOUNTS)
            .where(filter=_eq("company_id", company_id))
            .where(filter=_eq("user_id", user_id))
        )
        return list(self._stream(query, ACCOUNT))

    def _syncing_until(self, field: str, op: str, bound: datetime, limit: int) -> list[Account]:
        if limit <= 0:
            return []
        query = (
            self._layout.root(ACCOUNTS)
            .where(filter=_eq("status", AccountStatus.SYNCING.value))
            .where(filter=FieldFilter(field, op, bound))
            .order_by(field)
            .limit(limit)
        )
        return self._page(query, ACCOUNT)

    def due(self, now: datetime, *, limit: int) -> list[Account]:
        return self._syncing_until("next_check_at", "<=", now, limit)

    def channels_expiring(self, before: datetime, *, limit: int) -> list[Account]:
        return self._syncing_until("channel_expires_at", "<", before, limit)

    def leases_expired(self, now: datetime, *, limit: int) -> list[Account]:
        if limit <= 0:
            return []
        query = (
            self._layout.root(ACCOUNTS)
            .where(filter=FieldFilter("lease_until", "<", now))
            .order_by("lease_until")
            .limit(limit)
        )
        return self._page(query, ACCOUNT)

    def with_error(self, code: str, *, limit: int, after: str | None = None) -> list[Account]:
        """One equality on the nested `error.code` (its automatic index), by document id."""
        if limit <= 0:
            return []
        query = self._layout.root(ACCOUNTS).where(filter=_eq("error.code", code))
        query = query.order_by("__name__")
        if after is not None:
            query = query.start_after({"__name__": self._ref(after)})
        return self._page(query.limit(limit), ACCOUNT)


class FirestoreActivities(FirestoreRepository):
    """companies/{c}/activities/{a}, with `starts_at`/`ends_at` instants on top."""

    def _collection(self, company_id: str) -> CollectionReference:
        return self._layout.under(COMPANIES, company_id, ACTIVITIES)

    def _ref(self, company_id: str, activity_id: str) -> DocumentReference:
        return self._layout.under(COMPANIES, company_id, ACTIVITIES).document(doc_id(activity_id))

    def get(self, company_id: str, activity_id: str) -> Activity | None:
        return self._read(self._ref(company_id, activity_id), ACTIVITY)

    def get_many(self, company_id: str, activity_ids: Iterable[str]) -> dict[str, Activity]:
        refs = [self._ref(company_id, activity_id) for activity_id in activity_ids]
        return {activity.id: activity for activity in self._read_many(refs, ACTIVITY)}

    def put(self, activity: Activity) -> None:
        self._access.set(self._ref(activity.company_id, activity.id), ACTIVITY.encode(activity))

    def delete(self, company_id: str, activity_id: str) -> None:
        self._access.delete(self._ref(company_id, activity_id))

    def for_owner(
        self,
        company_id: str,
        owner_id: str,
        *,
        ends_after: datetime | None = None,
        types: Collection[str] | None = None,
    ) -> Iterator[Activity]:
        query = self._collection(company_id).where(filter=_eq("owner_id", owner_id))
        if ends_after is not None:
            query = query.where(filter=FieldFilter("ends_at", ">", ends_after)).order_by("ends_at")
        if types is None:
            yield from self._stream(query, ACTIVITY)
            return
        wanted = sorted(set(types))
        for start in range(0, len(wanted), MAX_IN_VALUES):
            chunk = wanted[start : start + MAX_IN_VALUES]
            yield from self._stream(query.where(filter=FieldFilter("type", "in", chunk)), ACTIVITY)

    def overlapping(self, company_id: str, start: datetime, end: datetime) -> Iterator[Activity]:
        query = (
            self._collection(company_id)
            .where(filter=FieldFilter("ends_at", ">", start))
            .where(filter=FieldFilter("starts_at", "<", end))
            .order_by("ends_at")
            .order_by("starts_at")
        )
        return self._stream(query, ACTIVITY)


class FirestoreLinks(FirestoreRepository):
    """accounts/{acc}/links/{activity}."""

    def _ref(self, account_id: str, activity_id: str) -> DocumentReference:
        return self._layout.under(ACCOUNTS, account_id, LINKS).document(doc_id(activity_id))

    def get(self, account_id: str, activity_id: str) -> Link | None:
        return self._read(self._ref(account_id, activity_id), LINK)

    def get_many(self, account_id: str, activity_ids: Iterable[str]) -> dict[str, Link]:
        refs = [self._ref(account_id, activity_id) for activity_id in activity_ids]
        return {link.activity_id: link for link in self._read_many(refs, LINK)}

    def put(self, account_id: str, link: Link) -> None:
        self._access.set(self._ref(account_id, link.activity_id), LINK.encode(link))

    def delete(self, account_id: str, activity_id: str) -> None:
        self._access.delete(self._ref(account_id, activity_id))

    def all(self, account_id: str) -> Iterator[Link]:
        return self._stream(self._layout.under(ACCOUNTS, account_id, LINKS), LINK)


class FirestoreOutbox(FirestoreRepository):
    """accounts/{acc}/outbox/{activity}: one entry per activity, oldest pushed first."""

    def _ref(self, account_id: str, activity_id: str) -> DocumentReference:
        return self._layout.under(ACCOUNTS, account_id, OUTBOX).document(doc_id(activity_id))

    def get(self, account_id: str, activity_id: str) -> OutboxEntry | None:
        return self._read(self._ref(account_id, activity_id), OUTBOX_ENTRY)

    def put(self, entry: OutboxEntry) -> None:
        self._access.set(self._ref(entry.account_id, entry.activity_id), OUTBOX_ENTRY.encode(entry))

    def delete(self, account_id: str, activity_id: str) -> None:
        self._access.delete(self._ref(account_id, activity_id))

    def pending(self, account_id: str, *, limit: int) -> list[OutboxEntry]:
        """One query: an empty outbox costs one billed read and nothing else."""
        if limit <= 0:
            return []
        outbox = self._layout.under(ACCOUNTS, account_id, OUTBOX)
        return self._page(outbox.order_by("enqueued_at").limit(limit), OUTBOX_ENTRY)

    def forgotten(
        self, older_than: datetime, *, limit: int, after: OutboxEntry | None = None
    ) -> list[OutboxEntry]:
        """A collection-group query over every account's outbox; ties by document path (the
        account id, then the activity id), so `after` resumes exactly behind a page."""
        if limit <= 0:
            return []
        query = (
            self._layout.group(OUTBOX)
            .where(filter=FieldFilter("enqueued_at", "<", older_than))
            .order_by("enqueued_at")
            .order_by("__name__")
        )
        if after is not None:
            position = {"enqueued_at": after.enqueued_at, "__name__": self._ref(*_key(after))}
            query = query.start_after(position)
        return self._page(query.limit(limit), OUTBOX_ENTRY)


def _key(entry: OutboxEntry) -> tuple[str, str]:
    return entry.account_id, entry.activity_id


class FirestoreConflicts(FirestoreRepository):
    """accounts/{acc}/conflicts/{id}."""

    def _ref(self, account_id: str, conflict_id: str) -> DocumentReference:
        return self._layout.under(ACCOUNTS, account_id, CONFLICTS).document(doc_id(conflict_id))

    def add(self, conflict: Conflict) -> None:
        self._access.set(self._ref(conflict.account_id, conflict.id), CONFLICT.encode(conflict))

    def delete(self, account_id: str, conflict_id: str) -> None:
        self._access.delete(self._ref(account_id, conflict_id))

    def recent(self, account_id: str, *, limit: int) -> list[Conflict]:
        if limit <= 0:
            return []
        conflicts = self._layout.under(ACCOUNTS, account_id, CONFLICTS)
        query = conflicts.order_by("decided_at", direction=Query.DESCENDING).limit(limit)
        return self._page(query, CONFLICT)
