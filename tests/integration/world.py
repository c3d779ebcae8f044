"""A small world for the rule tests: a CRM company, its users, their calendars, and the engine.

Rule tests act only through this interface, so the same tests run over any adapters:

- CRM user: `crm_create`, `crm_update`, `crm_delete` (through `sync/outbox.py` in one storage
  transaction each, with each field's CRM change time stamped, then a push-only job request
  per account, exactly as the activities API stores a change; they are raw writes: what the
  API refuses, e.g. edits of read-only activities, is tested through `activities_api`, the
  product's ActivityService), `link_item`.
- Settings and accounts (as the HTTP layer saves them): `connect`, `change_settings`, `stop`,
  `resume`; `remove` goes through the product's LifecycleService.
- Calendar user: `cal(user)` is the `CalendarUser` of that user's calendar account
  (tests/contract/drivers.py); `event_template` builds events for it.
- The engine: `sync()` runs every syncing account's job (as a notification or the polling tick
  would) and then whatever the jobs enqueued, until the queue is empty; `run_jobs()` only what
  was asked for so far (e.g. a CRM change's push-only job).
- Looking: `activity`, `activities`, `events`, `links`, `conflicts`, `account`, `imported_id`.

A backend (`CalendarBackend`) supplies the calendar side. The `world` fixture
(tests/integration/conftest.py) runs every rule test twice: over MemoryStorage and the memory
calendar (`MemoryBackend`), and over FirestoreStorage on the Firestore emulator with the Google
adapter on the Google simulator (`google_world.GoogleBackend`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from calsync.auth.keyring import LocalKeyring, generate_local_key
from calsync.auth.vault import CredentialVault
from calsync.clock import FakeClock
from calsync.config import Settings
from calsync.domain import (
    Account,
    AccountStatus,
    Activity,
    CalendarEvent,
    Conflict,
    Credentials,
    Link,
    LinkedItem,
    SyncSettings,
    User,
)
from calsync.domain.activity import stamp_changes
from calsync.domain.ids import imported_activity_id
from calsync.domain.schedule import evolve
from calsync.errors import NotFound
from calsync.ports import CalendarProvider, Storage, TokenGrant, UnitOfWork
from calsync.providers.memory import MemoryCalendarProvider
from calsync.providers.memory_calendar import MemoryCalendarService
from calsync.services.activities import ActivityService
from calsync.services.channels import Channels
from calsync.services.common import ServiceContext
from calsync.services.lifecycle import LifecycleService
from calsync.services.settings import SettingsRules
from calsync.store.memory import MemoryStorage
from calsync.sync.job import EngineConfig, SyncJob
from calsync.sync.jobs import JobResult, request_job
from calsync.sync.outbox import delete_activity, save_activity, syncing_accounts
from calsync.tasks.inline import InlineTaskQueue

from tests.contract.drivers import CalendarUser, MemoryCalendarUser

COMPANY = "acme"
CONFIG = EngineConfig(crm_base_url="https://crm.example.com", push_batch=50)


class CalendarBackend(Protocol):
    """The calendar side of a world."""

    def add_user(self, email: str) -> CalendarUser:
        """A calendar account for `email` with a primary calendar whose id is the email."""
        ...

    def open(self, account: Account) -> CalendarProvider:
        """The provider adapter, authorized as the account's user."""
        ...


class MemoryBackend:
    def __init__(self, clock: FakeClock, page_size: int = 50) -> None:
        self.service = MemoryCalendarService(clock)
        self.page_size = page_size

    def add_user(self, email: str) -> CalendarUser:
        self.service.add_user(email)
        return MemoryCalendarUser(self.service, email)

    def open(self, account: Account) -> CalendarProvider:
        return MemoryCalendarProvider(self.service, account.email, page_size=self.page_size)


class _BackendConnector:
    """The backend as a CalendarConnector, for the credential vault of the services."""

    def __init__(self, backend: CalendarBackend) -> None:
        self.backend = backend

    def open(
        self,
        account: Account,
        credentials: Credentials,
        on_refresh: Callable[[Credentials], None],
    ) -> CalendarProvider:
        return self.backend.open(account)


class _NoOAuth:
    """The rule tests never go through consent (the backends hold each user's tokens)."""

    def authorization_url(self, *, state: str, code_challenge: str, login_hint: str | None) -> str:
        raise AssertionError("no consent in the rule tests")

    def exchange(self, code: str, code_verifier: str) -> TokenGrant:
        raise AssertionError("no consent in the rule tests")

    def revoke(self, credentials: Credentials) -> None:
        raise AssertionError("the rule tests store no tokens to revoke")


