"""The process's own needs: the clock, encryption of secrets at rest, and the task queue."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """What time it is (SystemClock; FakeClock in tests)."""

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


class TaskQueue(Protocol):
    """Where sync jobs are asked for (Cloud Tasks; an inline queue in tests)."""

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
