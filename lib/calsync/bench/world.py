"""What a figure measures, set up on the stack's emulators (none of it is measured).

- People in Google: a user of the simulator who went through calsync's real consent flow
  (`connect`), so the account holds a refresh token exactly as after `oauth/callback`; their
  secondary calendars; events written in bulk through the simulator's batch endpoint.
- The CRM: a company seeded as the local stack seeds its own, accounts written straight into
  storage with sealed credentials and settings (status syncing, as after `start`), and
  activities written in transactions of a few hundred.
"""

from __future__ import annotations

import itertools
import json
import secrets
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import parse_qs, quote, urlsplit

import requests

from calsync.auth.tokens import code_challenge, new_code_verifier
from calsync.bench.stack import BenchStack
from calsync.bootstrap import Adapters, adapters_for, bootstrap
from calsync.config import Settings
from calsync.devstack.client import GoogleUser
from calsync.devstack.seed import Company, seed_company, users_of
from calsync.domain.account import Account, AccountStatus, Credentials, SyncSettings, SyncState
from calsync.domain.activity import Activity
from calsync.ports import OAuthClient, Storage, UnitOfWork
from calsync.services.registry import Services

ZONE = "Europe/Berlin"
BATCH_PARTS = 1000  # the simulator's (and Google's) most parts per batch request
WRITES_PER_TRANSACTION = 400
_numbers = itertools.count(1)
T = TypeVar("T")


def tomorrow() -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=1)


def slot(index: int, start: datetime | None = None) -> tuple[datetime, datetime]:
    """The `index`-th half-hour meeting from `start` (tomorrow), ten a day."""
    day, place = divmod(index, 10)
    begin = (start or tomorrow()) + timedelta(days=day, hours=8, minutes=30 * place)
    return begin, begin + timedelta(minutes=25)


def event_body(index: int, summary: str = "Event") -> dict[str, Any]:
    begin, end = slot(index)
    return {
        "summary": f"{summary} {index}",
        "description": "Agenda: quarterly review of the account.",
        "location": "Room 4",
        "start": {"dateTime": begin.isoformat(), "timeZone": ZONE},
        "end": {"dateTime": end.isoformat(), "timeZone": ZONE},
    }


@dataclass
class Site:
    """The product wired on the stack's emulators and one Firestore database, as a function
    instance holds it: settings, adapters and services (`bootstrap`)."""

    settings: Settings
    adapters: Adapters
    services: Services
    google_url: str

    @property
    def storage(self) -> Storage:
        return self.adapters.storage


def site(stack: BenchStack, database: str, **changes: Any) -> Site:
    """The product on the stack's emulators, storing in Firestore `database`."""
    settings = stack.settings(database, **changes)
    adapters = adapters_for(settings)
    return Site(settings, adapters, bootstrap(settings, adapters=adapters), stack.google_url)


# -- Google -----------------------------------------------------------------------------------


def consent(oauth: OAuthClient, email: str) -> Credentials:
    """`email` goes through calsync's consent (the simulator approves at once for a login
    hint) and calsync redeems the code: the credentials `oauth/callback` would store."""
    verifier = new_code_verifier()
    state = secrets.token_urlsafe(16)
    url = oauth.authorization_url(
        state=state, code_challenge=code_challenge(verifier), login_hint=email
    )
    answer = requests.get(url, allow_redirects=False, timeout=30)
    query = parse_qs(urlsplit(answer.headers.get("Location", "")).query)
    if answer.status_code != 302 or query.get("state") != [state] or "code" not in query:
        raise RuntimeError(f"consent of {email} failed: {answer.status_code} {query}")
    return oauth.exchange(query["code"][0], verifier).credentials


@dataclass
class Person:
    """Someone in Google Calendar who granted calsync access."""

    user: GoogleUser  # acting in the simulator as this person
    credentials: Credentials  # what calsync holds

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def access_token(self) -> str:
        """The person's own token (as Google's apps hold it), not calsync's."""
        return str(self.user.session.headers["Authorization"]).removeprefix("Bearer ")

    def new_calendar(self, name: str = "CRM activities") -> str:
        response = self.user.session.post(
            f"{self.user.url}/calendar/v3/calendars",
            json={"summary": name, "timeZone": ZONE},
            timeout=30,
        )
        response.raise_for_status()
        return str(response.json()["id"])

    def add_events(self, calendar_id: str, bodies: Iterable[dict[str, Any]]) -> int:
        return add_events(self.user, calendar_id, bodies)


