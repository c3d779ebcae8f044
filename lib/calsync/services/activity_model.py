"""The activity as the API speaks it: the fields a client may write, and the view it reads.

Timing in the API: `all_day` false -> `start`/`end` are instants with a UTC offset and
`timezone` is the IANA zone the activity lives in; `all_day` true -> `start`/`end` are dates
and `end` is the last day (inclusive, as everywhere in calsync). Fields the server owns (`id`,
`owner_id`, `read_only`, `origin`, `version`, `updated_at`, `details_hidden`) may be sent back
unchanged (a client echoing what it read) but never changed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from calsync.domain.activity import (
    EMAIL_PATTERN,
    MAX_SUBJECT,
    MAX_TEXT,
    Activity,
    Origin,
    Visibility,
)
from calsync.domain.schedule import MAX_ZONE_NAME
from calsync.errors import InvalidInput
from calsync.services.common import field_errors
from calsync.services.preview import BUSY_TITLE

SERVER_FIELDS = ("id", "owner_id", "read_only", "origin", "version", "updated_at")
# The years an activity may lie in. The Google Calendar simulator accepts 1900-5000 (Google
# documents no limit); one year to spare at each end keeps every time zone's reading of an
# item inside that, and far from where date arithmetic and storage timestamps overflow.
FIRST_YEAR, LAST_YEAR = 1901, 4999
YEARS = f"must lie within the years {FIRST_YEAR} to {LAST_YEAR}"
OUTPUT_ONLY = ("details_hidden",)
INSTANT: TypeAdapter[datetime] = TypeAdapter(AwareDatetime)
EMAIL = re.compile(EMAIL_PATTERN)


class ActivityFields(BaseModel):
    """What a client writes (POST whole, PATCH over the current values)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    subject: str = Field(default="", max_length=MAX_SUBJECT)
    start: str = Field(max_length=64)
    end: str = Field(max_length=64)
    all_day: bool = False
    timezone: str = Field(default="UTC", max_length=MAX_ZONE_NAME)
    location: str = Field(default="", max_length=MAX_TEXT)
    public_description: str = Field(default="", max_length=MAX_TEXT)
    note: str = Field(default="", max_length=MAX_TEXT)
    busy: bool = True
    visibility: Visibility = Visibility.EVERYONE
    done: bool = False
    deal_id: str | None = Field(default=None, min_length=1, max_length=200)
    person_id: str | None = Field(default=None, min_length=1, max_length=200)
    org_id: str | None = Field(default=None, min_length=1, max_length=200)
    attendees: list[str] = Field(default_factory=list, max_length=200)
    conference_url: str | None = Field(default=None, pattern=r"^https?://\S+$", max_length=2000)

    @field_validator("attendees")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        bad = [email for email in value if not EMAIL.match(email.strip())]
        if bad:
            raise ValueError(f"not an email address: {', '.join(bad)}")
        return value


def supported(moment: date) -> bool:
    """Whether `moment` (a date, or an aware instant: as given and in UTC) lies within the
    supported years."""
    years = [moment.year]
    if isinstance(moment, datetime) and FIRST_YEAR <= moment.year <= LAST_YEAR:
        years.append(moment.astimezone(UTC).year)  # cannot overflow: a year from the edges
    return all(FIRST_YEAR <= year <= LAST_YEAR for year in years)


def _instant(value: str, name: str, problems: dict[str, str]) -> datetime | None:
    try:
        moment = INSTANT.validate_python(value)
    except ValidationError:
        problems[name] = "must be a date-time with a UTC offset, e.g. 2030-01-10T09:00:00+01:00"
        return None
    if not supported(moment):
        problems[name] = YEARS
        return None
    return moment


def _day(value: str, name: str, problems: dict[str, str]) -> date | None:
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            if supported(day):
                return day
            problems[name] = YEARS
            return None
    except ValueError:
        pass
    problems[name] = "must be a date (YYYY-MM-DD) for an all-day activity"
    return None


