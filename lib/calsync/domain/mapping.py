"""Mapping between the two sides: activity <-> SyncedFields <-> event content.

Three shapes of the same content:

- the *activity* (CRM side: public description, visibility, note that never leaves the CRM);
- the neutral `SyncedFields` (what is compared, merged and kept as a link's base): the public
  description only, `private` as the calendar understands it;
- the *event content* written to the calendar: the neutral fields with the deal/contact block
  appended to the description (see `details.py`).

Every field of the behaviour guide maps both ways: start/end with their time zone (all-day stays
all-day), location, public description, busy <-> transparency, private <-> visibility,
attendees, conference link. Values the CRM cannot hold (longer than its limits, malformed
attendee addresses) are cut to fit on the way in, and the same cut is applied when comparing,
so a long calendar text is never written back shortened unless the CRM side changed it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from calsync.domain.account import Account, PrivateEvents, SyncSettings
from calsync.domain.activity import (
    EMAIL_PATTERN,
    MAX_ATTENDEES,
    MAX_SUBJECT,
    MAX_TEXT,
    SYNCED_ATTRIBUTES,
    Activity,
    LinkedItem,
    LinkedItemKind,
    Origin,
    Visibility,
)
from calsync.domain.details import render_block, split_block, with_block
from calsync.domain.event import CalendarEvent
from calsync.domain.ids import imported_activity_id
from calsync.domain.link import SyncedFields
from calsync.domain.schedule import Schedule, evolve

MAX_CONFERENCE_URL = 2_000
_EMAIL = re.compile(EMAIL_PATTERN)


# -- visibility ---------------------------------------------------------------------------------


def imported_visibility(private: bool, settings: SyncSettings) -> Visibility | None:
    """The CRM visibility of an activity imported from an event; None: not imported at all.

    Private events follow the "private events" option; all others get the default visibility.
    """
    if not private:
        return settings.default_visibility
    if settings.private_events is PrivateEvents.SKIP:
        return None
    if settings.private_events is PrivateEvents.EVERYONE:
        return Visibility.EVERYONE
    return Visibility.ONLY_ME


def follows_policy(
    activity: Activity,
    settings: SyncSettings,
    base: SyncedFields | None,
    given: Visibility | None,
) -> bool:
    """Whether a calendar-born activity's visibility is still the one the policy gave it
    (`given`, kept on its link; for older links: what the settings give for `base`)."""
    if given is not None:
        return activity.visibility is given
    return base is not None and activity.visibility is imported_visibility(base.private, settings)


def activity_private(
    activity: Activity,
    settings: SyncSettings,
    base: SyncedFields | None = None,
    given: Visibility | None = None,
) -> bool:
    """Whether the activity wants its event private.

    CRM-born: *only me* <-> private, both ways. Calendar-born: a visibility the policy gave
    says nothing about the event (it stays as private as it was, `base`); only a visibility
    the CRM user chose counts (only me -> private).
    """
    if activity.origin is Origin.CRM or base is None:
        return activity.visibility is Visibility.ONLY_ME
    if follows_policy(activity, settings, base, given):
        return base.private
    return activity.visibility is Visibility.ONLY_ME


def visibility_after(
    activity: Activity,
    private: bool,
    settings: SyncSettings,
    base: SyncedFields | None,
    given: Visibility | None,
) -> tuple[Visibility, Visibility | None]:
    """The activity's visibility once its event is (now) `private`, and, for calendar-born
    activities, the visibility the policy gave (to keep on the link).

    A calendar-born activity that follows the policy takes what the policy gives now (so a
    changed option applies to it), as does one whose event changed its private flag; one whose
    visibility the CRM user chose keeps it.
    """
    wanted = activity_private(activity, settings, base, given)
    if activity.origin is Origin.CRM:
        if private == wanted:
            return activity.visibility, None
        return (Visibility.ONLY_ME if private else Visibility.EVERYONE), None
    policy = imported_visibility(private, settings) or Visibility.ONLY_ME
    if follows_policy(activity, settings, base, given) or private != wanted:
        return policy, policy
    return activity.visibility, given


# -- fitting calendar values into the CRM -----------------------------------------------------


def _cut(text: str, limit: int) -> str:
    return text[:limit]


def fit_attendees(emails: tuple[str, ...]) -> tuple[str, ...]:
    """Attendee addresses the CRM can hold: well-formed, lowercase, sorted, at most 200."""
    cleaned = sorted({e.strip().lower() for e in emails if _EMAIL.match(e.strip().lower())})
    return tuple(cleaned[:MAX_ATTENDEES])


def _fit_url(url: str | None) -> str | None:
    return url if url and len(url) <= MAX_CONFERENCE_URL else None


# -- the three shapes -------------------------------------------------------------------------


def fields_from_activity(
    activity: Activity,
    settings: SyncSettings,
    base: SyncedFields | None = None,
    given: Visibility | None = None,
) -> SyncedFields:
    """The neutral fields an activity stands for (`base`, `given`: its link's, which matter
    for calendar-born activities; see `activity_private`)."""
    return SyncedFields(
        **activity.timing_fields(),
        subject=activity.subject,
        location=activity.location,
        description=activity.public_description,
        busy=activity.busy,
        private=activity_private(activity, settings, base, given),
        attendees=activity.attendees,
        conference_url=activity.conference_url,
    )


def fields_from_event(event: CalendarEvent) -> SyncedFields:
    """The neutral fields of an event: calsync's block dropped, values fitted to the CRM."""
    public, _ = split_block(event.description)
    return SyncedFields(
        **event.timing_fields(),
        subject=_cut(event.summary, MAX_SUBJECT),
        location=_cut(event.location, MAX_TEXT),
        description=_cut(public, MAX_TEXT),
        busy=event.busy,
        private=event.private,
        attendees=fit_attendees(event.attendees),
        conference_url=_fit_url(event.conference_url),
    )


