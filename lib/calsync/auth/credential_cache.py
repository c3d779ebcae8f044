"""Unsealed credentials kept by a warm process, so an idle job need not read and unseal them.

An entry is keyed by account id and holds the account's `credentials_version` it was loaded
under: the version is stored on the account and bumped whenever a consent stores new tokens, so
a job, which has just read the account to take its lease, can tell whether the tokens it holds
are still the account's own. A refresh (new access token, same refresh token) keeps the version
and replaces the entry; a reconnect bumps the version, so no process keeps using dead tokens;
removing an account drops its entry for good (account ids are never reused, so a job still
running for it cannot put its tokens back). Bounded (least recently used go first), safe to
share between the threads of one process, and it never shows a token: its repr is its size.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from calsync.domain.account import Credentials

DEFAULT_SIZE = 1024


class CredentialCache:
    """account id -> (credentials version, credentials), at most `size` accounts."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        if size < 1:
            raise ValueError("a credential cache holds at least one account")
        self._size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[int, Credentials]] = OrderedDict()
        self._removed: OrderedDict[str, None] = OrderedDict()  # accounts that are gone

    def get(self, account_id: str, version: int) -> Credentials | None:
        """The cached credentials of the account, if they were loaded under `version`."""
        with self._lock:
            entry = self._entries.get(account_id)
            if entry is None or entry[0] != version:
                return None
            self._entries.move_to_end(account_id)
            return entry[1]

    def put(self, account_id: str, version: int, credentials: Credentials) -> None:
        with self._lock:
            if account_id in self._removed:
                return
            self._entries[account_id] = (version, credentials)
            self._entries.move_to_end(account_id)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def drop(self, account_id: str) -> None:
        """Forget the entry (the next job reads the stored credentials again)."""
        with self._lock:
            self._entries.pop(account_id, None)

    def remove(self, account_id: str) -> None:
        """The account is gone: forget its entry and never take one for it again."""
        with self._lock:
            self._entries.pop(account_id, None)
            self._removed[account_id] = None
            while len(self._removed) > self._size:
                self._removed.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __repr__(self) -> str:
        return f"CredentialCache({len(self)} of {self._size} accounts)"
