"""The Google side of the provider fixtures: the adapter opened on the simulator, and
`GoogleCalendarUser`, the calendar's owner acting through the simulator's own API (with a
token as Google's own apps have it), as the CalendarUser driver of tests/contract/drivers.py.

The user's writes are built here from the event, independently of the adapter's mapping, so a
mistake the adapter makes both ways (e.g. the exclusive all-day end) cannot cancel out.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from calsync.domain import Account, CalendarEvent, Credentials
from calsync.domain.schedule import evolve
from calsync.errors import ProviderError, ProviderRateLimited, ProviderUnavailable
from calsync.ports import TokenGrant
from calsync.providers.google import GoogleCalendarProvider, GoogleConnector
from calsync.providers.google_errors import RetryPolicy
from calsync.providers.google_oauth import SCOPES, GoogleOAuthClient
from calsync.providers.google_wire import event_from_wire

from tests.contract.google_network import LossyNetwork
from tests.fixtures.google import GoogleSim

# Fast back-off for tests: three tries per call, waits of hundredths of a second.
TEST_RETRY = RetryPolicy(attempts=3, base=0.01, cap=0.05, budget=5.0)


def oauth_client(sim: GoogleSim, scopes: Sequence[str] = SCOPES) -> GoogleOAuthClient:
    """The OAuth client of calsync as bootstrap would build it for the local stack."""
    return GoogleOAuthClient(
        scopes=scopes,
        client_id=sim.client_id,
        client_secret=sim.client_secret,
        redirect_uri=sim.redirect_uri,
        auth_uri=sim.auth_uri,
        token_uri=sim.token_uri,
        revoke_uri=sim.revoke_uri,
        userinfo_uri=f"{sim.url}/v1/userinfo",
        certs_url=sim.certs_url,
    )


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def consent(client: GoogleOAuthClient, email: str) -> TokenGrant:
    """The user goes through consent (the simulator approves at once) and calsync redeems it."""
    verifier, challenge = pkce_pair()
    url = client.authorization_url(state="st4te", code_challenge=challenge, login_hint=email)
    answer = requests.get(url, allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == ["st4te"]
    return client.exchange(query["code"][0], verifier)


def connector(sim: GoogleSim, network: LossyNetwork, page_size: int = 2500) -> GoogleConnector:
    """The connector as bootstrap would build it for the local stack (plus test transport)."""
    return GoogleConnector(
        client_id=sim.client_id,
        client_secret=sim.client_secret,
        token_uri=sim.token_uri,
        discovery_url=sim.discovery_url.format(api="calendar", apiVersion="v3"),
        page_size=page_size,
        retry=TEST_RETRY,
        http_factory=network.http,
    )


def open_provider(
    sim: GoogleSim,
    network: LossyNetwork,
    email: str,
    *,
    page_size: int = 2500,
    on_refresh: Callable[[Credentials], None] = lambda credentials: None,
) -> GoogleCalendarProvider:
    """The adapter for `email`, after consent (the simulator creates the user if new)."""
    grant = consent(oauth_client(sim), email)
    account = Account(id=f"acc-{email}", company_id="c1", user_id=email, email=grant.email)
    return connector(sim, network, page_size).open(account, grant.credentials, on_refresh)


def user_body(event: CalendarEvent) -> dict[str, Any]:
    """The event as the user's calendar app writes it."""
    if event.start_date is not None and event.end_date is not None:
        start: dict[str, Any] = {"date": event.start_date.isoformat()}
        end: dict[str, Any] = {"date": (event.end_date + timedelta(days=1)).isoformat()}
    else:
        assert event.start is not None
        assert event.end is not None
        start = {"dateTime": event.start.isoformat(), "timeZone": event.timezone}
        end = {"dateTime": event.end.isoformat(), "timeZone": event.timezone}
    body: dict[str, Any] = {
        "start": start,
        "end": end,
        "summary": event.summary,
        "description": event.description,
        "location": event.location,
        "transparency": "opaque" if event.busy else "transparent",
        "visibility": "private" if event.private else "default",
        "attendees": [{"email": email} for email in event.attendees],
    }
    if event.conference_url:
        body["conferenceData"] = {
            "conferenceSolution": {"key": {"type": "addOn"}, "name": "Video"},
            "entryPoints": [{"entryPointType": "video", "uri": event.conference_url}],
        }
    if event.event_type != "default":
        body["eventType"] = event.event_type
    return body


