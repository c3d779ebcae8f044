"""The six kinds of change the cost figure makes, on calsync's pair and on the naive one.

CRM changes go through the activities API (calsync) or the naive store; Google changes are the
person's own calls to the simulator, one call each (insert, update, delete: one quota unit
each), which `own_calls` names so the figure can take them off the counters.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import quote

from calsync.bench.change_setup import NaivePair, Pair, meeting
from calsync.bench.naive import new_activity
from calsync.bench.world import event_body
from calsync.devstack.client import GoogleUser
from calsync.domain.ids import event_id_for, imported_activity_id

KINDS = (
    "crm_create",
    "crm_update",
    "crm_delete",
    "google_create",
    "google_update",
    "google_delete",
)
_GOOGLE_METHOD = {"create": "insert", "update": "update", "delete": "delete"}


def own_calls(kind: str) -> Counter[str]:
    """The person's own Google calls that make a change of `kind` (none for CRM changes)."""
    side, _, what = kind.partition("_")
    return Counter() if side == "crm" else Counter({f"events.{_GOOGLE_METHOD[what]}": 1})


def _put(google: GoogleUser, calendar_id: str, event: dict[str, Any], summary: str) -> None:
    """The person's update of an event (PUT: one call, one quota unit)."""
    url = f"{google.url}/calendar/v3/calendars/{quote(calendar_id, safe='')}/events/{event['id']}"
    google.session.put(url, json={**event, "summary": summary}, timeout=30).raise_for_status()


class CrmSide:
    """Changes on calsync's pair: the activities API, and the person in Google."""

    def __init__(self, pair: Pair, index: int) -> None:
        self.pair, self.index = pair, index
        self.activity_id = ""
        self.event: dict[str, Any] = {}

    def make(self, kind: str) -> None:
        pair, index = self.pair, self.index
        if kind == "crm_create":
            self.activity_id = pair.client.create_activity(**meeting(index, f"New {index}"))["id"]
        elif kind == "crm_update":
            pair.client.edit_activity(self.activity_id, subject=f"Changed {index}")
        elif kind == "crm_delete":
            pair.client.delete_activity(self.activity_id)
        elif kind == "google_create":
            body = event_body(index, "Made in Google")
            self.event = pair.google.insert(pair.calendar_id, body)
        elif kind == "google_update":
            _put(pair.google, pair.calendar_id, self.event, f"Changed in Google {index}")
        else:
            pair.google.delete(pair.calendar_id, self.event["id"])

    def arrived(self, kind: str) -> bool:
        """Whether the other side shows the change (checked after its costs were read)."""
        pair = self.pair
        if kind.startswith("crm"):
            summary = pair.event_summary(event_id_for(self.activity_id))
            return summary is None if kind == "crm_delete" else summary is not None
        subject = pair.subject(
            imported_activity_id(pair.account, pair.calendar_id, self.event["id"])
        )
        expected = {
            "google_create": f"Made in Google {self.index}",
            "google_update": f"Changed in Google {self.index}",
            "google_delete": None,
        }
        return subject == expected[kind]


class NaiveSide:
    """The same changes for the naive baseline, each followed by its sync (and the sync its
    own Google write sets off)."""

    def __init__(self, naive: NaivePair, index: int) -> None:
        self.naive, self.index = naive, index
        self.activity_id = ""
        self.event: dict[str, Any] = {}

    def make(self, kind: str) -> None:
        naive, index = self.naive, self.index
        sync, google, calendar = naive.sync, naive.google, naive.calendar_id
        if kind == "crm_create":
            body = event_body(index, "Made in the CRM")
            self.activity_id = sync.crm_create(
                new_activity(body["summary"], body["start"], body["end"])
            )
        elif kind == "crm_update":
            sync.crm_update(self.activity_id, subject=f"Changed {index}")
        elif kind == "crm_delete":
            sync.crm_delete(self.activity_id)
        elif kind == "google_create":
            self.event = google.insert(calendar, event_body(index, "Made in Google"))
        elif kind == "google_update":
            _put(google, calendar, self.event, f"Changed in Google {index}")
        else:
            google.delete(calendar, self.event["id"])
        report = sync.run()
        if report.created_events + report.updated_events + report.deleted_events:
            sync.run()  # the notification of its own write
