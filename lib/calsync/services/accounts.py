"""Reading a user's accounts and what belongs to them: the account list, one account, its
calendars, a separate calendar created on request, merge decisions, and the private-event
preview. Another user's account is "not found"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from calsync.domain.account import Account, PrivateEvents
from calsync.domain.activity import User
from calsync.domain.event import CalendarInfo
from calsync.domain.link import Conflict
from calsync.domain.schedule import zone
from calsync.errors import InvalidInput
from calsync.services.common import ServiceContext, owned, parse
from calsync.services.confirm import require_confirmed
from calsync.services.preview import PrivateEventPreview, private_event_preview

DEFAULT_CALENDAR_NAME = "CRM activities"
MAX_CONFLICTS = 200


class NewCalendar(BaseModel):
    """The body of `POST /accounts/{id}/calendars`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(default=DEFAULT_CALENDAR_NAME, max_length=100)
    timezone: str | None = None  # default: the zone of the account's primary calendar

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            zone(value)
        return value


class AccountService:
    """Queries of a user's accounts (no state changes except creating a calendar)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def for_user(self, user: User) -> list[Account]:
        accounts = self._ctx.storage.session().accounts.for_user(user.company_id, user.id)
        return sorted(accounts, key=lambda a: (a.created_at, a.id))

    def get(self, user: User, account_id: str) -> Account:
        return owned(self._ctx.storage.session().accounts.get(account_id), user)

    def calendars(self, user: User, account_id: str) -> list[CalendarInfo]:
        account = require_confirmed(self.get(user, account_id))
        return self._ctx.call_calendar(account, lambda provider: provider.calendars())

    def create_calendar(
        self, user: User, account_id: str, body: Mapping[str, Any]
    ) -> tuple[CalendarInfo, bool]:
        """A writable calendar with the name asked for, and whether it was created just now.

        Asking twice does not make two calendars: an existing writable calendar of that name
        is returned instead.
        """
        request = parse(NewCalendar, body, "calendar")
        account = require_confirmed(self.get(user, account_id))
        calendars = self._ctx.call_calendar(account, lambda provider: provider.calendars())
        for calendar in calendars:
            if calendar.writable and calendar.name == request.name:
                return calendar, False
        timezone = request.timezone or next((c.timezone for c in calendars if c.primary), "UTC")
        created = self._ctx.call_calendar(
            account, lambda provider: provider.create_calendar(request.name, timezone)
        )
        return created, True

    def conflicts(self, user: User, account_id: str, limit: int = 50) -> list[Conflict]:
        if not 1 <= limit <= MAX_CONFLICTS:
            raise InvalidInput("invalid limit", {"limit": f"must be 1 to {MAX_CONFLICTS}"})
        account = self.get(user, account_id)
        return self._ctx.storage.session().conflicts.recent(account.id, limit=limit)

    def preview(self, user: User, account_id: str, option: str | None) -> PrivateEventPreview:
        account = self.get(user, account_id)
        if option is None:
            chosen = account.settings.private_events if account.settings else PrivateEvents.ONLY_ME
        else:
            try:
                chosen = PrivateEvents(option)
            except ValueError:
                allowed = ", ".join(p.value for p in PrivateEvents)
                problem = {"option": f"must be one of {allowed}"}
                raise InvalidInput("invalid option", problem) from None
        return private_event_preview(chosen)
