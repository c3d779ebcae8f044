"""The pull half of the decision table: one case per row, named after it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from calsync.domain import Origin, RemovedEvent, Side, Visibility
from calsync.domain.ids import event_id_for, imported_activity_id
from calsync.domain.link import LinkState
from calsync.domain.schedule import evolve
from calsync.sync.actions import PutLink, QueuePush, Record, RemoveActivity, SaveActivity
from calsync.sync.planner import plan_change

from tests.unit.builders import ACCOUNT, T0, activity, event, imported, kinds, link, scope

Case = Callable[[], tuple[Any, ...]]


def _synced(**event_changes: Any) -> tuple[Any, ...]:
    act, ev = activity(), event()
    return scope(), evolve(ev, etag='"2"', **event_changes), link(act, ev), act


def _past_pair(**event_changes: Any) -> tuple[Any, ...]:
    past = {"start": T0 - timedelta(hours=3), "end": T0 - timedelta(hours=2)}
    act, ev = activity(**past), event(**past)
    return scope(), evolve(ev, etag='"2"', **event_changes), link(act, ev), act


CASES: dict[str, tuple[Case, list[str]]] = {
    "our own write coming back: nothing": (
        lambda: (scope(), event(), link(activity(), event()), activity()),
        [],
    ),
    "calendar changed a field: activity updated, link moved": (
        lambda: _synced(summary="New"),
        ["SaveActivity", "PutLink"],
    ),
    "calendar changed only what the crm does not hold: link marks only": (
        lambda: _synced(organizer_self=False),
        ["PutLink"],
    ),
    "deleted in the crm, event still there: the link sees it as is, deletion queued": (
        lambda: (*_synced()[:3], None),
        ["PutLink", "QueuePush"],
    ),
    "deleted in the crm, edited in the calendar: deletion queued, the lost edit recorded": (
        lambda: (*_synced(location="Room 9")[:3], None),
        ["PutLink", "QueuePush", "Record"],
    ),
    "given to another user: queue the push that removes it": (
        lambda: (*_synced(organizer_self=False)[:3], activity(owner_id="bob")),
        ["PutLink", "QueuePush"],
    ),
    "given to another user, edited in the calendar: removal queued, the lost edit recorded": (
        lambda: (*_synced(summary="x")[:3], activity(owner_id="bob")),
        ["PutLink", "QueuePush", "Record"],
    ),
    "calendar moved the event into the past: the move reaches the activity": (
        lambda: _synced(start=T0 - timedelta(hours=2), end=T0 - timedelta(hours=1)),
        ["SaveActivity", "PutLink"],
    ),
    "an edit of a pair over on both sides: left alone": (
        lambda: _past_pair(summary="Edited afterwards"),
        [],
    ),
    "detached (one-way deletion): ignored": (
        lambda: (
            scope(),
            event(etag='"9"'),
            link(activity(), event(), state=LinkState.DETACHED),
            activity(),
        ),
        [],
    ),
    "new event in two-way: imported": (
        lambda: (scope(), event("u7", crm_activity_id=None), None, None),
        ["SaveActivity", "PutLink"],
    ),
    "new event in one-way: not imported": (
        lambda: (scope(sync_type="one_way"), event("u7", crm_activity_id=None), None, None),
        [],
    ),
    "new private event under skip: not imported": (
        lambda: (
            scope(private_events="skip"),
            event("u7", crm_activity_id=None, private=True),
            None,
            None,
        ),
        [],
    ),
    "new past event: not imported": (
        lambda: (
            scope(),
            event("u7", crm_activity_id=None, end=T0, start=T0 - timedelta(hours=1)),
            None,
            None,
        ),
        [],
    ),
    "our event without a link (crashed push), same content: tied": (
        lambda: (scope(), event(), None, activity()),
        ["PutLink"],
    ),
    "our event without a link, activity edited since: tied, later side wins, push queued": (
        lambda: (scope(), event(), None, activity(subject="Newer", updated_at=T0)),
        ["QueuePush", "PutLink", "Record"],
    ),
    "our event without a link and without activity: orphan deleted": (
        lambda: (scope(), event(), None, None),
        ["PutLink", "QueuePush"],
    ),
    "a user's copy of our event (stamp, other id): imported as new": (
        lambda: (scope(), event("u8"), None, None),
        ["SaveActivity", "PutLink"],
    ),
    "imported before, link lost: tied again": (
        lambda: (scope(), imported()[1], None, imported()[0]),
        ["PutLink"],
    ),
    "imported before, now someone else's: left alone": (
        lambda: (scope(), imported()[1], None, imported(owner_id="bob")[0]),
        [],
    ),
    "imported event turned private under skip (two-way): leaves the crm": (
        lambda: (
            scope(private_events="skip"),
            evolve(imported()[1], etag='"3"', private=True),
            link(*imported()),
            imported()[0],
        ),
        ["RemoveActivity", "DropLink"],
    ),
    "imported event turned private under skip (one-way): unlinked": (
        lambda: (
            scope(private_events="skip", sync_type="one_way"),
            evolve(imported()[1], etag='"3"', private=True),
            link(*imported()),
            imported()[0],
        ),
        ["DropLink"],
    ),
    "released (calendar switched away and back), unchanged: tied again": (
        lambda: (
            scope(),
            imported()[1],
            link(*imported(), state=LinkState.RELEASED),
            imported()[0],
        ),
        ["PutLink"],
    ),
    "released, edited in the crm meanwhile: tied again, the edit goes out": (
        lambda: (
            scope(),
            imported()[1],
            link(*imported(), state=LinkState.RELEASED),
            imported(subject="Edited while released", updated_at=T0)[0],
        ),
        ["QueuePush", "PutLink"],
    ),
    "occurrence deleted in the crm while released: it comes back": (
        lambda: (
            scope(),
            evolve(imported("s_1")[1], recurring_event_id="s"),
            link(*imported("s_1"), state=LinkState.RELEASED, read_only=True),
            None,
        ),
        ["SaveActivity", "PutLink"],
    ),
    "imported event turned private under skip after a crm edit: leaves, recorded": (
        lambda: (
            scope(private_events="skip"),
            evolve(imported()[1], etag='"3"', private=True),
            link(*imported()),
            imported(subject="edited")[0],
        ),
        ["RemoveActivity", "DropLink", "Record"],
    ),
    "removed, never linked: nothing": (
        lambda: (scope(), RemovedEvent(id="u1", calendar_id="cal"), None, None),
        [],
    ),
    "removed in two-way: activity goes": (
        lambda: (
            scope(),
            RemovedEvent(id=event_id_for("a1"), calendar_id="cal"),
            link(activity(), event()),
            activity(),
        ),
        ["RemoveActivity", "DropLink"],
    ),
    "removed in one-way: unlinked, kept": (
        lambda: (
            scope(sync_type="one_way"),
            RemovedEvent(id=event_id_for("a1"), calendar_id="cal"),
            link(activity(), event()),
            activity(),
        ),
        ["PutLink"],
    ),
    "removed occurrence (any sync type): activity goes": (
        lambda: (
            scope(sync_type="one_way"),
            RemovedEvent(id="s_1", calendar_id="cal", recurring_event_id="s"),
            link(*imported("s_1", read_only=True), recurring_event_id="s", read_only=True),
            imported("s_1", read_only=True)[0],
        ),
        ["RemoveActivity", "DropLink"],
    ),
    "removed, activity already gone: link forgotten": (
        lambda: (
            scope(),
            RemovedEvent(id=event_id_for("a1"), calendar_id="cal"),
            link(activity(), event()),
            None,
        ),
        ["DropLink"],
    ),
    "removed past item: link forgotten, activity kept": (
        lambda: (
            scope(),
            RemovedEvent(id=event_id_for("a1"), calendar_id="cal"),
            *_past_pair()[2:],
        ),
        ["DropLink"],
    ),
    "removed while its type no longer syncs (calsync's own delete): link forgotten, kept": (
        lambda: (
            scope(export_types=("call",)),
            RemovedEvent(id=event_id_for("a1"), calendar_id="cal"),
            link(activity(), event()),
            activity(),
        ),
        ["DropLink"],
    ),
    "deleted in the crm, the pair over on both sides: left alone, the link kept": (
        lambda: (*_past_pair(summary="Edited afterwards")[:3], None),
        [],
    ),
    "deleted in the crm when over, moved back into the future: deletion wins, recorded": (
        lambda: (*_past_pair(start=T0 + timedelta(hours=5), end=T0 + timedelta(hours=6))[:3], None),
        ["PutLink", "QueuePush", "Record"],
    ),
    "removed after a crm edit (two-way): deletion wins, recorded": (
        lambda: (
            scope(),
            RemovedEvent(id=event_id_for("a1"), calendar_id="cal"),
            link(activity(), event()),
            activity(subject="edited"),
        ),
        ["RemoveActivity", "DropLink", "Record"],
    ),
    "removed while released, its calendar synced again (two-way): the activity goes": (
        lambda: (
            scope(),
            RemovedEvent(id=imported()[1].id, calendar_id="cal"),
            link(*imported(), state=LinkState.RELEASED),
            imported()[0],
        ),
        ["RemoveActivity", "DropLink"],
    ),
    "removed while released, its calendar not synced: nothing": (
        lambda: (
            scope(),
            RemovedEvent(id=imported()[1].id, calendar_id="old"),
            link(*imported(), state=LinkState.RELEASED, calendar_id="old"),
            imported()[0],
        ),
        [],
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_decision_table(name: str) -> None:
    build, expected = CASES[name]
    plan_scope, change, found_link, found_activity = build()
    assert kinds(plan_change(plan_scope, change, found_link, found_activity)) == expected


def test_an_import_gets_the_incoming_type_and_a_deterministic_id() -> None:
    actions = plan_change(
        scope(import_as_type="call"), event("u7", crm_activity_id=None), None, None
    )
    save = actions[0]
    assert isinstance(save, SaveActivity)
    assert save.activity.id == imported_activity_id(ACCOUNT, "cal", "u7")
    assert (save.activity.type, save.activity.origin, save.fan_out) == (
        "call",
        Origin.CALENDAR,
        False,
    )
    put = actions[1]
    assert isinstance(put, PutLink)
    assert put.link.activity_version == 1


def test_a_merge_with_crm_changes_queues_the_event_update_and_records_decisions() -> None:
    act, ev = activity(), event()
    edited = evolve(act, subject="crm subject", location="crm room", updated_at=T0, version=2)
    changed = evolve(ev, etag='"2"', summary="cal subject", updated=T0 - timedelta(minutes=1))
    actions = plan_change(scope(), changed, link(act, ev), edited)
    assert kinds(actions) == ["PutLink", "QueuePush", "Record"] or kinds(actions) == [
        "QueuePush",
        "PutLink",
        "Record",
    ]
    record = next(a for a in actions if isinstance(a, Record))
    assert (record.conflict.field, record.conflict.winner) == ("subject", Side.CRM)
    put = next(a for a in actions if isinstance(a, PutLink))
    assert put.link.base is not None
    assert (put.link.base.subject, put.link.base.location) == ("crm subject", "crm room")
    assert put.link.event_etag == '"2"'


def test_a_calendar_change_of_a_crm_activity_fans_out_to_other_accounts() -> None:
    act, ev = activity(), event()
    [save, _] = plan_change(scope(), evolve(ev, etag='"2"', location="Room 2"), link(act, ev), act)
    assert isinstance(save, SaveActivity)
    assert (save.fan_out, save.push_here) == (True, False)
    assert (save.activity.version, save.activity.location) == (2, "Room 2")
    assert save.activity.updated_at == T0


def test_a_changed_private_events_option_applies_to_activities_that_follow_it() -> None:
    act, ev = imported(visibility=Visibility.EVERYONE)
    private = evolve(ev, private=True)
    given = link(act, private, visibility_given=Visibility.EVERYONE)  # what "everyone" gave
    actions = plan_change(scope(private_events="only_me"), private, given, act, reevaluate=True)
    save = next(a for a in actions if isinstance(a, SaveActivity))
    assert save.activity.visibility is Visibility.ONLY_ME
    put = next(a for a in actions if isinstance(a, PutLink))
    assert put.link.visibility_given is Visibility.ONLY_ME
    assert not any(isinstance(a, QueuePush | RemoveActivity) for a in actions)


def test_a_visibility_the_crm_user_chose_is_kept() -> None:
    """The policy gave "everyone"; the user chose "only me" (so the event became private)."""
    act, ev = imported(visibility=Visibility.ONLY_ME)
    private = evolve(ev, private=True)
    chosen = link(act, private, visibility_given=Visibility.EVERYONE)
    actions = plan_change(scope(private_events="everyone"), private, chosen, act, reevaluate=True)
    assert not any(isinstance(a, SaveActivity | QueuePush) for a in actions)


def test_a_crm_deletion_beating_a_calendar_edit_is_recorded_and_deletes_with_if_match() -> None:
    act, ev = activity(), event()
    edited = evolve(ev, etag='"7"', summary="Edited in the calendar")
    actions = plan_change(scope(), edited, link(act, ev), None)
    put = next(a for a in actions if isinstance(a, PutLink))
    assert put.link.event_etag == '"7"'  # the delete's If-Match: the event as it is now
    record = next(a for a in actions if isinstance(a, Record))
    assert (record.conflict.field, record.conflict.winner) == ("deleted", Side.CRM)
    assert (record.conflict.crm_value, record.conflict.calendar_value) == ("deleted", "edited")


def test_only_me_chosen_in_the_crm_keeps_the_activity_under_skip() -> None:
    """calsync made the event private because the CRM user chose "only me": no private import."""
    act, ev = imported(visibility=Visibility.ONLY_ME)
    private = evolve(ev, private=True)
    chosen = link(act, private, visibility_given=Visibility.EVERYONE)
    edited = evolve(private, etag='"5"', location="Cafe")
    actions = plan_change(scope(private_events="skip"), edited, chosen, act)
    assert not any(isinstance(a, RemoveActivity) for a in actions)
    save = next(a for a in actions if isinstance(a, SaveActivity))
    assert (save.activity.location, save.activity.visibility) == ("Cafe", Visibility.ONLY_ME)


def test_a_private_import_leaving_with_a_note_is_recorded() -> None:
    act, ev = imported(note="only in the CRM")
    actions = plan_change(
        scope(private_events="skip"), evolve(ev, etag='"3"', private=True), link(act, ev), act
    )
    assert kinds(actions) == ["RemoveActivity", "DropLink", "Record"]
