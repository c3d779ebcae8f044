"""The Google Calendar adapter: CalendarConnector and CalendarProvider on google-api-python-client.

`GoogleConnector` is built once per process (bootstrap) with the OAuth client and endpoints;
`open()` gives one account's `GoogleCalendarProvider`, whose Calendar client is built on first
use. Each operation costs one quota unit per call (`calendars()` one per 250 calendars,
`changes()` one per page); writes are in google_writes.py, batched by google_batch.py. Listing
uses `singleEvents=true` (occurrences arrive one by one, never series), `timeMin` on a full
listing only, then the sync token. Every call is retried with back-off on transient failures
(google_errors.py). lib/calsync/providers/README.md has the whole picture.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import httplib2
from googleapiclient.errors import HttpError

from calsync.domain.account import Account, Credentials, Pace
from calsync.domain.event import CalendarEvent, CalendarInfo, EventChange
from calsync.errors import CursorExpired, ProviderRejected, ProviderUnavailable
from calsync.ports import (
    CalendarConnector,
    CalendarProvider,
    ChangePage,
    EventWrite,
    Outcome,
    WatchChannel,
    WriteResult,
)
from calsync.providers.google_batch import BatchWriter
from calsync.providers.google_channels import channel_of, stop, watch_body
from calsync.providers.google_client import (
    GOOGLE_TOKEN_URI,
    HttpFactory,
    calendar_service,
    discovery_document,
    google_credentials,
)
from calsync.providers.google_errors import RetryPolicy, call
from calsync.providers.google_pacing import Pacer
from calsync.providers.google_wire import (
    JSON,
    change_from_wire,
    event_from_wire,
    is_cancelled,
    known_zone,
    needs_calendar_zone,
)
from calsync.providers.google_writes import Calls, ResourceCache, plan

MAX_PAGE = 2500  # Google's largest events.list page
WRITABLE_ROLES = frozenset({"writer", "owner"})


class GoogleConnector:
    """Opens GoogleCalendarProviders for accounts (CalendarConnector).

    `discovery_url` decides where API and batch requests go: None for Google (the discovery
    document bundled with the client), or e.g. the simulator's
    `http://127.0.0.1:PORT/discovery/v1/apis/calendar/v3/rest` for the local stack.
    `token_uri` is where access tokens are refreshed.
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        token_uri: str = GOOGLE_TOKEN_URI,
        discovery_url: str | None = None,
        page_size: int = MAX_PAGE,
        batch_size: int = 50,
        event_types: Sequence[str] | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        http_factory: HttpFactory | None = None,
        requests_per_minute: float | None = None,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE:
            raise ValueError(f"page_size must be 1 to {MAX_PAGE}")
        self.client_id, self.client_secret = client_id, client_secret
        self.token_uri, self.discovery_url = token_uri, discovery_url
        self.page_size, self.batch_size = page_size, batch_size
        self.event_types = tuple(event_types) if event_types else None
        self.retry = retry or RetryPolicy()
        self.http_factory: HttpFactory = http_factory or (lambda: httplib2.Http(timeout=timeout))
        self.requests_per_minute = requests_per_minute  # None: unpaced

    def open(
        self,
        account: Account,
        credentials: Credentials,
        on_refresh: Callable[[Credentials], None],
    ) -> GoogleCalendarProvider:
        google = google_credentials(
            credentials,
            client_id=self.client_id,
            client_secret=self.client_secret,
            token_uri=self.token_uri,
            on_refresh=on_refresh,
        )

        def build() -> Any:
            document = discovery_document(self.discovery_url, self.http_factory, self.retry)
            return calendar_service(document, google, self.http_factory)

        return GoogleCalendarProvider(build, self, pace=account.sync.pace)


