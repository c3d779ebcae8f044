"""The ports: what the engine and the services need from the world, as Protocols.

Adapters implement them: `store/` (memory, Firestore), `providers/` (memory, Google),
`tasks/` (inline, Cloud Tasks), `auth/` (keyrings). Every adapter of a port passes the same
contract suite in `tests/contract/`. `bootstrap.py` is the only place that picks adapters.

One module per kind: `runtime` (clock, keyring, task queue), `storage` (repositories, unit of
work, storage), `calendar` (the calendar provider, its writes and results, its connector),
`oauth` (the OAuth client). Everything is importable from `calsync.ports` itself.
"""

from __future__ import annotations

from calsync.ports.calendar import (
    CalendarConnector,
    CalendarProvider,
    ChangePage,
    CreateEvent,
    DeleteEvent,
    EventWrite,
    MoveEvent,
    Outcome,
    UpdateEvent,
    WatchChannel,
    WriteResult,
)
from calsync.ports.oauth import (
    OAuthClient,
    TokenGrant,
)
from calsync.ports.runtime import (
    Clock,
    Keyring,
    TaskQueue,
)
from calsync.ports.storage import (
    AccountRepository,
    ActivityRepository,
    ChannelRepository,
    ConflictRepository,
    CredentialRepository,
    DirectoryRepository,
    LinkRepository,
    OAuthStateRepository,
    OutboxRepository,
    Storage,
    UnitOfWork,
)

__all__ = [
    "AccountRepository",
    "ActivityRepository",
    "CalendarConnector",
    "CalendarProvider",
    "ChangePage",
    "ChannelRepository",
    "Clock",
    "ConflictRepository",
    "CreateEvent",
    "CredentialRepository",
    "DeleteEvent",
    "DirectoryRepository",
    "EventWrite",
    "Keyring",
    "LinkRepository",
    "MoveEvent",
    "OAuthClient",
    "OAuthStateRepository",
    "OutboxRepository",
    "Outcome",
    "Storage",
    "TaskQueue",
    "TokenGrant",
    "UnitOfWork",
    "UpdateEvent",
    "WatchChannel",
    "WriteResult",
]