def timing(data: Mapping[str, Any], problems: dict[str, str]) -> dict[str, Any]:
    """The domain's timing fields from raw client data; problems with `start`/`end` noted.

    Each of `start` and `end` is checked on its own (a bad start is named even when the end is
    missing); values of the wrong JSON type, and missing ones, are left to the field
    validation to report.
    """
    start, end = data.get("start"), data.get("end")
    if data.get("all_day") is True:
        first = _day(start, "start", problems) if isinstance(start, str) else None
        last = _day(end, "end", problems) if isinstance(end, str) else None
        if first and last and last < first:
            problems.setdefault("end", "the last day is before the first")
        return {"start_date": first, "end_date": last}
    begin = _instant(start, "start", problems) if isinstance(start, str) else None
    finish = _instant(end, "end", problems) if isinstance(end, str) else None
    if begin and finish and finish < begin:
        problems.setdefault("end", "is before start")
    return {"start": begin, "end": finish}


def build(
    data: Mapping[str, Any], *, problems: Mapping[str, str] | None = None, **server: Any
) -> Activity:
    """An Activity from client fields plus the server's (`id`, `owner_id`, `version`, ...).

    InvalidInput names every wrong field at once, with the caller's own `problems` (e.g. an
    unknown activity type) added.
    """
    found = dict(problems or {})
    fields: ActivityFields | None = None
    try:
        fields = ActivityFields.model_validate(dict(data))
    except ValidationError as exc:
        found.update(field_errors(exc))
    timed = timing(data, found)
    if found or fields is None:
        raise InvalidInput("invalid activity", found)
    values = fields.model_dump(exclude={"start", "end", "all_day"})
    try:
        return Activity.model_validate({**values, **timed, **server})
    except ValidationError as exc:
        raise InvalidInput("invalid activity", field_errors(exc)) from None


def _bounds(activity: Activity) -> tuple[date | datetime, date | datetime]:
    if activity.start_date is not None and activity.end_date is not None:
        return activity.start_date, activity.end_date
    assert activity.start is not None
    assert activity.end is not None
    return activity.start, activity.end


def client_fields(activity: Activity) -> dict[str, Any]:
    """The activity's client-writable fields, as a client would send them."""
    start, end = _bounds(activity)
    names = set(ActivityFields.model_fields) - {"start", "end", "all_day"}
    values = {name: getattr(activity, name) for name in names}
    values["attendees"] = list(activity.attendees)
    values.update(start=start.isoformat(), end=end.isoformat(), all_day=activity.all_day)
    return values


class ActivityView(BaseModel):
    """An activity as one viewer may see it (the API's activity object)."""

    model_config = ConfigDict(frozen=True)

    id: str
    owner_id: str
    type: str | None
    subject: str
    start: datetime | date
    end: datetime | date
    all_day: bool
    timezone: str
    location: str
    public_description: str
    note: str
    busy: bool
    visibility: Visibility
    done: bool
    deal_id: str | None
    person_id: str | None
    org_id: str | None
    attendees: list[str]
    conference_url: str | None
    read_only: bool
    origin: Origin
    version: int
    updated_at: datetime
    details_hidden: bool


def view(activity: Activity, *, details: bool) -> ActivityView:
    """The view of `activity`; without `details`, a busy block: its time and nothing else."""
    start, end = _bounds(activity)
    data = {
        **client_fields(activity),
        **{name: getattr(activity, name) for name in SERVER_FIELDS},
        "start": start,
        "end": end,
        "details_hidden": not details,
    }
    if not details:
        blank = {"location": "", "public_description": "", "note": "", "attendees": []}
        none = dict.fromkeys(("type", "deal_id", "person_id", "org_id", "conference_url"))
        data.update(blank, **none, subject=BUSY_TITLE, done=False)
    return ActivityView.model_validate(data)