def observed_content(event: CalendarEvent) -> SyncedFields:
    """The event's content as calsync would have written it: neutral fields plus its block."""
    neutral = fields_from_event(event)
    _, block = split_block(event.description)
    return evolve(neutral, description=with_block(neutral.description, block))


def event_content(
    fields: SyncedFields,
    linked: Mapping[LinkedItemKind, LinkedItem],
    settings: SyncSettings,
    crm_base_url: str,
) -> SyncedFields:
    """What calsync writes to the calendar for `fields` (with the deal/contact block if on)."""
    if not settings.include_deal_and_contact:
        return fields
    block = render_block(linked, crm_base_url)
    return evolve(fields, description=with_block(fields.description, block))


def apply_fields(
    activity: Activity,
    fields: SyncedFields,
    settings: SyncSettings,
    *,
    base: SyncedFields | None,
    given: Visibility | None = None,
) -> Activity:
    """The activity with `fields` applied (version and updated_at untouched; see `bump`);
    its visibility as `visibility_after` says."""
    visibility, _ = visibility_after(activity, fields.private, settings, base, given)
    return evolve(activity, **_activity_fields(fields), visibility=visibility)


def _activity_fields(fields: SyncedFields) -> dict[str, Any]:
    """The activity's fields that the synced fields carry (visibility aside: it depends on
    the settings and on what the activity was)."""
    return {
        **fields.timing_fields(),
        "subject": fields.subject,
        "location": fields.location,
        "public_description": fields.description,
        "busy": fields.busy,
        "attendees": fields.attendees,
        "conference_url": fields.conference_url,
    }


def bump(activity: Activity, now: datetime) -> Activity:
    """The next version of an activity the sync changed."""
    return evolve(activity, version=activity.version + 1, updated_at=now)


def activity_from_event(
    event: CalendarEvent,
    *,
    account: Account,
    settings: SyncSettings,
    now: datetime,
) -> Activity | None:
    """A new CRM activity of the account's user for an event of its calendar; None if it is not
    imported (a private event under "don't sync private events")."""
    visibility = imported_visibility(event.private, settings)
    if visibility is None:
        return None
    fields = fields_from_event(event)
    return Activity(
        **_activity_fields(fields),
        id=imported_activity_id(account, event.calendar_id, event.id),
        company_id=account.company_id,
        owner_id=account.user_id,
        type=settings.import_as_type,
        visibility=visibility,
        read_only=event.read_only,
        origin=Origin.CALENDAR,
        source_account_id=account.id,
        created_at=now,
        updated_at=now,
        changed_at=dict.fromkeys(SYNCED_ATTRIBUTES, now),
    )


# -- comparing ---------------------------------------------------------------------------------


def content_hash(fields: SyncedFields) -> str:
    """A stable hash of content (instants compared in UTC; the time zone name is kept)."""
    canonical = evolve(
        fields,
        start=fields.start.astimezone(UTC) if fields.start else None,
        end=fields.end.astimezone(UTC) if fields.end else None,
    )
    return hashlib.sha256(canonical.model_dump_json().encode()).hexdigest()[:32]


def is_future(item: Schedule, now: datetime) -> bool:
    """The future-only rule: an item is synced only while it has not ended."""
    return item.ends_at() > now


def any_future(now: datetime, *items: Schedule | None) -> bool:
    """The future-only rule for a linked pair: it syncs while either side, or what both last
    agreed on, has not ended. So a move across "now" on one side (into the past, or out of
    it) reaches the other side; once everything is over, the pair is left alone."""
    return any(item is not None and is_future(item, now) for item in items)
