"""The CRM's built-in activity store: list, read, create, change and delete activities.

Every change goes through `sync/outbox.py` in one transaction (the activity with `version` + 1
and an outbox entry per syncing account of its owner); jobs are asked for after the commit (a
lost request is found again by the fan-out tick's outbox sweep).

Who sees what: an activity's details are seen by its owner, and by others only if it is
visible to everyone and they may see each of its linked deal, person and organization; others
otherwise see a busy block. Only the owner reads one activity by id or changes it (others get
"not found"); read-only activities (occurrences of recurring calendar events, special event
types) refuse changes with a reason.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from calsync.domain.activity import (
    Activity,
    LinkedItem,
    LinkedItemKind,
    User,
    stamp_changes,
)
from calsync.domain.rules import can_see_details
from calsync.domain.schedule import evolve
from calsync.errors import InvalidInput, NotFound, QueueError, ReadOnly, VersionMismatch
from calsync.ports import UnitOfWork
from calsync.services.activity_model import (
    INSTANT,
    OUTPUT_ONLY,
    SERVER_FIELDS,
    YEARS,
    ActivityView,
    build,
    client_fields,
    supported,
    view,
)
from calsync.services.common import ServiceContext
from calsync.sync.outbox import delete_activity, save_activity, syncing_accounts

log = logging.getLogger(__name__)

MAX_RANGE = timedelta(days=92)
READ_ONLY_REASON = (
    "this activity mirrors a recurring calendar event (or a special event type) and is "
    "read-only in the CRM: change it in the calendar"
)
_ID_FIELD = {
    LinkedItemKind.DEAL: "deal_id",
    LinkedItemKind.PERSON: "person_id",
    LinkedItemKind.ORGANIZATION: "org_id",
}


def may_see(viewer: User, item: LinkedItem | None) -> bool:
    return item is None or item.visible_to_everyone or item.owner_id == viewer.id


class ActivityService:
    """The activities API's use cases."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    # -- reading ---------------------------------------------------------------------------

    def in_range(
        self, user: User, start: str | None, end: str | None, owner_id: str | None = None
    ) -> list[ActivityView]:
        begin, finish = _range(start, end)
        uow = self._ctx.storage.session()
        found = [
            a
            for a in uow.activities.overlapping(user.company_id, begin, finish)
            if owner_id is None or a.owner_id == owner_id
        ]
        found.sort(key=lambda a: (a.starts_at(), a.id))
        items: dict[tuple[LinkedItemKind, str], LinkedItem | None] = {}
        return [view(a, details=self._details(uow, user, a, items)) for a in found]

    def get(self, user: User, activity_id: str) -> ActivityView:
        return view(self._own(self._ctx.storage.session(), user, activity_id), details=True)

    def _details(
        self,
        uow: UnitOfWork,
        viewer: User,
        activity: Activity,
        cache: dict[tuple[LinkedItemKind, str], LinkedItem | None],
    ) -> bool:
        """`rules.can_see_details`, reading the linked items only if it asks for them (a
        linked item the CRM no longer has hides the details)."""

        def linked() -> Iterator[LinkedItem]:
            for kind, item_id in activity.linked_item_ids.items():
                if (kind, item_id) not in cache:
                    found = uow.directory.linked_item(activity.company_id, kind, item_id)
                    cache[kind, item_id] = found
                if (item := cache[kind, item_id]) is not None:
                    yield item

        return can_see_details(activity, viewer.id, linked())

    # -- changing --------------------------------------------------------------------------

    def create(self, user: User, body: Mapping[str, Any]) -> ActivityView:
        _refuse_server_fields(body, None)
        now = self._ctx.clock.now()
        activity_id = uuid.uuid4().hex

        def work(uow: UnitOfWork) -> tuple[Activity, list[str]]:
            accounts = syncing_accounts(uow, user.company_id, user.id)
            made = build(
                body,
                problems=self._world_problems(uow, user, body, None),
                id=activity_id,
                company_id=user.company_id,
                owner_id=user.id,
                created_at=now,
                updated_at=now,
            )
            activity = stamp_changes(None, made, now)  # each field's CRM time, for merges
            return activity, save_activity(uow, activity, accounts, now)

        activity, queued = self._ctx.storage.transaction(work)
        self._request_jobs(queued)
        return view(activity, details=True)

    def patch(self, user: User, activity_id: str, body: Mapping[str, Any]) -> ActivityView:
        def work(uow: UnitOfWork) -> tuple[Activity, list[str]]:
            current = self._changeable(uow, user, activity_id)
            merged = {**client_fields(current), **_refuse_server_fields(body, current)}
            accounts = syncing_accounts(uow, user.company_id, user.id)
            now = self._ctx.clock.now()
            changed = build(
                merged,
                problems=self._world_problems(uow, user, merged, current),
                **{name: getattr(current, name) for name in _KEPT},
                version=current.version + 1,
                updated_at=now,
            )
            activity = stamp_changes(current, changed, now)  # each field's CRM time
            return activity, save_activity(uow, activity, accounts, now)

        activity, queued = self._ctx.storage.transaction(work)
        self._request_jobs(queued)
        return view(activity, details=True)

    def delete(self, user: User, activity_id: str) -> None:
        def work(uow: UnitOfWork) -> list[str]:
            current = self._changeable(uow, user, activity_id)
            accounts = syncing_accounts(uow, user.company_id, user.id)
            now = self._ctx.clock.now()
            gone = evolve(current, version=current.version + 1, updated_at=now)
            return delete_activity(uow, gone, accounts, now)

        self._request_jobs(self._ctx.storage.transaction(work))

    # -- helpers ---------------------------------------------------------------------------

    def _own(self, uow: UnitOfWork, user: User, activity_id: str) -> Activity:
        activity = uow.activities.get(user.company_id, activity_id) if activity_id else None
        if activity is None or activity.owner_id != user.id:
            raise NotFound("no such activity")
        return activity

    def _changeable(self, uow: UnitOfWork, user: User, activity_id: str) -> Activity:
        activity = self._own(uow, user, activity_id)
        if activity.read_only:
            raise ReadOnly(READ_ONLY_REASON)
        return activity

    def _world_problems(
        self, uow: UnitOfWork, user: User, data: Mapping[str, Any], before: Activity | None
    ) -> dict[str, str]:
        """The type must be an active type of the company, linked items ones the user sees.

        Only what changed is checked (a type deactivated later does not block other edits).
        """
        problems = {}
        kind = data.get("type")
        if isinstance(kind, str) and (before is None or kind != before.type):
            active = {t.key for t in uow.directory.activity_types(user.company_id) if t.active}
            if kind not in active:
                problems["type"] = f"no active activity type {kind!r}"
        for item_kind, name in _ID_FIELD.items():
            item_id = data.get(name)
            if not isinstance(item_id, str) or not item_id:
                continue
            if before is not None and getattr(before, name) == item_id:
                continue
            item = uow.directory.linked_item(user.company_id, item_kind, item_id)
            if item is None or not may_see(user, item):
                problems[name] = f"no such {item_kind.value}"
        return problems

    def _request_jobs(self, account_ids: Iterable[str]) -> None:
        """Push-only jobs: a CRM change needs no pull first (its push carries If-Match, and
        calendar changes have their notifications ask for pulling jobs)."""
        for account_id in account_ids:
            try:
                self._ctx.request_job(account_id, pull=False)
            except QueueError as exc:  # the outbox keeps the change; the fan-out finds it
                log.warning("job request for account %s failed: %s", account_id, exc.code)


