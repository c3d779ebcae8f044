"""The synced account the change figures edit, on the stack's own database, and how to wait.

`synced_pair` goes the whole way a user goes: a CRM user of a fresh company connects a Google
account through consent (`oauth/start`, the simulator's consent, `oauth/callback`), creates the
separate calendar, which already holds `background` events, and starts a two-way sync; then one
activity is made in the CRM and one event in Google, both synced: the items later edits change.

`quiet` waits until the sync queue has had nothing to do for a while (push notifications and
their jobs come a few milliseconds after a write); `until` polls a probe tightly.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from calsync.bench import world
from calsync.bench.context import Bench
from calsync.bench.naive import NaiveSync, new_activity
from calsync.bootstrap import local_signer
from calsync.devstack.client import ApiError, CrmClient, GoogleUser
from calsync.domain.account import Account
from calsync.domain.ids import event_id_for, imported_activity_id

T = TypeVar("T")
TIMEOUT = 60.0
POLL = 0.01  # seconds between probes while timing a change


class ChangeFailure(RuntimeError):
    """A change did not reach the other side in time."""


def until(what: str, probe: Callable[[], T | None], timeout: float = TIMEOUT) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise ChangeFailure(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(POLL)


def quiet(bench: Bench, grace: float) -> None:
    """Wait until the sync queue has held no task for `grace` seconds in a row."""
    stack, since = bench.stack, None
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        now = time.monotonic()
        if not stack.queue_idle(stack.sync_queue):
            since = None
        elif since is None:
            since = now
        elif now - since >= grace:
            return
        time.sleep(0.05)
    raise ChangeFailure("the sync queue did not settle")


@dataclass
class Pair:
    """A CRM user and their Google calendar, synced two-way through the stack."""

    client: CrmClient
    google: GoogleUser
    account: Account
    calendar_id: str
    activity_id: str  # made in the CRM
    event_id: str  # made in Google

    @property
    def activity_event(self) -> str:
        """The event of the CRM-made activity (its id derives from the activity's)."""
        return event_id_for(self.activity_id)

    @property
    def imported_id(self) -> str:
        """The activity of the Google-made event."""
        return imported_activity_id(self.account, self.calendar_id, self.event_id)

    @property
    def account_id(self) -> str:
        return self.account.id

    def event_summary(self, event_id: str) -> str | None:
        try:
            event = self.google.event(self.calendar_id, event_id)
        except ApiError:
            return None
        return None if event.get("status") == "cancelled" else event.get("summary")

    def subject(self, activity_id: str) -> str | None:
        try:
            return str(self.client.activity(activity_id)["subject"])
        except ApiError:
            return None


def meeting(index: int, subject: str) -> dict[str, Any]:
    begin, end = world.slot(index)
    return {
        "type": "meeting",
        "subject": subject,
        "start": begin.isoformat(),
        "end": end.isoformat(),
        "timezone": world.ZONE,
    }


def synced_pair(bench: Bench, background: int) -> Pair:
    stack = bench.stack
    site = world.site(stack, "(default)")
    crm = world.company(site, "change")
    client = CrmClient(stack.functions_url, local_signer(site.settings).issue(crm.main))
    google = GoogleUser(stack.google_url, f"change-{secrets.token_hex(3)}@bench.example")
    account_id = client.connect(google.email)
    calendar_id = str(client.create_calendar(account_id)["id"])
    world.add_events(google, calendar_id, (world.event_body(i) for i in range(background)))
    client.start(account_id, calendar_id=calendar_id)
    until("the first sync", lambda: client.account(account_id)["last_synced_at"], TIMEOUT * 3)
    quiet(bench, 0.5)
    activity = client.create_activity(**meeting(background + 1, "Made in the CRM"))
    event = google.insert(calendar_id, world.event_body(background + 2, "Made in Google"))
    account = site.storage.session().accounts.get(account_id)
    assert account is not None
    pair = Pair(client, google, account, calendar_id, activity["id"], event["id"])
    until("the CRM's activity in Google", lambda: pair.event_summary(pair.activity_event))
    until("Google's event in the CRM", lambda: pair.subject(pair.imported_id))
    quiet(bench, 0.5)
    return pair


@dataclass
class NaivePair:
    """The same for the naive baseline: its store, a calendar of the same size, two items."""

    sync: NaiveSync
    database: str
    google: GoogleUser
    calendar_id: str
    activity_id: str
    event_id: str

    def event_summary(self, event_id: str) -> str | None:
        return self.google.event(self.calendar_id, event_id).get("summary")

    def activity_event(self) -> str:
        return str((self.sync.crm_get(self.activity_id) or {})["event_id"])

    def subject_of(self, event_id: str) -> str | None:
        found = self.sync.crm_find(event_id)
        return str(found[1]["subject"]) if found else None


def naive_pair(bench: Bench, google: GoogleUser, background: int) -> NaivePair:
    token = str(google.session.headers["Authorization"]).removeprefix("Bearer ")
    made = google.session.post(
        f"{google.url}/calendar/v3/calendars", json={"summary": "Naive"}, timeout=30
    )
    made.raise_for_status()
    calendar_id = str(made.json()["id"])
    world.add_events(google, calendar_id, (world.event_body(i) for i in range(background)))
    database = bench.database("naive-change")
    sync = NaiveSync(
        bench.firestore(database),
        google_url=google.url,
        access_token=token,
        calendar_id=calendar_id,
        account_id="naive",
    )
    body = world.event_body(background + 1, "Made in the CRM")
    activity_id = sync.crm_create(new_activity(body["summary"], body["start"], body["end"]))
    event = google.insert(calendar_id, world.event_body(background + 2, "Made in Google"))
    sync.run()
    return NaivePair(sync, database, google, calendar_id, activity_id, event["id"])
