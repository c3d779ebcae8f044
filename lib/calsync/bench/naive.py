"""The naive baseline: the sync one writes first, run over the same emulators as calsync.

Every run lists the whole calendar (no sync token) and reads every activity the account synced
(no change log), compares the two, and sends one request per change: one Calendar API call per
event written (no batch), one Firestore commit per activity written (no transaction, no
batch). It keeps what it needs to pair both sides on the activity documents themselves
(`event_id`, the `event_etag` it last saw, the `version` it last pushed), so it writes one
document per change where calsync writes two (activity and link): the comparison is fair to
it. It reads and writes through the official Firestore client and plain HTTP to the Calendar
API (lighter than calsync's google-api-python-client), in `naive/{account}/activities`.

CRM edits for it are writes to those documents (`crm_*` below), as its frontend would make.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests
from google.cloud import firestore

PAGE = 2500
Doc = dict[str, Any]


@dataclass
class NaiveReport:
    """What one naive run did."""

    listed: int = 0  # events seen
    read: int = 0  # activities read
    created_events: int = 0
    updated_events: int = 0
    deleted_events: int = 0
    saved_activities: int = 0
    deleted_activities: int = 0


def activity_doc(event: Doc) -> Doc:
    """An activity as the naive sync stores an event it brings in."""
    return {
        "subject": event.get("summary", ""),
        "description": event.get("description", ""),
        "location": event.get("location", ""),
        "start": event["start"],
        "end": event["end"],
        "event_id": event["id"],
        "event_etag": event["etag"],
        "version": 1,
        "synced_version": 1,
        "deleted": False,
    }


def event_body(activity: Doc) -> Doc:
    return {
        "summary": activity["subject"],
        "description": activity["description"],
        "location": activity["location"],
        "start": activity["start"],
        "end": activity["end"],
    }


class NaiveSync:
    """One account's naive sync: `run()` does a whole sync."""

    def __init__(
        self,
        db: firestore.Client,
        *,
        google_url: str,
        access_token: str,
        calendar_id: str,
        account_id: str,
        window_start: datetime | None = None,
    ) -> None:
        self.db = db
        self.activities = db.collection("naive").document(account_id).collection("activities")
        self.url = f"{google_url.rstrip('/')}/calendar/v3/calendars/{quote(calendar_id, safe='')}"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {access_token}"
        self.window_start = window_start or datetime.now(UTC)

    # -- the sync ---------------------------------------------------------------------------

    def run(self) -> NaiveReport:
        report = NaiveReport()
        events = {event["id"]: event for event in self._list_all()}
        report.listed = len(events)
        paired: set[str] = set()
        for snapshot in self.activities.stream():
            report.read += 1
            activity = snapshot.to_dict() or {}
            event = events.get(activity.get("event_id") or "")
            if event is not None:
                paired.add(event["id"])
            self._reconcile(snapshot.reference, activity, event, report)
        for event_id, event in events.items():
            if event_id not in paired:
                self.activities.document(uuid.uuid4().hex).set(activity_doc(event))
                report.saved_activities += 1
        return report

    def _reconcile(self, ref: Any, activity: Doc, event: Doc | None, report: NaiveReport) -> None:
        if activity.get("deleted"):
            if activity.get("event_id") and event is not None:
                self._send("DELETE", f"/events/{activity['event_id']}")
                report.deleted_events += 1
            ref.delete()
            report.deleted_activities += 1
        elif not activity.get("event_id"):
            made = self._send("POST", "/events", event_body(activity))
            changes = {"event_id": made["id"], "event_etag": made["etag"]}
            ref.update({**changes, "synced_version": activity["version"]})
            report.created_events += 1
        elif event is None:
            ref.delete()  # its event was deleted in the calendar
            report.deleted_activities += 1
        elif event["etag"] != activity.get("event_etag"):  # the calendar wins
            version = activity["version"] + 1
            ref.set({**activity_doc(event), "version": version, "synced_version": version})
            report.saved_activities += 1
        elif activity["version"] != activity.get("synced_version"):
            path = f"/events/{activity['event_id']}"
            written = self._send("PUT", path, event_body(activity))
            ref.update({"event_etag": written["etag"], "synced_version": activity["version"]})
            report.updated_events += 1

    def _list_all(self) -> Iterator[Doc]:
        params: dict[str, Any] = {
            "singleEvents": "true",
            "maxResults": PAGE,
            "timeMin": self.window_start.isoformat(),
        }
        while True:
            page = self._send("GET", "/events", params=params)
            yield from page.get("items", [])
            if "nextPageToken" not in page:
                return
            params["pageToken"] = page["nextPageToken"]

    def _send(self, method: str, path: str, body: Doc | None = None, **kw: Any) -> Doc:
        response = self.http.request(method, self.url + path, json=body, timeout=60, **kw)
        response.raise_for_status()
        return response.json() if response.content else {}

    # -- what its CRM does ------------------------------------------------------------------

    def crm_create(self, activity: Doc) -> str:
        activity_id = uuid.uuid4().hex
        fields = {"event_id": None, "event_etag": None, "version": 1, "synced_version": 0}
        self.activities.document(activity_id).set({**activity, **fields, "deleted": False})
        return activity_id

    def crm_update(self, activity_id: str, **changes: Any) -> None:
        self.activities.document(activity_id).update({**changes, "version": firestore.Increment(1)})

    def crm_delete(self, activity_id: str) -> None:
        self.activities.document(activity_id).update({"deleted": True})

    def crm_get(self, activity_id: str) -> Doc | None:
        found: Doc | None = self.activities.document(activity_id).get().to_dict()
        return found

    def crm_find(self, event_id: str) -> tuple[str, Doc] | None:
        query = self.activities.where(filter=firestore.FieldFilter("event_id", "==", event_id))
        for snapshot in query.limit(1).stream():
            return snapshot.id, snapshot.to_dict() or {}
        return None


def new_activity(subject: str, start: Doc, end: Doc) -> Doc:
    """A CRM activity of the naive sync's store that has no event yet."""
    return {
        "subject": subject,
        "description": "Agenda: quarterly review of the account.",
        "location": "Room 4",
        "start": start,
        "end": end,
        "event_id": None,
        "event_etag": None,
        "version": 1,
        "synced_version": 0,
        "deleted": False,
    }


def seed(db: firestore.Client, account_id: str, docs: Iterator[Doc] | list[Doc]) -> int:
    """Write activity documents for the naive sync in batches of 500 (setup, not measured)."""
    activities = db.collection("naive").document(account_id).collection("activities")
    written, batch = 0, db.batch()
    for doc in docs:
        batch.set(activities.document(uuid.uuid4().hex), doc)
        written += 1
        if written % 500 == 0:
            batch.commit()
            batch = db.batch()
    if written % 500:
        batch.commit()
    return written


def naive_tick(
    db: firestore.Client, enqueue: Callable[[str], object], now: datetime, later: datetime
) -> int:
    """The naive fan-out tick: read every account, and for each due one move its next check
    ahead (one commit each) and ask for its job. Returns how many were due."""
    due = 0
    for snapshot in db.collection("accounts").stream():
        account = snapshot.to_dict() or {}
        check = account.get("next_check_at")
        if account.get("status") == "syncing" and check is not None and check <= now:
            snapshot.reference.update({"next_check_at": later, "sync.next_check_at": later})
            enqueue(snapshot.id)
            due += 1
    return due
