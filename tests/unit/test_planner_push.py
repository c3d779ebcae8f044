"""The push half of the decision table, and what each write result means."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from calsync.domain import LinkState, Origin, Side
from calsync.domain.ids import event_id_for
from calsync.domain.mapping import fields_from_activity, fields_from_event
from calsync.domain.schedule import evolve
from calsync.ports import CreateEvent, DeleteEvent, Outcome, UpdateEvent, WriteResult
from calsync.sync.actions import ClearOutbox, PutLink, QueuePush, Record, SaveActivity
from calsync.sync.outcomes import plan_outcome
from calsync.sync.push_plan import plan_push

from tests.unit.builders import T0, activity, event, imported, kinds, link, scope

Case = Callable[[], tuple[Any, ...]]
EVENT_ID = event_id_for("a1")
PAST = {"start": T0 - timedelta(hours=2), "end": T0 - timedelta(hours=1)}

CASES: dict[str, tuple[Case, str | None, list[str]]] = {
    "new crm activity: create with the derived id": (
        lambda: (scope(), activity(), None),
        "CreateEvent",
        [],
    ),
    "type not exported, never pushed: nothing": (
        lambda: (scope(export_types=("call",)), activity(), None),
        None,
        ["ClearOutbox"],
    ),
    "type no longer exported: its event goes": (
        lambda: (scope(export_types=("call",)), activity(), link(activity(), event())),
        "DeleteEvent",
        [],
    ),
    "someone else's activity, never pushed: nothing": (
        lambda: (scope(), activity(owner_id="bob"), None),
        None,
        ["ClearOutbox"],
    ),
    "given to another user: its event goes": (
        lambda: (scope(), activity(owner_id="bob"), link(activity(), event())),
        "DeleteEvent",
        [],
    ),
    "imported activity given to another user: only unlinked": (
        lambda: (scope(), imported(owner_id="bob")[0], link(*imported())),
        None,
        ["DropLink", "ClearOutbox"],
    ),
    "moved into the past in the crm: the move reaches the event": (
        lambda: (
            scope(),
            activity(start=T0 - timedelta(hours=2), end=T0 - timedelta(hours=1)),
            link(activity(), event()),
        ),
        "UpdateEvent",
        [],
    ),
    "edited when over on both sides: not propagated": (
        lambda: (
            scope(),
            activity(subject="x", start=T0 - timedelta(hours=2), end=T0 - timedelta(hours=1)),
            link(
                activity(start=T0 - timedelta(hours=2), end=T0 - timedelta(hours=1)),
                event(start=T0 - timedelta(hours=2), end=T0 - timedelta(hours=1)),
            ),
        ),
        None,
        ["ClearOutbox"],
    ),
    "a merge moved the pair into the past, its update still due: delivered": (
        lambda: (
            scope(),
            activity(subject="x", start=T0 - timedelta(hours=2), end=T0 - timedelta(hours=1)),
            link(activity(**PAST), event(**PAST), event_base=fields_from_event(event(**PAST))),
        ),
        "UpdateEvent",
        [],
    ),
    "past, never pushed: not created": (
        lambda: (
            scope(),
            activity(start=T0 - timedelta(hours=2), end=T0 - timedelta(hours=1)),
            None,
        ),
        None,
        ["ClearOutbox"],
    ),
    "unchanged content: link refreshed only": (
        lambda: (
            scope(),
            activity(version=3, note="only the note changed"),
            link(activity(), event()),
        ),
        None,
        ["PutLink", "ClearOutbox"],
    ),
    "changed in the crm: update with if-match": (
        lambda: (scope(), activity(subject="New"), link(activity(), event())),
        "UpdateEvent",
        [],
    ),
    "read-only occurrence: never written": (
        lambda: (
            scope(),
            imported("s_1", read_only=True)[0],
            link(*imported("s_1", read_only=True), read_only=True),
        ),
        None,
        ["ClearOutbox"],
    ),
    "deleted in the crm: its event goes": (
        lambda: (scope(), None, link(activity(), event())),
        "DeleteEvent",
        [],
    ),
    "deleted in the crm after the calendar moved the past pair into the future: event goes": (
        lambda: (
            scope(),
            None,
            link(activity(**PAST), event(**PAST), event_base=fields_from_event(event())),
        ),
        "DeleteEvent",
        [],
    ),
    "deleted in the crm, the pair over: left alone, the link kept": (
        lambda: (scope(), None, link(activity(**PAST), event(**PAST))),
        None,
        ["ClearOutbox"],
    ),
    "deleted before any push: nothing": (
        lambda: (scope(), None, None),
        None,
        ["ClearOutbox"],
    ),
    "detached (one-way): never pushes again": (
        lambda: (
            scope(),
            activity(subject="x"),
            link(activity(), event(), state=LinkState.DETACHED),
        ),
        None,
        ["ClearOutbox"],
    ),
    "imported through another account: not copied here": (
        lambda: (scope(), activity(origin=Origin.CALENDAR, source_account_id="other"), None),
        None,
        ["ClearOutbox"],
    ),
    "left in a calendar no longer synced: left alone": (
        lambda: (scope(), activity(subject="x"), link(activity(), event(), calendar_id="old")),
        None,
        ["ClearOutbox"],
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_decision_table(name: str) -> None:
    build, write, actions = CASES[name]
    plan_scope, found_activity, found_link = build()
    step = plan_push(
        plan_scope,
        activity_id="a1" if found_activity is None else found_activity.id,
        version=1,
        activity=found_activity,
        link=found_link,
        linked_items={},
    )
    assert (type(step.write).__name__ if step.write else None) == write
    assert kinds(step.actions) == actions


def test_creates_and_updates_carry_ids_stamps_and_etags() -> None:
    create = plan_push(
        scope(), activity_id="a1", version=1, activity=activity(), link=None, linked_items={}
    ).write
    assert isinstance(create, CreateEvent)
    assert (create.event_id, create.activity_id, create.fields.subject) == (
        EVENT_ID,
        "a1",
        "Review",
    )
    update = plan_push(
        scope(),
        activity_id="a1",
        version=2,
        activity=activity(subject="New"),
        link=link(activity(), event(etag='"7"')),
        linked_items={},
    ).write
    assert isinstance(update, UpdateEvent)
    assert (update.if_match, update.fields.subject) == ('"7"', "New")
    delete = plan_push(
        scope(),
        activity_id="a1",
        version=2,
        activity=None,
        link=link(activity(), event(etag='"8"')),
        linked_items={},
    ).write
    assert delete == DeleteEvent(EVENT_ID, if_match='"8"')


def _fields(act: Any) -> Any:
    return fields_from_activity(act, scope().settings)


def _outcome(
    write: Any, result: WriteResult, pushed: Any, now_link: Any, now_activity: Any = None
) -> Any:
    return plan_outcome(
        scope(),
        write=write,
        result=result,
        pushed=pushed,
        activity=now_activity or pushed,
        link=now_link,
        version=pushed.version if pushed else 1,
    )


def test_a_created_event_is_linked_and_the_entry_cleared() -> None:
    act = activity(version=4)
    write = CreateEvent(EVENT_ID, _fields(act), "a1")
    settled = _outcome(write, WriteResult(Outcome.OK, event(etag='"5"')), act, None)
    assert kinds(settled.actions) == ["PutLink", "ClearOutbox"]
    put = settled.actions[0]
    assert isinstance(put, PutLink)
    assert (put.link.event_etag, put.link.activity_version, put.link.origin) == (
        '"5"',
        4,
        Origin.CRM,
    )
    assert settled.actions[1] == ClearOutbox("a1", 4)


def test_an_existing_event_of_ours_is_tied_and_pushed_again() -> None:
    act = activity(subject="Newer", updated_at=T0)
    write = CreateEvent(EVENT_ID, _fields(act), "a1")
    settled = _outcome(write, WriteResult(Outcome.EXISTS, event()), act, None)
    assert kinds(settled.actions) == ["QueuePush", "PutLink", "Record"]
    assert settled.actions[0] == QueuePush("a1", "upsert", act.version)


def test_an_existing_event_of_someone_else_is_refused_and_recorded() -> None:
    act = activity()
    write = CreateEvent(EVENT_ID, _fields(act), "a1")
    settled = _outcome(write, WriteResult(Outcome.EXISTS, event(crm_activity_id="zzz")), act, None)
    assert kinds(settled.actions) == ["Record", "ClearOutbox"]


def test_a_stale_update_merges_with_the_event_as_it_is_now() -> None:
    act, ev = activity(), event()
    pushed = activity(subject="From the CRM", updated_at=T0, version=2)
    current = evolve(
        ev, etag='"3"', location="From the calendar", updated=T0 - timedelta(minutes=1)
    )
    write = UpdateEvent(EVENT_ID, _fields(pushed), if_match='"1"')
    settled = _outcome(write, WriteResult(Outcome.STALE, current), pushed, link(act, ev))
    assert not settled.retry
    save = next(a for a in settled.actions if isinstance(a, SaveActivity))
    assert (save.activity.subject, save.activity.location, save.push_here) == (
        "From the CRM",
        "From the calendar",
        True,
    )
    assert not any(isinstance(a, ClearOutbox | Record) for a in settled.actions)


def test_a_gone_update_is_a_calendar_deletion() -> None:
    act, ev = activity(subject="x"), event()
    write = UpdateEvent(EVENT_ID, _fields(act), if_match='"1"')
    settled = _outcome(write, WriteResult(Outcome.GONE), act, link(activity(), ev))
    assert kinds(settled.actions)[:2] == ["RemoveActivity", "DropLink"]


@pytest.mark.parametrize("outcome", [Outcome.OK, Outcome.GONE])
def test_a_delete_done_or_gone_forgets_the_link(outcome: Outcome) -> None:
    settled = _outcome(DeleteEvent(EVENT_ID), WriteResult(outcome), None, link(activity(), event()))
    assert kinds(settled.actions) == ["DropLink", "ClearOutbox"]


def test_rejected_writes_are_recorded_and_retries_keep_the_entry() -> None:
    act = activity()
    write = UpdateEvent(EVENT_ID, _fields(act))
    rejected = _outcome(
        write, WriteResult(Outcome.REJECTED, detail="forbidden"), act, link(act, event())
    )
    assert kinds(rejected.actions) == ["Record", "ClearOutbox"]
    record = rejected.actions[0]
    assert isinstance(record, Record)
    assert "forbidden" in record.conflict.reason
    retry = _outcome(write, WriteResult(Outcome.RETRY), act, link(act, event()))
    assert (retry.retry, retry.actions) == (True, [])


def test_a_stale_delete_records_the_lost_calendar_edit_and_deletes_again() -> None:
    act, ev = activity(), event()
    current = evolve(ev, etag='"4"', summary="Edited in the calendar")
    write = DeleteEvent(EVENT_ID, if_match='"1"')
    settled = _outcome(write, WriteResult(Outcome.STALE, current), None, link(act, ev))
    assert not settled.retry
    assert kinds(settled.actions) == ["PutLink", "QueuePush", "Record"]
    put, queued, record = settled.actions
    assert isinstance(put, PutLink)
    assert put.link.event_etag == '"4"'  # the next delete's If-Match
    assert queued == QueuePush("a1", "delete", act.version)
    assert isinstance(record, Record)
    assert (record.conflict.field, record.conflict.winner) == ("deleted", Side.CRM)


def test_a_stale_delete_of_a_type_no_longer_exported_merges_the_edit_first() -> None:
    """The activity stays in the CRM: the calendar's edit is kept in it, then the event goes."""
    act, ev = activity(), event()
    current = evolve(ev, etag='"4"', location="Room 9", updated=T0)
    write = DeleteEvent(EVENT_ID, if_match='"1"')
    settled = plan_outcome(
        scope(export_types=("call",)),
        write=write,
        result=WriteResult(Outcome.STALE, current),
        pushed=act,
        activity=act,
        link=link(act, ev),
        version=act.version,
    )
    save = next(a for a in settled.actions if isinstance(a, SaveActivity))
    assert save.activity.location == "Room 9"
    put = next(a for a in settled.actions if isinstance(a, PutLink))
    assert put.link.event_etag == '"4"'
    assert any(isinstance(a, QueuePush) for a in settled.actions)
    assert not any(isinstance(a, ClearOutbox) for a in settled.actions)


@pytest.mark.parametrize("write_kind", ["delete", "update"])
def test_a_stale_write_meeting_another_activitys_own_event_is_a_removal(write_kind: str) -> None:
    """The import's event was deleted and calsync's create for activity a2 took its id: the
    import's write must not touch a2's event (nor merge it into the import)."""
    act, ev = imported(event_id_for("a2"))
    theirs = event(event_id_for("a2"), crm_activity_id="a2", etag='"9"', summary="a2's own")
    write: Any = (
        DeleteEvent(ev.id, if_match='"1"')
        if write_kind == "delete"
        else UpdateEvent(ev.id, _fields(act), if_match='"1"')
    )
    pushed = None if write_kind == "delete" else act
    settled = _outcome(write, WriteResult(Outcome.STALE, theirs), pushed, link(act, ev))
    assert not any(isinstance(a, QueuePush | SaveActivity | PutLink) for a in settled.actions)
    assert "DropLink" in kinds(settled.actions)
