"""Times as the Calendar API writes them: RFC 3339 strings, ``EventDateTime`` objects, zones.

An ``EventDateTime`` is either ``{"date": "yyyy-mm-dd"}`` (all-day; the end date is exclusive)
or ``{"dateTime": RFC 3339, "timeZone": IANA name}`` where the offset may be left out only when a
zone is named. :class:`When` is the parsed form; :func:`when_to_resource` writes it back the way
Google does (the wall time in the event's zone, with its offset).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from emulators.google import errors

MIN_YEAR, MAX_YEAR = 1900, 5000


def zone(name: object, location: str = "timeZone") -> ZoneInfo:
    """The IANA zone ``name``, or 400 ``invalid`` if there is no such zone."""
    try:
        if not isinstance(name, str) or not name or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise errors.invalid(f"Invalid time zone definition for {location}.") from exc


def parse_instant(value: object, location: str) -> datetime:
    """An RFC 3339 timestamp with a mandatory offset (query parameters such as ``timeMin``)."""
    parsed = _parse_datetime(value, location)
    if parsed.tzinfo is None:
        raise errors.invalid(f"Bad Request: {location} must carry a time zone offset.", location)
    return parsed


def _parse_datetime(value: object, location: str) -> datetime:
    if not isinstance(value, str) or "T" not in value.upper():
        raise errors.invalid(f"Invalid value for {location}: {str(value)[:40]!r}", location)
    try:
        parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError as exc:
        raise errors.invalid(f"Invalid value for {location}: {value[:40]!r}", location) from exc
    _check_year(parsed.year, location)
    return parsed


def _check_year(year: int, location: str) -> None:
    """Years far out would overflow date arithmetic (expansion horizons, UTC conversion)."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise errors.invalid(f"Invalid {location}: years {MIN_YEAR}-{MAX_YEAR} only.", location)


def format_instant(moment: datetime) -> str:
    """``2024-05-01T10:00:00+02:00``, or ``...Z`` for UTC, seconds precision like Google."""
    text = moment.replace(microsecond=0).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def format_micros(micros: int) -> str:
    """``updated``/``created`` style: UTC with milliseconds, e.g. ``2024-05-01T10:00:00.123Z``."""
    moment = datetime.fromtimestamp(micros / 1_000_000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def micros_of(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


@dataclass(frozen=True)
class When:
    """A parsed ``EventDateTime``: an all-day date or an aware instant with an optional zone."""

    day: date | None = None
    instant: datetime | None = None
    tz: str | None = None

    @property
    def all_day(self) -> bool:
        return self.day is not None

    def moment(self, calendar_tz: str) -> datetime:
        """An aware instant; all-day dates start at midnight in the calendar's zone."""
        if self.instant is not None:
            return self.instant
        assert self.day is not None
        midnight = datetime(self.day.year, self.day.month, self.day.day)
        return midnight.replace(tzinfo=ZoneInfo(calendar_tz))

    def shifted(self, delta: timedelta) -> When:
        if self.day is not None:
            return When(day=self.day + delta, tz=self.tz)
        assert self.instant is not None
        return When(instant=self.instant + delta, tz=self.tz)


def parse_when(value: object, location: str) -> When:
    """Parse an ``EventDateTime`` object (``location`` is ``start`` or ``end``)."""
    if not isinstance(value, dict):
        raise errors.required(f"Missing {location} time.")
    tz_name = value.get("timeZone")
    if tz_name is not None and not isinstance(tz_name, str):
        raise errors.invalid(f"Invalid time zone definition for {location} time.")
    tz = zone(tz_name, f"{location} time") if tz_name else None
    if value.get("date") is not None:
        if value.get("dateTime") is not None:
            raise errors.bad_request(f"Both date and dateTime are set for the {location} time.")
        return When(day=_parse_date(value["date"], location), tz=tz_name or None)
    if value.get("dateTime") is None:
        raise errors.required(f"Missing {location} time.")
    moment = _parse_datetime(value["dateTime"], f"{location}.dateTime")
    if moment.tzinfo is None:
        if tz is None:
            raise errors.bad_request(f"Missing time zone definition for {location} time.")
        moment = moment.replace(tzinfo=tz)
    return When(instant=moment, tz=tz_name or None)


def _parse_date(value: object, location: str) -> date:
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        parsed = date.fromisoformat(value)
    except ValueError as exc:
        raise errors.invalid(f"Invalid {location} date.") from exc
    _check_year(parsed.year, location)
    return parsed


def when_to_resource(when: When, calendar_tz: str) -> dict[str, Any]:
    """Write ``when`` as Google returns it: wall time in the event's (or calendar's) zone."""
    if when.day is not None:
        return {"date": when.day.isoformat()}
    assert when.instant is not None
    shown_in = ZoneInfo(when.tz or calendar_tz)
    resource: dict[str, Any] = {"dateTime": format_instant(when.instant.astimezone(shown_in))}
    if when.tz:
        resource["timeZone"] = when.tz
    return resource
