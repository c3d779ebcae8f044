"""FirestoreStorage: the Storage port on Cloud Firestore (repositories plus a unit of work over
one transaction).

`transaction(work)` runs `work` inside one Firestore read-write transaction through the
client's own `transactional` helper: reads go through the transaction (the service locks
what they read), writes are buffered and sent in the one Commit; when the commit is ABORTED
(it lost a race), `work` runs again from scratch in a new transaction that keeps the first
one's place in line, and after `attempts` lost races Contention is raised. An exception
from `work` rolls the transaction back and propagates unchanged. `session()` reads and
writes directly; its `for_owner`, `overlapping` and `all` page lazily with cursors. The
storage remembers the accounts it wrote last with each write's update time
(`firestore_written.py`), for `accounts.put_if_unchanged`.

The data layout, indexes and costs are described in store/README.md; the indexes the
queries need are listed in store/indexes.py. The client is passed in (bootstrap builds it);
`prefix` puts every collection id under a prefix, so several namespaces can share one
database (tests, dev stacks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from google.api_core.exceptions import Aborted, GoogleAPICallError, RetryError
from google.cloud.firestore import Client, Transaction, transactional

from calsync.errors import Contention, StorageError
from calsync.store.firestore_access import Access, InTransaction, Layout, Session
from calsync.store.firestore_records import (
    FirestoreChannels,
    FirestoreCredentials,
    FirestoreDirectory,
    FirestoreOAuthStates,
)
from calsync.store.firestore_repos import (
    FirestoreAccounts,
    FirestoreActivities,
    FirestoreConflicts,
    FirestoreLinks,
    FirestoreOutbox,
)
from calsync.store.firestore_written import WrittenAccounts

if TYPE_CHECKING:
    from calsync.ports import Storage

T = TypeVar("T")
PAGE_SIZE = 300  # documents per page of a streamed query


class FirestoreUnitOfWork:
    """The repositories, all bound to one access path (a transaction, or none)."""

    def __init__(
        self, layout: Layout, access: Access, page_size: int, written: WrittenAccounts
    ) -> None:
        self.accounts = FirestoreAccounts(layout, access, page_size, written)
        self.activities = FirestoreActivities(layout, access, page_size)
        self.links = FirestoreLinks(layout, access, page_size)
        self.outbox = FirestoreOutbox(layout, access, page_size)
        self.conflicts = FirestoreConflicts(layout, access, page_size)
        self.credentials = FirestoreCredentials(layout, access, page_size)
        self.channels = FirestoreChannels(layout, access, page_size)
        self.oauth_states = FirestoreOAuthStates(layout, access, page_size)
        self.directory = FirestoreDirectory(layout, access, page_size)


def _api_error(exc: BaseException) -> GoogleAPICallError | RetryError | None:
    """The client error at the root of `exc`, if any.

    `transactional` reports a lost last race as ValueError("Failed to commit transaction in
    N attempts") caused by the Aborted, and when its closing rollback fails too, the rollback's
    error surfaces with the original as context: so the whole chain is searched.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, GoogleAPICallError | RetryError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


class FirestoreStorage:
    """All state in one Firestore database (the `(default)` one of the client's project)."""

    def __init__(self, client: Client, *, prefix: str = "", page_size: int = PAGE_SIZE) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self._client = client
        self._layout = Layout(client, prefix)
        self._page_size = page_size
        self._written = WrittenAccounts()
        self.commits = 0  # successful transaction commits, for tests
        self.retries = 0  # transactions re-run after contention, for tests

    def transaction(self, work: Callable[[FirestoreUnitOfWork], T], *, attempts: int = 5) -> T:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        runs = 0
        failed: BaseException | None = None
        last: InTransaction | None = None

        def attempt(transaction: Transaction) -> T:
            nonlocal runs, failed, last
            runs += 1
            last = access = InTransaction(self._client, transaction)
            try:
                return work(self._unit(access))
            except BaseException as exc:
                failed = exc
                raise

        transaction = self._client.transaction(max_attempts=attempts)
        try:
            result: T = transactional(attempt)(transaction)
        except Exception as exc:
            if failed is exc:  # work's own exception, unchanged
                raise
            if failed is not None:  # ... even when the rollback after it failed too
                raise failed from failed.__cause__
            cause = _api_error(exc)
            if isinstance(cause, Aborted):
                raise Contention(
                    f"transaction lost {attempts} races in a row; try again later"
                ) from exc
            if cause is not None:
                raise StorageError(f"Firestore failed to run a transaction: {cause}") from exc
            raise
        finally:
            self.retries += max(runs - 1, 0)
        self.commits += 1
        if last is not None:  # the attempt that committed
            last.committed(transaction.write_results or [])
        return result

    def session(self) -> FirestoreUnitOfWork:
        return self._unit(Session(self._client))

    def _unit(self, access: Access) -> FirestoreUnitOfWork:
        return FirestoreUnitOfWork(self._layout, access, self._page_size, self._written)


if TYPE_CHECKING:  # FirestoreStorage must satisfy the port
    _port: Storage = FirestoreStorage(Client())
