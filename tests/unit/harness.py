"""Instrumented adapters for job tests and the state machine: they count storage reads and
writes and provider calls, and can crash the job at the n-th call (before or after it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from calsync.domain import CalendarEvent, CalendarInfo
from calsync.domain.account import Pace
from calsync.ports import (
    CalendarProvider,
    ChangePage,
    EventWrite,
    Outcome,
    Storage,
    WatchChannel,
    WriteResult,
)

T = TypeVar("T")
_WRITES = ("put", "delete", "add")
_REMEMBERED = ("last_written",)  # what the storage holds from its own writes: not a read


class Crash(BaseException):
    """The process died here (a BaseException, so the job's own error handling never sees it)."""


class Tripwire:
    """Counts calls and crashes at a chosen one: `arm(n)` crashes the n-th call from now."""

    def __init__(self) -> None:
        self.calls = 0
        self.at: int | None = None
        self.after = False

    def arm(self, nth: int, *, after: bool = False) -> None:
        self.at, self.after = self.calls + nth, after

    def disarm(self) -> None:
        self.at = None

    def call(self, run: Callable[[], T]) -> T:
        self.calls += 1
        due = self.at is not None and self.calls >= self.at
        if due and not self.after:
            self.at = None
            raise Crash(f"crash before call {self.calls}")
        result = run()
        if due:
            self.at = None
            raise Crash(f"crash after call {self.calls}")
        return result


class _Repo:
    def __init__(self, inner: Any, owner: CountingStorage) -> None:
        self._inner, self._owner = inner, owner

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._inner, name)
        is_write = name.startswith(_WRITES)

        def counted(*args: Any, **kwargs: Any) -> Any:
            if is_write:
                self._owner.writes += 1
            elif name not in _REMEMBERED:
                self._owner.reads += 1
            return self._owner.tripwire.call(lambda: method(*args, **kwargs))

        return counted


class _Uow:
    def __init__(self, inner: Any, owner: CountingStorage) -> None:
        self._inner, self._owner = inner, owner

    def __getattr__(self, name: str) -> Any:
        return _Repo(getattr(self._inner, name), self._owner)


class CountingStorage:
    """A Storage that counts repository reads and writes (queries count once; a conditional
    write counts as a write, whether it wrote or not) and transactions."""

    def __init__(self, inner: Storage) -> None:
        self.inner = inner
        self.tripwire = Tripwire()
        self.reads = self.writes = self.transactions = 0

    def transaction(self, work: Callable[[Any], T], *, attempts: int = 5) -> T:
        self.transactions += 1
        return self.inner.transaction(lambda uow: work(_Uow(uow, self)), attempts=attempts)

    def session(self) -> Any:
        return _Uow(self.inner.session(), self)

    def reset(self) -> None:
        self.reads = self.writes = self.transactions = 0


class CountingProvider:
    """A CalendarProvider that counts calls (`changes` counts each page) and can crash."""

    def __init__(self, inner: CalendarProvider, tripwire: Tripwire | None = None) -> None:
        self.inner = inner
        self.tripwire = tripwire or Tripwire()
        self.pages = self.writes = self.write_calls = self.gets = 0
        self.on_page: Callable[[ChangePage], None] | None = None
        # Called before each write call (e.g. to let a fake clock run as pacing would).
        self.on_write: Callable[[Sequence[EventWrite]], None] | None = None
        # Kinds of write the calendar refuses for good, once each (as Google's 400 or 403).
        self.refusals: list[type] = []

    def calendars(self) -> list[CalendarInfo]:
        return self.tripwire.call(self.inner.calendars)

    def create_calendar(self, name: str, timezone: str) -> CalendarInfo:
        return self.tripwire.call(lambda: self.inner.create_calendar(name, timezone))

    def changes(self, calendar_id: str, cursor: str | None, *, window_start: datetime) -> Any:
        pages = self.inner.changes(calendar_id, cursor, window_start=window_start)
        while True:
            page = self.tripwire.call(lambda: next(pages, None))
            if page is None:
                return
            self.pages += 1
            if self.on_page is not None:
                self.on_page(page)
            yield page

    def get(self, calendar_id: str, event_id: str) -> CalendarEvent | None:
        self.gets += 1
        return self.tripwire.call(lambda: self.inner.get(calendar_id, event_id))

    def write(self, calendar_id: str, writes: Sequence[EventWrite]) -> list[WriteResult]:
        if self.on_write is not None:
            self.on_write(writes)
        self.write_calls += 1
        self.writes += len(writes)
        refused = [self._refused(write) for write in writes]
        sent = [write for write, no in zip(writes, refused, strict=True) if not no]
        answers = iter(self.tripwire.call(lambda: self.inner.write(calendar_id, sent)))
        rejection = WriteResult(Outcome.REJECTED, detail="the calendar refused this change")
        return [rejection if no else next(answers) for no in refused]

    def _refused(self, write: EventWrite) -> bool:
        if type(write) in self.refusals:
            self.refusals.remove(type(write))
            return True
        return False

    def watch(
        self, calendar_id: str, *, channel_id: str, address: str, token: str, ttl: timedelta
    ) -> WatchChannel:
        return self.inner.watch(
            calendar_id, channel_id=channel_id, address=address, token=token, ttl=ttl
        )

    def stop_watch(self, channel_id: str, resource_id: str) -> None:
        self.inner.stop_watch(channel_id, resource_id)

    def request_budget(self) -> Pace | None:
        return self.inner.request_budget()
