"""The calendar side, provider-neutral: calendars, events and removals as the engine sees them.

Provider adapters translate their wire format to these at the boundary (e.g. Google's exclusive
all-day `end.date` becomes an inclusive `end_date`; `status: cancelled` becomes RemovedEvent).
"""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from calsync.domain.schedule import Schedule


class CalendarInfo(BaseModel):
    """A calendar the account can see."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    primary: bool = False
    writable: bool = False  # only writable calendars may be chosen for sync
    timezone: str = "UTC"


class CalendarEvent(Schedule):
    """An event as it is in the calendar now.

    `etag` changes with every modification; `crm_activity_id` is the stamp calsync puts in the
    event's private extended properties when it creates the event. Occurrences of recurring
    events carry `recurring_event_id`. Events of a type other than "default" (out of office,
    focus time, working location, birthdays, from Gmail) are `read_only` for calsync.
    """

    id: str
    calendar_id: str
    etag: str | None = None
    updated: AwareDatetime | None = None
    summary: str = ""
    description: str = ""
    location: str = ""
    busy: bool = True
    private: bool = False
    attendees: tuple[str, ...] = Field(default=())
    conference_url: str | None = None
    recurring_event_id: str | None = None
    event_type: str = "default"
    crm_activity_id: str | None = None
    organizer_self: bool = True

    @property
    def is_occurrence(self) -> bool:
        return self.recurring_event_id is not None

    @property
    def read_only(self) -> bool:
        return self.is_occurrence or self.event_type != "default"


class RemovedEvent(BaseModel):
    """The calendar says this event (or this occurrence) is gone."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    calendar_id: str
    recurring_event_id: str | None = None


EventChange = CalendarEvent | RemovedEvent
