"""The field-level three-way merge of an activity and its event against the link's base.

For each field, compared with `base` (what both sides last agreed on):

| CRM changed | calendar changed        | result                                              |
|-------------|-------------------------|-----------------------------------------------------|
| no          | no                      | base                                                |
| yes         | no                      | the CRM's value                                     |
| no          | yes                     | the calendar's value                                |
| yes         | yes, to the same value  | that value                                          |
| yes         | yes, to different ones  | the later change and a `FieldDecision` recording it |
|             |                         | (the field's own CRM change time, else the          |
|             |                         | activity's `updated_at`, against the event's        |
|             |                         | `updated`; a tie or an unknown time goes to the CRM)|

The calendar side has one time for the whole event (Google gives only `updated`), so a
calendar edit of one field and a later calendar edit of another both count as the later one;
the CRM side is judged per field (`Activity.changed_at`).

The schedule (start/end/dates/time zone) merges as one field, "when", so a merge never pairs
one side's start with the other side's end. Attendees merge as a set: additions and removals of
both sides are all kept, so they never conflict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from calsync.domain.link import Side, SyncedFields
from calsync.domain.schedule import Schedule

SCALAR_FIELDS = ("subject", "location", "description", "busy", "private", "conference_url")


@dataclass(frozen=True)
class FieldDecision:
    """Both sides changed `field` to different values; `winner`'s value was kept."""

    field: str
    crm_value: str
    calendar_value: str
    winner: Side


@dataclass(frozen=True)
class MergeResult:
    fields: SyncedFields
    decisions: tuple[FieldDecision, ...] = ()


def describe_when(item: Schedule) -> str:
    """A schedule in words, for merge records."""
    if item.all_day:
        return f"{item.start_date} to {item.end_date} (all day, {item.timezone})"
    assert item.start is not None
    assert item.end is not None
    return f"{item.start.isoformat()} to {item.end.isoformat()} ({item.timezone})"


def _describe(value: Any) -> str:
    if isinstance(value, Schedule):
        return describe_when(value)
    if isinstance(value, tuple):
        return ", ".join(value)
    return "" if value is None else str(value)


def crm_wins(crm_changed_at: datetime | None, calendar_changed_at: datetime | None) -> bool:
    """Whether the CRM's change counts as the later one."""
    if crm_changed_at is None or calendar_changed_at is None:
        return calendar_changed_at is None
    return crm_changed_at >= calendar_changed_at


def _merge_set(
    crm: tuple[str, ...], cal: tuple[str, ...], cal_base: tuple[str, ...]
) -> tuple[str, ...]:
    """The CRM's set, plus what the calendar added, minus what it removed."""
    ours, theirs = set(crm), set(cal)
    added = theirs - set(cal_base)
    removed = set(cal_base) - theirs
    return tuple(sorted((ours | added) - removed))


_UNKNOWN: Any = object()  # a base no value equals: every difference is a change on both sides


def merge(
    base: SyncedFields | None,
    crm: SyncedFields,
    calendar: SyncedFields,
    *,
    crm_changed_at: datetime | None,
    calendar_changed_at: datetime | None,
    calendar_base: SyncedFields | None = None,
    crm_field_times: Mapping[str, datetime] | None = None,
) -> MergeResult:
    """Merge `crm` and `calendar` against `base`, field by field (see the module's table).

    `calendar_base`: what the calendar held at the last sync, if it did not hold `base` yet
    (an update to it was still pending); the calendar's changes are judged against it.
    `crm_field_times`: when the CRM changed each field (by name); a field without one is
    judged by `crm_changed_at`.
    `base` None (two sides tied together without a common past, e.g. an activity and an event
    found to belong together): every field that differs is decided by time, and recorded;
    attendees are the union of both."""
    field_times = crm_field_times or {}
    cal_base = calendar_base or base
    values: dict[str, Any] = {}
    decisions: list[FieldDecision] = []

    def pick(name: str, old: Any, ours: Any, theirs: Any, their_old: Any) -> Any:
        if theirs in (their_old, ours):
            return ours
        if ours == old:
            return theirs
        later_is_crm = crm_wins(field_times.get(name, crm_changed_at), calendar_changed_at)
        winner = Side.CRM if later_is_crm else Side.CALENDAR
        decisions.append(FieldDecision(name, _describe(ours), _describe(theirs), winner))
        return ours if later_is_crm else theirs

    def old(model: SyncedFields | None, name: str) -> Any:
        if model is None:
            return _UNKNOWN
        return model.schedule() if name == "when" else getattr(model, name)

    when = pick(
        "when", old(base, "when"), crm.schedule(), calendar.schedule(), old(cal_base, "when")
    )
    values.update(when.timing_fields())
    for name in SCALAR_FIELDS:
        values[name] = pick(
            name, old(base, name), getattr(crm, name), getattr(calendar, name), old(cal_base, name)
        )
    known = cal_base.attendees if cal_base is not None else ()
    values["attendees"] = _merge_set(crm.attendees, calendar.attendees, known)
    return MergeResult(SyncedFields(**values), tuple(decisions))


def calendar_wins(
    base: SyncedFields | None, crm: SyncedFields, calendar: SyncedFields
) -> MergeResult:
    """The calendar's content, whole (a read-only item); each field the CRM changed to something
    else is recorded as a decision the calendar won."""
    decisions = []
    for name in ("when", *SCALAR_FIELDS, "attendees"):
        ours, theirs = _value(crm, name), _value(calendar, name)
        if ours != theirs and (base is None or ours != _value(base, name)):
            decisions.append(FieldDecision(name, _describe(ours), _describe(theirs), Side.CALENDAR))
    return MergeResult(calendar, tuple(decisions))


def _value(fields: SyncedFields, name: str) -> Any:
    return fields.schedule() if name == "when" else getattr(fields, name)
