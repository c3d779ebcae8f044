"""The CRM side: activities, their types, and the items an activity links to."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from calsync.domain.schedule import Schedule, evolve

DEFAULT_ACTIVITY_TYPES: tuple[str, ...] = ("call", "meeting", "task", "deadline", "email", "lunch")

# Lengths a CRM accepts; bigger values are refused as bad input, never truncated silently.
MAX_SUBJECT = 500
MAX_TEXT = 8_000
MAX_ATTENDEES = 200
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_EMAIL = re.compile(EMAIL_PATTERN)


class Visibility(StrEnum):
    """Who sees an activity's details in the CRM."""

    EVERYONE = "everyone"
    ONLY_ME = "only_me"  # others see the time as busy, without details


class Origin(StrEnum):
    """Where an activity was born: in the CRM, or imported from a connected calendar."""

    CRM = "crm"
    CALENDAR = "calendar"


class ActivityType(BaseModel):
    """A kind of activity: one of the defaults or a company's custom type."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    name: str = Field(min_length=1, max_length=100)
    builtin: bool = False
    active: bool = True


def default_activity_types() -> list[ActivityType]:
    return [ActivityType(key=key, name=key.title(), builtin=True) for key in DEFAULT_ACTIVITY_TYPES]


class User(BaseModel):
    """A CRM user of a company."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    company_id: str
    email: str = Field(pattern=EMAIL_PATTERN)
    name: str = ""


class LinkedItemKind(StrEnum):
    DEAL = "deal"
    PERSON = "person"
    ORGANIZATION = "organization"


class LinkedItem(BaseModel):
    """A deal, person or organization an activity can link to (cited in event descriptions).

    `visible_to_everyone` False means only its owner may see it; an activity linked to it is then
    shown to others as a busy block without details.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: LinkedItemKind
    id: str
    company_id: str
    name: str
    owner_id: str
    visible_to_everyone: bool = True
    email: str | None = None  # persons
    organization_id: str | None = None  # persons and deals
    value: str | None = None  # deals, as display text (e.g. "12,000 EUR")


class Activity(Schedule):
    """A CRM activity. `note` never leaves the CRM; `public_description` is what syncs.

    `version` grows by one with every change (the outbox and links refer to it);
    `read_only` activities (occurrences of recurring calendar events) refuse CRM edits.
    """

    id: str = Field(min_length=1, max_length=200)
    company_id: str
    owner_id: str
    type: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    subject: str = Field(default="", max_length=MAX_SUBJECT)
    location: str = Field(default="", max_length=MAX_TEXT)
    public_description: str = Field(default="", max_length=MAX_TEXT)
    note: str = Field(default="", max_length=MAX_TEXT)
    busy: bool = True
    visibility: Visibility = Visibility.EVERYONE
    done: bool = False
    deal_id: str | None = None
    person_id: str | None = None
    org_id: str | None = None
    attendees: tuple[str, ...] = Field(default=(), max_length=MAX_ATTENDEES)
    conference_url: str | None = Field(default=None, max_length=2_000)
    read_only: bool = False
    origin: Origin = Origin.CRM
    source_account_id: str | None = None  # for origin=calendar: the account that imported it
    version: int = Field(default=1, ge=1)
    created_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    updated_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    # When each synced field last changed on the CRM side (keys of SYNCED_ATTRIBUTES; see
    # `stamp_changes`): the merge judges each field by its own time, not the activity's.
    changed_at: dict[str, AwareDatetime] = Field(default_factory=dict)

    @field_validator("attendees")
    @classmethod
    def _normalise_attendees(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = sorted({email.strip().lower() for email in value if email.strip()})
        bad = [email for email in cleaned if not _EMAIL.match(email)]
        if bad:
            raise ValueError(f"not an email address: {', '.join(bad)}")
        return tuple(cleaned)

    @property
    def linked_item_ids(self) -> dict[LinkedItemKind, str]:
        pairs = {
            LinkedItemKind.DEAL: self.deal_id,
            LinkedItemKind.PERSON: self.person_id,
            LinkedItemKind.ORGANIZATION: self.org_id,
        }
        return {kind: item_id for kind, item_id in pairs.items() if item_id}


ActivityOp = Literal["upsert", "delete"]

# The synced fields (as the merge names them) and the activity attributes each stands for.
SYNCED_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "when": ("timezone", "start", "end", "start_date", "end_date"),
    "subject": ("subject",),
    "location": ("location",),
    "description": ("public_description",),
    "busy": ("busy",),
    "private": ("visibility",),
    "attendees": ("attendees",),
    "conference_url": ("conference_url",),
}


def stamp_changes(before: Activity | None, after: Activity, at: datetime) -> Activity:
    """`after`, with `at` as the change time of each synced field it changed from `before`
    (every field, for a new activity). Whatever writes an activity on the CRM side calls it:
    the activities API, and the engine when it takes a calendar's change in."""
    times = dict(before.changed_at) if before is not None else {}
    for name, attributes in SYNCED_ATTRIBUTES.items():
        if before is None or any(
            getattr(before, attr) != getattr(after, attr) for attr in attributes
        ):
            times[name] = at
    return evolve(after, changed_at=times)