# CalendarEvent fields -> the event resource's keys they are written to
_WIRE_KEYS = {
    "summary": ("summary",),
    "description": ("description",),
    "location": ("location",),
    "busy": ("transparency",),
    "private": ("visibility",),
    "attendees": ("attendees",),
    "conference_url": ("conferenceData",),
    **dict.fromkeys(("timezone", "start", "end", "start_date", "end_date"), ("start", "end")),
}
_FAULT_STATUS: dict[type[ProviderError], int] = {ProviderUnavailable: 503, ProviderRateLimited: 429}


class GoogleCalendarUser:
    """CalendarUser over the Google simulator."""

    def __init__(self, sim: GoogleSim, email: str, network: LossyNetwork) -> None:
        self.sim = sim
        self.email = email
        self.network = network
        self._service: Any = None

    @property
    def service(self) -> Any:
        if self._service is None:
            self._service = self.sim.service(self.email)
        return self._service

    def add_calendar(self, name: str) -> str:
        made = self.service.calendars().insert(body={"summary": name}).execute()
        return str(made["id"])

    def create(self, calendar_id: str, event: CalendarEvent) -> CalendarEvent:
        body = user_body(event) | ({"id": event.id} if event.id else {})
        made = self._events.insert(calendarId=calendar_id, body=body, conferenceDataVersion=1)
        return self._read(made.execute(), calendar_id)

    def update(self, calendar_id: str, event_id: str, **changes: Any) -> CalendarEvent:
        current = self._events.get(calendarId=calendar_id, eventId=event_id).execute()
        wanted = user_body(evolve(self._read(current, calendar_id), **changes))
        for key in {key for name in changes for key in _WIRE_KEYS[name]}:
            current[key] = wanted[key]
        request = self._events.update(
            calendarId=calendar_id, eventId=event_id, body=current, conferenceDataVersion=1
        )
        return self._read(request.execute(), calendar_id)

    def delete(self, calendar_id: str, event_id: str) -> None:
        self._events.delete(calendarId=calendar_id, eventId=event_id).execute()

    def create_series(
        self, calendar_id: str, template: CalendarEvent, starts: Sequence[datetime]
    ) -> list[CalendarEvent]:
        """A series with an RDATE per start (the first is also the series' own start)."""
        duration = template.ends_at() - template.starts_at()
        first = evolve(template, id="", start=starts[0], end=starts[0] + duration)
        stamps = ",".join(f"{start.astimezone(UTC):%Y%m%dT%H%M%SZ}" for start in starts)
        body = user_body(first) | {"recurrence": [f"RDATE:{stamps}"]}
        series = self._events.insert(calendarId=calendar_id, body=body).execute()
        found = self._events.instances(calendarId=calendar_id, eventId=series["id"]).execute()
        return [self._read(item, calendar_id) for item in found.get("items", [])]

    def delete_series(self, calendar_id: str, series_id: str) -> None:
        self.delete(calendar_id, series_id)

    def events(self, calendar_id: str) -> list[CalendarEvent]:
        found: list[CalendarEvent] = []
        request = self._events.list(calendarId=calendar_id, singleEvents=True, maxResults=2500)
        while request is not None:
            page = request.execute()
            found += [self._read(item, calendar_id) for item in page.get("items", [])]
            request = self._events.list_next(request, page)
        return sorted(found, key=lambda event: event.id)

    def invalidate_cursors(self, calendar_id: str) -> None:
        self.sim.invalidate_sync_tokens(calendar_id)

    def fail_next(self, method: str, error: ProviderError, *, after: bool = False) -> None:
        """The next call of `method` fails however often the adapter tries (TEST_RETRY)."""
        times = TEST_RETRY.attempts
        if after:
            self.network.lose(method, times)
            return
        status = _FAULT_STATUS.get(type(error))
        if status is None:
            raise ValueError(f"the simulator cannot fail a call with {type(error).__name__}")
        faults = self.sim.admin("GET", "faults")
        entry = faults.setdefault("methods", {}).setdefault(method, {})
        entry["failNext"] = [*entry.get("failNext", []), *[status] * times]
        self.sim.set_faults(faults)

    def revoke(self) -> None:
        self.sim.revoke_user(self.email)
        self._service = None  # its own token went too; the next use gets a new one

    @property
    def _events(self) -> Any:
        return self.service.events()

    def _read(self, item: dict[str, Any], calendar_id: str) -> CalendarEvent:
        event = event_from_wire(item, calendar_id, "UTC")
        assert event is not None, item
        return event
