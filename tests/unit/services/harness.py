"""A whole calsync over the in-memory adapters, for service and HTTP tests.

`World` wires the real services through bootstrap with fakes: MemoryStorage, InlineTaskQueue,
the MemoryCalendarService with MemoryConnector and MemoryOAuthClient, a LocalKeyring, a fake
clock, a local signer for CRM tokens, a second signer playing Google's OIDC for task calls,
and a fake job callable (the engine is another branch) recording what it was asked to run.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from calsync.auth.bearer import BearerVerifier, LocalSigner, TaskTokenVerifier, generate_signing_key
from calsync.auth.keyring import LocalKeyring, generate_local_key
from calsync.auth.keys import StaticKeys
from calsync.bootstrap import Adapters, bootstrap
from calsync.clock import FakeClock
from calsync.config import Settings
from calsync.domain.account import Account
from calsync.domain.activity import LinkedItem, LinkedItemKind, User
from calsync.http.entry import wsgi_app
from calsync.ports import Storage
from calsync.providers.memory import MemoryConnector
from calsync.providers.memory_calendar import MemoryCalendarService
from calsync.providers.memory_oauth import MemoryOAuthClient
from calsync.services.connect import CallbackParams, Connected
from calsync.services.registry import Services
from calsync.store.memory import MemoryStorage
from calsync.sync.jobs import JobOutcome, JobResult
from calsync.tasks.inline import InlineTaskQueue
from werkzeug.test import Client, TestResponse

COMPANY = "c1"
TASKS_ACCOUNT = "tasks@calsync-test.iam.gserviceaccount.com"
GOOGLE_ISSUER = "https://accounts.google.com"


@functools.cache
def signing_key(name: str) -> str:
    """One RSA key per name for the whole session (generating one takes a moment)."""
    return generate_signing_key()


@functools.cache
def signer(name: str, issuer: str, audience: str) -> LocalSigner:
    return LocalSigner(signing_key(name), key_id=f"{name}-1", issuer=issuer, audience=audience)


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "local",
        "frontend_url": "https://crm.example.com/settings/calendar-sync",
        "functions_url": "https://functions.example.com",
        "oauth_client_secret": "a-real-looking-secret",
        "local_key": generate_local_key(),
        "bearer_signing_key": signing_key("crm"),
        "task_service_account": TASKS_ACCOUNT,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class World:
    settings: Settings = field(default_factory=settings)
    # Real "now": the memory calendar's channels expire in wall-clock time.
    clock: FakeClock = field(default_factory=lambda: FakeClock(datetime.now(UTC)))
    result: JobResult = field(default_factory=lambda: JobResult(JobOutcome.DONE))
    ran: list[str] = field(default_factory=list)
    pulls: list[bool] = field(default_factory=list)  # each job's `pull`, in order
    storage: Storage = field(default_factory=MemoryStorage)  # or Firestore on the emulator

    def __post_init__(self) -> None:
        self.calendar = MemoryCalendarService(self.clock)
        self.oauth = MemoryOAuthClient(self.calendar)
        self.queue = InlineTaskQueue()
        self.keyring = LocalKeyring.from_base64(generate_local_key())
        self.signer = signer("crm", "calsync-test", "calsync")
        self.google = signer("google", GOOGLE_ISSUER, "-")
        adapters = Adapters(
            storage=self.storage,
            queue=self.queue,
            connector=MemoryConnector(self.calendar),
            oauth=self.oauth,
            keyring=self.keyring,
            clock=self.clock,
        )
        self.services: Services = bootstrap(
            self.settings,
            adapters=adapters,
            users=BearerVerifier(
                StaticKeys(self.signer.public_keys()), issuer="calsync-test", audience="calsync"
            ),
            callers=TaskTokenVerifier(
                StaticKeys(self.google.public_keys()),
                issuers={GOOGLE_ISSUER},
                service_account=TASKS_ACCOUNT,
            ),
            run_job=self._run,
        )
        self.demo = self.add_user("u-demo", "demo@example.com")
        self.bob = self.add_user("u-bob", "bob@example.com")
        self.eve = self.add_user("u-eve", "eve@other.example", company="c2")

    def _run(self, account_id: str, *, pull: bool = True) -> JobResult:
        self.ran.append(account_id)
        self.pulls.append(pull)
        return self.result

    # -- the CRM ------------------------------------------------------------------------------

    def add_user(self, user_id: str, email: str, company: str = COMPANY) -> User:
        user = User(id=user_id, company_id=company, email=email, name=user_id)
        self.storage.session().directory.put_user(user)
        return user

    def add_item(
        self, kind: LinkedItemKind, item_id: str, owner: User, *, public: bool = True
    ) -> LinkedItem:
        item = LinkedItem(
            kind=kind,
            id=item_id,
            company_id=owner.company_id,
            name=f"{kind.value} {item_id}",
            owner_id=owner.id,
            visible_to_everyone=public,
        )
        self.storage.session().directory.put_linked_item(item)
        return item

    def token(self, user: User) -> str:
        return self.signer.issue(user)

    def task_token(self, audience: str, email: str = TASKS_ACCOUNT) -> str:
        now = int(time.time())
        claims = {"iss": GOOGLE_ISSUER, "aud": audience, "email": email}
        claims |= {"email_verified": True, "iat": now, "exp": now + 300, "sub": "1"}
        return self.google.sign(claims)

    # -- calendar accounts --------------------------------------------------------------------

    def consent(self, user: User, email: str) -> Connected:
        """The user starts a consent for `email`, and the browser comes back with the code."""
        url = self.services.connect.start(user, {"provider": "google", "email": email})
        code = self.oauth.approve(url)
        return self.services.connect.callback(
            CallbackParams(state=state_of(url), code=code, error=None)
        )

    def connect(self, user: User, email: str) -> Account:
        """The user connects `email` through consent (confirming a new connection, as the
        frontend does); the account, ready to connect."""
        connected = self.consent(user, email)
        if connected.confirmation is not None:
            body = {"account_id": connected.account_id, "code": connected.confirmation}
            self.services.confirm.confirm(user, body)
        return self.account(connected.account_id)

    def start(self, user: User, email: str, **changes: Any) -> Account:
        """A connected account, started on its primary calendar (plus `changes`)."""
        account = self.connect(user, email)
        body = {"calendar_id": email, **changes}
        return self.services.lifecycle.start(user, account.id, body)

    def account(self, account_id: str) -> Account:
        found = self.storage.session().accounts.get(account_id)
        assert found is not None
        return found

    def writes(self) -> int:
        """How many writes the memory storage has applied so far (a refusal must add none)."""
        assert isinstance(self.storage, MemoryStorage)
        return self.storage._tables._clock

    def later(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta))


def state_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["state"][0]


class Api:
    """The World's entry points over WSGI (werkzeug's test client), as the frontend calls them."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.client = Client(wsgi_app(world.services))

    def __call__(
        self,
        method: str,
        path: str,
        *,
        user: User | str | None = "demo",
        json: Any = None,
        **kwargs: Any,
    ) -> TestResponse:
        headers = dict(kwargs.pop("headers", {}))
        if isinstance(user, str):
            user = {"demo": self.world.demo, "bob": self.world.bob, "eve": self.world.eve}[user]
        if user is not None:
            headers.setdefault("Authorization", f"Bearer {self.world.token(user)}")
        if json is not None:
            kwargs["json"] = json
        return self.client.open(path, method=method, headers=headers, **kwargs)
