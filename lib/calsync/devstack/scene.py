"""What the demo's steps share: the clients, the timeline, and what earlier steps made."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests
from google.cloud import tasks_v2

from calsync.devstack.client import CrmClient, GoogleUser, wait_for
from calsync.devstack.timeline import Timeline

ZONE = "Europe/Berlin"
SYNC_WAIT = 20.0  # seconds a change may take to cross over before a step gives up


@dataclass
class Scene:
    """The demo's world: demo@example.com in the CRM (`ann`) and in Google, and Bob."""

    timeline: Timeline
    info: dict[str, Any]
    ann: CrmClient
    bob: CrmClient
    google: GoogleUser
    tasks: tasks_v2.CloudTasksClient
    account_id: str = ""
    calendar_id: str = ""
    made: dict[str, str] = field(default_factory=dict)  # names -> activity ids
    day: datetime = field(
        default_factory=lambda: (
            datetime.now(ZoneInfo(ZONE)).replace(hour=0, minute=0, second=0, microsecond=0)
            + timedelta(days=2)
        )
    )

    # -- time ----------------------------------------------------------------------------

    def at(self, hours: float) -> str:
        """An instant on the demo's day (two days ahead, Berlin time), ISO 8601."""
        return (self.day + timedelta(hours=hours)).isoformat()

    def window(self) -> tuple[str, str]:
        return self.day.astimezone(UTC).isoformat(), (self.day + timedelta(days=1)).isoformat()

    # -- looking at both sides ------------------------------------------------------------

    def crm(self, client: CrmClient | None = None) -> list[dict[str, Any]]:
        """The company's activities on the demo's day, as `client` (default Ann) sees them."""
        return (client or self.ann).activities(*self.window())

    def crm_by_subject(self, subject: str) -> dict[str, Any] | None:
        return next((a for a in self.crm() if a["subject"] == subject), None)

    def events(self) -> list[dict[str, Any]]:
        return self.google.events(self.calendar_id)

    def event_of(self, activity_id: str) -> dict[str, Any] | None:
        """The Google event calsync made for an activity (it carries the activity's id)."""
        for event in self.events():
            props = event.get("extendedProperties", {}).get("private", {})
            if props.get("calsyncActivityId") == activity_id and event["status"] != "cancelled":
                return event
        return None

    def wait_event(self, activity_id: str, what: str, test: Any = bool) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            event = self.event_of(activity_id)
            return event if event is not None and test(event) else None

        return wait_for(what, probe, SYNC_WAIT)

    def wait_activity(self, what: str, test: Any) -> dict[str, Any]:
        return wait_for(what, lambda: next((a for a in self.crm() if test(a)), None), SYNC_WAIT)

    # -- the platform ----------------------------------------------------------------------

    def sync_queue(self) -> str:
        return str(self.info["cloudtasks"]["sync_queue"])

    def jobs_created(self) -> int:
        stats = requests.get(f"http://{self.info['cloudtasks']['http']}/admin/stats", timeout=30)
        queue: dict[str, int] = stats.json()["queues"].get(self.sync_queue(), {})
        return queue.get("created", 0)

    def google_stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = requests.get(
            f"{self.info['google_url']}/_admin/stats", timeout=30
        ).json()
        return stats
