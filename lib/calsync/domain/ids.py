"""Identifiers that tie the two sides together without any lookup table.

- An event calsync creates for a CRM activity gets a client-chosen id *derived from the activity
  id, invertibly*: a fixed prefix, then the activity id in base32hex (RFC 4648, lowercase, no
  padding). Google accepts exactly that alphabet (`a-v`, `0-9`) for client ids, so a retried
  create can never make a second event, and a tombstone that carries only an event id still
  leads back to its activity.
- When Google will not bring back a deleted event under its id (it answers 403 or 409 for some
  ids of deleted events), the event is created under the next *generation* of the id: the
  prefix's last character counts generations in base32hex (`crm0`, `crm1`, ... `crmv`), so
  every generation is still deterministic and still leads back to its activity.
- An activity imported from a calendar gets an id derived from whose it is and where the event
  lives: (company, CRM user, provider, calendar id, event id). A re-run import finds the
  activity it made before instead of creating a second one, and so does an account connected
  again (a new account id, the same user and the same calendar): its imports tie back.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from calsync.domain.account import Account

EVENT_ID_PREFIX = "crm0"  # generation 0; later generations change the last character
_GENERATIONS = "0123456789abcdefghijklmnopqrstuv"  # base32hex digits
IMPORTED_PREFIX = "cal-"
MAX_EVENT_ID = 1024  # Google's limit on client-chosen ids


def event_id_for(activity_id: str, generation: int = 0) -> str:
    """The id of the event calsync creates for `activity_id` (`generation` 0 to 31).

    Raises ValueError for an activity id too long to fit Google's 1024 characters (over 630
    bytes of UTF-8); the CRM's ids are far shorter.
    """
    encoded = base64.b32hexencode(activity_id.encode()).decode().rstrip("=").lower()
    event_id = EVENT_ID_PREFIX[:-1] + _GENERATIONS[generation] + encoded
    if len(event_id) > MAX_EVENT_ID:
        raise ValueError(f"activity id too long to derive an event id: {activity_id[:40]}...")
    return event_id


def activity_id_from_event_id(event_id: str) -> str | None:
    """The activity id `event_id` was derived from, or None if it is not one of ours."""
    generation = _generation(event_id)
    if generation is None:
        return None
    body = event_id[len(EVENT_ID_PREFIX) :].upper()
    padded = body + "=" * (-len(body) % 8)
    try:
        activity_id = base64.b32hexdecode(padded).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    # Only the canonical spelling counts (e.g. no stray padding bits).
    canonical = activity_id and event_id_for(activity_id, generation) == event_id
    return activity_id if canonical else None


def next_event_id(event_id: str) -> str | None:
    """The next generation of one of calsync's event ids; None for other ids or the last."""
    generation = _generation(event_id)
    activity_id = activity_id_from_event_id(event_id)
    if generation is None or activity_id is None or generation + 1 >= len(_GENERATIONS):
        return None
    return event_id_for(activity_id, generation + 1)


def _generation(event_id: str) -> int | None:
    stem, digit = EVENT_ID_PREFIX[:-1], event_id[len(EVENT_ID_PREFIX) - 1 : len(EVENT_ID_PREFIX)]
    if not event_id.startswith(stem) or not digit or digit not in _GENERATIONS:
        return None
    return _GENERATIONS.index(digit)


def imported_activity_id(account: Account, calendar_id: str, event_id: str) -> str:
    """The id of the activity imported for the account's user from `event_id` of
    `calendar_id` (the same for every account of that user on that provider)."""
    parts = (account.company_id, account.user_id, account.provider.value, calendar_id, event_id)
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    return IMPORTED_PREFIX + digest[:40]


def activity_ids_for_event(account: Account, calendar_id: str, event_id: str) -> list[str]:
    """Every activity id an event of the account's calendar can belong to (ours first)."""
    ours = activity_id_from_event_id(event_id)
    imported = imported_activity_id(account, calendar_id, event_id)
    return [ours, imported] if ours else [imported]