_KEPT = ("id", "company_id", "owner_id", "read_only", "origin", "source_account_id", "created_at")


def _refuse_server_fields(body: Mapping[str, Any], current: Activity | None) -> dict[str, Any]:
    """The client's changes without server fields; those may only echo the current values."""
    shown = view(current, details=True).model_dump(mode="json") if current is not None else {}
    problems: dict[str, str] = {}
    for name in (*SERVER_FIELDS, *OUTPUT_ONLY):
        if name not in body:
            continue
        if name == "version" and current is not None:
            if body[name] != current.version:
                raise VersionMismatch(
                    f"the activity changed meanwhile (it is at version {current.version})"
                )
        elif current is None or body[name] != shown.get(name):
            problems[name] = "is set by the server"
    if problems:
        raise InvalidInput("invalid activity", problems)
    return {k: v for k, v in body.items() if k not in SERVER_FIELDS and k not in OUTPUT_ONLY}


def _range(start: str | None, end: str | None) -> tuple[datetime, datetime]:
    problems: dict[str, str] = {}
    bounds: dict[str, datetime] = {}
    for name, value in (("start", start), ("end", end)):
        try:
            bounds[name] = INSTANT.validate_python(value)
        except ValidationError:
            problems[name] = "required: a date-time with a UTC offset"
        else:
            if not supported(bounds[name]):
                problems[name] = YEARS
    if not problems and bounds["end"] <= bounds["start"]:
        problems["end"] = "must be after start"
    if not problems and bounds["end"] - bounds["start"] > MAX_RANGE:
        problems["end"] = f"the range may span at most {MAX_RANGE.days} days"
    if problems:
        raise InvalidInput("invalid range", problems)
    return bounds["start"], bounds["end"]