def add_events(user: GoogleUser, calendar_id: str, bodies: Iterable[dict[str, Any]]) -> int:
    """Insert events as `user`, in batch requests of up to 1,000; returns how many were made."""
    path = f"/calendar/v3/calendars/{quote(calendar_id, safe='')}/events"
    made = 0
    iterator = iter(bodies)
    while chunk := list(itertools.islice(iterator, BATCH_PARTS)):
        made += _batch(user, [("POST", path, body) for body in chunk])
    return made


def _batch(user: GoogleUser, calls: list[tuple[str, str, dict[str, Any]]]) -> int:
    boundary = f"batch_{uuid.uuid4().hex}"
    parts = []
    for index, (method, path, body) in enumerate(calls):
        parts.append(
            f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: <{index}>\r\n\r\n"
            f"{method} {path} HTTP/1.1\r\nContent-Type: application/json\r\n\r\n"
            f"{json.dumps(body)}\r\n"
        )
    payload = "".join(parts) + f"--{boundary}--\r\n"
    response = user.session.post(
        f"{user.url}/batch/calendar/v3",
        data=payload.encode(),
        headers={"Content-Type": f"multipart/mixed; boundary={boundary}"},
        timeout=300,
    )
    response.raise_for_status()
    ok = response.text.count("HTTP/1.1 200")
    if ok != len(calls):
        raise RuntimeError(f"batch: {ok} of {len(calls)} calls succeeded")
    return ok


def person(site: Site, name: str) -> Person:
    """A new Google user `<name>-<n>-<random>@bench.example` who consented to calsync."""
    email = f"{name}-{next(_numbers)}-{secrets.token_hex(3)}@bench.example"
    user = GoogleUser(site.google_url, email)
    return Person(user, consent(site.adapters.oauth, email))


# -- the CRM ----------------------------------------------------------------------------------


def company(site: Site, name: str) -> Company:
    """A fresh company with two users (the first owns what the figures sync)."""
    company_id = f"{name}-{secrets.token_hex(3)}"
    people = {f"owner@{company_id}.example": "Owner", f"colleague@{company_id}.example": "Other"}
    return seed_company(site.storage, company_id, users_of(company_id, people))


def account(
    site: Site,
    crm: Company,
    google: Person,
    calendar_id: str,
    *,
    next_check_at: datetime | None = None,
    **settings: Any,
) -> Account:
    """A syncing account (as after `start`, without the job `start` asks for)."""
    now = datetime.now(UTC)
    owner = crm.main
    made = Account(
        id=f"acc-{uuid.uuid4().hex[:16]}",
        company_id=crm.id,
        user_id=owner.id,
        email=google.email,
        status=AccountStatus.SYNCING,
        settings=SyncSettings(calendar_id=calendar_id, **settings),
        sync=SyncState(window_start=now, next_check_at=next_check_at or now + timedelta(days=1)),
        scopes=google.credentials.scopes,
    )
    vault = site.services.context.vault

    def work(uow: UnitOfWork) -> None:
        uow.accounts.put(made)
        vault.put(uow, made.id, google.credentials)

    site.storage.transaction(work)
    return made


def activities(crm: Company, count: int, *, type_: str = "meeting") -> Iterator[Activity]:
    """`count` future activities of the company's main user, citing a deal, person and org."""
    owner = crm.main
    for index in range(count):
        begin, end = slot(index)
        yield Activity(
            id=f"act-{uuid.uuid4().hex}",
            company_id=crm.id,
            owner_id=owner.id,
            type=type_,
            subject=f"Activity {index}",
            start=begin,
            end=end,
            timezone=ZONE,
            location="Room 4",
            public_description="Agenda: quarterly review of the account.",
            note="Never leaves the CRM.",
            deal_id=crm.items["renewal"].id,
            person_id=crm.items["hank"].id,
            org_id=crm.items["globex"].id,
        )


def store(storage: Storage, items: Iterable[T], write: Callable[[UnitOfWork, T], None]) -> int:
    """Write `items` in transactions of a few hundred (setup: no outbox, no jobs)."""
    stored = 0
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, WRITES_PER_TRANSACTION)):

        def work(uow: UnitOfWork, chunk: list[T] = chunk) -> None:
            for item in chunk:
                write(uow, item)

        storage.transaction(work)
        stored += len(chunk)
    return stored


def store_activities(site: Site, items: Iterable[Activity]) -> int:
    """Activities that predate the sync (no outbox entries)."""
    return store(site.storage, items, lambda uow, item: uow.activities.put(item))
