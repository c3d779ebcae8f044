"""Small HTTP clients of the local stack, shared by the demo and the end-to-end tests.

`CrmClient` speaks calsync's API as the CRM frontend does (a bearer token per user) and goes
through the consent redirects as a browser would. `GoogleUser` acts as a person in Google
Calendar (the simulator's Calendar API with a token from its admin interface). Helpers return
parsed JSON and raise `ApiError` for an unexpected status; `request` gives the raw response
for tests that look at refusals.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs, quote, urlsplit

import requests

T = TypeVar("T")
TIMEOUT = 30


class ApiError(Exception):
    """An answer with a status the caller did not expect."""

    def __init__(self, response: requests.Response) -> None:
        self.status = response.status_code
        self.body = response.text[:2000]
        super().__init__(f"{response.request.method} {response.url} -> {self.status}: {self.body}")


def _checked(response: requests.Response, expect: tuple[int, ...]) -> Any:
    if response.status_code not in expect:
        raise ApiError(response)
    return response.json() if response.content else None


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 20.0) -> T:
    """Poll `probe` (every 50 ms, then up to 250 ms) until it returns something truthy."""
    deadline, pause = time.monotonic() + timeout, 0.05
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(pause)
        pause = min(pause * 1.5, 0.25)


class CrmClient:
    """One CRM user's calls to the functions (`functions_url`/<entry point>/...)."""

    def __init__(self, functions_url: str, token: str) -> None:
        self.url = functions_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.url + path, timeout=TIMEOUT, **kwargs)

    def call(self, method: str, path: str, *, expect: tuple[int, ...] = (200,), **kw: Any) -> Any:
        return _checked(self.request(method, path, **kw), expect)

    # -- connecting -------------------------------------------------------------------------

    def authorization_url(self, email: str | None = None, account_id: str | None = None) -> str:
        body: dict[str, str] = {"provider": "google"}
        if email:
            body["email"] = email
        if account_id:
            body["account_id"] = account_id
        return str(self.call("POST", "/oauth/start", json=body)["authorization_url"])

    def follow(self, url: str) -> dict[str, str]:
        """Open `url` as a browser (following every redirect, without the bearer token) and
        return the query of the page it lands on (the frontend's `account_id`, with
        `confirmation` for a new connection, or `error`)."""
        landed = requests.get(url, timeout=TIMEOUT, allow_redirects=True)
        landed.raise_for_status()
        return {key: values[0] for key, values in parse_qs(urlsplit(landed.url).query).items()}

    def confirm(self, account_id: str, code: str) -> dict[str, Any]:
        """Confirm a new connection with the code its redirect brought (as the frontend does
        on landing); the account."""
        body = {"account_id": account_id, "code": code}
        return dict(self.call("POST", "/oauth/confirm", json=body))

    def connect(self, email: str, account_id: str | None = None) -> str:
        """Connect (or re-authorize) a Google account through consent, confirming a new
        connection as the frontend does; its account id."""
        landed = self.follow(self.authorization_url(email, account_id))
        if "account_id" not in landed:
            raise AssertionError(f"consent did not connect {email}: {landed}")
        if "confirmation" in landed:
            self.confirm(landed["account_id"], landed["confirmation"])
        return landed["account_id"]

    # -- accounts ---------------------------------------------------------------------------

    def accounts(self) -> list[dict[str, Any]]:
        return list(self.call("GET", "/accounts")["accounts"])

    def account(self, account_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/accounts/{account_id}"))

    def calendars(self, account_id: str) -> list[dict[str, Any]]:
        return list(self.call("GET", f"/accounts/{account_id}/calendars")["calendars"])

    def create_calendar(self, account_id: str, name: str | None = None) -> dict[str, Any]:
        body = {"name": name} if name else {}
        path = f"/accounts/{account_id}/calendars"
        return dict(self.call("POST", path, json=body, expect=(200, 201)))

    def settings(self, account_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/accounts/{account_id}/settings"))

    def save_settings(self, account_id: str, **changes: Any) -> dict[str, Any]:
        return dict(self.call("PATCH", f"/accounts/{account_id}/settings", json=changes))

    def preview(self, account_id: str, option: str) -> dict[str, Any]:
        path = f"/accounts/{account_id}/private-event-preview"
        return dict(self.call("GET", path, params={"option": option}))

    def start(self, account_id: str, **changes: Any) -> dict[str, Any]:
        return dict(self.call("POST", f"/accounts/{account_id}/start", json=changes))

    def stop(self, account_id: str) -> dict[str, Any]:
        return dict(self.call("POST", f"/accounts/{account_id}/stop"))

    def remove(self, account_id: str) -> None:
        self.call("DELETE", f"/accounts/{account_id}", expect=(204,))

    def conflicts(self, account_id: str) -> list[dict[str, Any]]:
        return list(self.call("GET", f"/accounts/{account_id}/conflicts")["conflicts"])

    # -- activities -------------------------------------------------------------------------

    def activities(self, start: str, end: str, **params: str) -> list[dict[str, Any]]:
        query = {"start": start, "end": end, **params}
        return list(self.call("GET", "/activities", params=query)["activities"])

    def activity(self, activity_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/activities/{activity_id}"))

    def create_activity(self, **fields: Any) -> dict[str, Any]:
        return dict(self.call("POST", "/activities", json=fields, expect=(201,)))

    def edit_activity(self, activity_id: str, **changes: Any) -> dict[str, Any]:
        return dict(self.call("PATCH", f"/activities/{activity_id}", json=changes))

    def delete_activity(self, activity_id: str) -> None:
        self.call("DELETE", f"/activities/{activity_id}", expect=(204,))


class GoogleUser:
    """A person using Google Calendar (the simulator), with every calendar scope."""

    def __init__(self, google_url: str, email: str) -> None:
        self.url = google_url.rstrip("/")
        self.email = email
        self.session = requests.Session()
        admin = self.session.post(f"{self.url}/_admin/users", json={"email": email}, timeout=30)
        _checked(admin, (200, 201))
        token = self.session.post(f"{self.url}/_admin/users/{quote(email)}/token", timeout=30)
        self.session.headers["Authorization"] = f"Bearer {_checked(token, (200,))['access_token']}"

    def calendars(self) -> list[dict[str, Any]]:
        """The user's calendar list (one page: a person has a few)."""
        url = f"{self.url}/calendar/v3/users/me/calendarList"
        return list(_checked(self.session.get(url, timeout=30), (200,)).get("items", []))

    def delete_calendar(self, calendar_id: str) -> None:
        """The user deletes one of their (secondary) calendars."""
        url = f"{self.url}/calendar/v3/calendars/{quote(calendar_id, safe='')}"
        _checked(self.session.delete(url, timeout=30), (204,))

    def _events(self, calendar_id: str, suffix: str = "") -> str:
        return f"{self.url}/calendar/v3/calendars/{quote(calendar_id, safe='')}/events{suffix}"

    def events(self, calendar_id: str, **params: Any) -> list[dict[str, Any]]:
        """Every event (all pages) of the calendar; `singleEvents` etc. as `params`."""
        items: list[dict[str, Any]] = []
        query: dict[str, Any] = {"maxResults": 2500, **params}
        while True:
            page = _checked(
                self.session.get(self._events(calendar_id), params=query, timeout=30), (200,)
            )
            items.extend(page.get("items", []))
            if "nextPageToken" not in page:
                return items
            query["pageToken"] = page["nextPageToken"]

    def event(self, calendar_id: str, event_id: str) -> dict[str, Any]:
        url = self._events(calendar_id, f"/{quote(event_id, safe='')}")
        return dict(_checked(self.session.get(url, timeout=30), (200,)))

    def insert(self, calendar_id: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.session.post(self._events(calendar_id), json=body, timeout=30)
        return dict(_checked(response, (200,)))

    def patch(self, calendar_id: str, event_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        url = self._events(calendar_id, f"/{quote(event_id, safe='')}")
        return dict(_checked(self.session.patch(url, json=changes, timeout=30), (200,)))

    def delete(self, calendar_id: str, event_id: str) -> None:
        url = self._events(calendar_id, f"/{quote(event_id, safe='')}")
        _checked(self.session.delete(url, timeout=30), (204,))

    def revoke_access(self) -> None:
        """The user revokes every app's access (Google's "remove access")."""
        url = f"{self.url}/_admin/users/{quote(self.email)}/revoke"
        _checked(self.session.post(url, timeout=30), (200,))
