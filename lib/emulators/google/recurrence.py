"""Recurring events: RRULE/EXRULE/RDATE/EXDATE expansion in the series' zone, instance ids.

A series is its ``recurrence`` lines plus the first instance's start, which RFC 5545 makes the
first instance whatever the lines say (an RDATE-only or EXDATE-only series has it too, and it
counts as the first of an RRULE's ``COUNT``); only an EXDATE or EXRULE removes it. ``COUNT`` and
``INTERVAL`` must be positive. Timed series expand in
``start.timeZone`` (wall time kept across daylight-saving changes); all-day series expand by
date. Open-ended series stop at the expansion horizon (``today + horizon_days``), and no series
yields more than ``max_instances`` instances. Instance ids are ``{seriesId}_{YYYYMMDDTHHMMSSZ}``
(UTC original start) for timed series and ``{seriesId}_{YYYYMMDD}`` for all-day ones.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from emulators.google import errors
from emulators.google.timefmt import MAX_YEAR, MIN_YEAR, When, parse_when

_UNTIL = re.compile(r"UNTIL=([0-9TZtz]+)")
_STAMP = re.compile(r"\d{8}(T\d{6}Z?)?", re.ASCII)
_SUFFIX = re.compile(r"(?P<base>.+)_(?P<stamp>\d{8}(T\d{6}Z)?)")
_ALLOWED = ("RRULE", "EXRULE", "RDATE", "EXDATE")


def suffix(original_start: When) -> str:
    """The instance-id suffix for an original start (UTC stamp or date)."""
    if original_start.day is not None:
        return original_start.day.strftime("%Y%m%d")
    assert original_start.instant is not None
    return original_start.instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True)
class Expander:
    """Expands stored series bodies with this run's horizon and instance cap."""

    horizon_days: int = 730
    max_instances: int = 5000

    def slots(self, body: dict[str, Any]) -> tuple[When, ...]:
        """Original starts of a stored series body (empty for a non-recurring body)."""
        lines = body.get("recurrence")
        if not lines:
            return ()
        start = parse_when(body["start"], "start")
        first = start.day or (start.instant.date() if start.instant else date.today())
        horizon = max(date.today(), first) + timedelta(days=self.horizon_days)
        return expand(tuple(lines), start, horizon, self.max_instances)


def split_instance_id(event_id: str) -> tuple[str, str] | None:
    """``(seriesId, stamp)`` if ``event_id`` has the shape of an instance id."""
    found = _SUFFIX.fullmatch(event_id)
    return (found.group("base"), found.group("stamp")) if found else None


def validate(lines: object, start: When) -> tuple[str, ...]:
    """Check ``recurrence`` lines (400 ``invalid`` otherwise) and return them as a tuple."""
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise errors.invalid("Invalid recurrence rule.")
    cleaned = tuple(line.strip() for line in lines if line.strip())
    for line in cleaned:
        name = re.split(r"[;:]", line, maxsplit=1)[0].upper()
        if name not in _ALLOWED or ":" not in line:
            raise errors.invalid(f"Invalid recurrence rule: {line[:80]}")
    if start.instant is not None and start.tz is None and cleaned:
        raise errors.bad_request("Missing time zone definition for start time.")
    try:
        expand(cleaned, start, date.today() + timedelta(days=1), 1)
    except (ValueError, TypeError, OverflowError, IndexError, KeyError) as exc:
        raise errors.invalid("Invalid recurrence rule.") from exc
    return cleaned


def expand(lines: tuple[str, ...], start: When, horizon: date, limit: int) -> tuple[When, ...]:
    """The original starts of every instance up to ``horizon``, at most ``limit`` of them."""
    return _expand(lines, start, horizon, limit)


@lru_cache(maxsize=1024)
def _expand(lines: tuple[str, ...], start: When, horizon: date, limit: int) -> tuple[When, ...]:
    series = _Series(start)
    included: set[datetime] = {series.dtstart}
    excluded: set[datetime] = set()
    for line in lines:
        name, _, value = line.partition(":")
        kind = name.split(";", 1)[0].upper()
        if kind == "RRULE":
            included.update(series.occurrences(value, horizon, limit))
        elif kind == "EXRULE":
            excluded.update(series.bounded(series.rule(value), horizon, limit))
        else:
            target = included if kind == "RDATE" else excluded
            target.update(series.dates(name, value))
    end_mark = series.horizon_mark(horizon)
    kept = sorted(moment for moment in included - excluded if moment <= end_mark)[:limit]
    return tuple(series.when(moment) for moment in kept)


