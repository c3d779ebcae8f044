"""Domain models <-> Firestore documents.

A document holds the model's fields as Firestore values, plus *derived* top-level fields that
only queries use (e.g. an activity's `starts_at`/`ends_at` instants, an account's
`next_check_at`). Firestore has no date type, so:

| model value         | stored as                                   |
| ------------------- | ------------------------------------------- |
| aware datetime      | timestamp (UTC, microseconds)               |
| date (all-day)      | ISO string "2030-02-01"                     |
| enum                | its string value                            |
| tuple               | array                                       |
| nested model        | map                                         |
| bytes (sealed data) | bytes                                       |

Reading keeps only the model's own fields (derived ones, and any field a newer version
added, are ignored) and validates them again, so a model read back equals the one stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from calsync.domain.account import Account
from calsync.domain.activity import Activity, ActivityType, LinkedItem, User
from calsync.domain.link import ChannelRoute, Conflict, Link, OAuthState, OutboxEntry
from calsync.errors import StorageError

M = TypeVar("M", bound=BaseModel)


def to_firestore(value: Any) -> Any:
    """A plain Python value (as from `model_dump()`) as a value the client can store."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): to_firestore(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_firestore(item) for item in value]
    return value


def from_firestore(value: Any) -> Any:
    """A stored value back as plain Python (timestamps as plain UTC datetimes)."""
    if isinstance(value, datetime):  # the client's DatetimeWithNanoseconds, in UTC
        return datetime.combine(value.date(), value.timetz())
    if isinstance(value, Mapping):
        return {key: from_firestore(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_firestore(item) for item in value]
    return value


@dataclass(frozen=True)
class Codec(Generic[M]):
    """How one model is stored: its fields, plus the derived fields its queries need."""

    model: type[M]
    derived: Mapping[str, Callable[[M], Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        clash = set(self.derived) & set(self.model.model_fields)
        if clash:
            raise TypeError(f"derived fields shadow {self.model.__name__} fields: {clash}")

    def encode(self, item: M) -> dict[str, Any]:
        data: dict[str, Any] = to_firestore(item.model_dump())
        for name, derive in self.derived.items():
            data[name] = to_firestore(derive(item))
        return data

    def decode(self, data: Mapping[str, Any] | None, where: str) -> M:
        """The model stored in a document's `data`; StorageError if it cannot be read."""
        fields = {
            name: from_firestore(value)
            for name, value in (data or {}).items()
            if name in self.model.model_fields
        }
        try:
            return self.model.model_validate(fields)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors()
            )
            raise StorageError(
                f"{where} is not a readable {self.model.__name__}: {problems}"
            ) from exc


def _channel_expiry(account: Account) -> datetime | None:
    return account.channel.expires_at if account.channel else None


ACCOUNT = Codec(
    Account,
    {
        "next_check_at": lambda a: a.sync.next_check_at,
        "channel_expires_at": _channel_expiry,
        "lease_until": lambda a: a.sync.lease_until,
    },
)
ACTIVITY = Codec(Activity, {"starts_at": Activity.starts_at, "ends_at": Activity.ends_at})
USER = Codec(User, {"email_key": lambda u: u.email.strip().lower()})
LINK = Codec(Link)
OUTBOX_ENTRY = Codec(OutboxEntry)
CONFLICT = Codec(Conflict)
CHANNEL_ROUTE = Codec(ChannelRoute)
OAUTH_STATE = Codec(OAuthState)
ACTIVITY_TYPE = Codec(ActivityType)
LINKED_ITEM = Codec(LinkedItem)
