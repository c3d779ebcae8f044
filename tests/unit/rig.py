"""One account over the memory adapters, instrumented: the bench of the job tests and the
state machine. CRM edits go through `sync/outbox.py` as the activities API does."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from calsync.clock import FakeClock
from calsync.domain import Account, AccountStatus, Activity, CalendarEvent, SyncSettings
from calsync.domain.activity import stamp_changes
from calsync.domain.schedule import evolve
from calsync.errors import ProviderError
from calsync.ports import CalendarProvider, UnitOfWork
from calsync.providers.memory import MemoryCalendarProvider
from calsync.providers.memory_calendar import MemoryCalendarService
from calsync.store.memory import MemoryStorage
from calsync.sync.job import EngineConfig, SyncJob
from calsync.sync.jobs import JobResult
from calsync.sync.outbox import delete_activity, save_activity, syncing_accounts
from calsync.tasks.inline import InlineTaskQueue

from tests.unit.harness import CountingProvider, CountingStorage, Tripwire

EMAIL = "ann@example.com"
CONFIG = EngineConfig(push_batch=50, txn_items=200)


class Rig:
    def __init__(
        self, *, page_size: int = 50, config: EngineConfig = CONFIG, **settings: Any
    ) -> None:
        self.clock = FakeClock()
        self.memory = MemoryStorage()
        self.storage = CountingStorage(self.memory)
        self.service = MemoryCalendarService(self.clock)
        self.service.add_user(EMAIL)
        self.tripwire: Tripwire = self.storage.tripwire
        self.provider = CountingProvider(
            MemoryCalendarProvider(self.service, EMAIL, page_size=page_size), self.tripwire
        )
        self.queue = InlineTaskQueue()
        self.auth_error: ProviderError | None = None
        self.job = SyncJob(
            storage=self.storage,
            clock=self.clock,
            open_provider=self._open,
            queue=self.queue,
            config=config,
        )
        self._ids = itertools.count(1)
        self.account = Account(
            id="acc",
            company_id="c",
            user_id="ann",
            email=EMAIL,
            status=AccountStatus.SYNCING,
            settings=SyncSettings(calendar_id=EMAIL, **settings),
            created_at=self.clock.now(),
            updated_at=self.clock.now(),
        )
        self.memory.session().accounts.put(self.account)

    def _open(self, account: Account) -> CalendarProvider:
        if self.auth_error is not None:
            raise self.auth_error
        return self.provider

    def run(self, *, pull: bool = True) -> JobResult:
        return self.job.run("acc", pull=pull)

    def change_settings(self, settings: SyncSettings) -> None:
        """As the HTTP layer saves settings."""
        self._update_account(settings=settings)

    def set_status(self, status: AccountStatus, *, forget_applied: bool = False) -> None:
        """Stop (synced previously) or start; a start after a stop forgets the applied settings,
        so the engine reconciles everything that happened meanwhile."""
        changes: dict[str, Any] = {"status": status}
        if forget_applied:
            changes["sync"] = evolve(self.stored_account().sync, applied_settings=None)
        self._update_account(**changes)

    def _update_account(self, **changes: Any) -> None:
        def work(uow: UnitOfWork) -> None:
            current = uow.accounts.get("acc")
            assert current is not None
            uow.accounts.put(evolve(current, **changes))

        self.memory.transaction(work)

    def stored_account(self) -> Account:
        found = self.memory.session().accounts.get("acc")
        assert found is not None
        return found

    # -- the CRM user, as the activities API ---------------------------------------------------

    def crm_create(self, *, hours: float = 24, **fields: Any) -> Activity:
        now = self.clock.now()
        values: dict[str, Any] = {
            "id": f"a{next(self._ids)}",
            "company_id": "c",
            "owner_id": "ann",
            "type": "meeting",
            "subject": "Meeting",
            "start": now + timedelta(hours=hours),
            "end": now + timedelta(hours=hours + 1),
            "created_at": now,
            "updated_at": now,
            **fields,
        }
        activity = stamp_changes(None, Activity.model_validate(values), now)  # as the API
        self._write(activity, delete=False)
        return activity

    def crm_update(self, activity_id: str, **changes: Any) -> Activity:
        current = self.memory.session().activities.get("c", activity_id)
        assert current is not None
        now = self.clock.now()
        changed = evolve(current, version=current.version + 1, updated_at=now, **changes)
        changed = stamp_changes(current, changed, now)  # as the activities API does
        self._write(changed, delete=False, previous_owner=current.owner_id)
        return changed

    def crm_delete(self, activity_id: str) -> None:
        current = self.memory.session().activities.get("c", activity_id)
        assert current is not None
        self._write(current, delete=True)

    def _write(self, activity: Activity, *, delete: bool, previous_owner: str = "") -> None:
        """As the activities API: the owner's syncing accounts hear of the change, and the
        previous owner's too when it changed hands."""

        def work(uow: UnitOfWork) -> None:
            accounts = syncing_accounts(uow, "c", activity.owner_id)
            if previous_owner and previous_owner != activity.owner_id:
                accounts += syncing_accounts(uow, "c", previous_owner)
            (delete_activity if delete else save_activity)(
                uow, activity, accounts, self.clock.now()
            )

        self.memory.transaction(work)

    # -- the calendar user -----------------------------------------------------------------------

    def cal_create(self, *, hours: float = 24, **fields: Any) -> CalendarEvent:
        now = self.clock.now()
        values: dict[str, Any] = {
            "id": "",
            "calendar_id": EMAIL,
            "summary": "Event",
            "start": now + timedelta(hours=hours),
            "end": now + timedelta(hours=hours + 1),
            **fields,
        }
        return self.service.user_create(EMAIL, CalendarEvent.model_validate(values))

    def events(self, calendar_id: str = EMAIL) -> list[CalendarEvent]:
        with self.service.lock:
            stored = self.service.calendars[calendar_id].events.values()
            return sorted((s.event for s in stored if not s.deleted), key=lambda e: e.id)

    def activities(self) -> list[Activity]:
        return sorted(self.memory.session().activities.for_owner("c", "ann"), key=lambda a: a.id)
