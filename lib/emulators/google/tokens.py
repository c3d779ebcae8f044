"""Page tokens and sync tokens: opaque to clients, self-describing to the simulator.

A sync token names a point in one calendar's change history (a tick) and the query it belongs
to (``singleEvents`` and ``eventTypes``); the next incremental list returns exactly the entries
stamped after that tick. A page token carries the snapshot tick taken on the first page, the
keyset cursor of the last entry returned and a fingerprint of the whole query, so pages stay
consistent while the calendar changes and the final sync token covers every change made during
pagination. Tokens from another generation of the store (a reset or restart) or from before an
invalidation get 410 ``fullSyncRequired``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from emulators.google import errors

_IGNORED_PARAMS = frozenset(
    ("pageToken", "alt", "fields", "prettyPrint", "key", "quotaUser", "oauth_token", "access_token")
)


def fingerprint(params: dict[str, list[str]], *, only: tuple[str, ...] | None = None) -> str:
    """A short hash of a query's parameters (all but paging and transport ones, or ``only``)."""
    chosen = {
        key: sorted(values)
        for key, values in params.items()
        if (key in only if only is not None else key not in _IGNORED_PARAMS)
    }
    digest = hashlib.sha256(json.dumps(chosen, sort_keys=True).encode()).hexdigest()
    return digest[:16]


@dataclass(frozen=True)
class Position:
    """Where a listing stands: which calendar state it reads and where it resumes."""

    generation: str
    scope: str
    epoch: int
    tick: int
    query: str
    since: int | None = None
    after: tuple[Any, ...] | None = None


def encode(kind: str, position: Position) -> str:
    payload = {
        "k": kind,
        "g": position.generation,
        "c": position.scope,
        "e": position.epoch,
        "t": position.tick,
        "q": position.query,
        "s": position.since,
        "a": list(position.after) if position.after is not None else None,
    }
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(kind: str, token: str, location: str) -> Position:
    """Parse a token of ``kind`` (``page`` or ``sync``); 400 ``invalid`` if it is not one."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
        if not isinstance(payload, dict) or payload.get("k") != kind:
            raise ValueError(kind)
        after = payload.get("a")
        if after is not None and not _scalars(after):
            raise ValueError(after)
        return Position(
            generation=str(payload["g"]),
            scope=str(payload["c"]),
            epoch=int(payload["e"]),
            tick=int(payload["t"]),
            query=str(payload["q"]),
            since=None if payload.get("s") is None else int(payload["s"]),
            after=tuple(after) if isinstance(after, list) else None,
        )
    except (
        ValueError,
        KeyError,
        TypeError,
        OverflowError,
        RecursionError,
        UnicodeDecodeError,
    ) as exc:
        raise errors.invalid(f"Invalid {location} value.", location) from exc


def _scalars(after: object) -> bool:
    """A keyset cursor is a list of strings and integers (what listing keys are made of)."""
    return isinstance(after, list) and all(
        isinstance(item, str | int) and not isinstance(item, bool) for item in after
    )


def after(key: tuple[Any, ...], cursor: tuple[Any, ...], location: str = "pageToken") -> bool:
    """Whether ``key`` sorts after ``cursor``; 400 if the cursor is not a key of this listing."""
    try:
        return key > cursor
    except TypeError as exc:
        raise errors.invalid(f"Invalid {location} value.", location) from exc


def check_current(position: Position, generation: str, scope: str, epoch: int) -> None:
    """410 ``fullSyncRequired`` unless the token belongs to this store state and calendar."""
    if (position.generation, position.scope, position.epoch) != (generation, scope, epoch):
        raise errors.full_sync_required()