class World:
    def __init__(
        self,
        storage: Storage,
        backend: CalendarBackend,
        clock: FakeClock,
        config: EngineConfig = CONFIG,
    ) -> None:
        self.storage, self.backend, self.clock = storage, backend, clock
        self.queue = InlineTaskQueue()
        self.config = config
        self.job = SyncJob(
            storage=storage,
            clock=clock,
            open_provider=backend.open,
            queue=self.queue,
            config=config,
        )
        self._cal: dict[str, CalendarUser] = {}
        self.results: list[JobResult] = []
        keyring = LocalKeyring.from_base64(generate_local_key())
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            oauth_client_secret="rule-tests-secret",
            local_key=generate_local_key(),
            coalesce_seconds=config.coalesce_window.total_seconds(),
        )
        self.services = ServiceContext(
            storage=storage,
            clock=clock,
            queue=self.queue,
            keyring=keyring,
            vault=CredentialVault(storage, keyring, _BackendConnector(backend)),
            settings=settings,
        )
        # The product's use cases the rule tests go through where it matters.
        self.activities_api = ActivityService(self.services)
        self.lifecycle = LifecycleService(
            self.services, SettingsRules(self.services), Channels(self.services), _NoOAuth()
        )

    def use_engine(
        self,
        config: EngineConfig,
        wrap: Callable[[CalendarProvider], CalendarProvider] | None = None,
    ) -> None:
        """Run jobs with another engine config, each provider passed through `wrap`."""

        def open_provider(account: Account) -> CalendarProvider:
            provider = self.backend.open(account)
            return wrap(provider) if wrap is not None else provider

        self.config = config
        self.job = SyncJob(
            storage=self.storage,
            clock=self.clock,
            open_provider=open_provider,
            queue=self.queue,
            config=config,
        )

    # -- people and accounts -------------------------------------------------------------------

    def add_user(self, user_id: str) -> CalendarUser:
        email = f"{user_id}@example.com"
        self.storage.session().directory.put_user(User(id=user_id, company_id=COMPANY, email=email))
        self._cal[user_id] = self.backend.add_user(email)
        return self._cal[user_id]

    def cal(self, user_id: str = "ann") -> CalendarUser:
        return self._cal[user_id]

    def connect(self, user_id: str = "ann", **settings: Any) -> Account:
        """The user connects their calendar and starts the sync with these settings."""
        if user_id not in self._cal:
            self.add_user(user_id)
        email = self._cal[user_id].email
        account = Account(
            id=f"acc-{user_id}-{uuid.uuid4().hex[:6]}",
            company_id=COMPANY,
            user_id=user_id,
            email=email,
            status=AccountStatus.SYNCING,
            settings=SyncSettings(calendar_id=settings.pop("calendar_id", email), **settings),
            created_at=self.clock.now(),
            updated_at=self.clock.now(),
        )
        account = evolve(account, sync=evolve(account.sync, window_start=self.clock.now()))
        self.storage.session().accounts.put(account)
        self._enqueue([account.id])
        return account

    def user(self, user_id: str = "ann") -> User:
        found = self.storage.session().directory.user(COMPANY, user_id)
        assert found is not None
        return found

    def remove(self, account_id: str) -> None:
        """The user removes the account (services/lifecycle.py): links, outbox and decisions
        are forgotten; the activities stay in the CRM."""
        account = self.account(account_id)
        self.lifecycle.remove(self.user(account.user_id), account_id)

    def account(self, account_id: str) -> Account:
        found = self.storage.session().accounts.get(account_id)
        if found is None:
            raise NotFound(account_id)
        return found

    def _save_account(self, account_id: str, **changes: Any) -> None:
        def work(uow: UnitOfWork) -> None:
            current = uow.accounts.get(account_id)
            assert current is not None
            uow.accounts.put(evolve(current, updated_at=self.clock.now(), **changes))

        self.storage.transaction(work)
        self._enqueue([account_id])

    def change_settings(self, account_id: str, **changes: Any) -> None:
        settings = self.account(account_id).settings
        assert settings is not None
        self._save_account(account_id, settings=evolve(settings, **changes))

    def stop(self, account_id: str) -> None:
        self._save_account(account_id, status=AccountStatus.SYNCED_PREVIOUSLY)

    def resume(self, account_id: str) -> None:
        """Start again with the last settings: the engine re-reconciles (applied cleared)."""
        sync = evolve(self.account(account_id).sync, applied_settings=None)
        self._save_account(account_id, status=AccountStatus.SYNCING, sync=sync)

    # -- the CRM user ----------------------------------------------------------------------------

    def at(self, hours: float) -> datetime:
        return self.clock.now() + timedelta(hours=hours)

    def crm_create(self, owner: str = "ann", *, hours: float = 24, **fields: Any) -> Activity:
        now = self.clock.now()
        values: dict[str, Any] = {
            "id": f"act{uuid.uuid4().hex[:10]}",
            "company_id": COMPANY,
            "owner_id": owner,
            "type": "meeting",
            "subject": "Meeting",
            "start": self.at(hours),
            "end": self.at(hours + 1),
            "created_at": now,
            "updated_at": now,
            **fields,
        }
        activity = stamp_changes(None, Activity.model_validate(values), now)  # as the API
        self._crm_write(activity, delete=False)
        return activity

    def crm_update(self, activity_id: str, **changes: Any) -> Activity:
        current = self._editable(activity_id)
        now = self.clock.now()
        changed = evolve(current, version=current.version + 1, updated_at=now, **changes)
        changed = stamp_changes(current, changed, now)  # as the activities API does
        self._crm_write(changed, delete=False, previous_owner=current.owner_id)
        return changed

    def crm_delete(self, activity_id: str) -> None:
        self._crm_write(self._editable(activity_id), delete=True)

    def _editable(self, activity_id: str) -> Activity:
        current = self.activity(activity_id)
        if current is None:
            raise NotFound(activity_id)
        return current

    def _crm_write(
        self, activity: Activity, *, delete: bool, previous_owner: str | None = None
    ) -> None:
        """As the activities API: the change and its outbox entries in one transaction, for the
        owner's syncing accounts (and the previous owner's, when it changed hands)."""

        def work(uow: UnitOfWork) -> list[str]:
            accounts = syncing_accounts(uow, activity.company_id, activity.owner_id)
            if previous_owner not in (None, activity.owner_id):
                accounts += syncing_accounts(uow, activity.company_id, previous_owner or "")
            write = delete_activity if delete else save_activity
            return write(uow, activity, accounts, self.clock.now())

        self._enqueue(self.storage.transaction(work), pull=False)  # as the activities API

    def link_item(self, item: LinkedItem) -> None:
        self.storage.session().directory.put_linked_item(item)

    # -- the engine ------------------------------------------------------------------------------

    def _enqueue(self, account_ids: list[str], *, pull: bool = True) -> None:
        for account_id in account_ids:
            request_job(
                self.queue, account_id, self.clock.now(), self.config.coalesce_window, pull=pull
            )

    def sync(self) -> list[JobResult]:
        """Every syncing account syncs (as after a notification), then what jobs enqueued."""
        self.clock.advance(timedelta(seconds=1))
        syncing = [a.id for a in self._all_accounts() if a.is_syncing]
        self._enqueue(syncing)
        return self.run_jobs()

    def run_jobs(self) -> list[JobResult]:
        """Only the jobs asked for so far (CRM changes ask for push-only ones), and theirs."""
        ran: list[JobResult] = []

        def run(account_id: str, *, pull: bool) -> JobResult:
            result = self.job.run(account_id, pull=pull)
            ran.append(result)
            return result

        self.queue.run_pending(run, clock=self.clock)
        self.results += ran
        return ran

    def _all_accounts(self) -> list[Account]:
        return [
            a for user in self._cal for a in self.storage.session().accounts.for_user(COMPANY, user)
        ]

    # -- looking ---------------------------------------------------------------------------------

    def activity(self, activity_id: str) -> Activity | None:
        return self.storage.session().activities.get(COMPANY, activity_id)

    def activities(self, owner: str = "ann") -> list[Activity]:
        return sorted(
            self.storage.session().activities.for_owner(COMPANY, owner), key=lambda a: a.id
        )

    def events(self, user_id: str = "ann", calendar_id: str | None = None) -> list[CalendarEvent]:
        cal = self._cal[user_id]
        return cal.events(calendar_id or cal.email)

    def event_for(self, activity_id: str, user_id: str = "ann") -> CalendarEvent | None:
        found = [e for e in self.events(user_id) if e.crm_activity_id == activity_id]
        assert len(found) <= 1, f"duplicate events for {activity_id}"
        return found[0] if found else None

    def event_template(
        self, user_id: str = "ann", *, hours: float = 24, **fields: Any
    ) -> CalendarEvent:
        values: dict[str, Any] = {
            "id": "",
            "calendar_id": self._cal[user_id].email,
            "summary": "Event",
            "start": self.at(hours),
            "end": self.at(hours + 1),
            **fields,
        }
        return CalendarEvent.model_validate(values)

    def cal_create(
        self, user_id: str = "ann", *, hours: float = 24, **fields: Any
    ) -> CalendarEvent:
        """The calendar user creates an event in their primary calendar."""
        event = self.event_template(user_id, hours=hours, **fields)
        return self._cal[user_id].create(event.calendar_id, event)

    def imported_id(self, account: Account, event_id: str) -> str:
        """The id of the activity an event of the account's calendar is imported as."""
        assert account.settings is not None
        return imported_activity_id(account, account.settings.calendar_id, event_id)

    def links(self, account_id: str) -> list[Link]:
        return list(self.storage.session().links.all(account_id))

    def conflicts(self, account_id: str) -> list[Conflict]:
        return self.storage.session().conflicts.recent(account_id, limit=100)


def memory_world() -> World:
    clock = FakeClock()
    return World(MemoryStorage(), MemoryBackend(clock), clock)