def _positive_parts(value: str) -> dict[str, int]:
    """``COUNT`` and ``INTERVAL`` of a rule, which must be positive integers (else ValueError)."""
    found: dict[str, int] = {}
    for part in value.split(";"):
        name, _, number = part.partition("=")
        if name.strip().upper() in ("COUNT", "INTERVAL"):
            digits = number.strip()
            if not (digits.isascii() and digits.isdigit()) or int(digits) < 1:
                raise ValueError(f"{name} must be a positive integer")
            found[name.strip().upper()] = int(digits)
    return found


class _Series:
    """Converts between RFC 5545 values and this series' representation of a start."""

    def __init__(self, start: When) -> None:
        self.start = start
        if start.day is not None:
            self.tz: ZoneInfo | None = None
            self.dtstart = datetime.combine(start.day, time())
        else:
            assert start.instant is not None
            self.tz = ZoneInfo(start.tz or "UTC")
            self.dtstart = start.instant.astimezone(self.tz)

    def occurrences(self, value: str, horizon: date, limit: int) -> list[datetime]:
        """An RRULE's occurrences; the series' start always counts as the first of ``COUNT``."""
        found = list(self.bounded(self.rule(value), horizon, limit))
        count = _positive_parts(value).get("COUNT")
        if count is not None and found[:1] != [self.dtstart]:
            found = found[: count - 1]
        return found

    def rule(self, value: str) -> rrule:
        parts = _positive_parts(value)
        if "COUNT" in parts and "UNTIL=" in value.upper():
            raise ValueError("COUNT and UNTIL together")
        fixed = _UNTIL.sub(lambda found: "UNTIL=" + self._until(found.group(1)), value)
        parsed = rrulestr(fixed, dtstart=self.dtstart)
        if not isinstance(parsed, rrule):
            raise ValueError("not a single rule")
        return parsed

    def _until(self, raw: str) -> str:
        raw = raw.upper()
        if not _STAMP.fullmatch(raw):
            raise ValueError(f"bad UNTIL {raw[:20]}")
        if self.tz is None:
            return raw[:8] + "T235959"
        if raw.endswith("Z"):
            return raw
        local = datetime.strptime(raw, "%Y%m%dT%H%M%S") if "T" in raw else None
        if local is None:
            local = datetime.strptime(raw, "%Y%m%d").replace(hour=23, minute=59, second=59)
        return local.replace(tzinfo=self.tz).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    def bounded(self, rule: Iterable[datetime], horizon: date, limit: int) -> Iterator[datetime]:
        mark = self.horizon_mark(horizon)
        return itertools.islice(itertools.takewhile(lambda m: m <= mark, rule), limit * 2)

    def dates(self, name: str, value: str) -> list[datetime]:
        params = dict(p.split("=", 1) for p in name.split(";")[1:] if "=" in p)
        tz = ZoneInfo(params["TZID"]) if "TZID" in params else self.tz
        return [self._moment(item.strip().upper(), tz) for item in value.split(",") if item.strip()]

    def _moment(self, item: str, tz: ZoneInfo | None) -> datetime:
        """One RDATE/EXDATE value: a date, a local date-time or a UTC (``Z``) date-time.

        All-day series take dates only (RFC 5545 and Google); years are 1900-5000, as for
        ``start``.
        """
        if not _STAMP.fullmatch(item) or not MIN_YEAR <= int(item[:4]) <= MAX_YEAR:
            raise ValueError(f"bad date value {item[:20]}")
        if len(item) == 8:
            day = datetime.strptime(item, "%Y%m%d")
            if self.tz is None:
                return day
            return datetime.combine(day.date(), self.dtstart.timetz())
        if self.tz is None:
            raise ValueError("an all-day series takes dates, not date-times")
        moment = datetime.strptime(item.rstrip("Z"), "%Y%m%dT%H%M%S")
        zone = UTC if item.endswith("Z") else (tz or self.tz)
        return moment.replace(tzinfo=zone).astimezone(self.tz)

    def horizon_mark(self, horizon: date) -> datetime:
        mark = datetime.combine(horizon, time())
        return mark if self.tz is None else mark.replace(tzinfo=UTC)

    def when(self, moment: datetime) -> When:
        if self.tz is None:
            return When(day=moment.date())
        return When(instant=moment, tz=self.start.tz)
