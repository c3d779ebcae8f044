"""The JSON shapes of the API (see README.md next to this file): presentation only."""

from __future__ import annotations

from typing import Any

from calsync.domain.account import Account, SyncSettings
from calsync.domain.event import CalendarInfo
from calsync.domain.link import Conflict
from calsync.services.settings import draft_settings


def settings_json(settings: SyncSettings | None) -> dict[str, Any]:
    """Saved settings, or the defaults with no calendar chosen yet."""
    if settings is None:
        return draft_settings()
    data = settings.model_dump(mode="json")
    data["export_types"] = list(settings.export_types)
    return data


def account_json(account: Account) -> dict[str, Any]:
    last = account.sync.last_synced_at
    return {
        "id": account.id,
        "provider": account.provider.value,
        "email": account.email,
        "status": account.status.value,
        "settings": settings_json(account.settings) if account.settings is not None else None,
        "last_synced_at": last.isoformat() if last is not None else None,
        "error": account.error.model_dump(mode="json") if account.error is not None else None,
    }


def calendar_json(calendar: CalendarInfo) -> dict[str, Any]:
    return calendar.model_dump(mode="json")


def conflict_json(conflict: Conflict) -> dict[str, Any]:
    return conflict.model_dump(mode="json", exclude={"account_id"})
