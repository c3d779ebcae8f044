"""When an activity or event happens: timed (aware instants in a named zone) or all-day (dates).

One convention everywhere inside calsync: an all-day item runs from `start_date` to `end_date`
**inclusive** (a one-day item has `start_date == end_date`). Providers that use an exclusive end
(Google's `end.date`) convert at their adapter's boundary.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Self, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, ConfigDict, field_validator, model_validator

MAX_ZONE_NAME = 64  # the longest IANA name has 32 characters


def zone(name: str) -> ZoneInfo:
    """The IANA zone called `name`; ValueError if there is none.

    A name that is no zone may still name a file or directory of the zone database
    ("America") or be too long for the file system: each is "unknown", never an OSError.
    """
    problem = f"unknown time zone {name[:MAX_ZONE_NAME]!r} (use an IANA name like Europe/Berlin)"
    if not name or len(name) > MAX_ZONE_NAME:
        raise ValueError(problem)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(problem) from exc


class Schedule(BaseModel):
    """Either `start`/`end` (timed) or `start_date`/`end_date` (all-day), never both."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = "UTC"
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    start_date: date | None = None
    end_date: date | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)
        return value

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        timed = self.start is not None or self.end is not None
        dated = self.start_date is not None or self.end_date is not None
        if timed and dated:
            raise ValueError("give start/end for a timed item or start_date/end_date, not both")
        if timed:
            if self.start is None or self.end is None:
                raise ValueError("a timed item needs both start and end")
            if self.end < self.start:
                raise ValueError("end is before start")
        elif dated:
            if self.start_date is None or self.end_date is None:
                raise ValueError("an all-day item needs both start_date and end_date")
            if self.end_date < self.start_date:
                raise ValueError("end_date is before start_date")
        else:
            raise ValueError("an item needs start/end or start_date/end_date")
        return self

    @property
    def all_day(self) -> bool:
        return self.start_date is not None

    def starts_at(self) -> datetime:
        """The instant it starts (all-day: midnight of the first day in its zone)."""
        if self.start is not None:
            return self.start
        assert self.start_date is not None
        return datetime.combine(self.start_date, time(), zone(self.timezone))

    def ends_at(self) -> datetime:
        """The instant it ends (all-day: midnight after the last day in its zone)."""
        if self.end is not None:
            return self.end
        assert self.end_date is not None
        return datetime.combine(self.end_date + timedelta(days=1), time(), zone(self.timezone))

    def schedule(self) -> Schedule:
        """Just the timing, as a plain Schedule (for comparing and copying between models)."""
        return Schedule(
            timezone=self.timezone,
            start=self.start,
            end=self.end,
            start_date=self.start_date,
            end_date=self.end_date,
        )

    def timing_fields(self) -> dict[str, Any]:
        """The timing as keyword arguments, to build another model with the same schedule."""
        return {
            "timezone": self.timezone,
            "start": self.start,
            "end": self.end,
            "start_date": self.start_date,
            "end_date": self.end_date,
        }


M = TypeVar("M", bound=BaseModel)


def evolve(model: M, **changes: Any) -> M:
    """A copy of `model` with `changes`, validated again (unlike `model_copy(update=...)`)."""
    data = {name: getattr(model, name) for name in type(model).model_fields}
    data.update(changes)
    return type(model).model_validate(data)
