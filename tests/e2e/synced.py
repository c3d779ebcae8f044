"""What the e2e tests share: a started sync for a tenant, times on a future day, and waiting
on both sides (short polling with generous timeouts, never fixed sleeps)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from calsync.devstack.client import CrmClient, GoogleUser, wait_for
from emulators.cloudtasks.client import tasks_client

from tests.fixtures.stack import LocalStack, Tenant

ZONE = "Europe/Berlin"
WAIT = 30.0  # generous: the machine is shared; the stack takes well under a second


def day(days: int = 3) -> datetime:
    """Midnight UTC `days` ahead (in the future: what syncs)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=days)


def at(hours: float, days: int = 3) -> str:
    return (day(days) + timedelta(hours=hours)).isoformat()


def timed_event(
    summary: str, start: float, end: float, days: int = 3, **fields: Any
) -> dict[str, Any]:
    return {
        "summary": summary,
        "start": {"dateTime": at(start, days), "timeZone": ZONE},
        "end": {"dateTime": at(end, days), "timeZone": ZONE},
        **fields,
    }


def meeting(
    subject: str, start: float = 10, end: float = 11, days: int = 3, **fields: Any
) -> dict[str, Any]:
    """Fields of a timed CRM activity (a meeting unless `type` is given)."""
    return {
        "type": "meeting",
        "subject": subject,
        "start": at(start, days),
        "end": at(end, days),
        "timezone": ZONE,
        **fields,
    }


@dataclass
class Synced:
    """A tenant's user with a connected, started Google account."""

    tenant: Tenant
    account_id: str
    calendar_id: str
    google: GoogleUser
    crm: CrmClient
    others: list[str] = field(default_factory=list)

    @property
    def stack(self) -> LocalStack:
        return self.tenant.stack

    def activities(self, client: CrmClient | None = None) -> list[dict[str, Any]]:
        """The company's activities from 10 days ago to 30 days ahead, as `client` sees them."""
        return (client or self.crm).activities(day(-10).isoformat(), day(30).isoformat())

    def activity_where(self, test: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
        return next((a for a in self.activities() if test(a)), None)

    def events(self, calendar_id: str | None = None) -> list[dict[str, Any]]:
        return self.google.events(calendar_id or self.calendar_id)

    def event_of(self, activity_id: str, calendar_id: str | None = None) -> dict[str, Any] | None:
        for event in self.events(calendar_id):
            private = event.get("extendedProperties", {}).get("private", {})
            if private.get("calsyncActivityId") == activity_id:
                return event
        return None

    # -- waiting ----------------------------------------------------------------------------

    def wait_event(
        self,
        activity_id: str,
        test: Callable[[dict[str, Any]], bool] = lambda _: True,
        calendar_id: str | None = None,
    ) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            event = self.event_of(activity_id, calendar_id)
            return event if event is not None and test(event) else None

        return wait_for(f"the event of activity {activity_id}", probe, WAIT)

    def wait_no_event(self, activity_id: str, calendar_id: str | None = None) -> None:
        wait_for(
            f"no event for activity {activity_id}",
            lambda: self.event_of(activity_id, calendar_id) is None,
            WAIT,
        )

    def wait_activity(self, test: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        return wait_for("an activity", lambda: self.activity_where(test), WAIT)

    def wait_subject(self, subject: str) -> dict[str, Any]:
        return self.wait_activity(lambda a: a["subject"] == subject)

    def wait_account(self, test: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            account = self.crm.account(self.account_id)
            return account if test(account) else None

        return wait_for("the account", probe, WAIT)


def start_sync(tenant: Tenant, name: str = "ann", **settings: Any) -> Synced:
    """Connect `<name>-<n>@gmail.example` for the tenant's user `name` through consent, create
    the separate calendar, and start syncing with `settings` (two-way by default)."""
    crm = tenant.ann if name == "ann" else tenant.bob
    google = tenant.google(name)
    account_id = crm.connect(google.email)
    calendar_id = settings.pop("calendar_id", None) or crm.create_calendar(account_id)["id"]
    crm.start(account_id, calendar_id=calendar_id, **settings)
    synced = Synced(tenant, account_id, calendar_id, google, crm)
    synced.wait_account(lambda account: account["last_synced_at"] is not None)
    return synced


# -- the platform ---------------------------------------------------------------------------


def queue_stats(stack: LocalStack) -> dict[str, Any]:
    stats: dict[str, Any] = stack.tasks.stats()
    return stats


def jobs_created(stack: LocalStack) -> int:
    return int(queue_stats(stack)["queues"].get(stack.sync_queue, {}).get("created", 0))


def settle(stack: LocalStack) -> None:
    """Wait until the sync queue holds no task (none waiting, none in flight), twice in a row."""
    calm: list[bool] = []

    def idle() -> bool:
        live = queue_stats(stack)["live"].get(stack.sync_queue, {})
        calm.append(live.get("tasks", 0) == 0 and live.get("in_flight", 0) == 0)
        return len(calm) >= 2 and calm[-1] and calm[-2]

    wait_for("the sync queue to settle", idle, WAIT)


def google_writes(stack: LocalStack) -> int:
    """Event writes Google has seen so far (by anyone)."""
    requests_by_method = stack.google_admin("GET", "stats")["requests"]
    kinds = ("events.insert", "events.update", "events.patch", "events.delete", "events.move")
    return sum(int(requests_by_method.get(kind, 0)) for kind in kinds)


@contextmanager
def sync_held(stack: LocalStack) -> Iterator[None]:
    """Hold the sync queue (no job runs) for the duration, so both sides change "at once"."""
    client = tasks_client(stack.info["cloudtasks"]["grpc"])
    client.pause_queue(name=stack.sync_queue)
    try:
        yield
    finally:
        client.resume_queue(name=stack.sync_queue)


def wait_count(synced: Synced, subject: str, count: int) -> list[dict[str, Any]]:
    """Wait until exactly `count` of the user's activities have `subject`; returns them."""
    found: list[list[dict[str, Any]]] = []

    def probe() -> bool:
        found[:] = [[a for a in synced.activities() if a["subject"] == subject]]
        return len(found[0]) == count

    wait_for(f"{count} activities {subject!r}", probe, WAIT)
    return found[0]
