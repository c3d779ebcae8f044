"""Sync settings: read, change (each change saved at once) and validate.

Settings are checked field by field (types and values), then against the world: the calendar
must be one of the account's calendars the user can write to, and the activity types must be
active types of the company. A saved change only records the new settings and, for a syncing
account, asks for a job: the engine reconciles what changed (moves events to a new calendar,
pushes an added type, removes the events of a removed type). A changed calendar also moves the
push channel to it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from calsync.domain.account import Account, SyncSettings
from calsync.domain.activity import User
from calsync.domain.schedule import evolve
from calsync.errors import InvalidInput, ProviderError
from calsync.ports import UnitOfWork
from calsync.services.channels import Channels
from calsync.services.common import ServiceContext, owned, parse
from calsync.services.confirm import require_confirmed

log = logging.getLogger(__name__)


def draft_settings() -> dict[str, Any]:
    """What an account without saved settings shows: the defaults, no calendar chosen yet."""
    defaults = {
        name: field.get_default(call_default_factory=True)
        for name, field in SyncSettings.model_fields.items()
    }
    return {**defaults, "calendar_id": None, "export_types": list(defaults["export_types"])}


def merged(current: SyncSettings | None, changes: Mapping[str, Any]) -> SyncSettings:
    """`changes` applied over `current` (or over the defaults), validated field by field."""
    # Defaults are spelled out so they are validated (normalised) like sent values.
    if current is not None:
        base = current.model_dump()
    else:
        base = {k: v for k, v in draft_settings().items() if k != "calendar_id"}
    return parse(SyncSettings, {**base, **changes}, "settings")


class SettingsRules:
    """Checks settings against the account's calendars and the company's activity types."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def check(self, account: Account, settings: SyncSettings, *, calendar: bool) -> None:
        """InvalidInput naming each field the world refuses; `calendar` asks the provider too."""
        problems = self._type_problems(account.company_id, settings)
        if calendar:
            writable = self._ctx.call_calendar(
                account, lambda p: {c.id for c in p.calendars() if c.writable}
            )
            if settings.calendar_id not in writable:
                problems["calendar_id"] = "not a calendar of this account you can write to"
        if problems:
            raise InvalidInput("invalid settings", problems)

    def _type_problems(self, company_id: str, settings: SyncSettings) -> dict[str, str]:
        types = self._ctx.storage.session().directory.activity_types(company_id)
        active = {t.key for t in types if t.active}
        problems = {}
        if settings.import_as_type not in active:
            problems["import_as_type"] = f"no active activity type {settings.import_as_type!r}"
        unknown = sorted(set(settings.export_types) - active)
        if unknown:
            problems["export_types"] = f"no active activity types: {', '.join(unknown)}"
        return problems


class SettingsService:
    """GET and PATCH of an account's settings."""

    def __init__(self, ctx: ServiceContext, rules: SettingsRules, channels: Channels) -> None:
        self._ctx = ctx
        self._rules = rules
        self._channels = channels

    def get(self, user: User, account_id: str) -> SyncSettings | None:
        return owned(self._ctx.storage.session().accounts.get(account_id), user).settings

    def patch(self, user: User, account_id: str, changes: Mapping[str, Any]) -> SyncSettings:
        account = owned(self._ctx.storage.session().accounts.get(account_id), user)
        require_confirmed(account)
        settings = merged(account.settings, changes)
        new_calendar = account.settings is None or (
            settings.calendar_id != account.settings.calendar_id
        )
        self._rules.check(account, settings, calendar=new_calendar)
        saved = self._ctx.storage.transaction(
            lambda uow: self._save(uow, user, account_id, settings)
        )
        if saved.is_syncing:
            self._ctx.request_job(saved.id)
            if new_calendar:
                self._move_channel(saved)
        return settings

    def _save(
        self, uow: UnitOfWork, user: User, account_id: str, settings: SyncSettings
    ) -> Account:
        # Only the settings change: the sync state the engine writes is kept as it is now.
        account = require_confirmed(owned(uow.accounts.get(account_id), user))
        updated = evolve(account, settings=settings, updated_at=self._ctx.clock.now())
        uow.accounts.put(updated)
        return updated

    def _move_channel(self, account: Account) -> None:
        try:
            self._channels.ensure(account)
        except ProviderError as exc:  # the fan-out tick retries; polling covers meanwhile
            log.warning("channel of account %s not moved yet: %s", account.id, exc.code)
