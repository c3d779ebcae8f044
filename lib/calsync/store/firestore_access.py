"""How the Firestore repositories reach the database: where documents live, plain or
transactional access, paging with cursors, and the client's errors as calsync's.

`Layout` names every collection (under an optional collection-id prefix, so several
namespaces can share one database) and turns calsync ids into valid document ids. `Session`
reads and writes at once (and writes on an update-time precondition); `InTransaction` reads
through one Firestore transaction and buffers its writes until the transaction commits. A
writer may ask to be told the update time of its write once it is committed. Both raise only
calsync errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Protocol, TypeAlias

from google.api_core.datetime_helpers import DatetimeWithNanoseconds
from google.api_core.exceptions import (
    Aborted,
    FailedPrecondition,
    GoogleAPICallError,
    NotFound,
    RetryError,
)
from google.cloud.firestore import (
    Client,
    CollectionGroup,
    CollectionReference,
    DocumentReference,
    DocumentSnapshot,
    Query,
    Transaction,
)
from google.cloud.firestore_v1 import ReadAfterWriteError

from calsync.errors import Contention, InvalidInput, StorageError

Snapshot: TypeAlias = "DocumentSnapshot[DocumentReference]"
Queryable: TypeAlias = Query | CollectionReference  # a whole collection is a query too
Committed: TypeAlias = Callable[[datetime], None]  # told a write's update time once committed

# Collection ids (without the prefix). The data layout is described in store/README.md.
ACCOUNTS = "accounts"
LINKS = "links"  # accounts/{acc}/links/{activity}
OUTBOX = "outbox"  # accounts/{acc}/outbox/{activity}
CONFLICTS = "conflicts"  # accounts/{acc}/conflicts/{id}
CREDENTIALS = "credentials"
CHANNELS = "channels"
OAUTH_STATES = "oauth_states"
COMPANIES = "companies"
ACTIVITIES = "activities"  # companies/{c}/activities/{a}
USERS = "users"  # companies/{c}/users/{u}
ACTIVITY_TYPES = "activity_types"  # companies/{c}/activity_types/{key}
LINKED_ITEMS = {"deal": "deals", "person": "persons", "organization": "organizations"}

MAX_ID_BYTES = 1_500  # Firestore's limit on a document id
_PREFIX = re.compile(r"^[A-Za-z0-9_-]{0,100}$")


def doc_id(raw: str) -> str:
    """`raw` as a valid Firestore document id, reversibly: "%" and "/" are percent-encoded, and
    so is the first character of the reserved ids ".", ".." and "__x__". Ordinary ids (letters,
    digits, "-", "_", "@", ":") stay as they are."""
    if not raw:
        raise InvalidInput("an id must not be empty", {"id": "empty"})
    encoded = raw.replace("%", "%25").replace("/", "%2F")
    if encoded in (".", "..") or (encoded.startswith("__") and encoded.endswith("__")):
        encoded = f"%{ord(encoded[0]):02X}{encoded[1:]}"
    if len(encoded.encode()) > MAX_ID_BYTES:
        raise InvalidInput(f"id too long: {raw[:40]}...", {"id": "too long"})
    return encoded


class Layout:
    """Where each kind of document lives: collections under an optional id prefix."""

    def __init__(self, client: Client, prefix: str = "") -> None:
        if not _PREFIX.match(prefix):
            raise ValueError(f"a collection prefix is letters, digits, '_' or '-': {prefix!r}")
        self.client = client
        self.prefix = prefix

    def root(self, name: str) -> CollectionReference:
        """A top-level collection, e.g. `accounts`."""
        return self.client.collection(self.prefix + name)

    def under(self, parent: str, parent_id: str, name: str) -> CollectionReference:
        """A subcollection of one document, e.g. `accounts/{acc}/links`."""
        return self.client.collection(self.prefix + parent, doc_id(parent_id), self.prefix + name)

    def group(self, name: str) -> CollectionGroup:
        """Every collection called `name`, wherever it is (e.g. every account's outbox)."""
        return self.client.collection_group(self.prefix + name)


@contextmanager
def translated(action: str) -> Iterator[None]:
    """Raise the client's errors as calsync's: StorageError (Contention when aborted)."""
    try:
        yield
    except ReadAfterWriteError as exc:
        raise StorageError("a transaction must do all its reads before its first write") from exc
    except Aborted as exc:
        raise Contention(f"Firestore aborted the transaction ({action}): {exc.message}") from exc
    except GoogleAPICallError as exc:
        raise StorageError(f"Firestore failed ({action}): {exc.message}") from exc
    except RetryError as exc:
        raise StorageError(f"Firestore did not answer in time ({action})") from exc


class Access(Protocol):
    """How repositories reach the documents: directly, or through a transaction."""

    def get(self, ref: DocumentReference) -> Snapshot: ...

    def get_all(self, refs: list[DocumentReference]) -> list[Snapshot]: ...

    def page(self, query: Queryable) -> list[Snapshot]: ...

    def set(
        self, ref: DocumentReference, data: dict[str, Any], committed: Committed | None = None
    ) -> None: ...

    def delete(self, ref: DocumentReference) -> None: ...

    def set_if_unchanged(
        self, ref: DocumentReference, data: dict[str, Any], update_time: datetime
    ) -> datetime | None:
        """Replace the document's fields with `data` if it was last written at `update_time`;
        the new update time, or None (it changed or is gone, nothing written)."""
        ...


class Session:
    """Plain access: each read stands alone, each write applies at once."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def get(self, ref: DocumentReference) -> Snapshot:
        with translated(f"get {ref.path}"):
            return ref.get()

    def get_all(self, refs: list[DocumentReference]) -> list[Snapshot]:
        if not refs:
            return []
        with translated(f"get {len(refs)} documents"):
            return list(self._client.get_all(refs))

    def page(self, query: Queryable) -> list[Snapshot]:
        with translated("query"):
            return list(query.stream())

    def set(
        self, ref: DocumentReference, data: dict[str, Any], committed: Committed | None = None
    ) -> None:
        with translated(f"set {ref.path}"):
            result = ref.set(data)
        if committed is not None:
            committed(update_time_of(result))

    def delete(self, ref: DocumentReference) -> None:
        with translated(f"delete {ref.path}"):
            ref.delete()

    def set_if_unchanged(
        self, ref: DocumentReference, data: dict[str, Any], update_time: datetime
    ) -> datetime | None:
        # An update naming every top-level field replaces each of them as a whole (maps
        # included), which is what `set` does to a document of the same model.
        option = self._client.write_option(last_update_time=update_time)
        with translated(f"update {ref.path} if unchanged"):
            try:
                result = ref.update(data, option=option)
            except (FailedPrecondition, NotFound):
                return None
        return update_time_of(result)


class InTransaction:
    """Access through one transaction: reads lock what they read; writes wait for the commit."""

    def __init__(self, client: Client, transaction: Transaction) -> None:
        self._client = client
        self._transaction = transaction
        self._writes = 0  # buffered so far: the index of the next one among the write results
        self._told: list[tuple[int, Committed]] = []

    def _check_open(self) -> None:
        if not self._transaction.in_progress:
            raise StorageError("the transaction has ended: read everything inside its work")

    def get(self, ref: DocumentReference) -> Snapshot:
        found = self.get_all([ref])
        return found[0]

    def get_all(self, refs: list[DocumentReference]) -> list[Snapshot]:
        self._check_open()
        if not refs:
            return []
        with translated(f"get {len(refs)} documents in a transaction"):
            return list(self._client.get_all(refs, transaction=self._transaction))

    def page(self, query: Queryable) -> list[Snapshot]:
        self._check_open()
        with translated("query in a transaction"):
            return list(query.stream(transaction=self._transaction))

    def set(
        self, ref: DocumentReference, data: dict[str, Any], committed: Committed | None = None
    ) -> None:
        self._transaction.set(ref, data)
        if committed is not None:
            self._told.append((self._writes, committed))
        self._writes += 1

    def delete(self, ref: DocumentReference) -> None:
        self._transaction.delete(ref)
        self._writes += 1

    def set_if_unchanged(
        self, ref: DocumentReference, data: dict[str, Any], update_time: datetime
    ) -> datetime | None:
        raise StorageError("a conditional write goes outside transactions")

    def committed(self, results: Sequence[Any]) -> None:
        """The transaction committed with these write results (one per write, in order):
        tell the writers that asked. Results that do not match the writes tell nobody."""
        if len(results) != self._writes:
            return
        for index, tell in self._told:
            tell(update_time_of(results[index]))


def update_time_of(result: Any) -> datetime:
    """A write result's update time, as a datetime keeping Firestore's nanoseconds."""
    stamp = result.update_time
    if isinstance(stamp, datetime):  # the client's DatetimeWithNanoseconds
        return stamp
    converted: datetime = DatetimeWithNanoseconds.from_timestamp_pb(stamp)  # type: ignore[no-untyped-call]
    return converted


def paged(access: Access, query: Queryable, size: int) -> Iterator[Snapshot]:
    """Every result of `query`, fetched `size` at a time, each page starting after the last
    document of the one before (so memory stays bounded by one page)."""
    page_query = query.limit(size)
    while True:
        page = access.page(page_query)
        yield from page
        if len(page) < size:
            return
        page_query = query.start_after(page[-1]).limit(size)