class GoogleCalendarProvider:
    """One account's Google calendars (CalendarProvider)."""

    def __init__(
        self, build: Callable[[], Any], config: GoogleConnector, *, pace: Pace | None = None
    ) -> None:
        self._build = build
        self._service: Any = None
        self.config = config
        self.retry = config.retry
        self.cache = ResourceCache()
        self._zones: dict[str, str] = {}  # calendar id -> its time zone, as seen in listings
        rate = config.requests_per_minute
        self.pace: Pacer | None = Pacer(rate, tokens=_tokens_now(pace, rate)) if rate else None

    def request_budget(self) -> Pace | None:
        if self.pace is None:
            return None
        return Pace(tokens=self.pace.left(), at=datetime.now(UTC))

    @property
    def service(self) -> Any:
        """The Calendar client, built on first use (the discovery fetch retries itself)."""
        if self._service is None:
            self._service = self._build()
        return self._service

    def _execute(self, what: str, request: Any) -> Any:
        """Send a googleapiclient request (again, after back-off, while it fails transiently)."""
        return call(self.retry, what, partial(request.execute, num_retries=0), pace=self.pace)

    # -- calendars ------------------------------------------------------------------------------

    def calendars(self) -> list[CalendarInfo]:
        found: list[CalendarInfo] = []
        calendar_list = self.service.calendarList()
        request = calendar_list.list(maxResults=250)
        while request is not None:
            page = self._execute("calendarList.list", request)
            for entry in page.get("items", []):
                found.append(self._calendar_info(entry))
            request = calendar_list.list_next(request, page)
        return found

    def _calendar_info(self, entry: JSON) -> CalendarInfo:
        zone = _zone_of(entry.get("timeZone"))
        self._zones[str(entry["id"])] = zone
        return CalendarInfo(
            id=str(entry["id"]),
            name=str(entry.get("summaryOverride") or entry.get("summary") or entry["id"]),
            primary=bool(entry.get("primary")),
            writable=entry.get("accessRole") in WRITABLE_ROLES,
            timezone=zone,
        )

    def create_calendar(self, name: str, timezone: str) -> CalendarInfo:
        body = {"summary": name, "timeZone": timezone}
        made = self._execute("calendars.insert", self.service.calendars().insert(body=body))
        return self._calendar_info({**made, "accessRole": "owner"})

    # -- reading events -------------------------------------------------------------------------

    def changes(
        self, calendar_id: str, cursor: str | None, *, window_start: datetime
    ) -> Iterator[ChangePage]:
        events = self.service.events()
        params = self._list_params(calendar_id)
        if cursor is None:
            params["timeMin"] = window_start.astimezone(UTC).isoformat()
        else:
            params["syncToken"] = cursor
        request = events.list(**params)
        while request is not None:
            send = partial(_list_page, request, cursor)
            page = call(self.retry, "events.list", send, pace=self.pace)
            zone = self._zones.setdefault(calendar_id, _zone_of(page.get("timeZone")))
            changes = [c for c in self._page_changes(page, calendar_id, zone) if c is not None]
            if cursor is None:  # a full listing carries no removals
                changes = [c for c in changes if isinstance(c, CalendarEvent)]
            token = page.get("nextSyncToken")
            request = None if token else events.list_next(request, page)
            if token is None and request is None:
                raise ProviderUnavailable("events.list: a page with neither page nor sync token")
            yield ChangePage(changes, token)

    def _list_params(self, calendar_id: str) -> dict[str, Any]:
        params: dict[str, Any] = {
            "calendarId": calendar_id,
            "singleEvents": True,
            "maxResults": self.config.page_size,
        }
        if self.config.event_types:
            params["eventTypes"] = list(self.config.event_types)
        return params

    def _page_changes(
        self, page: JSON, calendar_id: str, zone: str
    ) -> Iterator[EventChange | None]:
        for item in page.get("items", []):
            if not is_cancelled(item):
                self.cache.remember(calendar_id, item)
            yield change_from_wire(item, calendar_id, zone)

    def get(self, calendar_id: str, event_id: str) -> CalendarEvent | None:
        request = self.service.events().get(calendarId=calendar_id, eventId=event_id)

        def fetch() -> JSON | None:
            try:
                return dict(request.execute(num_retries=0))
            except HttpError as exc:  # 404/410: no such event; anything else is classified
                if exc.resp.status in (404, 410):
                    return None
                raise

        item = call(self.retry, "events.get", fetch, pace=self.pace)
        if item is None or is_cancelled(item):
            return None
        self.cache.remember(calendar_id, item)
        return self._read(item, calendar_id)

    def _read(self, item: JSON, calendar_id: str) -> CalendarEvent | None:
        zone = self._calendar_zone(calendar_id) if needs_calendar_zone(item) else "UTC"
        return event_from_wire(item, calendar_id, zone)

    def _calendar_zone(self, calendar_id: str) -> str:
        """The calendar's zone as this job's listings showed it; else read once (1 unit,
        calendarList.get), so an event read outside a listing (a push-only job's write
        results, `get`) has the zone a listing gives it. Only events that depend on it ask:
        all-day events calsync has not stamped with a zone, timed ones without a zone name."""
        known = self._zones.get(calendar_id)
        if known is not None:
            return known
        request = self.service.calendarList().get(calendarId=calendar_id)
        try:
            entry = self._execute("calendarList.get", request)
        except ProviderRejected:  # not in the user's list (any more): no zone to be had
            entry = {}
        return self._zones.setdefault(calendar_id, _zone_of(entry.get("timeZone")))

    # -- writing --------------------------------------------------------------------------------

    def write(self, calendar_id: str, writes: Sequence[EventWrite]) -> list[WriteResult]:
        if not writes:
            return []
        service = self.service
        calls = Calls(service, calendar_id, self._read, self.cache)
        size = self.config.batch_size
        writer = BatchWriter(service.new_batch_http_request, self.retry, size=size, pace=self.pace)
        results = writer.run([plan(write, calls) for write in writes])
        if any(r.outcome in (Outcome.GONE, Outcome.REJECTED) for r in results):
            self._check_calendar(calendar_id)
        return results

    def _check_calendar(self, calendar_id: str) -> None:
        """Google answers 404 alike for a missing event and a missing calendar: when writes
        came back GONE or REJECTED, one cheap read tells (ProviderRejected if the calendar
        itself is gone, so its events are not taken for deleted)."""
        probe = self.service.events().list(calendarId=calendar_id, maxResults=1, fields="kind")
        self._execute("events.list", probe)

    # -- push channels --------------------------------------------------------------------------

    def watch(
        self, calendar_id: str, *, channel_id: str, address: str, token: str, ttl: timedelta
    ) -> WatchChannel:
        params = self._list_params(calendar_id)
        params.pop("maxResults")
        body = watch_body(channel_id=channel_id, address=address, token=token, ttl=ttl)
        made = self._execute("events.watch", self.service.events().watch(body=body, **params))
        return channel_of(made)

    def stop_watch(self, channel_id: str, resource_id: str) -> None:
        request = self.service.channels().stop(body={"id": channel_id, "resourceId": resource_id})
        call(self.retry, "channels.stop", partial(stop, request), pace=self.pace)


def _list_page(request: Any, cursor: str | None) -> Any:
    """One events.list page. Google answers 410 for an expired sync token, and 400 for one
    that no longer fits the query (e.g. after `event_types` changed): both need a full sync."""
    try:
        return request.execute(num_retries=0)
    except HttpError as exc:
        if cursor is not None and exc.resp.status == 400:
            raise CursorExpired("events.list: the sync token does not fit the query") from exc
        raise


def _zone_of(name: object) -> str:
    return known_zone(name) or "UTC"


if TYPE_CHECKING:  # the adapter must satisfy the ports it implements

    def _check(connector: GoogleConnector, provider: GoogleCalendarProvider) -> None:
        _connector: CalendarConnector = connector
        _provider: CalendarProvider = provider


def _tokens_now(pace: Pace | None, per_minute: float) -> float | None:
    """The tokens the last job left, refilled since (None: start from a full bucket)."""
    if pace is None:
        return None
    elapsed = max((datetime.now(UTC) - pace.at).total_seconds(), 0.0)
    return pace.tokens + elapsed * per_minute / 60.0
